//! Counting sealed values by purpose and key version, from headers alone (no key).

use std::collections::BTreeMap;
use std::io::BufRead;

use serde_json::Value;

use crate::error::{Error, Result};
use crate::format::TEXT_PREFIX;
use crate::sealed::Inspection;

/// Counts, per `(purpose, key version)`, the parts of every sealed value (`fs1:...` string at
/// any depth) in a JSON Lines input. Needs no key: run it before retiring a version, to see that
/// nothing is left under it.
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
/// [`Error::AtLine`] for a line that is not JSON or holds a malformed sealed value;
/// [`Error::Io`].
pub fn scan_jsonl(input: &mut dyn BufRead) -> Result<BTreeMap<(String, u32), u64>> {
    let mut counts = BTreeMap::new();
    for (index, line) in input.lines().enumerate() {
        let at = |e: Error| Error::AtLine {
            line: index as u64 + 1,
            source: Box::new(e),
        };
        let line = line.map_err(|source| Error::Io {
            action: "read the input".to_owned(),
            source,
        })?;
        if line.trim().is_empty() {
            continue;
        }
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
            for part in Inspection::of_text(text)?.parts {
                *counts.entry(part).or_insert(0) += 1;
            }
        }
        Value::Array(items) => items.iter().try_for_each(|v| count(v, counts))?,
        Value::Object(map) => map.values().try_for_each(|v| count(v, counts))?,
        _ => {}
    }
    Ok(())
}
