//! The definition of a new blind index (FORMAT.md §16.1, §16.2, §16.4): its name, the width of
//! its terms and its normalizer description, each checked when it is given.

use crate::error::{Error, Result};

/// The width of a term's truncated HMAC when none is chosen, in bytes (FORMAT.md §16.2).
pub const DEFAULT_WIDTH: u8 = 16;
/// The narrowest width: 2 bytes, where collisions are wanted to blunt frequency analysis.
pub const MIN_WIDTH: u8 = 2;
/// The widest width: the whole HMAC-SHA256 output.
pub const MAX_WIDTH: u8 = 32;
/// The longest normalizer description, in bytes.
pub const MAX_NORMALIZER_LEN: usize = 255;

/// A blind index to define in a keyring ([`Keyring::add_index`](crate::Keyring::add_index)):
/// its name, the width of its terms and the description of its normalizer.
///
/// ```
/// use fieldseal::IndexSpec;
/// let spec = IndexSpec::new("phone")?.with_width(8)?.with_normalizer("phone:GB")?;
/// assert_eq!((spec.name(), spec.width(), spec.normalizer()), ("phone", 8, "phone:GB"));
/// assert!(IndexSpec::new("Phone").is_err());
/// assert!(IndexSpec::new("phone")?.with_width(40).is_err());
/// # Ok::<(), fieldseal::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexSpec {
    pub(super) name: String,
    pub(super) width: u8,
    pub(super) normalizer: String,
}

impl IndexSpec {
    /// An index of this name, [`DEFAULT_WIDTH`] bytes wide, with no normalizer recorded.
    ///
    /// # Errors
    /// [`Error::InvalidIndexName`]: an index name follows the rules of purpose names (FORMAT.md
    /// §4.1), in a namespace of its own.
    pub fn new(name: &str) -> Result<Self> {
        validate_index_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            width: DEFAULT_WIDTH,
            normalizer: String::new(),
        })
    }

    /// The width of its terms' HMAC, in bytes: [`MIN_WIDTH`] to [`MAX_WIDTH`]. Narrower terms
    /// collide more often, which hides how often a value occurs, and every collision is a
    /// candidate row to open and compare.
    ///
    /// # Errors
    /// [`Error::InvalidIndexSpec`] for a width outside 2 to 32.
    pub fn with_width(mut self, width: u8) -> Result<Self> {
        check_width(&self.name, width)?;
        self.width = width;
        Ok(self)
    }

    /// The description of the normalizer its values go through before a term is computed (such
    /// as `email` or `phone:GB`), recorded so that every service computes the same terms. The
    /// library does not interpret it here.
    ///
    /// # Errors
    /// [`Error::InvalidIndexSpec`] for more than 255 bytes or a control character.
    pub fn with_normalizer(mut self, description: &str) -> Result<Self> {
        check_normalizer(&self.name, description)?;
        description.clone_into(&mut self.normalizer);
        Ok(self)
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its width, in bytes.
    pub fn width(&self) -> u8 {
        self.width
    }

    /// Its normalizer description, empty if none was recorded.
    pub fn normalizer(&self) -> &str {
        &self.normalizer
    }
}

/// Checks an index name (the rules of FORMAT.md §4.1).
pub(crate) fn validate_index_name(name: &str) -> Result<()> {
    match crate::purpose::rule_broken(name) {
        None => Ok(()),
        Some(reason) => Err(Error::InvalidIndexName {
            name: name.chars().take(80).collect(),
            reason,
        }),
    }
}

pub(crate) fn check_width(index: &str, width: u8) -> Result<()> {
    if (MIN_WIDTH..=MAX_WIDTH).contains(&width) {
        return Ok(());
    }
    Err(Error::InvalidIndexSpec {
        index: index.to_owned(),
        reason: format!(
            "width {width} is outside {MIN_WIDTH} to {MAX_WIDTH} bytes; choose {DEFAULT_WIDTH} \
             (the default) unless collisions are wanted"
        ),
    })
}

pub(crate) fn check_normalizer(index: &str, description: &str) -> Result<()> {
    let reason = if description.len() > MAX_NORMALIZER_LEN {
        format!(
            "its normalizer description is {} bytes, more than {MAX_NORMALIZER_LEN}; name the \
             normalizer briefly, as `email` or `phone:GB`",
            description.len()
        )
    } else if description.chars().any(char::is_control) {
        "its normalizer description holds a control character; name the normalizer in plain \
         text, as `email` or `phone:GB`"
            .to_owned()
    } else {
        return Ok(());
    };
    Err(Error::InvalidIndexSpec {
        index: index.to_owned(),
        reason,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn specs_refuse_bad_widths_and_descriptions() {
        let spec = IndexSpec::new("email").unwrap();
        for width in [0, 1, 33, 255] {
            assert!(spec.clone().with_width(width).is_err(), "{width}");
        }
        for width in [2, 16, 32] {
            assert_eq!(spec.clone().with_width(width).unwrap().width(), width);
        }
        assert!(spec.clone().with_normalizer(&"x".repeat(255)).is_ok());
        assert!(spec.clone().with_normalizer(&"x".repeat(256)).is_err());
        assert!(spec.clone().with_normalizer("tab\there").is_err());
        assert_eq!(
            spec.with_normalizer("phone:GB").unwrap().normalizer(),
            "phone:GB"
        );
    }
}
