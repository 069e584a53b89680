//! Descriptions (FORMAT.md §17.9): every built-in's description reads back to a normalizer that
//! gives the same output, only canonical descriptions are read, and every refusal says why.

use fieldseal::normalize::{
    self, DateOfBirth, DefinitionProblem, Email, FirstLetters, LastDigits, MAX_LEN, Normalize,
    NormalizeError, Postcode, Text, Year, from_description, from_description_with,
};

/// Every built-in, options and pipelines included, with inputs to compare outputs on.
pub(crate) fn built_ins() -> Vec<Box<dyn Normalize>> {
    let mut all: Vec<Box<dyn Normalize>> = vec![
        Box::new(Email::new()),
        Box::new(Email::with_provider_rules()),
        Box::new(Email::new().strip_plus_tags()),
        Box::new(Email::with_provider_rules().strip_plus_tags()),
        Box::new(Text),
        Box::new(Postcode::generic()),
        Box::new(DateOfBirth::iso()),
        Box::new(DateOfBirth::day_first()),
        Box::new(DateOfBirth::month_first()),
        Box::new(Year),
        Box::new(LastDigits(4)),
        Box::new(LastDigits(1)),
        Box::new(LastDigits(64)),
        Box::new(FirstLetters(1)),
        Box::new(FirstLetters(3)),
        Box::new(Text.then(FirstLetters(1))),
        Box::new(DateOfBirth::day_first().then(Year)),
        Box::new(Text.then(FirstLetters(5)).then(LastDigits(1))),
    ];
    for country in ["GB", "US", "DE", "FR", "NL", "CA"] {
        all.push(Box::new(Postcode::new(country).unwrap()));
    }
    #[cfg(feature = "phone")]
    {
        use fieldseal::normalize::Phone;
        for region in ["GB", "US", "IT", "DE"] {
            all.push(Box::new(Phone::new(region).unwrap()));
        }
        all.push(Box::new(Phone::new("GB").unwrap().then(LastDigits(4))));
    }
    all
}

const SAMPLES: &[&str] = &[
    " Ada.Love+shop@GoogleMail.com ",
    "ada@example.com",
    "  Émile  ZOLA ",
    "SW1A 1AA",
    "20500-0003",
    "1234 ab",
    "k1a 0b1",
    "10115",
    "10/12/1815",
    "12/10/1815",
    "1815-12-10",
    "1815",
    "020 7946 0018",
    "+39 06 6982 1234",
    "(650) 253-0000",
    "",
    " ",
    "İ",
];

#[test]
fn every_description_reads_back_to_the_same_normalizer() {
    for original in built_ins() {
        let description = original.description();
        let read = from_description(&description)
            .unwrap_or_else(|e| panic!("{description} does not read back: {e}"));
        assert_eq!(read.description(), description);
        for sample in SAMPLES {
            assert_eq!(
                read.normalize(sample),
                original.normalize(sample),
                "{description} on {sample:?}"
            );
        }
    }
}

#[test]
fn canonical_descriptions() {
    let names: Vec<String> = built_ins()
        .iter()
        .map(|n| n.description().into_owned())
        .collect();
    for expected in [
        "email",
        "email+provider-rules",
        "email+plus-tags",
        "email+provider-rules+plus-tags",
        "text",
        "postcode:generic",
        "postcode:GB",
        "date-of-birth",
        "date-of-birth:dmy",
        "date-of-birth:mdy",
        "year",
        "last-digits:4",
        "first-letters:1",
        "text|first-letters:1",
        "date-of-birth:dmy|year",
        "text|first-letters:5|last-digits:1",
    ] {
        assert!(
            names.iter().any(|n| n == expected),
            "{expected} missing from {names:?}"
        );
    }
    #[cfg(feature = "phone")]
    assert!(names.iter().any(|n| n == "phone:GB|last-digits:4"));
}

fn definition(description: &str) -> DefinitionProblem {
    match from_description(description) {
        Err(NormalizeError::Definition(problem)) => problem,
        Err(other) => panic!("{description}: {other:?}"),
        Ok(n) => panic!("{description} was read as {}", n.description()),
    }
}

#[test]
fn only_canonical_descriptions_are_read() {
    for bad in [
        "Email",
        "EMAIL",
        " email",
        "email ",
        "text|",
        "|text",
        "text||year",
        "",
        "email+plus-tags+provider-rules",
        "email+provider-rules+provider-rules",
        "email:x",
        "emails",
        "text:1",
        "year:2",
        "postcode",
        "postcode:gb",
        "postcode:JP",
        "postcode:Generic",
        "postcode:UK",
        "date-of-birth:ymd",
        "date-of-birth:",
        "last-digits",
        "last-digits:",
        "last-digits:0",
        "last-digits:04",
        "last-digits:+4",
        "last-digits:65",
        "last-digits:4.0",
        "first-letters:100",
        "first-letters:1:2",
        "custom",
        "custom:",
        "custom:sku-v1",
        "lowercase",
        "phone",
        "phone:gb",
        "phone:GBR",
        "phone:XX",
    ] {
        let _ = definition(bad);
    }
}

#[test]
fn refusals_say_why_and_what_to_write() {
    assert_eq!(
        definition("lowercase").to_string(),
        "normalizer description: unknown normalizer `lowercase` (known: email, phone:RR, text, \
         postcode:CC, date-of-birth, year, last-digits:N, first-letters:N, custom:NAME)"
    );
    assert_eq!(
        definition("email+plus-tags+provider-rules").to_string(),
        "normalizer description: email takes no argument, and the options +provider-rules and \
         +plus-tags, each at most once, in that order (email+provider-rules+plus-tags)"
    );
    assert_eq!(
        definition("postcode:JP").to_string(),
        "normalizer description: postcode takes a country with rules of its own (GB, US, DE, FR, \
         NL, CA) or generic, as postcode:GB or postcode:generic"
    );
    assert_eq!(
        definition("last-digits:04").to_string(),
        "normalizer description: last-digits takes a count from 1 to 64 without leading zeros, \
         as last-digits:4"
    );
    assert_eq!(definition("text||year"), DefinitionProblem::EmptyStep);
    assert_eq!(
        definition("custom:sku-v1").to_string(),
        "normalizer description: custom normalizer `sku-v1` cannot be made from its \
         description; build it in code (normalize::custom) and pass it to from_description_with"
    );
    assert_eq!(definition("custom"), DefinitionProblem::UnnamedCustom);
    #[cfg(not(feature = "phone"))]
    assert_eq!(
        definition("phone:GB").to_string(),
        "the phone normalizer needs fieldseal's `phone` cargo feature, which this build does \
         not have"
    );
    #[cfg(feature = "phone")]
    assert_eq!(
        definition("phone:XX"),
        DefinitionProblem::UnknownRegion {
            region: Some("XX".into())
        }
    );
}

#[test]
fn what_does_not_look_like_a_description_is_not_repeated() {
    for value in [
        "ada@example.com",
        "+44 20 7946 0018",
        "07400123456",
        "Ada Lovelace",
    ] {
        let message = from_description(value).err().unwrap().to_string();
        assert!(!message.contains(value), "{message}");
        assert!(message.contains("(not shown)"), "{message}");
    }
    assert!(
        !Postcode::new("ada@example.com")
            .unwrap_err()
            .to_string()
            .contains("ada@")
    );
}

#[test]
fn descriptions_are_bounded() {
    let long = ["text"; 100].join("|");
    assert_eq!(
        definition(&long),
        DefinitionProblem::DescriptionTooLong { limit: 256 }
    );
    let nine = ["text"; 9].join("|");
    assert_eq!(
        definition(&nine),
        DefinitionProblem::TooManySteps { limit: 8 }
    );
    let eight = ["text"; 8].join("|");
    assert_eq!(
        from_description(&eight).unwrap().normalize(" A ").unwrap(),
        "a"
    );
}

fn sku(input: &str) -> Result<String, NormalizeError> {
    let sku = input.trim().to_ascii_uppercase();
    if sku.len() == 8 && sku.bytes().all(|b| b.is_ascii_alphanumeric()) {
        Ok(sku)
    } else {
        Err(NormalizeError::custom("SKU: expected 8 letters and digits"))
    }
}

#[test]
fn custom_normalizers_are_plain_functions_named_when_wrapped() {
    // A plain function is a normalizer; its description names nothing.
    assert_eq!(sku.normalize(" ab12cd34 ").unwrap(), "AB12CD34");
    assert_eq!(sku.description(), "custom");
    assert_eq!(
        sku.normalize("x").unwrap_err().to_string(),
        "SKU: expected 8 letters and digits"
    );
    assert_eq!(sku.normalize("x").unwrap_err().code(), "custom");
    // Closures too, and the input bound holds for them.
    let upper = |s: &str| Ok::<_, NormalizeError>(s.to_uppercase());
    assert_eq!(
        upper.normalize(&"a".repeat(MAX_LEN + 1)),
        Err(NormalizeError::InputTooLong { limit: MAX_LEN })
    );
    // ...and the output bound: ŉ upper-cases to two characters.
    assert_eq!(
        upper.normalize(&"ŉ".repeat(MAX_LEN / 2)),
        Err(NormalizeError::OutputTooLong { limit: MAX_LEN })
    );

    let named = normalize::custom("sku-v1", sku).unwrap();
    assert_eq!(named.description(), "custom:sku-v1");
    assert_eq!(named.name(), "sku-v1");
    assert_eq!(format!("{named:?}"), "Custom(\"sku-v1\")");
    let read =
        from_description_with("custom:sku-v1|last-digits:2", std::slice::from_ref(&named)).unwrap();
    assert_eq!(read.normalize("ab12cd34").unwrap(), "34");
    assert_eq!(read.description(), "custom:sku-v1|last-digits:2");
    assert!(from_description_with("custom:sku-v2", &[named]).is_err());

    for bad in ["", "SKU", "sku v1", "sku:v1", "sku|v1", &"a".repeat(65)] {
        assert_eq!(
            normalize::custom(bad, sku).unwrap_err(),
            NormalizeError::Definition(DefinitionProblem::BadCustomName),
            "{bad}"
        );
    }
}
