//! `email` (FORMAT.md §17.3).

use fieldseal::normalize::{Email, EmailProblem, MAX_LEN, Normalize, NormalizeError};

use crate::{err, ok};

#[test]
fn trims_and_lower_cases_the_whole_address() {
    let email = Email::new();
    assert_eq!(ok(&email, " Ada@Example.COM "), "ada@example.com");
    assert_eq!(ok(&email, "ada@example.com"), "ada@example.com");
    assert_eq!(
        ok(&email, "\t\nADA.LOVELACE@EXAMPLE.CO.UK\u{3000}"),
        "ada.lovelace@example.co.uk"
    );
    // Dots and tags are kept without options, on every domain.
    assert_eq!(ok(&email, "A.da+Shop@Gmail.com"), "a.da+shop@gmail.com");
}

#[test]
fn composed_and_decomposed_accents_give_one_term() {
    let email = Email::new();
    let composed = ok(&email, "Jos\u{e9}@Caf\u{e9}.example");
    let decomposed = ok(&email, "Jose\u{301}@Cafe\u{301}.example");
    assert_eq!(composed, "jos\u{e9}@caf\u{e9}.example");
    assert_eq!(composed, decomposed);
}

#[test]
fn lower_cases_without_folding_and_keeps_punycode_apart() {
    let email = Email::new();
    // ß is lower-case already: straße@ and strasse@ may be two mailboxes, and stay two.
    assert_eq!(ok(&email, "STRAßE@Example.de"), "straße@example.de");
    assert_eq!(ok(&email, "STRASSE@Example.de"), "strasse@example.de");
    // Turkish dotted capital I: the default (not Turkish) mapping, i and a combining dot.
    assert_eq!(ok(&email, "İnci@Example.com"), "i\u{307}nci@example.com");
    // Final sigma: lower-casing is context-sensitive (str::to_lowercase).
    assert_eq!(ok(&email, "ΟΔΟΣ@Example.gr"), "οδος@example.gr");
    // No punycode conversion in either direction.
    assert_eq!(ok(&email, "ada@BÜCHER.example"), "ada@bücher.example");
    assert_eq!(
        ok(&email, "ada@XN--BCHER-KVA.example"),
        "ada@xn--bcher-kva.example"
    );
}

#[test]
fn invisible_marks_are_removed_and_controls_refused() {
    let email = Email::new();
    // Right-to-left and left-to-right marks, a byte order mark and a zero-width space, as a
    // copy from a web page or a right-to-left document brings them.
    assert_eq!(
        ok(&email, "\u{200F}ada@example.com\u{200E}"),
        "ada@example.com"
    );
    assert_eq!(
        ok(&email, "\u{FEFF}ada@exa\u{200B}mple.com"),
        "ada@example.com"
    );
    assert_eq!(
        ok(&email, "\u{202B}ada@example.com\u{202C}"),
        "ada@example.com"
    );
    assert_eq!(
        err(&email, "ada@exa\u{0}mple.com"),
        NormalizeError::ControlCharacter
    );
    assert_eq!(
        err(&email, "ada\u{1b}[31m@example.com"),
        NormalizeError::ControlCharacter
    );
    assert_eq!(
        err(&email, "ada@example.com\u{85}\u{9f}"),
        NormalizeError::ControlCharacter
    );
}

#[test]
fn refuses_what_is_not_an_address() {
    let email = Email::new();
    let problem = |input: &str| match err(&email, input) {
        NormalizeError::Email(problem) => problem,
        other => panic!("{other:?}"),
    };
    assert_eq!(problem(""), EmailProblem::Empty);
    assert_eq!(problem(" \t\u{a0}\u{2003} "), EmailProblem::Empty);
    assert_eq!(problem("\u{200F}"), EmailProblem::Empty);
    assert_eq!(problem("ada.example.com"), EmailProblem::NoAt);
    assert_eq!(problem("ada@lovelace@example.com"), EmailProblem::ManyAt);
    assert_eq!(problem("@example.com"), EmailProblem::EmptyLocalPart);
    assert_eq!(problem("ada@"), EmailProblem::EmptyDomain);
    assert_eq!(problem("@"), EmailProblem::EmptyLocalPart);
    assert_eq!(problem("ada lovelace@example.com"), EmailProblem::Space);
    assert_eq!(problem("ada@example.com\u{a0}x"), EmailProblem::Space);
}

#[test]
fn error_messages_say_what_is_wrong_and_what_is_expected() {
    let email = Email::new();
    assert_eq!(
        err(&email, "ada.example.com").to_string(),
        "not an email address: no '@' (expected local-part@domain)"
    );
    assert_eq!(
        err(&email, "ada@lovelace@example.com").to_string(),
        "not an email address: more than one '@' (expected exactly one, as in local-part@domain)"
    );
    assert_eq!(err(&email, "ada@").code(), "empty-domain");
}

#[test]
fn input_is_capped_at_one_kib() {
    let email = Email::new();
    let domain = "@example.com";
    let longest = format!("{}{domain}", "a".repeat(MAX_LEN - domain.len()));
    assert_eq!(ok(&email, &longest), longest);
    let too_long = format!("a{longest}");
    assert_eq!(
        err(&email, &too_long),
        NormalizeError::InputTooLong { limit: 1024 }
    );
    assert_eq!(
        err(&email, &too_long).to_string(),
        "input too long: a value to normalize is at most 1024 bytes of UTF-8; check that the \
         right field is being indexed"
    );
    // Trailing white space counts: the bound is on the input as given.
    assert!(email.normalize(&format!("{longest} ")).is_err());
}

#[test]
fn provider_rules_apply_to_gmail_and_googlemail_only() {
    let email = Email::with_provider_rules();
    assert_eq!(ok(&email, "A.da.Love+shop@Gmail.com"), "adalove@gmail.com");
    assert_eq!(
        ok(&email, "ada.love+a+b@googlemail.com"),
        "adalove@gmail.com"
    );
    assert_eq!(ok(&email, "adalove@gmail.com"), "adalove@gmail.com");
    // Other domains keep their dots and tags, subdomains and look-alikes included.
    assert_eq!(ok(&email, "a.da+shop@example.com"), "a.da+shop@example.com");
    assert_eq!(
        ok(&email, "a.da+shop@mail.gmail.com"),
        "a.da+shop@mail.gmail.com"
    );
    assert_eq!(ok(&email, "a.da+shop@gmail.co"), "a.da+shop@gmail.co");
    assert_eq!(ok(&email, "a.da@outlook.com"), "a.da@outlook.com");
    assert_eq!(
        err(&email, "+shop@gmail.com"),
        NormalizeError::Email(EmailProblem::EmptyAfterRules)
    );
    assert_eq!(
        err(&email, "...@googlemail.com").code(),
        "empty-after-rules"
    );
}

#[test]
fn plus_tags_are_cut_on_every_domain_when_asked() {
    let email = Email::new().strip_plus_tags();
    assert_eq!(ok(&email, "ada+shop@example.com"), "ada@example.com");
    assert_eq!(ok(&email, "ada+@example.com"), "ada@example.com");
    assert_eq!(ok(&email, "a.da+x+y@example.com"), "a.da@example.com");
    // Without provider rules, gmail.com is a domain like another: its dots stay.
    assert_eq!(ok(&email, "a.da+x@googlemail.com"), "a.da@googlemail.com");
    assert_eq!(err(&email, "+shop@example.com").code(), "empty-after-rules");

    let both = Email::with_provider_rules().strip_plus_tags();
    assert_eq!(ok(&both, "a.da+x@googlemail.com"), "ada@gmail.com");
    assert_eq!(ok(&both, "a.da+x@example.com"), "a.da@example.com");
}
