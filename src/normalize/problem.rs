//! What is wrong with a value that a normalizer refuses: one enum per normalizer, each with its
//! code of FORMAT.md §17.10. No variant holds any part of the value.

use std::fmt;

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
    pub(super) fn code(self) -> &'static str {
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
    pub(super) fn code(&self) -> &'static str {
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
    pub(super) fn code(self) -> &'static str {
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
    pub(super) fn code(self) -> &'static str {
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
    pub(super) fn code(self) -> &'static str {
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
