//! Phone numbers in E.164 (FORMAT.md §17.4), through libphonenumber's metadata (feature
//! `phone`).

use std::borrow::Cow;
use std::str::FromStr;

use phonenumber::country::{Id, Source};
use phonenumber::metadata::{DATABASE, Metadata};
use phonenumber::{ParseError, PhoneNumber};

use super::definition::echo;
use super::unicode::{is_space, prepare};
use super::{DefinitionProblem, Normalize, NormalizeError, PhoneProblem};

mod national;
mod valid;
mod written;

use written::Written;

/// How many digits follow calling code `code` at the start of `digits`.
fn national_len(digits: &str, code: u16) -> usize {
    digits.len().saturating_sub(code.to_string().len())
}

/// The country calling code at the start of `digits`, as libphonenumber finds it after a plus
/// sign: none if they begin with 0, else the shortest of their first one to three digits that is
/// a code libphonenumber knows.
fn calling_code(digits: &str) -> Option<u16> {
    if digits.starts_with('0') {
        return None;
    }
    (1..=3.min(digits.len()))
        .filter_map(|len| digits[..len].parse::<u16>().ok())
        .find(|code| DATABASE.by_code(code).is_some())
}

/// A phone number in E.164 form, `+` then the country code and the national significant number
/// (`+442079460018`), read with a default region for numbers written without a country code
/// (FORMAT.md §17.4). Description `phone:<region>`, as `phone:GB`.
///
/// Parsing and validation are libphonenumber's (the `phonenumber` crate, metadata 9.0.x): the
/// input may be written as people write numbers (`020 7946 0018`, `(020) 7946-0018`,
/// `+44 (0)20 7946 0018`, `0044 20 7946 0018`, `tel:+44-20-7946-0018`), and a number with
/// another country's calling code (`+39 06 6982 1234`, `0039 06 6982 1234`) is read by that
/// country's rules. Digits of every script (`０２０ ７９４６ ００１８`, `٠٢٠ ...`) are read as
/// digits; letters are keypad digits only in a number with three letters or more
/// (`1-800-FLOWERS`), and are dropped otherwise, as libphonenumber reads them. A number that is
/// not valid for its region is refused, never guessed. An extension (`ext. 12`) is dropped: the
/// term is that of the line.
///
/// Validity follows the metadata: a number range a regulator opens after the metadata was
/// released is refused until fieldseal is built with newer metadata, and a valid number keeps
/// its E.164 form across metadata releases.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Phone {
    region: Id,
    /// The region's country calling code (44 for GB).
    calling_code: u16,
}

impl Phone {
    /// Numbers written without a country code are read as numbers of `region`, a region code
    /// libphonenumber knows (ISO 3166-1 alpha-2 in practice: `GB`, `US`, `DE`; `gb` is read as
    /// `GB`).
    pub fn new(region: &str) -> Result<Self, NormalizeError> {
        let code = region.to_ascii_uppercase();
        let known = code.len() == 2 && code.bytes().all(|b| b.is_ascii_uppercase());
        let metadata = Id::from_str(&code)
            .ok()
            .filter(|_| known)
            .and_then(|id| Some((id, DATABASE.by_id(id.as_ref())?.country_code())));
        match metadata {
            Some((region, calling_code)) => Ok(Phone {
                region,
                calling_code,
            }),
            None => Err(DefinitionProblem::UnknownRegion {
                region: echo(region),
            }
            .into()),
        }
    }

    /// `number` parsed, with the metadata of its own country.
    ///
    /// The `phonenumber` crate (0.3.10), given a default region, strips that region's national
    /// prefix from every number, also from one written with the calling code of another
    /// country: with GB as the default, the Italian `+39 06 6982 1234` loses the 0 that is part
    /// of its number, and with US as the default the French `+33 1 23 45 67 89` loses its 1.
    /// libphonenumber uses the metadata of the number's own country. So a number whose calling
    /// code is not the default region's is read without a default region, from its `+`, where
    /// the crate takes the metadata from the calling code.
    fn parse(self, number: &Written) -> Result<PhoneNumber, PhoneProblem> {
        let digits = number.digits.as_str();
        if !number.plus {
            return self.parse_national(digits);
        }
        // libphonenumber after a plus sign: at least three digits, then the calling code (the
        // shortest of one to three digits that is a known code), looked for before any
        // international prefix. The crate, given a region, strips that region's prefix first
        // (`+810...` from RU, where libphonenumber reads Japan's +81).
        if digits.len() <= 2 {
            return Err(PhoneProblem::NotANumber);
        }
        match calling_code(digits) {
            Some(code) if code == self.calling_code => {
                phonenumber::parse(Some(self.region), format!("+{digits}"))
                    .map_err(|e| self.parse_error(&e, Some(national_len(digits, code))))
            }
            Some(code) => {
                let foreign = phonenumber::parse(None, format!("+{digits}"))
                    .map_err(|e| self.parse_error(&e, Some(national_len(digits, code))))?;
                self.with_code(foreign, code)
            }
            // No calling code after the plus sign (`+00 44 20 7946 0018`): libphonenumber reads
            // the digits again as if written without it, and keeps that reading only if it finds
            // a calling code there, after the region's international prefix or the region's own
            // code.
            None => {
                let again = phonenumber::parse(Some(self.region), digits)
                    .map_err(|e| self.parse_error(&e, None))?;
                match again.code().source() {
                    Source::Idd | Source::Number => self.parse_national(digits),
                    _ => Err(PhoneProblem::NotANumber),
                }
            }
        }
    }

    /// `digits`, written without a plus sign, parsed.
    fn parse_national(self, digits: &str) -> Result<PhoneNumber, PhoneProblem> {
        let home = phonenumber::parse(Some(self.region), digits)
            .map_err(|e| self.parse_error(&e, Some(digits.len())))?;
        let code = home.code().value();
        if code == self.calling_code {
            return Ok(home);
        }
        let foreign = match home.code().source() {
            Source::Idd => self.after_idd(digits).ok_or_else(|| self.invalid())?,
            Source::Plus | Source::Number | Source::Default => home,
        };
        self.with_code(foreign, code)
    }

    /// `number`, if read with calling code `code`; else refused: the crate, with or without a
    /// default region, read the digits differently.
    fn with_code(self, number: PhoneNumber, code: u16) -> Result<PhoneNumber, PhoneProblem> {
        if number.code().value() == code {
            Ok(number)
        } else {
            Err(self.invalid())
        }
    }

    /// What the crate's refusal means. `national`: how many digits the national number has
    /// (`None`: no calling code was found, which libphonenumber cannot parse).
    fn parse_error(self, error: &ParseError, national: Option<usize>) -> PhoneProblem {
        match error {
            // The crate cannot hold a national significant number of zeros only (`00000` from
            // GB), which libphonenumber parses if it has 2 to 17 digits: such a number is refused
            // as not valid (FORMAT.md §17.4), as libphonenumber finds it but for a few
            // non-geographic ranges. Without a calling code, or longer (libphonenumber's
            // TOO_LONG), it is not a number.
            ParseError::MalformedInteger(_) if national.is_some_and(|n| (2..=17).contains(&n)) => {
                self.invalid()
            }
            _ => PhoneProblem::NotANumber,
        }
    }

    fn invalid(self) -> PhoneProblem {
        PhoneProblem::Invalid {
            region: self.region.as_ref().to_owned(),
        }
    }
}

impl Phone {
    /// `number`, written with the region's international dialling prefix (`0039 06 6982 1234`
    /// from GB, `011 33 ...` from the US), read from the calling code on as `+<code> ...`, as
    /// libphonenumber reads it: the region's prefix pattern (its metadata) matched once at the
    /// start of the digits, and not followed by a 0. Never another prefix length: searching for
    /// one that gives a valid number read a number typed with its calling code twice, or dialled
    /// with another country's prefix, as someone else's, and refused valid numbers that a longer
    /// prefix also made valid. `number` is ASCII digits ([`written::read`]).
    fn after_idd(self, number: &str) -> Option<PhoneNumber> {
        let idd = DATABASE
            .by_id(self.region.as_ref())?
            .international_prefix()?;
        let found = idd.find(number)?;
        let rest = &number[found.end()..];
        if found.start() != 0 || rest.is_empty() || rest.starts_with('0') {
            return None;
        }
        phonenumber::parse(None, format!("+{rest}")).ok()
    }
}

impl Phone {
    /// The digits `written` has after the calling code of `parsed` (all of them, for a number
    /// written without one), with the metadata whose national prefix they may begin with: the
    /// default region's for a number without a calling code, else that of the code's main
    /// region. `None` if they cannot be told apart.
    fn written_after_code(
        self,
        written: &Written,
        parsed: &PhoneNumber,
    ) -> Option<(String, &'static Metadata)> {
        let digits = written.digits.as_str();
        let home = DATABASE.by_id(self.region.as_ref())?;
        if parsed.code().source() == Source::Default {
            return Some((digits.to_owned(), home));
        }
        let code = parsed.code().value();
        let code_digits = code.to_string();
        let after = if written.plus && calling_code(digits) == Some(code) {
            digits.strip_prefix(code_digits.as_str())
        } else if let Some(rest) = self.after_idd_digits(digits) {
            rest.strip_prefix(code_digits.as_str())
        } else if parsed.code().source() == Source::Number {
            // Written without a `+`, beginning with the region's own calling code: read without
            // it only where libphonenumber would (`492 1234` from DE is a German number of 7
            // digits, not `+49 21234`).
            let after = digits.strip_prefix(code_digits.as_str())?;
            return Some(match national::without_own_code(home, digits, after) {
                Some(potential) => (potential, home),
                None => (digits.to_owned(), home),
            });
        } else {
            None
        }?;
        Some((after.to_owned(), *DATABASE.by_code(&code)?.first()?))
    }

    /// The digits after the region's international dialling prefix, if they begin with it.
    fn after_idd_digits(self, digits: &str) -> Option<&str> {
        let idd = DATABASE
            .by_id(self.region.as_ref())?
            .international_prefix()?;
        let found = idd.find(digits)?;
        (found.start() == 0).then(|| &digits[found.end()..])
    }
}

impl Normalize for Phone {
    fn normalize(&self, input: &str) -> Result<String, NormalizeError> {
        let prepared = prepare(input)?;
        let number = prepared.trim_matches(is_space);
        if number.is_empty() {
            return Err(NormalizeError::Phone(PhoneProblem::Empty));
        }
        // The text as libphonenumber reads it (FORMAT.md §17.4), handed to the crate as `+` and
        // ASCII digits, or ASCII digits only.
        let written =
            written::read(number).ok_or(NormalizeError::Phone(PhoneProblem::NotANumber))?;
        let parsed = self.parse(&written).map_err(NormalizeError::Phone)?;
        let code = parsed.code().value();
        // The crate found the calling code; the national significant number is taken from the
        // digits as written, as libphonenumber takes it (src/normalize/phone/national.rs).
        let national = match self.written_after_code(&written, &parsed) {
            Some((raw, metadata)) => national::significant(metadata, &raw),
            None => parsed.national().to_string(),
        };
        if !(2..=17).contains(&national.len()) {
            return Err(NormalizeError::Phone(PhoneProblem::NotANumber));
        }
        if !valid::is_valid(code, &national) {
            return Err(NormalizeError::Phone(self.invalid()));
        }
        // E.164 written here rather than through the crate's Display formatter, which fails (and
        // would make `to_string` panic) when a number's country has no metadata.
        Ok(format!("+{code}{national}"))
    }

    fn description(&self) -> Cow<'_, str> {
        Cow::Owned(format!("phone:{}", self.region.as_ref()))
    }
}
