//! Descriptions: a normalizer written as a short string, and read back (FORMAT.md §17.9).

use super::custom::is_valid_name;
use super::definition::echo;
use super::then::Pipeline;
use super::{
    Custom, DateOfBirth, DefinitionProblem, Email, FirstLetters, LastDigits, MAX_COUNT,
    MAX_DESCRIPTION_LEN, MAX_STEPS, Normalize, NormalizeError, Postcode, Text, Year,
};

/// The normalizer a description names (FORMAT.md §17.9): `email`, `phone:GB`,
/// `date-of-birth:dmy|year`, ... Only canonical descriptions are read, the strings that
/// [`Normalize::description`] gives, so that one normalizer has one description. A custom
/// normalizer (`custom:sku-v1`) is refused: use [`from_description_with`].
///
/// ```
/// use fieldseal::normalize::{self, Normalize};
///
/// let last4 = normalize::from_description("last-digits:4")?;
/// assert_eq!(last4.normalize("+442079460018")?, "0018");
/// assert!(normalize::from_description("Email").is_err());
/// # Ok::<(), normalize::NormalizeError>(())
/// ```
pub fn from_description(description: &str) -> Result<Box<dyn Normalize>, NormalizeError> {
    from_description_with(description, &[])
}

/// As [`from_description`], with custom normalizers: a `custom:<name>` step is the one of
/// `customs` with that name.
pub fn from_description_with(
    description: &str,
    customs: &[Custom],
) -> Result<Box<dyn Normalize>, NormalizeError> {
    if description.len() > MAX_DESCRIPTION_LEN {
        return Err(DefinitionProblem::DescriptionTooLong {
            limit: MAX_DESCRIPTION_LEN,
        }
        .into());
    }
    let mut steps = Vec::new();
    for step in description.split('|') {
        if steps.len() == MAX_STEPS {
            return Err(DefinitionProblem::TooManySteps { limit: MAX_STEPS }.into());
        }
        steps.push(step_from(step, customs)?);
    }
    let mut steps = steps.into_iter();
    // `split` yields at least one step, and an empty one was refused.
    let first = steps.next().ok_or(DefinitionProblem::EmptyStep)?;
    let rest: Vec<_> = steps.collect();
    if rest.is_empty() {
        Ok(first)
    } else {
        Ok(Box::new(Pipeline { first, rest }))
    }
}

/// One step: `name` or `name:argument`.
fn step_from(step: &str, customs: &[Custom]) -> Result<Box<dyn Normalize>, NormalizeError> {
    if step.is_empty() {
        return Err(DefinitionProblem::EmptyStep.into());
    }
    let (name, argument) = match step.split_once(':') {
        Some((name, argument)) => (name, Some(argument)),
        None => (step, None),
    };
    let bad = |normalizer: &'static str, expected: &'static str| -> NormalizeError {
        DefinitionProblem::BadArgument {
            normalizer,
            expected,
        }
        .into()
    };
    match (name, argument) {
        ("email", None) => Ok(Box::new(Email::new())),
        ("email+provider-rules", None) => Ok(Box::new(Email::with_provider_rules())),
        ("email+plus-tags", None) => Ok(Box::new(Email::new().strip_plus_tags())),
        ("email+provider-rules+plus-tags", None) => {
            Ok(Box::new(Email::with_provider_rules().strip_plus_tags()))
        }
        (email, _) if email.starts_with("email") => Err(bad(
            "email",
            "no argument, and the options +provider-rules and +plus-tags, each at most once, in \
             that order (email+provider-rules+plus-tags)",
        )),
        ("phone", Some(region)) => phone(region),
        ("phone", None) => Err(bad("phone", "a region, as phone:GB")),
        ("text", None) => Ok(Box::new(Text)),
        ("postcode", Some(country)) => match Postcode::from_argument(country) {
            Some(postcode) => Ok(Box::new(postcode)),
            None => Err(bad(
                "postcode",
                "a country with rules of its own (GB, US, DE, FR, NL, CA) or generic, as \
                 postcode:GB or postcode:generic",
            )),
        },
        ("postcode", None) => Err(bad("postcode", "a country, as postcode:GB")),
        ("date-of-birth", None) => Ok(Box::new(DateOfBirth::iso())),
        ("date-of-birth", Some("dmy")) => Ok(Box::new(DateOfBirth::day_first())),
        ("date-of-birth", Some("mdy")) => Ok(Box::new(DateOfBirth::month_first())),
        ("date-of-birth", Some(_)) => Err(bad(
            "date-of-birth",
            "no argument, or dmy or mdy, as date-of-birth:dmy",
        )),
        ("year", None) => Ok(Box::new(Year)),
        ("last-digits", Some(count)) => {
            let n = parse_count(count).ok_or_else(|| bad("last-digits", COUNT))?;
            Ok(Box::new(LastDigits(n)))
        }
        ("first-letters", Some(count)) => {
            let n = parse_count(count).ok_or_else(|| bad("first-letters", COUNT))?;
            Ok(Box::new(FirstLetters(n)))
        }
        ("custom", Some(custom_name)) => customs
            .iter()
            .find(|custom| custom.name() == custom_name)
            .map(|custom| Box::new(custom.clone()) as Box<dyn Normalize>)
            .ok_or_else(|| {
                DefinitionProblem::CustomNotGiven {
                    name: is_valid_name(custom_name).then(|| custom_name.to_owned()),
                }
                .into()
            }),
        ("custom", None) => Err(DefinitionProblem::UnnamedCustom.into()),
        ("text", Some(_)) => Err(bad("text", "no argument")),
        ("year", Some(_)) => Err(bad("year", "no argument")),
        ("last-digits", None) => Err(bad("last-digits", COUNT)),
        ("first-letters", None) => Err(bad("first-letters", COUNT)),
        _ => Err(DefinitionProblem::UnknownStep { step: echo(step) }.into()),
    }
}

const COUNT: &str = "a count from 1 to 64 without leading zeros, as last-digits:4";

/// A count: 1 to [`MAX_COUNT`] in decimal, without leading zeros or sign.
fn parse_count(count: &str) -> Option<usize> {
    if count.starts_with('0') || count.len() > 2 || !count.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let n: usize = count.parse().ok()?;
    (1..=MAX_COUNT).contains(&n).then_some(n)
}

/// `phone:<region>`: two upper-case letters, a region libphonenumber knows.
#[cfg(feature = "phone")]
fn phone(region: &str) -> Result<Box<dyn Normalize>, NormalizeError> {
    if region.len() != 2 || !region.bytes().all(|b| b.is_ascii_uppercase()) {
        return Err(DefinitionProblem::UnknownRegion {
            region: echo(region),
        }
        .into());
    }
    Ok(Box::new(super::Phone::new(region)?))
}

/// `phone:<region>` in a build without the `phone` feature.
#[cfg(not(feature = "phone"))]
fn phone(_region: &str) -> Result<Box<dyn Normalize>, NormalizeError> {
    Err(DefinitionProblem::FeatureDisabled {
        normalizer: "phone",
        feature: "phone",
    }
    .into())
}
