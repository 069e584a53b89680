//! Custom normalizers: plain functions, and functions given a name (FORMAT.md §17.9).

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use super::unicode::{check_len, check_output};
use super::{DefinitionProblem, Normalize, NormalizeError};

/// The longest name of a custom normalizer, in bytes.
const MAX_NAME_LEN: usize = 64;

/// Any function or closure is a normalizer. Its description is `custom`, which names nothing
/// and which [`from_description`](super::from_description) refuses: wrap the function with
/// [`custom`] to give it a name that an index definition can store. Input and output are held
/// to [`MAX_LEN`](super::MAX_LEN) as for the built-in normalizers.
impl<F> Normalize for F
where
    F: Fn(&str) -> Result<String, NormalizeError> + Send + Sync,
{
    fn normalize(&self, input: &str) -> Result<String, NormalizeError> {
        check_len(input)?;
        check_output(self(input)?)
    }

    fn description(&self) -> Cow<'_, str> {
        Cow::Borrowed("custom")
    }
}

type NormalizeFn = dyn Fn(&str) -> Result<String, NormalizeError> + Send + Sync;

/// A function with a name: a normalizer whose description is `custom:<name>`. Made by
/// [`custom`]; cheap to clone (the function is shared), so that the same one can be passed to
/// [`from_description_with`](super::from_description_with) wherever descriptions are read.
#[derive(Clone)]
pub struct Custom {
    description: String,
    function: Arc<NormalizeFn>,
}

/// Names `function` as a normalizer whose description is `custom:<name>`. The name is 1 to 64
/// bytes of `a`-`z`, `0`-`9`, `-` and `.`; give a new name (`sku-v2`) whenever the function's
/// output changes, since stored index terms were computed with the old one.
///
/// The function's errors must not contain its input: build them with
/// [`NormalizeError::custom`], whose reason is a `&'static str`.
pub fn custom<F>(name: &str, function: F) -> Result<Custom, NormalizeError>
where
    F: Fn(&str) -> Result<String, NormalizeError> + Send + Sync + 'static,
{
    if !is_valid_name(name) {
        return Err(DefinitionProblem::BadCustomName.into());
    }
    Ok(Custom {
        description: format!("custom:{name}"),
        function: Arc::new(function),
    })
}

/// Whether `name` is a valid custom normalizer name.
pub(super) fn is_valid_name(name: &str) -> bool {
    (1..=MAX_NAME_LEN).contains(&name.len())
        && name
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b'.')
}

impl Custom {
    /// The name given to [`custom`].
    pub fn name(&self) -> &str {
        &self.description["custom:".len()..]
    }
}

impl Normalize for Custom {
    fn normalize(&self, input: &str) -> Result<String, NormalizeError> {
        check_len(input)?;
        check_output((self.function)(input)?)
    }

    fn description(&self) -> Cow<'_, str> {
        Cow::Borrowed(&self.description)
    }
}

impl fmt::Debug for Custom {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_tuple("Custom").field(&self.name()).finish()
    }
}
