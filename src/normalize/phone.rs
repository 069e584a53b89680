//! Phone numbers in E.164 (FORMAT.md §17.4), through libphonenumber's metadata (feature
//! `phone`).

use std::borrow::Cow;
use std::str::FromStr;

use phonenumber::country::Id;

use super::error::echo;
use super::unicode::{is_space, prepare};
use super::{DefinitionProblem, Normalize, NormalizeError, PhoneProblem};

/// A phone number in E.164 form, `+` then the country code and the national significant number
/// (`+442079460018`), read with a default region for numbers written without a country code
/// (FORMAT.md §17.4). Description `phone:<region>`, as `phone:GB`.
///
/// Parsing and validation are libphonenumber's (the `phonenumber` crate, metadata 9.0.x): the
/// input may be written as people write numbers (`020 7946 0018`, `(020) 7946-0018`,
/// `+44 (0)20 7946 0018`, `0044 20 7946 0018`, `tel:+44-20-7946-0018`). A number that is not
/// valid for its region is refused, never guessed. An extension (`ext. 12`) is dropped: the term
/// is that of the line.
///
/// Validity follows the metadata: a number range a regulator opens after the metadata was
/// released is refused until fieldseal is built with newer metadata, and a valid number keeps
/// its E.164 form across metadata releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phone {
    region: Id,
}

impl Phone {
    /// Numbers written without a country code are read as numbers of `region`, a region code
    /// libphonenumber knows (ISO 3166-1 alpha-2 in practice: `GB`, `US`, `DE`; `gb` is read as
    /// `GB`).
    pub fn new(region: &str) -> Result<Self, NormalizeError> {
        let code = region.to_ascii_uppercase();
        let known = code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase());
        match Id::from_str(&code) {
            Ok(region) if known => Ok(Phone { region }),
            _ => Err(DefinitionProblem::UnknownRegion {
                region: echo(region),
            }
            .into()),
        }
    }
}

impl Normalize for Phone {
    fn normalize(&self, input: &str) -> Result<String, NormalizeError> {
        let prepared = prepare(input)?;
        let number = prepared.trim_matches(is_space);
        if number.is_empty() {
            return Err(NormalizeError::Phone(PhoneProblem::Empty));
        }
        let parsed = phonenumber::parse(Some(self.region), number)
            .map_err(|_| NormalizeError::Phone(PhoneProblem::NotANumber))?;
        if !phonenumber::is_valid(&parsed) {
            return Err(NormalizeError::Phone(PhoneProblem::Invalid {
                region: self.region.as_ref().to_owned(),
            }));
        }
        // E.164 written here rather than through the crate's Display formatter, which fails (and
        // would make `to_string` panic) when a number's country has no metadata.
        Ok(format!("+{}{}", parsed.code().value(), parsed.national()))
    }

    fn description(&self) -> Cow<'_, str> {
        Cow::Owned(format!("phone:{}", self.region.as_ref()))
    }
}
