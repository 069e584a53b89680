//! Properties over generated strings: no normalizer panics, every built-in is idempotent
//! (`n(n(x)) == n(x)` wherever `n(x)` is a value), a transform after a pipeline is too, no error
//! repeats its input, and no output is longer than the bound.

use fieldseal::normalize::{FirstLetters, LastDigits, MAX_LEN, Normalize, Year, from_description};
use proptest::prelude::*;

use crate::description::built_ins;

/// Strings that reach the interesting paths: letters with combining marks in any order,
/// case-sensitive letters of several scripts, every kind of white space, invisible marks,
/// digits, separators and `@`, besides arbitrary Unicode.
fn tricky() -> impl Strategy<Value = String> {
    let piece = prop_oneof![
        "[a-zA-Z0-9]{1,6}",
        Just("@".to_owned()),
        Just("+".to_owned()),
        Just(".".to_owned()),
        "[-/ ]",
        "[\u{300}-\u{36f}\u{323}\u{345}]",
        "[İıIißẞŉΣσςΐᾈǰJÅÉéÖöΟΔ]",
        "[\t\n\u{a0}\u{85}\u{2003}\u{2028}\u{3000}]",
        "[\u{ad}\u{200b}\u{200e}\u{200f}\u{202a}-\u{202e}\u{2066}-\u{2069}\u{feff}\u{200c}\u{200d}]",
        "[\u{0}-\u{1f}\u{7f}-\u{9f}]",
        "[٠-٩０-９]",
        any::<char>().prop_map(String::from),
    ];
    prop::collection::vec(piece, 0..24).prop_map(|pieces| pieces.concat())
}

/// Inputs shaped like the values the normalizers accept, so that idempotence is checked on many
/// accepted values and not only on refusals.
fn valueish() -> impl Strategy<Value = String> {
    prop_oneof![
        "[ ]{0,2}[A-Za-z.]{1,8}(\\+[a-z]{0,3})?@(gmail|googlemail|Example)\\.(com|COM)[ ]{0,2}",
        "[ ]{0,2}(0|\\+44 ?|0044 )(20 ?7946 ?[0-9]{4}|7400 ?[0-9]{6})",
        "\\+(39 06 6982 [0-9]{4}|1 650 253 [0-9]{4}|33 1 23 45 67 [0-9]{2})",
        "[A-Za-z]{1,2}[0-9][A-Za-z0-9]? ?[0-9][A-Za-z]{2}",
        "[0-9]{5}(-[0-9]{4})?",
        "[1-9][0-9]{3} ?[a-zA-Z]{2}",
        "[A-Za-z][0-9][A-Za-z] ?[0-9][A-Za-z][0-9]",
        "[0-9]{1,2}[/.-][0-9]{1,2}[/.-][0-9]{4}",
        "[0-9]{4}-[0-9]{2}-[0-9]{2}",
        "[ ]{0,3}[A-Za-zÀ-ÿİıßŉΣ ]{1,20}",
    ]
}

/// Every built-in: no panic, output within the bound, the error free of the input; and a single
/// normalizer (not a pipeline, see `check_transforms`) is idempotent.
fn check_all(input: &str) -> Result<(), TestCaseError> {
    for n in built_ins() {
        let description = n.description();
        match n.normalize(input) {
            Ok(once) => {
                prop_assert!(
                    once.len() <= MAX_LEN,
                    "{description}: output over the bound"
                );
                if !description.contains('|') {
                    let twice = n.normalize(&once);
                    prop_assert_eq!(
                        twice.as_ref(),
                        Ok(&once),
                        "{} not idempotent on {:?}",
                        description,
                        input
                    );
                }
            }
            Err(e) => {
                let trimmed = input.trim();
                if trimmed.chars().count() >= 6 && !e.to_string().is_empty() {
                    prop_assert!(
                        !e.to_string().contains(trimmed),
                        "{} repeats its input in: {}",
                        description,
                        e
                    );
                }
            }
        }
    }
    Ok(())
}

/// A transform after a pipeline: what it gives, it gives again (the pipeline as a whole is not
/// idempotent: `date-of-birth|year` gives a year, which is not a date).
fn check_transforms(input: &str) -> Result<(), TestCaseError> {
    let pipelines = [
        "text|first-letters:2",
        "date-of-birth:dmy|year",
        "text|last-digits:2",
    ];
    let transforms: [&dyn Normalize; 3] = [&FirstLetters(2), &Year, &LastDigits(2)];
    for (pipeline, transform) in pipelines.iter().zip(transforms) {
        let pipeline = from_description(pipeline).unwrap();
        if let Ok(once) = pipeline.normalize(input) {
            prop_assert_eq!(transform.normalize(&once), Ok(once));
        }
    }
    Ok(())
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(512))]

    #[test]
    fn arbitrary_strings(input in any::<String>()) {
        check_all(&input)?;
        check_transforms(&input)?;
    }

    #[test]
    fn tricky_strings(input in tricky()) {
        check_all(&input)?;
        check_transforms(&input)?;
    }

    #[test]
    fn value_shaped_strings(input in valueish()) {
        check_all(&input)?;
        check_transforms(&input)?;
    }

    #[test]
    fn descriptions_never_panic(description in "[a-z:+|0-9A-Z-]{0,40}") {
        if let Ok(n) = from_description(&description) {
            prop_assert_eq!(n.description(), description.as_str());
        }
    }
}
