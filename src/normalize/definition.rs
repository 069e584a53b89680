//! Why a normalizer could not be defined: a bad description, region, country, count or name
//! (FORMAT.md §17.9).

use std::fmt;

use super::NormalizeError;

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
