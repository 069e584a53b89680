//! Counting sealed values by purpose and key version, from headers alone (no key).

use std::collections::BTreeMap;
use std::io::BufRead;

use serde_json::Value;

use crate::bulk::lines::read_line;
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
