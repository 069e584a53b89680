//! Transforms and pipelines (FORMAT.md §17.8).

use fieldseal::normalize::{
    DateOfBirth, DefinitionProblem, FirstLetters, LastDigits, Normalize, NormalizeError, Text,
    TransformProblem, Year,
};

use crate::{err, ok};

#[test]
fn last_digits_skips_everything_but_ascii_digits() {
    assert_eq!(ok(&LastDigits(4), "+442079460018"), "0018");
    assert_eq!(ok(&LastDigits(4), "4929 1234 5678 9012"), "9012");
    assert_eq!(ok(&LastDigits(4), "1234"), "1234");
    assert_eq!(ok(&LastDigits(1), "a1b"), "1");
    // Digits of other scripts are not ASCII digits.
    assert_eq!(ok(&LastDigits(2), "12\u{661}\u{662}"), "12");
    assert_eq!(
        err(&LastDigits(4), "+4 12"),
        NormalizeError::Transform(TransformProblem::TooFewDigits { wanted: 4 })
    );
    assert_eq!(
        err(&LastDigits(4), "abc").to_string(),
        "last-digits:4: the value has fewer than 4 digits (0-9) to take"
    );
}

#[test]
fn first_letters_counts_scalar_values() {
    assert_eq!(ok(&FirstLetters(1), "lovelace"), "l");
    assert_eq!(ok(&FirstLetters(3), "lovelace"), "lov");
    assert_eq!(ok(&FirstLetters(2), "\u{e9}mile"), "\u{e9}m");
    assert_eq!(
        ok(&FirstLetters(1), "\u{1F469}\u{200D}\u{1F373}"),
        "\u{1F469}"
    );
    assert_eq!(ok(&FirstLetters(2), "ab"), "ab");
    assert_eq!(
        err(&FirstLetters(3), "ab"),
        NormalizeError::Transform(TransformProblem::TooFewLetters { wanted: 3 })
    );
    assert_eq!(err(&FirstLetters(1), "").code(), "too-few-letters");
}

#[test]
fn after_text_an_initial_is_the_same_for_nfc_and_nfd() {
    let initial = Text.then(FirstLetters(1));
    assert_eq!(ok(&initial, "  Émile"), "\u{e9}");
    assert_eq!(ok(&initial, "E\u{301}mile"), "\u{e9}");
    assert_eq!(ok(&initial, "Ößterreich"), "\u{f6}");
    // Without Text first, the decomposed E and its accent are two scalar values.
    assert_eq!(ok(&FirstLetters(1), "E\u{301}mile"), "E");
    assert_eq!(initial.description(), "text|first-letters:1");
}

#[test]
fn year_of_a_date_or_a_year() {
    assert_eq!(ok(&Year, "1815-12-10"), "1815");
    assert_eq!(ok(&Year, "1815"), "1815");
    assert_eq!(ok(&Year, "0001"), "0001");
    for bad in [
        "0000",
        "815",
        "1815-02-30",
        "10/12/1815",
        "",
        "1815-12-10 ",
        "18150",
    ] {
        assert_eq!(
            err(&Year, bad),
            NormalizeError::Transform(TransformProblem::NotADate),
            "{bad}"
        );
    }
    let birth_year = DateOfBirth::day_first().then(Year);
    assert_eq!(ok(&birth_year, "10/12/1815"), "1815");
    assert_eq!(birth_year.description(), "date-of-birth:dmy|year");
    assert_eq!(err(&birth_year, "30/02/1815").code(), "no-such-day");
}

#[test]
fn counts_out_of_range_are_refused() {
    for transform in [
        &LastDigits(0) as &dyn Normalize,
        &LastDigits(65),
        &FirstLetters(0),
        &FirstLetters(usize::MAX),
    ] {
        assert!(
            matches!(
                transform.normalize("1234"),
                Err(NormalizeError::Definition(
                    DefinitionProblem::BadCount { .. }
                ))
            ),
            "{}",
            transform.description()
        );
    }
    assert_eq!(
        LastDigits(0).normalize("1").unwrap_err().to_string(),
        "last-digits: count 0 is out of range (expected 1 to 64)"
    );
    assert_eq!(ok(&LastDigits(64), &"7".repeat(64)), "7".repeat(64));
}

#[test]
fn transforms_are_capped_too() {
    let long = "1".repeat(1025);
    assert_eq!(
        err(&LastDigits(4), &long),
        NormalizeError::InputTooLong { limit: 1024 }
    );
    assert_eq!(
        err(&FirstLetters(1), &long),
        NormalizeError::InputTooLong { limit: 1024 }
    );
    assert_eq!(
        err(&Year, &long),
        NormalizeError::InputTooLong { limit: 1024 }
    );
}

#[test]
fn boxed_shared_and_borrowed_normalizers_compose() {
    use std::sync::Arc;

    use fieldseal::normalize::from_description;

    let boxed = from_description("text").unwrap();
    assert_eq!(ok(&(&*boxed).then(FirstLetters(2)), " Ada"), "ad");
    let shared: Arc<dyn Normalize> = Arc::from(from_description("year").unwrap());
    let pipeline = DateOfBirth::iso().then(Arc::clone(&shared));
    assert_eq!(ok(&pipeline, "1815-12-10"), "1815");
    assert_eq!(pipeline.description(), "date-of-birth|year");
    assert_eq!(ok(&boxed.then(LastDigits(1)), "a1"), "1");
}
