//! How far an index migration has come in stored records: the terms of index columns counted by
//! index version, from the terms alone (no key), so that `fieldseal index finish` is run only
//! once no row is left on an older version (FORMAT.md §16.4).

use std::collections::BTreeMap;
use std::io::BufRead;

use serde_json::value::RawValue;

use crate::bulk::lines::read_line;
use crate::bulk::members::{Kind, kind, object_members, string_text};
use crate::error::{Error, Result};
use crate::index::IndexTerm;

/// The terms of index columns in a JSON Lines input, by index version.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
#[non_exhaustive]
pub struct TermCensus {
    /// Records read (blank lines are not records).
    pub records: u64,
    /// Terms per index version.
    pub versions: BTreeMap<u32, u64>,
    /// Columns holding `null`: a field they read is `None`, and there is nothing to find.
    pub null: u64,
    /// Columns absent from their record (or inside a nested record that is `null` or absent):
    /// rows stored before the index existed, which no lookup finds until a re-seal adds them.
    pub missing: u64,
}

impl TermCensus {
    /// Terms of other versions than `current`, and absent columns: what is left to recompute
    /// before finishing a migration to `current` is safe.
    pub fn left_for(&self, current: u32) -> u64 {
        let others: u64 = self
            .versions
            .iter()
            .filter(|(v, _)| **v != current)
            .map(|(_, n)| n)
            .sum();
        others + self.missing
    }
}

/// Counts the terms of the index columns at `columns` (JSON keys, those of nested records by
/// their dotted path from the top: `contact.phone_lookup`) in every record of a JSON Lines input,
/// by index version. Needs no key.
///
/// ```
/// use fieldseal::bulk::count_terms;
/// use fieldseal::{IndexSpec, Keyring, Suite};
///
/// let mut keyring = Keyring::generate(Suite::default())?;
/// keyring.add_index(IndexSpec::new("email")?)?;
/// let old = keyring.index_key("email")?.term(b"ada@example.com")?;
/// keyring.rotate_index("email")?;
/// let new = keyring.index_key("email")?.term(b"grace@example.com")?;
/// let jsonl = format!("{{\"email_lookup\":\"{old}\"}}\n{{\"email_lookup\":\"{new}\"}}\n{{}}\n");
/// let census = count_terms(&mut jsonl.as_bytes(), &["email_lookup"])?;
/// assert_eq!((census.versions[&1], census.versions[&2], census.missing), (1, 1, 1));
/// assert_eq!(census.left_for(2), 2);
/// # Ok::<(), fieldseal::Error>(())
/// ```
///
/// # Errors
/// [`Error::AtLine`] for a line that is not a JSON object, a column that holds something other
/// than a term or `null`, or a line longer than [`MAX_LINE`](crate::bulk::MAX_LINE); [`Error::Io`].
pub fn count_terms(input: &mut dyn BufRead, columns: &[&str]) -> Result<TermCensus> {
    let mut census = TermCensus::default();
    let mut line = String::new();
    for line_no in 1.. {
        if read_line(input, &mut line, line_no)? == 0 {
            break;
        }
        if line.trim().is_empty() {
            continue;
        }
        let at = |reason: String| Error::AtLine {
            line: line_no,
            source: Box::new(Error::BadRecord { reason }),
        };
        // Read as re-sealing reads records, member by member with numbers left as text: a
        // `serde_json::Value` refused lines a run re-seals (a number beyond an f64 anywhere).
        let record: &RawValue =
            serde_json::from_str(&line).map_err(|e| at(format!("not JSON: {e}")))?;
        if kind(record.get()) != Kind::Object {
            return Err(at("a record must be a JSON object".to_owned()));
        }
        census.records += 1;
        for column in columns {
            let found = lookup(record.get(), column).map_err(|e| at(format!("not JSON: {e}")))?;
            match found.map(|text| (kind(text), text)) {
                None => census.missing += 1,
                Some((Kind::Null, _)) => census.null += 1,
                Some((Kind::String, text)) => {
                    let text = string_text(text).map_err(|e| at(format!("not JSON: {e}")))?;
                    let term = IndexTerm::from_text(&text)
                        .map_err(|e| at(format!("`{column}` holds no index term ({e})")))?;
                    *census.versions.entry(term.version()).or_default() += 1;
                }
                Some(_) => {
                    return Err(at(format!(
                        "`{column}` holds no index term (a string, or null)"
                    )));
                }
            }
        }
    }
    Ok(census)
}

/// The text of the value at a dotted path of `record` (an object's text), `None` if a step is
/// absent or not an object. Of duplicate keys the last counts, as in a `serde_json::Value`.
fn lookup<'t>(
    record: &'t str,
    path: &str,
) -> std::result::Result<Option<&'t str>, serde_json::Error> {
    let mut text = record;
    for key in path.split('.') {
        let Some(members) = object_members(text)? else {
            return Ok(None);
        };
        match members.into_iter().rev().find(|m| m.key == key) {
            Some(member) => text = member.value,
            None => return Ok(None),
        }
    }
    Ok(Some(text))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn nested_columns_nulls_and_bad_terms() {
        let term = IndexTerm::from_bytes(&[0, 0, 0, 3, 1, 2]).unwrap();
        let jsonl =
            format!("{{\"c\":{{\"t\":\"{term}\"}}}}\n\n{{\"c\":null}}\n{{\"c\":{{\"t\":null}}}}\n");
        let census = count_terms(&mut jsonl.as_bytes(), &["c.t"]).unwrap();
        assert_eq!(census.records, 3);
        assert_eq!(census.versions[&3], 1);
        assert_eq!((census.null, census.missing), (1, 1));
        assert_eq!(census.left_for(3), 1);

        let err = count_terms(&mut "{\"t\":\"secret value\"}\n".as_bytes(), &["t"]).unwrap_err();
        assert!(matches!(err, Error::AtLine { line: 1, .. }), "{err:?}");
        assert!(!err.to_string().contains("secret"), "{err}");
        assert!(count_terms(&mut "{\"t\":7}\n".as_bytes(), &["t"]).is_err());
        assert!(count_terms(&mut "[1]\n".as_bytes(), &["t"]).is_err());
    }

    /// Lines a re-sealing run writes out as they came: a number beyond an f64 in another member,
    /// an escaped term, a duplicate key (the last counts).
    #[test]
    fn numbers_beyond_f64_escapes_and_duplicate_keys() {
        let term = IndexTerm::from_bytes(&[0, 0, 0, 3, 1, 2])
            .unwrap()
            .to_string();
        let escaped = term.replacen('A', "\\u0041", 1);
        assert_ne!(escaped, term);
        let jsonl = format!(
            "{{\"n\":184467442737095e1616,\"t\":\"{term}\"}}\n{{\"t\":\"{escaped}\"}}\n\
             {{\"t\":7,\"t\":\"{term}\"}}\n{{\"c\":{{\"t\":1e999}},\"c\":{{\"t\":null}}}}\n"
        );
        let census = count_terms(&mut jsonl.as_bytes(), &["t", "c.t"]).unwrap();
        assert_eq!(census.records, 4);
        assert_eq!(census.versions[&3], 3);
        assert_eq!((census.null, census.missing), (1, 4));
    }
}
