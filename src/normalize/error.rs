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

use std::fmt;

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

/// What is wrong with an email address (FORMAT.md §17.3).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum EmailProblem {
    /// Nothing but white space.
    Empty,
    /// No `@`.
    NoAt,
    /// More than one `@`.
    ManyAt,
    /// Nothing before the `@`.
    EmptyLocalPart,
    /// Nothing after the `@`.
    EmptyDomain,
    /// White space inside the address.
    Space,
    /// The local part is empty once provider rules or `+tag` stripping are applied.
    EmptyAfterRules,
}

impl EmailProblem {
    fn code(self) -> &'static str {
        match self {
            EmailProblem::Empty => "empty",
            EmailProblem::NoAt => "no-at",
            EmailProblem::ManyAt => "many-at",
            EmailProblem::EmptyLocalPart => "empty-local-part",
            EmailProblem::EmptyDomain => "empty-domain",
            EmailProblem::Space => "space",
            EmailProblem::EmptyAfterRules => "empty-after-rules",
        }
    }
}

impl fmt::Display for EmailProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            EmailProblem::Empty => "empty (expected local-part@domain)",
            EmailProblem::NoAt => "no '@' (expected local-part@domain)",
            EmailProblem::ManyAt => {
                "more than one '@' (expected exactly one, as in local-part@domain)"
            }
            EmailProblem::EmptyLocalPart => "nothing before the '@' (expected local-part@domain)",
            EmailProblem::EmptyDomain => "nothing after the '@' (expected local-part@domain)",
            EmailProblem::Space => "it contains a space (an address has none; correct the address)",
            EmailProblem::EmptyAfterRules => {
                "the local part is empty once its dots and +tag are removed (expected a name \
                 before the '+')"
            }
        })
    }
}

/// What is wrong with a phone number (FORMAT.md §17.4).
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum PhoneProblem {
    /// Nothing but white space.
    Empty,
    /// Not recognisable as a phone number at all.
    NotANumber,
    /// Read as a number, but not a valid number of the region it belongs to (national numbers
    /// are read as numbers of `region`).
    Invalid {
        /// The normalizer's default region.
        region: String,
    },
}

impl PhoneProblem {
    fn code(&self) -> &'static str {
        match self {
            PhoneProblem::Empty => "empty",
            PhoneProblem::NotANumber => "not-a-number",
            PhoneProblem::Invalid { .. } => "invalid-number",
        }
    }
}

impl fmt::Display for PhoneProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PhoneProblem::Empty => f.write_str("empty (expected a phone number)"),
            PhoneProblem::NotANumber => f.write_str(
                "not a phone number (expected digits, optionally with a leading + and country \
                 code)",
            ),
            PhoneProblem::Invalid { region } => write!(
                f,
                "not a valid number for region {region} (a number without a +country code is \
                 read as a {region} number; check the digits or add the country code)"
            ),
        }
    }
}

/// What is wrong with a postcode (FORMAT.md §17.6).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum PostcodeProblem {
    /// Nothing but white space.
    Empty,
    /// Not the shape of a postcode of the country.
    Shape {
        /// The country whose rules were applied (`GB`, ...), or `generic`.
        country: &'static str,
        /// The shape expected, in words.
        expected: &'static str,
    },
}

impl PostcodeProblem {
    fn code(self) -> &'static str {
        match self {
            PostcodeProblem::Empty => "empty",
            PostcodeProblem::Shape { .. } => "postcode-shape",
        }
    }
}

impl fmt::Display for PostcodeProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            PostcodeProblem::Empty => f.write_str("empty (expected a postcode)"),
            PostcodeProblem::Shape { country, expected } => {
                write!(f, "not a valid {country} postcode (expected {expected})")
            }
        }
    }
}

/// What is wrong with a date (FORMAT.md §17.7).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum DateProblem {
    /// Not in any of the accepted forms.
    Shape {
        /// The forms accepted, in words.
        expected: &'static str,
    },
    /// The year is 0000.
    Year,
    /// The month is not 1 to 12.
    Month,
    /// The day is not in the month (the 30th of February, the 29th of February of a common
    /// year, the 31st of April, day 0).
    Day,
}

impl DateProblem {
    fn code(self) -> &'static str {
        match self {
            DateProblem::Shape { .. } => "date-shape",
            DateProblem::Year => "no-such-year",
            DateProblem::Month => "no-such-month",
            DateProblem::Day => "no-such-day",
        }
    }
}

impl fmt::Display for DateProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DateProblem::Shape { expected } => write!(f, "not a date (expected {expected})"),
            DateProblem::Year => f.write_str("no such year (expected a year from 0001 to 9999)"),
            DateProblem::Month => f.write_str("no such month (expected a month from 01 to 12)"),
            DateProblem::Day => f.write_str(
                "no such day in that month (check the day, and the order of day and month)",
            ),
        }
    }
}

/// A transform that could not take its part of the value (FORMAT.md §17.8).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum TransformProblem {
    /// `last-digits:n` on a value with fewer than `n` ASCII digits.
    TooFewDigits {
        /// The digits wanted.
        wanted: usize,
    },
    /// `first-letters:n` on a value with fewer than `n` characters.
    TooFewLetters {
        /// The characters wanted.
        wanted: usize,
    },
    /// `year` on a value that is neither a date `YYYY-MM-DD` nor a year `YYYY`.
    NotADate,
}

impl TransformProblem {
    fn code(self) -> &'static str {
        match self {
            TransformProblem::TooFewDigits { .. } => "too-few-digits",
            TransformProblem::TooFewLetters { .. } => "too-few-letters",
            TransformProblem::NotADate => "not-a-date",
        }
    }
}

impl fmt::Display for TransformProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            TransformProblem::TooFewDigits { wanted } => write!(
                f,
                "last-digits:{wanted}: the value has fewer than {wanted} digits (0-9) to take"
            ),
            TransformProblem::TooFewLetters { wanted } => write!(
                f,
                "first-letters:{wanted}: the value has fewer than {wanted} characters to take"
            ),
            TransformProblem::NotADate => f.write_str(
                "year: not a date YYYY-MM-DD or a year YYYY (put date-of-birth before year, as \
                 in date-of-birth:dmy|year)",
            ),
        }
    }
}

/// Why a normalizer could not be defined (FORMAT.md §17.9).
///
/// A description, region or country is echoed only when it is short and made of the characters
/// descriptions use (letters, digits, `:+|._-`), so that a value passed by mistake where a
/// description was expected is not repeated into a log.
#[derive(Debug, Clone, PartialEq, Eq)]
#[non_exhaustive]
pub enum DefinitionProblem {
    /// An empty description, or an empty step in one (`text||year`).
    EmptyStep,
    /// A description longer than [`MAX_DESCRIPTION_LEN`](super::MAX_DESCRIPTION_LEN) bytes.
    DescriptionTooLong {
        /// The limit, in bytes.
        limit: usize,
    },
    /// More steps than [`MAX_STEPS`](super::MAX_STEPS).
    TooManySteps {
        /// The limit.
        limit: usize,
    },
    /// A step that names no known normalizer.
    UnknownStep {
        /// The step, when it looks like one.
        step: Option<String>,
    },
    /// A known normalizer with an argument or options it does not take.
    BadArgument {
        /// The normalizer (`email`, `last-digits`, ...).
        normalizer: &'static str,
        /// What it takes, in the description's syntax.
        expected: &'static str,
    },
    /// A phone region libphonenumber does not know.
    UnknownRegion {
        /// The region, when it looks like one.
        region: Option<String>,
    },
    /// A country code that is not two letters, or `UK`.
    BadCountry {
        /// The country, when it looks like one.
        country: Option<String>,
    },
    /// A transform's count outside 1 to [`MAX_COUNT`](super::MAX_COUNT).
    BadCount {
        /// The transform.
        transform: &'static str,
        /// The count given.
        count: usize,
    },
    /// A custom normalizer's name outside its alphabet.
    BadCustomName,
    /// A `custom:name` step with no such custom normalizer given.
    CustomNotGiven {
        /// The name, when it looks like one.
        name: Option<String>,
    },
    /// A plain function or closure: its description is `custom`, with no name.
    UnnamedCustom,
    /// A normalizer of a cargo feature this build does not have.
    FeatureDisabled {
        /// The normalizer.
        normalizer: &'static str,
        /// The feature.
        feature: &'static str,
    },
}

/// `s` in backquotes when it looks like configuration, else a placeholder.
fn shown(s: Option<&String>) -> String {
    s.map_or_else(|| "(not shown)".to_owned(), |s| format!("`{s}`"))
}

impl fmt::Display for DefinitionProblem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            DefinitionProblem::EmptyStep => f.write_str(
                "normalizer description: empty, or an empty step between two '|' (expected \
                 steps such as text|first-letters:1)",
            ),
            DefinitionProblem::DescriptionTooLong { limit } => write!(
                f,
                "normalizer description: longer than {limit} bytes; a description is a short \
                 name such as email or phone:GB|last-digits:4"
            ),
            DefinitionProblem::TooManySteps { limit } => {
                write!(f, "normalizer description: more than {limit} steps")
            }
            DefinitionProblem::UnknownStep { step } => write!(
                f,
                "normalizer description: unknown normalizer {} (known: email, phone:RR, text, \
                 postcode:CC, date-of-birth, year, last-digits:N, first-letters:N, custom:NAME)",
                shown(step.as_ref())
            ),
            DefinitionProblem::BadArgument {
                normalizer,
                expected,
            } => write!(f, "normalizer description: {normalizer} takes {expected}"),
            DefinitionProblem::UnknownRegion { region } => write!(
                f,
                "phone: unknown region {} (expected an upper-case two-letter region code that \
                 libphonenumber knows, such as GB or US)",
                shown(region.as_ref())
            ),
            DefinitionProblem::BadCountry { country } => write!(
                f,
                "postcode: bad country {} (expected an ISO 3166-1 alpha-2 code such as GB; the \
                 United Kingdom is GB, not UK)",
                shown(country.as_ref())
            ),
            DefinitionProblem::BadCount { transform, count } => write!(
                f,
                "{transform}: count {count} is out of range (expected 1 to {})",
                super::MAX_COUNT
            ),
            DefinitionProblem::BadCustomName => f.write_str(
                "custom normalizer: bad name (expected 1 to 64 of a-z, 0-9, '-' and '.', such \
                 as sku-v1)",
            ),
            DefinitionProblem::CustomNotGiven { name } => write!(
                f,
                "normalizer description: custom normalizer {} cannot be made from its \
                 description; build it in code (normalize::custom) and pass it to \
                 from_description_with",
                shown(name.as_ref())
            ),
            DefinitionProblem::UnnamedCustom => f.write_str(
                "normalizer description: `custom` is a plain function without a name; wrap it \
                 with normalize::custom(name, f) so that its description names it",
            ),
            DefinitionProblem::FeatureDisabled {
                normalizer,
                feature,
            } => write!(
                f,
                "the {normalizer} normalizer needs fieldseal's `{feature}` cargo feature, which \
                 this build does not have"
            ),
        }
    }
}

impl From<DefinitionProblem> for NormalizeError {
    fn from(problem: DefinitionProblem) -> Self {
        NormalizeError::Definition(problem)
    }
}

/// `s`, when it is short and made of the characters a description uses, starting with a letter,
/// so that a customer's value passed by mistake in a description's place (an email address, a
/// phone number) is not repeated into a log.
pub(super) fn echo(s: &str) -> Option<String> {
    let looks_like_config = s.len() <= 40
        && s.starts_with(|c: char| c.is_ascii_alphabetic())
        && s.bytes().all(|b| {
            b.is_ascii_alphanumeric() || matches!(b, b':' | b'+' | b'|' | b'.' | b'_' | b'-')
        });
    looks_like_config.then(|| s.to_owned())
}
