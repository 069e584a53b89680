//! `phone` (FORMAT.md §17.4), with the `phone` feature.

use fieldseal::normalize::{
    DefinitionProblem, LastDigits, Normalize, NormalizeError, Phone, PhoneProblem,
};

use crate::{err, ok};

fn region(code: &str) -> Phone {
    Phone::new(code).unwrap()
}

#[test]
fn numbers_as_people_write_them_give_e164() {
    let gb = region("GB");
    for input in [
        "020 7946 0018",
        "02079460018",
        "(020) 7946-0018",
        "+44 20 7946 0018",
        "+44 (0)20 7946 0018",
        "0044 20 7946 0018",
        "tel:+44-20-7946-0018",
        "  020 7946 0018 ext. 12 ",
        "\u{200E}020 7946 0018",
    ] {
        assert_eq!(ok(&gb, input), "+442079460018", "{input}");
    }
    assert_eq!(ok(&gb, "07400 123456"), "+447400123456");
    assert_eq!(ok(&region("it"), "06 6982 1234"), "+390669821234");
    assert_eq!(ok(&region("US"), "(650) 253-0000"), "+16502530000");
}

#[test]
fn numbers_of_another_country_keep_their_own_national_digits() {
    // An Italian fixed line keeps its leading 0 after +39, and a French number after +33 begins
    // with the digit 1 (the national prefix of the United States): the default region's national
    // prefix must not be taken from another country's number (libphonenumber reads it with the
    // metadata of the number's own country; the `phonenumber` crate, given a default region,
    // used that region's).
    assert_eq!(ok(&region("GB"), "+39 06 6982 1234"), "+390669821234");
    assert_eq!(ok(&region("GB"), "0039 06 6982 1234"), "+390669821234");
    assert_eq!(ok(&region("US"), "+33 1 23 45 67 89"), "+33123456789");
    assert_eq!(ok(&region("US"), "011 33 1 23 45 67 89"), "+33123456789");
    assert_eq!(ok(&region("AU"), "0011 39 06 6982 1234"), "+390669821234");
    assert_eq!(ok(&region("GB"), "+1 650-253-0000"), "+16502530000");
}

#[test]
fn invalid_numbers_are_refused_not_guessed() {
    let gb = region("GB");
    // Ofcom's range for drama, which no line has: not a valid number.
    assert_eq!(
        err(&gb, "07700 900123"),
        NormalizeError::Phone(PhoneProblem::Invalid {
            region: "GB".into()
        })
    );
    assert_eq!(err(&gb, "020 7946 001").code(), "invalid-number");
    assert_eq!(err(&gb, "12").code(), "invalid-number");
    assert_eq!(err(&gb, "hello").code(), "not-a-number");
    assert_eq!(err(&gb, "+999 1234").code(), "not-a-number");
    assert_eq!(err(&gb, " "), NormalizeError::Phone(PhoneProblem::Empty));
    assert_eq!(
        err(&gb, "020\u{0}7946 0018"),
        NormalizeError::ControlCharacter
    );
    assert_eq!(
        err(&gb, "07700 900123").to_string(),
        "phone number: not a valid number for region GB (a number without a +country code is \
         read as a GB number; check the digits or add the country code)"
    );
}

#[test]
fn regions_are_checked() {
    assert_eq!(region("gb"), region("GB"));
    for bad in ["XX", "G", "GBR", "001", "", "Ü1"] {
        assert!(
            matches!(
                Phone::new(bad),
                Err(NormalizeError::Definition(
                    DefinitionProblem::UnknownRegion { .. }
                ))
            ),
            "{bad}"
        );
    }
    assert_eq!(region("GB").description(), "phone:GB");
}

#[test]
fn last_four_digits_of_a_phone() {
    let last4 = region("GB").then(LastDigits(4));
    assert_eq!(ok(&last4, "020 7946 0018"), "0018");
    assert_eq!(last4.description(), "phone:GB|last-digits:4");
}

/// A number written with the region's international dialling prefix is read as libphonenumber
/// reads it: that prefix once, at the start, then the calling code, as its `+` form is read.
/// Expected values are the spec's Python reference's (tests/vectors/normalize/generate.py,
/// `phonenumbers` 9.0.33). No other prefix length is tried: that read a number with its calling
/// code typed twice, or dialled with another country's prefix, as someone else's number, and
/// refused valid numbers that a longer prefix also made valid.
#[test]
fn a_number_after_the_international_prefix_is_read_as_its_plus_form() {
    let gb = region("GB");
    assert_eq!(ok(&gb, "+49 30 4930 1234"), "+493049301234");
    assert_eq!(ok(&gb, "0049 30 4930 1234"), "+493049301234");
    assert_eq!(ok(&gb, "00 43 1 4312345"), "+4314312345");
    assert_eq!(ok(&gb, "0049 30 4930 1234 ext. 7"), "+493049301234");
    for (region_code, input) in [
        ("GB", "0039 39 06 6982 1234"),
        ("AT", "0011 61 23 1234 5678"),
    ] {
        assert!(
            matches!(
                err(&region(region_code), input),
                NormalizeError::Phone(PhoneProblem::Invalid { .. })
            ),
            "{region_code} {input}"
        );
    }
}
