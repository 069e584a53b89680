//! The character rules every built-in normalizer shares (FORMAT.md §17.2): the input bound,
//! invisible characters, control characters, white space, NFC and the two case mappings.

use std::borrow::Cow;

use unicode_normalization::{UnicodeNormalization, is_nfc};

use super::{MAX_LEN, NormalizeError};

/// Invisible formatting characters removed from every input before anything else (FORMAT.md
/// §17.2): the soft hyphen, the bidirectional marks, embeddings, overrides and isolates, the
/// zero-width space, the word joiner and the byte order mark. Copying a value out of a web page
/// or a right-to-left document brings them along, and they change nothing a person sees. The
/// zero-width joiner and non-joiner (U+200C, U+200D) are kept: they spell words in Persian and
/// Indic scripts and in emoji.
pub(super) fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{AD}'
            | '\u{61C}'
            | '\u{200B}'
            | '\u{200E}'
            | '\u{200F}'
            | '\u{202A}'..='\u{202E}'
            | '\u{2060}'
            | '\u{2066}'..='\u{2069}'
            | '\u{FEFF}'
    )
}

/// White space: the Unicode White_Space property, which `char::is_whitespace` is (FORMAT.md
/// §17.2 lists its 25 code points).
pub(super) fn is_space(c: char) -> bool {
    c.is_whitespace()
}

/// A control character (general category Cc) that is not white space.
fn is_bad_control(c: char) -> bool {
    c.is_control() && !is_space(c)
}

/// Refuses an input longer than [`MAX_LEN`] bytes (FORMAT.md §17.2).
pub(super) fn check_len(input: &str) -> Result<(), NormalizeError> {
    if input.len() > MAX_LEN {
        return Err(NormalizeError::InputTooLong { limit: MAX_LEN });
    }
    Ok(())
}

/// Refuses an output longer than [`MAX_LEN`] bytes, so that every normalizer's output is a valid
/// input of the next step of a pipeline (FORMAT.md §17.2).
pub(super) fn check_output(output: String) -> Result<String, NormalizeError> {
    if output.len() > MAX_LEN {
        return Err(NormalizeError::OutputTooLong { limit: MAX_LEN });
    }
    Ok(output)
}

/// The first steps of every built-in normalizer that reads raw input (FORMAT.md §17.2): the
/// length bound, invisible characters removed, control characters refused.
pub(super) fn prepare(input: &str) -> Result<Cow<'_, str>, NormalizeError> {
    check_len(input)?;
    if input.chars().any(is_bad_control) {
        return Err(NormalizeError::ControlCharacter);
    }
    if input.chars().any(is_invisible) {
        Ok(Cow::Owned(
            input.chars().filter(|&c| !is_invisible(c)).collect(),
        ))
    } else {
        Ok(Cow::Borrowed(input))
    }
}

/// Unicode Normalization Form C (UAX #15).
pub(super) fn nfc(s: &str) -> Cow<'_, str> {
    if is_nfc(s) {
        Cow::Borrowed(s)
    } else {
        Cow::Owned(s.nfc().collect())
    }
}

/// NFC, then the Unicode default full lower-case mapping (`str::to_lowercase`: SpecialCasing.txt
/// without its language-specific entries, and the Final_Sigma condition), then NFC again
/// (FORMAT.md §17.2, `lower`).
///
/// ASCII text is its own NFC, and lower-cases as ASCII: it takes the short way.
pub(super) fn nfc_lower(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    let lowered = nfc(s).to_lowercase();
    match nfc(&lowered) {
        Cow::Borrowed(_) => lowered,
        Cow::Owned(normalized) => normalized,
    }
}

/// NFC, then Unicode full case folding (CaseFolding.txt statuses C and F, not T), then NFC again
/// (FORMAT.md §17.2, `fold`).
///
/// ASCII text is its own NFC, and folds as it lower-cases, `A`-`Z` to `a`-`z` (CaseFolding.txt
/// maps no other ASCII character): it takes the short way.
pub(super) fn nfc_fold(s: &str) -> String {
    if s.is_ascii() {
        return s.to_ascii_lowercase();
    }
    // The intermediate forms are the input's text: wiped when dropped.
    let composed = zeroize::Zeroizing::new(nfc(s).into_owned());
    let folded = zeroize::Zeroizing::new(caseless::default_case_fold_str(&composed));
    match nfc(&folded) {
        Cow::Borrowed(_) => folded.to_string(),
        Cow::Owned(normalized) => normalized,
    }
}
