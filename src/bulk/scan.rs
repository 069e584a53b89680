//! Counting sealed values by purpose and key version, from headers alone (no key).

use std::collections::BTreeMap;
use std::io::BufRead;

use serde_json::value::RawValue;

use crate::bulk::lines::read_line;
use crate::bulk::walk::{not_json, sealed_strings};
use crate::error::{Error, Result};
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
        // Syntax checked whole, then read as re-sealing reads records: member by member, numbers
        // and other scalars left as text. Parsed into a `serde_json::Value`, a number beyond an
        // f64 in any member made a line that a run re-seals (and writes out as it came) fail
        // to scan.
        let raw: &RawValue = serde_json::from_str(&line).map_err(|e| at(not_json(&e)))?;
        sealed_strings(raw.get(), &mut |text| {
            let seen = Inspection::of_text(text)?;
            if seen.mode == KeyMode::Direct {
                for part in seen.parts {
                    *counts.entry(part).or_insert(0) += 1;
                }
            }
            Ok(false)
        })
        .map_err(at)?;
    }
    Ok(counts)
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

    /// Lines a re-sealing run writes out as they came scan too: a number beyond an f64, a
    /// sealed value spelled with an escape inside arrays and objects, duplicate keys (each
    /// counted, as re-sealing re-seals each); nesting past serde_json's limit around a sealed
    /// value is refused, and any nesting without one is skipped.
    #[test]
    fn lines_that_re_seal_also_scan() {
        let keyring = Keyring::generate(Suite::default()).unwrap();
        let support = [DynPurpose::new("support").unwrap()];
        let keys = KeySet::from_keyring(&keyring, &support);
        let value: Sealed<String, crate::AnyPurposes> = keys
            .seal_dyn(&support, "a", &Context::new("r", "f").with_id_int(1))
            .unwrap();
        let text = value.to_text();
        let escaped = text.replacen("fs1:", "fs1\\u003a", 1);
        let jsonl = format!(
            "{{\"n\":184467442737095e1616,\"a\":\"{text}\"}}\n\
             {{\"x\":[1e999,{{\"y\":[\"{escaped}\"]}}],\"a\":\"{text}\",\"a\":\"{text}\"}}\n"
        );
        let counts = scan_jsonl(&mut jsonl.as_bytes()).unwrap();
        assert_eq!(counts[&("support".to_owned(), 1)], 4);

        // 200 levels deep beside a long plain member: within the work allowed, past the depth.
        let deep = |inner: &str| {
            let pad = "x".repeat(200 * (200 + inner.len()));
            let nest = format!("{}{inner}{}", "[".repeat(200), "]".repeat(200));
            format!("{{\"pad\":\"{pad}\",\"deep\":{nest}}}\n")
        };
        assert!(
            scan_jsonl(&mut deep("1e999").as_bytes())
                .unwrap()
                .is_empty()
        );
        let err = scan_jsonl(&mut deep(&format!("\"{text}\"")).as_bytes()).unwrap_err();
        assert!(err.to_string().contains("deeper than 128"), "{err}");
        // 100 levels, each holding a long string at the bottom, so that every level is about as
        // long as the line: reading each again would be 100 passes, past the 32 allowed.
        let mut wide = format!("[\"{text}\",\"{}\"]", "x".repeat(10_000));
        for _ in 0..100 {
            wide = format!("[{wide}]");
        }
        let err = scan_jsonl(&mut format!("{wide}\n").as_bytes()).unwrap_err();
        assert!(err.to_string().contains("more than 32 times"), "{err}");
        let err = scan_jsonl(&mut "{\"a\":\n".as_bytes()).unwrap_err();
        assert!(err.to_string().contains("not JSON"), "{err}");
    }
}
