//! The sealed strings inside a JSON value, read as bulk work reads records: member by member
//! (duplicate keys included), numbers and other scalars left as text. A `serde_json::Value`
//! would keep only the last of duplicate keys, hiding a sealed value before it, and refuses
//! numbers beyond an f64, which re-sealing copies as they came.

use serde_json::value::RawValue;

use crate::bulk::members::{Kind, kind, object_members, string_text};
use crate::error::{Error, Result};
use crate::format::TEXT_PREFIX;

/// How deep a walk follows arrays and objects that may hold a sealed value: serde_json's own
/// limit for a `Value`.
const MAX_DEPTH: usize = 128;

/// Bytes of containers a walk may read again, per byte of the text walked. Each array or object
/// that may hold a sealed value is parsed again to reach its members, so a sealed value at the
/// bottom of deep nesting costs a pass per level: this keeps a walk within a few dozen passes
/// over its text (a 16 MiB line nested 128 deep would otherwise cost 2 GiB of parsing).
const WORK_PER_BYTE: usize = 32;

pub(crate) fn not_json(e: &serde_json::Error) -> Error {
    Error::BadRecord {
        reason: format!("not JSON: {e}"),
    }
}

/// Calls `visit` with the text of every string in `text` (a JSON value serde_json has checked, as
/// a whole line or as a member of a record it parsed), at any depth, that
/// spells a sealed value (`fs1:...`), in order, until `visit` returns `true`. Returns the path
/// of the string it stopped at (`.a[2].b`; empty for `text` itself), `None` if it never did.
///
/// # Errors
/// [`Error::BadRecord`] for text that is not JSON, or nested deeper than 128 levels or so that
/// reading it would read it more than 32 times over, around a sealed value; `visit`'s errors.
pub(crate) fn sealed_strings(
    text: &str,
    visit: &mut dyn FnMut(&str) -> Result<bool>,
) -> Result<Option<String>> {
    let mut walk = Walk {
        budget: WORK_PER_BYTE.saturating_mul(text.len()),
        visit,
    };
    walk.value(text, 0)
}

/// One walk: the bytes of containers it may still parse, and what it calls.
struct Walk<'v> {
    budget: usize,
    visit: &'v mut dyn FnMut(&str) -> Result<bool>,
}

impl Walk<'_> {
    /// Checks, before `text` (a container `depth` levels down) is parsed again to reach its
    /// members, that the depth and the work allowed are not exceeded, and counts its bytes.
    fn enter(&mut self, text: &str, depth: usize) -> Result<()> {
        if depth == MAX_DEPTH {
            return Err(Error::BadRecord {
                reason: format!("nested deeper than {MAX_DEPTH} levels around a sealed value"),
            });
        }
        self.budget = self
            .budget
            .checked_sub(text.len())
            .ok_or_else(|| Error::BadRecord {
                reason: format!(
                    "nested so that reading it would read it more than {WORK_PER_BYTE} times over"
                ),
            })?;
        Ok(())
    }

    /// Walks `text`, `depth` containers down; the path of the string it stopped at, if any.
    fn value(&mut self, text: &str, depth: usize) -> Result<Option<String>> {
        match kind(text) {
            Kind::String => {
                let text = string_text(text).map_err(|e| not_json(&e))?;
                let stop = text.starts_with(TEXT_PREFIX) && (self.visit)(&text)?;
                Ok(stop.then(String::new))
            }
            // Only a string spelling `fs1:`, or an escape that could spell it, can be sealed.
            // (Callers hand text serde_json has checked: a container skipped is JSON.)
            Kind::Object | Kind::Array if !text.contains(TEXT_PREFIX) && !text.contains('\\') => {
                Ok(None)
            }
            Kind::Object => {
                self.enter(text, depth)?;
                let members = object_members(text).map_err(|e| not_json(&e))?;
                for member in members.unwrap_or_default() {
                    if let Some(path) = self.value(member.value, depth + 1)? {
                        return Ok(Some(format!(".{}{path}", member.key)));
                    }
                }
                Ok(None)
            }
            Kind::Array => {
                self.enter(text, depth)?;
                let items: Vec<&RawValue> = serde_json::from_str(text).map_err(|e| not_json(&e))?;
                for (i, item) in items.into_iter().enumerate() {
                    if let Some(path) = self.value(item.get(), depth + 1)? {
                        return Ok(Some(format!("[{i}]{path}")));
                    }
                }
                Ok(None)
            }
            Kind::Null | Kind::Scalar => Ok(None),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn first(text: &str) -> Option<String> {
        sealed_strings(text, &mut |_| Ok(true)).unwrap()
    }

    fn all(text: &str) -> Vec<String> {
        let mut seen = Vec::new();
        let stopped = sealed_strings(text, &mut |s| {
            seen.push(s.to_owned());
            Ok(false)
        })
        .unwrap();
        assert_eq!(stopped, None);
        seen
    }

    #[test]
    fn finds_the_path_of_the_first_sealed_string() {
        assert_eq!(first(r#"{"a":[1,{"b":"fs1:x"}]}"#).unwrap(), ".a[1].b");
        assert_eq!(first(r#"["plain","fs1:y"]"#).unwrap(), "[1]");
        assert_eq!(first(r#""fs1:z""#).unwrap(), "");
        assert_eq!(first(r#"{"a":"plain","b":[1,null]}"#), None);
    }

    #[test]
    fn reads_duplicate_keys_escapes_and_numbers_beyond_an_f64() {
        assert_eq!(first(r#"{"a":"fs1:x","a":1}"#).unwrap(), ".a");
        assert_eq!(
            all(r#"{"a":"fs1:x","a":"fs1\u003ay","n":1e400,"q":"\"fs1:"}"#),
            ["fs1:x", "fs1:y"]
        );
        assert_eq!(first(r#"{"n":1e400,"s":"\"q\""}"#), None);
    }

    #[test]
    fn refuses_what_is_not_json_and_nesting_past_the_limits() {
        let refused = |text: &str| match sealed_strings(text, &mut |_| Ok(true)) {
            Err(Error::BadRecord { reason }) => reason,
            other => panic!("{other:?}"),
        };
        assert!(refused(r#"{"a":"fs1:x""#).starts_with("not JSON"));
        assert!(refused(r#"{"a":"fs1:x",}"#).starts_with("not JSON"));
        // Beside a long plain member, so that the work allowed outlasts the depth.
        let nest = format!("{}\"fs1:x\"{}", "[".repeat(129), "]".repeat(129));
        let deep = format!("{{\"pad\":\"{}\",\"deep\":{nest}}}", "x".repeat(2_000));
        let reason = refused(&deep);
        assert!(reason.contains("deeper than 128"), "{reason}");
        let mut wide = format!("[\"fs1:x\",\"{}\"]", "x".repeat(1_000));
        for _ in 0..40 {
            wide = format!("[{wide}]");
        }
        assert!(refused(&wide).contains("more than 32 times over"));
        // Nesting without a sealed value is not walked, however deep.
        let plain = format!("{}1{}", "[".repeat(200), "]".repeat(200));
        assert_eq!(first(&plain), None);
    }
}
