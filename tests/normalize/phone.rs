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

/// Digits of every script (Unicode general category Nd) are read as ASCII digits, and the
/// full-width plus sign as `+`, as libphonenumber reads them (`normalizeDigitsOnly`); the
/// `phonenumber` crate refused them. Expected values are the Python reference's
/// (`phonenumbers` 9.0.33).
#[test]
fn digits_of_every_script_are_read() {
    let gb = region("GB");
    for input in [
        "\u{FF10}\u{FF12}\u{FF10} \u{FF17}\u{FF19}\u{FF14}\u{FF16} \u{FF10}\u{FF10}\u{FF11}\u{FF18}",
        "\u{FF0B}44 20 7946 0018",
        "+\u{664}\u{664} \u{662}\u{660} \u{667}\u{669}\u{664}\u{666} \u{660}\u{660}\u{661}\u{668}",
        "\u{660}\u{662}\u{660} 7946 \u{6F0}\u{6F0}\u{6F1}\u{6F8}",
        "\u{1D7CE}\u{1D7D0}\u{1D7CE} \u{1D7D5}\u{1D7D7}\u{1D7D2}\u{1D7D4} \u{1D7CE}\u{1D7CE}\u{1D7CF}\u{1D7D6}",
        "tel:7946-0018;phone-context=+44-20",
    ] {
        assert_eq!(ok(&gb, input), "+442079460018", "{input}");
    }
    assert_eq!(
        ok(
            &region("IN"),
            "\u{966}\u{96F}\u{96E}\u{96D}\u{96C}\u{96B} \u{96A}\u{969}\u{968}\u{967}\u{966}"
        ),
        "+919876543210"
    );
}

/// Letters are keypad digits (E.161) only in a number with three ASCII letters or more, as
/// libphonenumber reads a "vanity" number; fewer letters are dropped. The crate made every
/// letter a digit: `+x1 650 253 0000` was the Indian +91 6502530000 (a wrong merge).
#[test]
fn letters_are_keypad_digits_only_in_a_vanity_number() {
    let us = region("US");
    assert_eq!(ok(&us, "+x1 650 253 0000"), "+16502530000");
    assert_eq!(ok(&us, "+1 650 253 0000 ab"), "+16502530000");
    assert_eq!(ok(&region("GB"), "020 7946 0018 b"), "+442079460018");
    assert_eq!(ok(&us, "1-800-FLOWERS"), "+18003569377");
    assert_eq!(err(&us, "+1 650 253 0000 abc").code(), "invalid-number");
    // In a vanity number, libphonenumber keeps ASCII digits and letters only: a digit of
    // another script is dropped (the number is then one digit short), and the dotless ı is I.
    assert_eq!(err(&us, "\u{FF16}50-FLOWERS").code(), "invalid-number");
    assert_eq!(err(&us, "1-800-\u{131}CALLS").code(), "invalid-number");
    // An extension is found as libphonenumber finds it, in its words and their cases.
    assert_eq!(
        ok(&us, "650 253 0000 \u{434}\u{43E}\u{431} 12"),
        "+16502530000"
    );
    assert_eq!(
        ok(&region("GB"), "020 7946 0018 \u{131}nt 12"),
        "+442079460018"
    );
}

/// Error codes as the Python reference gives them: `00000` is parsed by libphonenumber and is
/// not a valid number; a national significant number of zeros only is refused as invalid
/// (FORMAT.md §17.4), which libphonenumber finds it but for a few non-geographic ranges.
#[test]
fn numbers_libphonenumber_parses_are_invalid_not_unparseable() {
    let gb = region("GB");
    assert_eq!(err(&gb, "00000").code(), "invalid-number");
    assert_eq!(err(&gb, "+800 0000 0000").code(), "invalid-number");
    assert_eq!(
        err(&gb, "tel:7946-0018;phone-context=").code(),
        "not-a-number"
    );
    assert_eq!(err(&gb, &"2".repeat(251)).code(), "not-a-number");
}

/// After a plus sign, libphonenumber looks for a calling code before the region's
/// international prefix; the crate, given a region, stripped the prefix first.
#[test]
fn a_calling_code_after_the_plus_comes_before_the_international_prefix() {
    assert_eq!(ok(&region("RU"), "+810 3 1234 5678"), "+81312345678");
    assert_eq!(ok(&region("FI"), "+995 32 212 3456"), "+995322123456");
    assert_eq!(ok(&region("GB"), "+00 44 20 7946 0018"), "+442079460018");
}

/// libphonenumber cannot parse a `+` followed by zeros only (no calling code after it, nor after
/// the international prefix when read again without the `+`), nor a national number longer than
/// 17 digits: `not-a-number`, as the Python reference says (`NOT_A_NUMBER`, `TOO_LONG`); only a
/// national number of 2 to 17 zeros is `invalid-number`.
#[test]
fn zeros_after_a_plus_and_overlong_numbers_are_not_numbers() {
    for (region_code, input) in [
        ("GB", "+0000"),
        ("GB", "+000000000000"),
        ("US", "+000"),
        ("DE", "+000000000000000000"),
        ("GB", "0000000000000000000"),
    ] {
        assert_eq!(
            err(&region(region_code), input).code(),
            "not-a-number",
            "{region_code} {input}"
        );
    }
    assert_eq!(err(&region("GB"), "00000").code(), "invalid-number");
}

/// A valid number with digits appended is not valid (libphonenumber matches a number type's
/// pattern against the whole national number; the `phonenumber` crate, at its start only).
#[test]
fn numbers_libphonenumber_finds_invalid_give_no_term() {
    for (region_code, input) in [
        ("IT", "020 7946 00181"),
        ("IT", "+39 06 56982 12345"),
        ("IT", "020 7946 00180a"),
        ("JP", "0800 1\u{FF0E}23 45647"),
        ("CN", "9765 43\u{96A}4210"),
    ] {
        assert_eq!(
            err(&region(region_code), input).code(),
            "invalid-number",
            "{region_code} {input}"
        );
    }
    // The numbers they extend are valid.
    assert_eq!(ok(&region("IT"), "02 7946 0018"), "+390279460018");
}

/// The national prefix comes off as libphonenumber takes it off: Russia's 8 written before a
/// number, a national prefix written after the calling code, a leading 0 of Brazil's before a
/// toll-free number; and it stays where taking it off would unmake a number (`+7 808 ...`).
#[test]
fn national_prefixes_come_off_as_libphonenumber_takes_them_off() {
    for (region_code, input, e164) in [
        ("RU", "8 800 555 35 35", "+78005553535"),
        ("RU", "8 (800) 123-45-67", "+78001234567"),
        ("RU", "+7 808 123-45-67", "+78081234567"),
        ("GB", "+1 1 650 253 0000", "+16502530000"),
        ("BR", "0800 12 3456", "+55800123456"),
        ("AL", "0800 1234", "+3558001234"),
    ] {
        assert_eq!(
            ok(&region(region_code), input),
            e164,
            "{region_code} {input}"
        );
    }
    // Two national prefixes are one too many: not the number without them.
    assert_eq!(
        err(&region("GB"), "+44 00 113 420 8416").code(),
        "invalid-number"
    );
}
