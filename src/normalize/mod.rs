//! Normalizers: the canonical form of a value that a blind index hashes (FORMAT.md §17).
//!
//! A blind index finds a customer by an equality on a keyed hash, so two spellings of one value
//! must hash alike: `" Ada@Example.COM "` and `"ada@example.com"` are one customer. A normalizer
//! turns user input into that canonical text, or refuses it with a [`NormalizeError`] that says
//! what is wrong without repeating the input (it is personal data).
//!
//! Every normalizer has a *description*, a short string such as `email`, `phone:GB` or
//! `date-of-birth:dmy|year`, stored with an index's definition so that every service, in any
//! language, computes the same terms; [`from_description`] makes the normalizer back from it.
//! FORMAT.md §17 specifies every step, precisely enough for another implementation to produce
//! the same bytes, and `tests/vectors/normalize/` holds known answers.
//!
//! | normalizer | description | output |
//! |---|---|---|
//! | [`Email`] | `email`, `email+provider-rules`, `email+plus-tags`, `email+provider-rules+plus-tags` | `ada@example.com` |
//! | `Phone` (feature `phone`) | `phone:GB` | `+442079460018` |
//! | [`Text`] | `text` | `ada lovelace` |
//! | [`Postcode`] | `postcode:GB`, `US`, `DE`, `FR`, `NL`, `CA`, `postcode:generic` | `SW1A 1AA` |
//! | [`DateOfBirth`] | `date-of-birth`, `date-of-birth:dmy`, `date-of-birth:mdy` | `1815-12-10` |
//! | [`LastDigits`] | `last-digits:4` | `0018` |
//! | [`FirstLetters`] | `first-letters:1` | `a` |
//! | [`Year`] | `year` | `1815` |
//! | [`Then`] | `text\|first-letters:1` | `a` |
//! | [`Custom`] | `custom:sku-v1` | yours |
//!
//! ```
//! use fieldseal::normalize::{self, DateOfBirth, Email, FirstLetters, Normalize, Text, Year};
//!
//! assert_eq!(Email::new().normalize(" Ada@Example.COM ")?, "ada@example.com");
//! let initial = Text.then(FirstLetters(1));
//! assert_eq!(initial.normalize("  Lovelace")?, "l");
//! assert_eq!(initial.description(), "text|first-letters:1");
//!
//! // Stored with the index definition, and read back by another service:
//! let birth_year = DateOfBirth::day_first().then(Year);
//! let same = normalize::from_description(&birth_year.description())?;
//! assert_eq!(same.normalize("10/12/1815")?, "1815");
//!
//! // A custom normalizer is a plain function, named when it is wrapped:
//! let sku = normalize::custom("sku-v1", |s: &str| {
//!     let s = s.trim().to_ascii_uppercase();
//!     if s.len() == 8 && s.bytes().all(|b| b.is_ascii_alphanumeric()) {
//!         Ok(s)
//!     } else {
//!         Err(normalize::NormalizeError::custom("SKU: expected 8 letters and digits"))
//!     }
//! })?;
//! assert_eq!(sku.normalize(" ab12cd34")?, "AB12CD34");
//! assert_eq!(sku.description(), "custom:sku-v1");
//! # Ok::<(), normalize::NormalizeError>(())
//! ```

mod custom;
mod date;
mod definition;
mod description;
mod email;
mod error;
#[cfg(feature = "phone")]
mod phone;
mod postcode;
mod problem;
mod text;
mod then;
mod transform;
mod unicode;

use std::borrow::Cow;
use std::sync::Arc;

/// The longest input a normalizer takes, and the longest output it gives: 1 KiB of UTF-8
/// (FORMAT.md §17.2). Longer input is refused, never cut.
pub const MAX_LEN: usize = 1024;

/// The longest description [`from_description`] reads, in bytes.
pub const MAX_DESCRIPTION_LEN: usize = 256;

/// The most steps in a description (`a|b|c` has three).
pub const MAX_STEPS: usize = 8;

/// The largest count of [`LastDigits`] and [`FirstLetters`].
pub const MAX_COUNT: usize = 64;

/// Turns user input into the canonical text a blind index hashes (FORMAT.md §17).
///
/// Implemented by every built-in normalizer, by [`Custom`], and by any function or closure
/// `Fn(&str) -> Result<String, NormalizeError>` (whose description is `custom`: wrap it with
/// [`custom`] to give it a name). Implementations must be deterministic: the same input gives
/// the same output on every machine and in every process, or lookups miss.
pub trait Normalize: Send + Sync {
    /// The canonical form of `input`, or why it has none. The error never contains the input.
    fn normalize(&self, input: &str) -> Result<String, NormalizeError>;

    /// The canonical description of this normalizer (FORMAT.md §17.9), which
    /// [`from_description`] reads back.
    fn description(&self) -> Cow<'_, str>;

    /// This normalizer followed by `next` (description `self|next`): `Text.then(FirstLetters(1))`
    /// is the initial of a name.
    fn then<N: Normalize>(self, next: N) -> Then<Self, N>
    where
        Self: Sized,
    {
        Then::new(self, next)
    }
}

/// A boxed normalizer, as [`from_description`] gives.
impl Normalize for Box<dyn Normalize> {
    fn normalize(&self, input: &str) -> Result<String, NormalizeError> {
        (**self).normalize(input)
    }

    fn description(&self) -> Cow<'_, str> {
        (**self).description()
    }
}

/// A shared normalizer, as one index definition hands to several threads or lookups.
impl Normalize for Arc<dyn Normalize> {
    fn normalize(&self, input: &str) -> Result<String, NormalizeError> {
        (**self).normalize(input)
    }

    fn description(&self) -> Cow<'_, str> {
        (**self).description()
    }
}

/// A borrowed normalizer: `(&*boxed).then(LastDigits(4))`.
impl Normalize for &dyn Normalize {
    fn normalize(&self, input: &str) -> Result<String, NormalizeError> {
        (**self).normalize(input)
    }

    fn description(&self) -> Cow<'_, str> {
        (**self).description()
    }
}

// The public interface is:
pub use custom::{Custom, custom};
pub use date::{DateOfBirth, DateOrder};
pub use definition::DefinitionProblem;
pub use description::{from_description, from_description_with};
pub use email::Email;
pub use error::NormalizeError;
#[cfg(feature = "phone")]
pub use phone::Phone;
pub use postcode::Postcode;
pub use problem::{DateProblem, EmailProblem, PhoneProblem, PostcodeProblem, TransformProblem};
pub use text::Text;
pub use then::Then;
pub use transform::{FirstLetters, LastDigits, Year};
