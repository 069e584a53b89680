//! Counting sealed values by purpose and key version, from headers alone (no key).

use std::collections::BTreeMap;
use std::io::BufRead;

use serde_json::Value;

use crate::bulk::lines::read_line;
use crate::error::{Error, Result};
use crate::format::TEXT_PREFIX;
use crate::sealed::{Inspection, KeyMode};

/// Counts, per `(purpose, key version)`, the parts of every direct-mode sealed value (`fs1:...`
/// string at any depth) in a JSON Lines input. Needs no key: run it before retiring a version, to
/// see that nothing is left under it. Subject-mode values (FORMAT.md §15) are not counted: their
/// parts name data key generations, not root versions, and they never need re-sealing (after a
/// rotation, `SubjectKeys::rewrap` moves the vault's keys, and `SubjectKeys::key_versions` says
/// what is left under a version).
///
/// ```
/// use fieldseal::bulk::scan_jsonl;
/// use fieldseal::{Context, Keyring, Sealed, Suite};
/// fieldseal::purpose!(Marketing = "marketing");
///
/// let keyring = Keyring::generate(Suite::default())?;
/// let ctx = Context::new("customer", "email").with_id_int(7);
/// let email: Sealed<String, Marketing> =
///     Sealed::seal("ada@example.com", &ctx, &keyring.purpose_key::<Marketing>())?;
/// let jsonl = format!("{{\"email\":\"{}\",\"tags\":[\"{}\"]}}\n", email.to_text(), email.to_text());
/// let counts = scan_jsonl(&mut jsonl.as_bytes())?;
/// assert_eq!(counts[&("marketing".to_owned(), 1)], 2);
/// # Ok::<(), fieldseal::Error>(())
/// ```
///
/// # Errors
/// [`Error::AtLine`] for a line that is not JSON, holds a malformed sealed value or is longer
/// than [`MAX_LINE`](crate::bulk::MAX_LINE) (input without line ends included); [`Error::Io`].
pub fn scan_jsonl(input: &mut dyn BufRead) -> Result<BTreeMap<(String, u32), u64>> {
    let mut counts = BTreeMap::new();
    let mut line = String::new();
    for line_no in 1.. {
        if read_line(input, &mut line, line_no)? == 0 {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        let at = |e: Error| Error::AtLine {
            line: line_no,
            source: Box::new(e),
        };
        let value: Value = serde_json::from_str(&line).map_err(|e| {
            at(Error::BadRecord {
                reason: format!("not JSON: {e}"),
            })
        })?;
        count(&value, &mut counts).map_err(at)?;
    }
    Ok(counts)
}

fn count(value: &Value, counts: &mut BTreeMap<(String, u32), u64>) -> Result<()> {
    match value {
        Value::String(text) if text.starts_with(TEXT_PREFIX) => {
            let seen = Inspection::of_text(text)?;
            if seen.mode == KeyMode::Direct {
                for part in seen.parts {
                    *counts.entry(part).or_insert(0) += 1;
                }
            }
        }
        Value::Array(items) => items.iter().try_for_each(|v| count(v, counts))?,
        Value::Object(map) => map.values().try_for_each(|v| count(v, counts))?,
        _ => {}
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyset::KeySet;
    use crate::vault::{MemoryVault, Subject, SubjectKeys};
    use crate::{Context, DynPurpose, Keyring, Sealed, Suite};

    #[test]
    fn subject_mode_values_are_not_counted_against_root_versions() {
        let keyring = Keyring::generate(Suite::default()).unwrap();
        let keys = KeySet::from_keyring(&keyring, &[DynPurpose::new("support").unwrap()]);
        let direct: Sealed<String, crate::AnyPurposes> = keys
            .seal_dyn(
                &[DynPurpose::new("support").unwrap()],
                "a",
                &Context::new("r", "f").with_id_int(1),
            )
            .unwrap();
        let subjects = SubjectKeys::new(MemoryVault::new(), keys, keyring.id()).unwrap();
        let subject: Sealed<String, crate::AnyPurposes> = subjects
            .seal_dyn(
                &Subject::int(1),
                &[DynPurpose::new("support").unwrap()],
                "a",
                &Context::new("r", "f").with_id_int(1),
            )
            .unwrap();
        let jsonl = format!(
            "{{\"a\":\"{}\",\"b\":\"{}\"}}\n",
            direct.to_text(),
            subject.to_text()
        );
        let counts = scan_jsonl(&mut jsonl.as_bytes()).unwrap();
        assert_eq!(counts.len(), 1);
        assert_eq!(counts[&("support".to_owned(), 1)], 1);
    }
}
