//! Postcodes, per country (FORMAT.md §17.6).

use std::borrow::Cow;

use super::definition::echo;
use super::unicode::{is_space, prepare};
use super::{DefinitionProblem, Normalize, NormalizeError, PostcodeProblem};

/// The rules applied: a country's own, or the generic ones.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Rules {
    Gb,
    Us,
    De,
    Fr,
    Nl,
    Ca,
    Generic,
}

impl Rules {
    /// The rules of `code` (two upper-case letters), and whether it has rules of its own.
    fn of(code: &str) -> Rules {
        match code {
            "GB" => Rules::Gb,
            "US" => Rules::Us,
            "DE" => Rules::De,
            "FR" => Rules::Fr,
            "NL" => Rules::Nl,
            "CA" => Rules::Ca,
            _ => Rules::Generic,
        }
    }

    fn name(self) -> &'static str {
        match self {
            Rules::Gb => "GB",
            Rules::Us => "US",
            Rules::De => "DE",
            Rules::Fr => "FR",
            Rules::Nl => "NL",
            Rules::Ca => "CA",
            Rules::Generic => "generic",
        }
    }

    fn expected(self) -> &'static str {
        match self {
            Rules::Gb => "an outward code such as SW1A, M1 or B33, then a digit and two letters",
            Rules::Us => "a ZIP code of 5 digits, or ZIP+4 as 12345-6789",
            Rules::De | Rules::Fr => "5 digits",
            Rules::Nl => "4 digits, the first not 0, then 2 letters, as 1234 AB",
            Rules::Ca => "letter, digit, letter, digit, letter, digit, as K1A 0B1",
            Rules::Generic => "2 to 12 letters and digits, with spaces or hyphens between them",
        }
    }
}

/// A postcode, by the rules of one country (FORMAT.md §17.6). White space is removed and ASCII
/// letters upper-cased, then the shape is checked and written in its canonical form:
///
/// | country | accepts | output |
/// |---|---|---|
/// | `GB` | outward code (`A9`, `A99`, `AA9`, `AA99`, `A9A`, `AA9A`) then inward code (`9AA`); and `GIR 0AA` | `SW1A 1AA`: one space before the inward code |
/// | `US` | `12345`, ZIP+4 `12345-6789` or `123456789` | the 5-digit ZIP code: ZIP+4 is cut |
/// | `DE`, `FR` | 5 digits | the 5 digits |
/// | `NL` | 4 digits, the first not `0`, then 2 letters | `1234AB`: no space |
/// | `CA` | letter digit letter digit letter digit | `K1A 0B1`: one space in the middle |
/// | any other | 2 to 12 ASCII letters and digits once hyphens are removed | upper-case, no spaces or hyphens |
///
/// Only the shape is checked, not whether the postcode exists (nor which letters a country
/// leaves unused). Description `postcode:GB`, ... for the six countries with rules of their own,
/// and `postcode:generic` for every other country: the description names the rules, not the
/// country, so that a stored description keeps its meaning if a later release gives that
/// country rules of its own (they would be `postcode:JP`, a new description).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Postcode {
    rules: Rules,
}

impl Postcode {
    /// The postcode rules of `country`, an ISO 3166-1 alpha-2 code (`GB`, `gb`): GB, US, DE, FR,
    /// NL and CA have rules of their own, every other code the generic ones. `UK` is refused:
    /// the code of the United Kingdom is `GB`. The code is not checked against the ISO list.
    pub fn new(country: &str) -> Result<Self, NormalizeError> {
        let code = country.to_ascii_uppercase();
        if code.len() != 2 || !code.bytes().all(|b| b.is_ascii_uppercase()) || code == "UK" {
            return Err(DefinitionProblem::BadCountry {
                country: echo(country),
            }
            .into());
        }
        Ok(Postcode {
            rules: Rules::of(&code),
        })
    }

    /// The generic rules (description `postcode:generic`).
    pub fn generic() -> Self {
        Postcode {
            rules: Rules::Generic,
        }
    }

    /// The rules of a description's argument: `GB`, ... or `generic` (FORMAT.md §17.9).
    pub(super) fn from_argument(argument: &str) -> Option<Self> {
        let rules = match argument {
            "generic" => Rules::Generic,
            _ => match Rules::of(argument) {
                Rules::Generic => return None,
                rules => rules,
            },
        };
        Some(Postcode { rules })
    }
}

impl Normalize for Postcode {
    fn normalize(&self, input: &str) -> Result<String, NormalizeError> {
        let prepared = prepare(input)?;
        let compact: Vec<u8> = prepared
            .chars()
            .filter(|&c| !is_space(c))
            .map(|c| {
                if c.is_ascii() {
                    c.to_ascii_uppercase() as u8
                } else {
                    0xFF
                }
            })
            .collect();
        if compact.is_empty() {
            return Err(NormalizeError::Postcode(PostcodeProblem::Empty));
        }
        canonical(self.rules, &compact).ok_or(NormalizeError::Postcode(PostcodeProblem::Shape {
            country: self.rules.name(),
            expected: self.rules.expected(),
        }))
    }

    fn description(&self) -> Cow<'_, str> {
        Cow::Owned(format!("postcode:{}", self.rules.name()))
    }
}

/// The canonical form of `code` (white space removed, ASCII upper-cased, any other character
/// 0xFF so that it matches no class), or `None` if it has not the country's shape.
fn canonical(rules: Rules, code: &[u8]) -> Option<String> {
    let digits = |bytes: &[u8]| bytes.iter().all(u8::is_ascii_digit);
    let letters = |bytes: &[u8]| bytes.iter().all(u8::is_ascii_uppercase);
    // Every byte kept below is an ASCII letter, digit or space.
    let text = |bytes: &[u8]| String::from_utf8(bytes.to_vec()).ok();
    match rules {
        Rules::Gb => {
            if code == b"GIR0AA" {
                return Some("GIR 0AA".to_owned());
            }
            let (outward, inward) = code.split_at(code.len().checked_sub(3)?);
            if !(digits(&inward[..1]) && letters(&inward[1..]) && is_gb_outward(outward)) {
                return None;
            }
            Some(format!("{} {}", text(outward)?, text(inward)?))
        }
        Rules::Us => {
            let plus4_ok = match code.len() {
                5 => true,
                9 => digits(&code[5..]),
                10 => code[5] == b'-' && digits(&code[6..]),
                _ => false,
            };
            if !(plus4_ok && digits(&code[..5])) {
                return None;
            }
            text(&code[..5])
        }
        Rules::De | Rules::Fr => {
            if !(code.len() == 5 && digits(code)) {
                return None;
            }
            text(code)
        }
        Rules::Nl => {
            if !(code.len() == 6 && code[0] != b'0' && digits(&code[..4]) && letters(&code[4..])) {
                return None;
            }
            text(code)
        }
        Rules::Ca => {
            let alternates = code
                .chunks(2)
                .all(|pair| letters(&pair[..1]) && digits(&pair[1..]));
            if !(code.len() == 6 && alternates) {
                return None;
            }
            Some(format!("{} {}", text(&code[..3])?, text(&code[3..])?))
        }
        Rules::Generic => {
            let kept: Vec<u8> = code.iter().copied().filter(|&b| b != b'-').collect();
            if !((2..=12).contains(&kept.len()) && kept.iter().all(u8::is_ascii_alphanumeric)) {
                return None;
            }
            text(&kept)
        }
    }
}

/// A GB outward code: `A9`, `A99`, `AA9`, `AA99`, `A9A` or `AA9A` (A a letter, 9 a digit).
fn is_gb_outward(outward: &[u8]) -> bool {
    let shape: String = outward
        .iter()
        .map(|b| match b {
            b'A'..=b'Z' => 'A',
            b'0'..=b'9' => '9',
            _ => '?',
        })
        .collect();
    matches!(
        shape.as_str(),
        "A9" | "A99" | "AA9" | "AA99" | "A9A" | "AA9A"
    )
}
