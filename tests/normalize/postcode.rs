//! `postcode` (FORMAT.md §17.6).

use fieldseal::normalize::{DefinitionProblem, NormalizeError, Postcode, PostcodeProblem};

use crate::{err, ok};

fn country(code: &str) -> Postcode {
    Postcode::new(code).unwrap()
}

#[test]
fn gb_has_one_space_before_the_inward_code() {
    let gb = country("GB");
    for (input, output) in [
        ("SW1A 1AA", "SW1A 1AA"),
        ("sw1a1aa", "SW1A 1AA"),
        ("  Sw1A   1aA ", "SW1A 1AA"),
        ("M1 1AE", "M1 1AE"),
        ("B33 8TH", "B33 8TH"),
        ("CR2 6XH", "CR2 6XH"),
        ("DN55 1PT", "DN55 1PT"),
        ("W1A 0AX", "W1A 0AX"),
        ("EC1A 1BB", "EC1A 1BB"),
        ("gir 0aa", "GIR 0AA"),
    ] {
        assert_eq!(ok(&gb, input), output, "{input}");
    }
    for bad in [
        "SW1A 1A",
        "EC1A",
        "1AA",
        "SW1A-1AA",
        "SW1A 1AAA",
        "S1 1A1",
        "SWAA 1AA",
        "SW1A 11A",
        "12 1AA",
        "ＳＷ1A 1AA",
    ] {
        assert_eq!(err(&gb, bad).code(), "postcode-shape", "{bad}");
    }
    assert_eq!(
        err(&gb, "SW1A-1AA").to_string(),
        "postcode: not a valid GB postcode (expected an outward code such as SW1A, M1 or B33, \
         then a digit and two letters)"
    );
}

#[test]
fn us_keeps_the_five_digit_zip() {
    let us = country("us");
    assert_eq!(ok(&us, "20500"), "20500");
    assert_eq!(ok(&us, "20500-0003"), "20500");
    assert_eq!(ok(&us, "205000003"), "20500");
    assert_eq!(ok(&us, " 20500 - 0003 "), "20500");
    for bad in [
        "2050",
        "205000",
        "20500-003",
        "20500-00034",
        "2050A",
        "20500+0003",
        "20500--003",
    ] {
        assert_eq!(err(&us, bad).code(), "postcode-shape", "{bad}");
    }
}

#[test]
fn de_fr_nl_ca() {
    assert_eq!(ok(&country("DE"), "10115"), "10115");
    assert_eq!(ok(&country("FR"), "75 001"), "75001");
    assert_eq!(err(&country("DE"), "D-10115").code(), "postcode-shape");
    assert_eq!(err(&country("FR"), "7500").code(), "postcode-shape");
    let nl = country("NL");
    assert_eq!(ok(&nl, "1234 ab"), "1234AB");
    assert_eq!(ok(&nl, "1234AB"), "1234AB");
    assert_eq!(err(&nl, "0234 AB").code(), "postcode-shape");
    assert_eq!(err(&nl, "1234 A1").code(), "postcode-shape");
    let ca = country("CA");
    assert_eq!(ok(&ca, "k1a0b1"), "K1A 0B1");
    assert_eq!(ok(&ca, "K1A 0B1"), "K1A 0B1");
    assert_eq!(err(&ca, "H0H 0H").code(), "postcode-shape");
    assert_eq!(err(&ca, "11A 0B1").code(), "postcode-shape");
}

#[test]
fn other_countries_get_the_generic_rules() {
    let jp = country("JP");
    assert_eq!(jp, Postcode::generic());
    assert_eq!(ok(&jp, "100-0001"), "1000001");
    assert_eq!(ok(&country("pt"), "1000-001"), "1000001");
    assert_eq!(ok(&country("IE"), "d02 x285"), "D02X285");
    assert_eq!(ok(&country("IS"), "101"), "101");
    assert_eq!(err(&jp, "1").code(), "postcode-shape");
    assert_eq!(err(&jp, "-").code(), "postcode-shape");
    assert_eq!(err(&jp, "1234567890123").code(), "postcode-shape");
    assert_eq!(err(&jp, "100_0001").code(), "postcode-shape");
    assert_eq!(err(&jp, "１００-０００１").code(), "postcode-shape");
}

#[test]
fn empty_and_bad_countries() {
    assert_eq!(
        err(&country("GB"), "  "),
        NormalizeError::Postcode(PostcodeProblem::Empty)
    );
    assert_eq!(
        err(&country("GB"), "\u{200F}"),
        NormalizeError::Postcode(PostcodeProblem::Empty)
    );
    assert_eq!(
        err(&country("GB"), "SW1A\u{0}1AA"),
        NormalizeError::ControlCharacter
    );
    for bad in ["UK", "uk", "G", "GBR", "G1", "", "ÉU"] {
        assert!(
            matches!(
                Postcode::new(bad),
                Err(NormalizeError::Definition(
                    DefinitionProblem::BadCountry { .. }
                ))
            ),
            "{bad}"
        );
    }
    assert_eq!(
        Postcode::new("UK").unwrap_err().to_string(),
        "postcode: bad country `UK` (expected an ISO 3166-1 alpha-2 code such as GB; the United \
         Kingdom is GB, not UK)"
    );
}
