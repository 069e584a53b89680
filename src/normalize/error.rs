//! What can go wrong when normalizing a value, or when defining a normalizer.
//!
//! The input of a normalizer is personal data (an email address, a phone number, a date of
//! birth), so no message here contains it, nor any part of it: a message says what is wrong with
//! the input and what was expected, in words and in the shape of the expected form. Definitions
//! (a region, a country, a description string) are configuration, not personal data; they appear
//! in messages only when they look like configuration (see [`DefinitionProblem`]).
//!
//! Each error also has a short stable [`code`](NormalizeError::code), the one the known-answer
//! vectors (`tests/vectors/normalize/`) and FORMAT.md §17.10 use, so that another
//! implementation can check that it refuses the same inputs.

use super::definition::DefinitionProblem;
use super::problem::{DateProblem, EmailProblem, PhoneProblem, PostcodeProblem, TransformProblem};

/// Why a value could not be normalized, or a normalizer not defined.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum NormalizeError {
    /// The input is longer than [`MAX_LEN`](super::MAX_LEN) bytes (FORMAT.md §17.2).
    #[error(
        "input too long: a value to normalize is at most {limit} bytes of UTF-8; check that the \
         right field is being indexed"
    )]
    InputTooLong {
        /// The limit, in bytes.
        limit: usize,
    },

    /// The normalized value would be longer than [`MAX_LEN`](super::MAX_LEN) bytes (case folding
    /// can lengthen text; FORMAT.md §17.2).
    #[error(
        "normalized value too long: it would exceed {limit} bytes of UTF-8; index a shorter \
         value, or a prefix of it (first-letters)"
    )]
    OutputTooLong {
        /// The limit, in bytes.
        limit: usize,
    },

    /// The input holds a control character that is not white space (FORMAT.md §17.2).
    #[error(
        "input contains a control character (U+0000 to U+001F or U+007F to U+009F, other than \
         tab and line breaks); remove it from the value before indexing"
    )]
    ControlCharacter,

    /// Not an email address (FORMAT.md §17.3).
    #[error("not an email address: {0}")]
    Email(EmailProblem),

    /// Not a valid phone number (FORMAT.md §17.4).
    #[error("phone number: {0}")]
    Phone(PhoneProblem),

    /// Text with nothing in it but white space and invisible characters (FORMAT.md §17.5).
    #[error("text: empty, or only spaces; there is nothing to index")]
    EmptyText,

    /// Not a valid postcode of the normalizer's country (FORMAT.md §17.6).
    #[error("postcode: {0}")]
    Postcode(PostcodeProblem),

    /// Not a valid date (FORMAT.md §17.7).
    #[error("date of birth: {0}")]
    DateOfBirth(DateProblem),

    /// A transform could not take its part of the value (FORMAT.md §17.8).
    #[error("{0}")]
    Transform(TransformProblem),

    /// A custom normalizer refused the input. The reason is a `&'static str`, so that it cannot
    /// be built from the input.
    #[error("{reason}")]
    Custom {
        /// What the custom normalizer says is wrong, and what it expects.
        reason: &'static str,
    },

    /// A normalizer could not be defined: a bad description string, region, country or count
    /// (FORMAT.md §17.9).
    #[error("{0}")]
    Definition(DefinitionProblem),
}

impl NormalizeError {
    /// The error a custom normalizer returns for an input it refuses. `reason` says what is
    /// wrong and what is expected ("SKU: expected 8 letters and digits"); it is a `&'static str`
    /// so that no part of the input can end up in it.
    pub fn custom(reason: &'static str) -> Self {
        NormalizeError::Custom { reason }
    }

    /// A short, stable name of the error (FORMAT.md §17.10), as the known-answer vectors give it:
    /// `too-long`, `no-at`, `postcode-shape`, `no-such-day`, ...
    pub fn code(&self) -> &'static str {
        match self {
            NormalizeError::InputTooLong { .. } => "too-long",
            NormalizeError::OutputTooLong { .. } => "output-too-long",
            NormalizeError::ControlCharacter => "control-character",
            NormalizeError::Email(problem) => problem.code(),
            NormalizeError::Phone(problem) => problem.code(),
            NormalizeError::EmptyText => "empty",
            NormalizeError::Postcode(problem) => problem.code(),
            NormalizeError::DateOfBirth(problem) => problem.code(),
            NormalizeError::Transform(problem) => problem.code(),
            NormalizeError::Custom { .. } => "custom",
            NormalizeError::Definition(_) => "definition",
        }
    }
}
