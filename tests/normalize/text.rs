//! `text` (FORMAT.md §17.5).

use fieldseal::normalize::{MAX_LEN, NormalizeError, Text};

use crate::{err, ok};

#[test]
fn trims_collapses_white_space_and_folds_case() {
    assert_eq!(ok(&Text, "  Ada   LOVELACE "), "ada lovelace");
    assert_eq!(ok(&Text, "Ada\tLovelace"), "ada lovelace");
    assert_eq!(
        ok(&Text, "Ada\r\n\u{a0}\u{2003}\u{3000}Lovelace"),
        "ada lovelace"
    );
    assert_eq!(ok(&Text, "Ada\u{2028}\u{85}Lovelace"), "ada lovelace");
    assert_eq!(ok(&Text, "ada lovelace"), "ada lovelace");
}

#[test]
fn composed_and_decomposed_give_one_term() {
    assert_eq!(ok(&Text, "Zo\u{eb}"), "zo\u{eb}");
    assert_eq!(ok(&Text, "Zoe\u{308}"), "zo\u{eb}");
    assert_eq!(ok(&Text, "ZOE\u{308}"), "zo\u{eb}");
    // Marks in another order that NFC puts in canonical order.
    assert_eq!(ok(&Text, "q\u{307}\u{323}"), ok(&Text, "q\u{323}\u{307}"));
    // Accents are kept: Zoë and Zoe are two terms.
    assert_eq!(ok(&Text, "Zoe"), "zoe");
}

#[test]
fn german_sharp_s_folds_to_ss() {
    assert_eq!(ok(&Text, "Straße"), "strasse");
    assert_eq!(ok(&Text, "STRASSE"), "strasse");
    assert_eq!(ok(&Text, "STRAẞE"), "strasse");
}

#[test]
fn turkish_i_follows_the_default_folding() {
    // Dotted capital İ folds to i and a combining dot above, not to i (no Turkish mapping)...
    assert_eq!(ok(&Text, "İstanbul"), "i\u{307}stanbul");
    // ...so İstanbul and istanbul are two terms, while ISTANBUL and istanbul are one.
    assert_eq!(ok(&Text, "ISTANBUL"), "istanbul");
    // Dotless ı is its own letter, kept.
    assert_eq!(ok(&Text, "ISPARTA ıspartA"), "isparta ısparta");
}

#[test]
fn greek_final_sigma_folds_like_sigma() {
    assert_eq!(ok(&Text, "ΟΔΟΣ"), "οδοσ");
    assert_eq!(ok(&Text, "οδος"), "οδοσ");
}

#[test]
fn invisible_marks_are_removed_joiners_kept() {
    assert_eq!(
        ok(&Text, "\u{200F}\u{5e9}\u{5dc}\u{5d5}\u{5dd}\u{200E}"),
        "\u{5e9}\u{5dc}\u{5d5}\u{5dd}"
    );
    assert_eq!(ok(&Text, "Ada\u{AD}Love\u{2060}lace"), "adalovelace");
    assert_eq!(ok(&Text, "\u{2067}Ada\u{2069}"), "ada");
    // Zero-width non-joiner and joiner spell words (Persian) and emoji: kept.
    assert_eq!(
        ok(
            &Text,
            "\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645}"
        ),
        "\u{645}\u{6cc}\u{200c}\u{62e}\u{648}\u{627}\u{647}\u{645}"
    );
    assert_eq!(
        ok(&Text, "\u{1F469}\u{200D}\u{1F373}"),
        "\u{1F469}\u{200D}\u{1F373}"
    );
}

#[test]
fn empty_text_and_controls_are_refused() {
    assert_eq!(err(&Text, ""), NormalizeError::EmptyText);
    assert_eq!(err(&Text, " \t\r\n\u{3000}"), NormalizeError::EmptyText);
    assert_eq!(err(&Text, "\u{200B}\u{FEFF}"), NormalizeError::EmptyText);
    assert_eq!(err(&Text, "ada\u{7}"), NormalizeError::ControlCharacter);
    assert_eq!(
        err(&Text, "").to_string(),
        "text: empty, or only spaces; there is nothing to index"
    );
}

#[test]
fn length_is_capped_before_and_after_folding() {
    assert_eq!(ok(&Text, &"a".repeat(MAX_LEN)).len(), MAX_LEN);
    assert_eq!(
        err(&Text, &"a".repeat(MAX_LEN + 1)),
        NormalizeError::InputTooLong { limit: MAX_LEN }
    );
    // ŉ (2 bytes) folds to ʼn (3 bytes): 1024 bytes in, 1536 out.
    assert_eq!(
        err(&Text, &"ŉ".repeat(MAX_LEN / 2)),
        NormalizeError::OutputTooLong { limit: MAX_LEN }
    );
    assert_eq!(ok(&Text, &"ŉ".repeat(300)), "ʼn".repeat(300));
}
