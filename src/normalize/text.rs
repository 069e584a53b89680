//! Free text: names, cities, street names (FORMAT.md §17.5).

use std::borrow::Cow;

use super::unicode::{check_output, is_space, nfc_fold, prepare};
use super::{Normalize, NormalizeError};

/// Free text: white space trimmed and each inner run of it made one space, NFC, then Unicode
/// full case folding (FORMAT.md §17.5). Description `text`.
///
/// Case folding, not lower-casing, because it is what Unicode defines for caseless matching
/// (Unicode §3.13, CaseFolding.txt): `Straße`, `STRASSE` and `strasse` are one term (`ß` folds
/// to `ss`), and so are `ΟΔΟΣ` and `οδος` (final and medial sigma fold alike), which
/// lower-casing keeps apart. Turkish dotted capital `İ` folds to `i̇` (i and a combining dot,
/// U+0069 U+0307), not to `i`: the Turkish-specific mappings are not applied, so
/// `İstanbul` and `istanbul` are two terms, while `ISTANBUL` and `istanbul` are one.
///
/// Accents, other marks and punctuation are kept: `Zoë` and `Zoe` are two terms, and `O'Brien`
/// and `OBrien` are two. Index both spellings, or write a custom normalizer, where they should
/// meet.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Text;

impl Normalize for Text {
    fn normalize(&self, input: &str) -> Result<String, NormalizeError> {
        let prepared = prepare(input)?;
        // The field's text, near enough: wiped when dropped.
        let mut collapsed = zeroize::Zeroizing::new(String::with_capacity(prepared.len()));
        for word in prepared.split(is_space).filter(|word| !word.is_empty()) {
            if !collapsed.is_empty() {
                collapsed.push(' ');
            }
            collapsed.push_str(word);
        }
        if collapsed.is_empty() {
            return Err(NormalizeError::EmptyText);
        }
        check_output(nfc_fold(&collapsed))
    }

    fn description(&self) -> Cow<'_, str> {
        Cow::Borrowed("text")
    }
}
