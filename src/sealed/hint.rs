//! Debug builds only: when a value fails to open, which part of the context would have opened it.
//!
//! A failed open is opaque on purpose ([`Error::CannotOpen`](crate::Error::CannotOpen)): a
//! tampered value, a wrong key and a wrong context look the same. In a debug build (tests,
//! `cargo run`), fieldseal then tries the likely mistakes with the caller's own key: the record
//! type or field in another case (`Customer` for `customer`, `marketingEmail` for
//! `marketing_email`), and the id bound another way (an integer as 16 bytes or as its decimal
//! text, a UUID as bytes or text, a shorter integer, no id). If one opens, the error says which
//! part differs. It never holds the id or the plaintext: names and how the id was bound only.
//!
//! Release builds never search (`cfg(debug_assertions)`), nor do fuzzing builds (`cfg(fuzzing)`),
//! whose inputs fail to open by the million. The search needs the key the caller already holds,
//! so it tells nothing someone without the key could learn; SECURITY.md says so.

#![cfg_attr(
    any(not(debug_assertions), fuzzing),
    allow(dead_code, reason = "only debug builds search for a hint")
)]
use std::fmt;

/// How an id was bound into a context, or would have to be for a value to open.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum IdBinding {
    /// 16 bytes: an integer (`with_id_int`) or a UUID (`with_id_uuid`).
    Integer,
    /// The text of an integer's decimal digits (`with_id_str("1001")`).
    DecimalText,
    /// The text of a UUID, hyphenated, lower case (`with_id_str(&uuid.to_string())`).
    UuidText,
    /// Text (`with_id_str`).
    Text,
    /// An integer as this many big-endian bytes (`with_id(&n.to_be_bytes())`).
    ShortInteger(u8),
    /// Bytes of this length (`with_id`).
    Bytes(usize),
    /// No id (`without_id()`).
    NoId,
}

impl IdBinding {
    /// How `id` looks to have been bound.
    fn of(id: &[u8]) -> Self {
        if id.is_empty() {
            return Self::NoId;
        }
        match std::str::from_utf8(id) {
            Ok(text) if uuid_bytes(text).is_some() => Self::UuidText,
            Ok(text) if text.parse::<i128>().is_ok() || text.parse::<u128>().is_ok() => {
                Self::DecimalText
            }
            // 16 bytes of printable text are text; any other 16 bytes an integer or UUID.
            Ok(text) if !text.chars().any(char::is_control) => Self::Text,
            _ if id.len() == 16 => Self::Integer,
            _ => Self::Bytes(id.len()),
        }
    }
}

impl fmt::Display for IdBinding {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Integer => f.write_str("as 16 bytes (`with_id_int` or `with_id_uuid`)"),
            Self::DecimalText => f.write_str("as the text of its decimal digits (`with_id_str`)"),
            Self::UuidText => f.write_str("as the text of a UUID (`with_id_str`)"),
            Self::Text => f.write_str("as text (`with_id_str`)"),
            Self::ShortInteger(n) => write!(f, "as {n} big-endian bytes (`with_id`)"),
            Self::Bytes(n) => write!(f, "as {n} bytes (`with_id`)"),
            Self::NoId => f.write_str("without an id (`without_id`)"),
        }
    }
}

/// Which part of the context differs from the one a value was sealed with, found by trying the
/// likely mistakes with the caller's key. Only debug builds find one; see
/// [`Error::CannotOpen`](crate::Error::CannotOpen).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct ContextHint {
    /// The record type given, and the one the value opens with, if they differ.
    pub record: Option<(String, String)>,
    /// The field given, and the one the value opens with, if they differ.
    pub field: Option<(String, String)>,
    /// How the id was bound, and how it must be, if they differ.
    pub id: Option<(IdBinding, IdBinding)>,
}

impl fmt::Display for ContextHint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("debug build: it opens with")?;
        let mut sep = " ";
        if let Some((given, found)) = &self.record {
            write!(f, "{sep}record type `{found}` (not `{given}`)")?;
            sep = ", ";
        }
        if let Some((given, found)) = &self.field {
            write!(f, "{sep}field `{found}` (not `{given}`)")?;
            sep = ", ";
        }
        if let Some((given, found)) = &self.id {
            write!(f, "{sep}the id bound {found}, not {given}")?;
        }
        Ok(())
    }
}

/// The ways a name may have been spelled: as given, lower case, snake_case, PascalCase and
/// camelCase, each once.
fn spellings(name: &str) -> Vec<String> {
    if name.contains('.') {
        // A nested field's path (`billing.street`, FORMAT.md §13): the words of its segments
        // would lose the dots; tried as given and in lower case only.
        let lower = name.to_lowercase();
        return if lower == name {
            vec![lower]
        } else {
            vec![name.to_owned(), lower]
        };
    }
    let words = words(name);
    let snake = words.join("_");
    let pascal: String = words.iter().map(|w| capitalized(w)).collect();
    let camel = words
        .iter()
        .enumerate()
        .map(|(i, w)| if i == 0 { w.clone() } else { capitalized(w) })
        .collect();
    let mut out = vec![name.to_owned()];
    for candidate in [name.to_lowercase(), snake, pascal, camel] {
        if !candidate.is_empty() && !out.contains(&candidate) {
            out.push(candidate);
        }
    }
    out
}

/// The lower-case words of a name in any of the cases above: `_`, `-` and a change from lower
/// to upper case separate words.
fn words(name: &str) -> Vec<String> {
    let mut words = Vec::new();
    let mut word = String::new();
    let mut prev_lower = false;
    for c in name.chars() {
        if c == '_' || c == '-' {
            if !word.is_empty() {
                words.push(std::mem::take(&mut word));
            }
            prev_lower = false;
            continue;
        }
        if c.is_uppercase() && prev_lower && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
        prev_lower = c.is_lowercase() || c.is_ascii_digit();
        word.extend(c.to_lowercase());
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
}

fn capitalized(word: &str) -> String {
    let mut chars = word.chars();
    chars.next().map_or_else(String::new, |first| {
        first.to_uppercase().chain(chars).collect()
    })
}

/// The 16 bytes of a hyphenated UUID's text.
fn uuid_bytes(text: &str) -> Option<[u8; 16]> {
    let b = text.as_bytes();
    if b.len() != 36 || [8, 13, 18, 23].iter().any(|&i| b[i] != b'-') {
        return None;
    }
    let hex: Vec<u8> = b.iter().copied().filter(|&c| c != b'-').collect();
    let bytes = crate::audit::json::unhex(std::str::from_utf8(&hex).ok()?)?;
    bytes.try_into().ok()
}

/// The hyphenated lower-case text of 16 bytes read as a UUID.
fn uuid_text(bytes: &[u8; 16]) -> String {
    let hex = crate::audit::json::hex_string(bytes);
    format!(
        "{}-{}-{}-{}-{}",
        &hex[..8],
        &hex[8..12],
        &hex[12..16],
        &hex[16..20],
        &hex[20..]
    )
}

/// The other ways the id given may have been meant, with how each binds it.
fn id_variants(id: &[u8]) -> Vec<(Vec<u8>, IdBinding)> {
    let given = IdBinding::of(id);
    let mut out = Vec::new();
    // Text that reads as an integer or a UUID: the 16 bytes it stands for.
    if let Ok(text) = std::str::from_utf8(id) {
        if let Ok(n) = text.parse::<i128>() {
            out.push((n.to_be_bytes().to_vec(), IdBinding::Integer));
        } else if let Ok(n) = text.parse::<u128>() {
            out.push((n.to_be_bytes().to_vec(), IdBinding::Integer));
        }
        if let Some(bytes) = uuid_bytes(text) {
            out.push((bytes.to_vec(), IdBinding::Integer));
        }
    }
    // 16 bytes (other than text): the text and the shorter forms of the same integer or UUID.
    if let (IdBinding::Integer, Ok(bytes)) = (given, <[u8; 16]>::try_from(id)) {
        let n = i128::from_be_bytes(bytes);
        out.push((n.to_string().into_bytes(), IdBinding::DecimalText));
        out.push((uuid_text(&bytes).into_bytes(), IdBinding::UuidText));
        for width in [8u8, 4, 2, 1] {
            let cut = 16 - usize::from(width);
            if bytes[..cut].iter().all(|&b| b == 0) {
                out.push((bytes[cut..].to_vec(), IdBinding::ShortInteger(width)));
            }
        }
    }
    // An integer's own bytes (`to_be_bytes` of a u64, say): the same integer as 16 bytes.
    if given == IdBinding::Bytes(id.len()) && matches!(id.len(), 1 | 2 | 4 | 8) {
        let mut wide = [0u8; 16];
        wide[16 - id.len()..].copy_from_slice(id);
        out.push((wide.to_vec(), IdBinding::Integer));
    }
    if !id.is_empty() {
        out.push((Vec::new(), IdBinding::NoId));
    }
    let mut seen: Vec<Vec<u8>> = vec![id.to_vec()];
    out.retain(|(bytes, _)| {
        let new = !seen.contains(bytes);
        if new {
            seen.push(bytes.clone());
        }
        new
    });
    out
}

/// The most contexts tried for one failed open.
const MAX_TRIES: usize = 96;

/// Tries the likely mistakes on the context (`record`, `field`, `id`) with `opens`, which says
/// whether the value opens under another context. The first that opens, as a hint; the context
/// given itself is not tried again.
pub(crate) fn search(
    record: &str,
    field: &str,
    id: &[u8],
    mut opens: impl FnMut(&str, &str, &[u8]) -> bool,
) -> Option<ContextHint> {
    let records = spellings(record);
    let fields = spellings(field);
    let mut ids = vec![(id.to_vec(), IdBinding::of(id))];
    ids.extend(id_variants(id));
    let given_id = IdBinding::of(id);
    let mut tries = 0;
    // The fewest changes first: one part, then two, then all three.
    for changes in 1..=3 {
        for (ri, r) in records.iter().enumerate() {
            for (fi, f) in fields.iter().enumerate() {
                for (ii, (i, binding)) in ids.iter().enumerate() {
                    if usize::from(ri > 0) + usize::from(fi > 0) + usize::from(ii > 0) != changes {
                        continue;
                    }
                    tries += 1;
                    if tries > MAX_TRIES {
                        return None;
                    }
                    if opens(r, f, i) {
                        return Some(ContextHint {
                            record: (ri > 0).then(|| (record.to_owned(), r.clone())),
                            field: (fi > 0).then(|| (field.to_owned(), f.clone())),
                            id: (ii > 0).then_some((given_id, *binding)),
                        });
                    }
                }
            }
        }
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_tried_in_each_case_once() {
        assert_eq!(spellings("customer"), ["customer", "Customer"]);
        assert_eq!(
            spellings("marketing_email"),
            ["marketing_email", "MarketingEmail", "marketingEmail"]
        );
        assert_eq!(
            spellings("MarketingEmail"),
            [
                "MarketingEmail",
                "marketingemail",
                "marketing_email",
                "marketingEmail"
            ]
        );
        assert_eq!(spellings("billing.street"), ["billing.street"]);
    }

    #[test]
    fn ids_are_tried_as_the_other_bindings_of_the_same_id() {
        let int = 1001u128.to_be_bytes();
        let tried: Vec<_> = id_variants(&int).into_iter().map(|(_, b)| b).collect();
        assert_eq!(
            tried,
            [
                IdBinding::DecimalText,
                IdBinding::UuidText,
                IdBinding::ShortInteger(8),
                IdBinding::ShortInteger(4),
                IdBinding::ShortInteger(2),
                IdBinding::NoId
            ]
        );
        assert_eq!(id_variants(b"1001")[0], (int.to_vec(), IdBinding::Integer));
        let uuid = "67e55044-10b1-426f-9247-bb680e5fe0c8";
        let bytes = uuid_bytes(uuid).unwrap();
        assert_eq!(uuid_text(&bytes), uuid);
        assert_eq!(
            id_variants(uuid.as_bytes())[0],
            (bytes.to_vec(), IdBinding::Integer)
        );
        assert_eq!(IdBinding::of(uuid.as_bytes()), IdBinding::UuidText);
        assert_eq!(
            IdBinding::of(b"12345678-1234-1234-1234-123456789012"),
            IdBinding::UuidText
        );
        assert_eq!(IdBinding::of(b"cust-0042"), IdBinding::Text);
        assert_eq!(IdBinding::of(b"2024-01-05"), IdBinding::Text);
        assert_eq!(IdBinding::of(b"-"), IdBinding::Text);
        assert_eq!(IdBinding::of(&[0xff, 0, 1]), IdBinding::Bytes(3));
        assert!(id_variants(&[]).is_empty());
        // Sixteen characters of text are text, not an integer's 16 bytes.
        assert_eq!(IdBinding::of(b"cust-00000000042"), IdBinding::Text);
        let digits = b"1000000000000001";
        assert_eq!(IdBinding::of(digits), IdBinding::DecimalText);
        assert_eq!(
            id_variants(digits)[0],
            (
                1_000_000_000_000_001u128.to_be_bytes().to_vec(),
                IdBinding::Integer
            )
        );
        // Four characters of text are not widened as if they were a u32's bytes.
        assert_eq!(id_variants(b"abcd"), [(Vec::new(), IdBinding::NoId)]);
    }

    #[test]
    fn the_search_reports_the_fewest_changes_that_open_and_gives_up_after_its_budget() {
        let hint = search("customer", "phone", &7u128.to_be_bytes(), |r, f, id| {
            r == "Customer" && f == "phone" && id == b"7"
        })
        .unwrap();
        assert_eq!(
            hint.record,
            Some(("customer".to_owned(), "Customer".to_owned()))
        );
        assert_eq!(hint.field, None);
        assert_eq!(hint.id, Some((IdBinding::Integer, IdBinding::DecimalText)));
        assert_eq!(
            hint.to_string(),
            "debug build: it opens with record type `Customer` (not `customer`), the id bound as \
             the text of its decimal digits (`with_id_str`), not as 16 bytes (`with_id_int` or \
             `with_id_uuid`)"
        );
        let mut tries = 0;
        assert!(
            search(
                "MarketingEmail",
                "HomePhoneNumber",
                &7u128.to_be_bytes(),
                |_, _, _| {
                    tries += 1;
                    false
                }
            )
            .is_none()
        );
        assert!(tries <= MAX_TRIES);
        assert!(search("customer", "phone", b"", |_, _, _| false).is_none());
    }
}
