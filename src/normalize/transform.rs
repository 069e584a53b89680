//! Transforms: a part of a normalized value (FORMAT.md §17.8).
//!
//! A transform is meant to follow another normalizer ([`Normalize::then`]): it takes its input
//! as it is, without trimming or case mapping.

use std::borrow::Cow;

use super::date::{check_date, iso};
use super::unicode::check_len;
use super::{DefinitionProblem, MAX_COUNT, Normalize, NormalizeError, TransformProblem};

/// Refuses a count outside 1 to [`MAX_COUNT`].
fn check_count(transform: &'static str, count: usize) -> Result<(), NormalizeError> {
    if !(1..=MAX_COUNT).contains(&count) {
        return Err(DefinitionProblem::BadCount { transform, count }.into());
    }
    Ok(())
}

/// The last `n` ASCII digits (`0`-`9`) of the value, in order, every other character skipped:
/// `Phone::new("GB")?.then(LastDigits(4))` gives `0018` for `+44 20 7946 0018`. A value with
/// fewer than `n` digits is refused. `n` is 1 to [`MAX_COUNT`]; another count is refused when
/// normalizing. Description `last-digits:<n>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LastDigits(pub usize);

impl Normalize for LastDigits {
    fn normalize(&self, input: &str) -> Result<String, NormalizeError> {
        check_count("last-digits", self.0)?;
        check_len(input)?;
        // The bytes of a multi-byte UTF-8 character are all 0x80 or above: never ASCII digits.
        let digits: Vec<u8> = input.bytes().filter(u8::is_ascii_digit).collect();
        let Some(start) = digits.len().checked_sub(self.0) else {
            return Err(NormalizeError::Transform(TransformProblem::TooFewDigits {
                wanted: self.0,
            }));
        };
        Ok(digits[start..]
            .iter()
            .map(|&digit| char::from(digit))
            .collect())
    }

    fn description(&self) -> Cow<'_, str> {
        Cow::Owned(format!("last-digits:{}", self.0))
    }
}

/// The first `n` Unicode scalar values (`char`s) of the value: `Text.then(FirstLetters(1))` gives
/// `l` for `Lovelace`. Counted after normalization, so after NFC: `é` is one, whether it was
/// typed as one character or as `e` and a combining accent. A value with fewer than `n` is
/// refused. `n` is 1 to [`MAX_COUNT`]; another count is refused when normalizing. Description
/// `first-letters:<n>`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct FirstLetters(pub usize);

impl Normalize for FirstLetters {
    fn normalize(&self, input: &str) -> Result<String, NormalizeError> {
        check_count("first-letters", self.0)?;
        check_len(input)?;
        let Some((end, _)) = input.char_indices().chain([(input.len(), ' ')]).nth(self.0) else {
            return Err(NormalizeError::Transform(TransformProblem::TooFewLetters {
                wanted: self.0,
            }));
        };
        Ok(input[..end].to_owned())
    }

    fn description(&self) -> Cow<'_, str> {
        Cow::Owned(format!("first-letters:{}", self.0))
    }
}

/// The year `YYYY` of a date `YYYY-MM-DD` (as [`DateOfBirth`](super::DateOfBirth) writes it,
/// checked as a date), or a year `YYYY` (0001 to 9999) as it is, so that applying it twice
/// changes nothing. Description `year`: `date-of-birth:dmy|year`.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Year;

impl Normalize for Year {
    fn normalize(&self, input: &str) -> Result<String, NormalizeError> {
        check_len(input)?;
        let bytes = input.as_bytes();
        let not_a_date = || NormalizeError::Transform(TransformProblem::NotADate);
        let year = if bytes.len() == 4 && bytes.iter().all(u8::is_ascii_digit) {
            if bytes == b"0000" {
                return Err(not_a_date());
            }
            input
        } else {
            let (year, month, day) = iso(bytes).ok_or_else(not_a_date)?;
            check_date(year, month, day).map_err(|_| not_a_date())?;
            &input[..4]
        };
        Ok(year.to_owned())
    }

    fn description(&self) -> Cow<'_, str> {
        Cow::Borrowed("year")
    }
}
