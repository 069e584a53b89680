//! Blind index columns in bulk re-sealing (FORMAT.md §13, §16.4): a term that is not of its
//! index's current version (after `fieldseal index rotate`) is recomputed from the fields it reads,
//! opened with the purpose keys at hand and normalized as the layout says, and spliced in as a
//! sealed string is; a term that cannot be recomputed is kept and counted.

use std::sync::Mutex;

use crate::bulk::layout::{Level, Reseal, Walk, binding};
use crate::bulk::members::{Kind, Member, kind, offset_in, string_text};
use crate::error::{Error, Result};
use crate::format::TEXT_PREFIX;
use crate::index::{IndexKey, IndexTerm};
use crate::record::{DeclaredIndex, RecordIndex, term_is_current};

/// One index column of a layout.
#[derive(Clone, Debug)]
pub(crate) struct LayoutIndex {
    /// The JSON key of the column.
    pub(crate) column: String,
    source: Source,
}

/// Where the index's definition comes from.
#[derive(Clone, Debug)]
enum Source {
    /// `#[derive(Seal)]`'s, made on first use.
    Declared(&'static DeclaredIndex),
    /// Built by hand, or by `fieldseal reseal --index`.
    Built(RecordIndex),
}

impl LayoutIndex {
    pub(crate) fn built(column: String, index: RecordIndex) -> Self {
        Self {
            column,
            source: Source::Built(index),
        }
    }

    pub(crate) fn declared(column: String, index: &'static DeclaredIndex) -> Self {
        Self {
            column,
            source: Source::Declared(index),
        }
    }

    /// The index's name; `None` for a declared index whose definition does not build (a run
    /// reports that itself).
    pub(crate) fn name(&self) -> Option<&str> {
        self.get().ok().map(RecordIndex::name)
    }

    fn get(&self) -> Result<&RecordIndex> {
        match &self.source {
            Source::Declared(declared) => declared.get(),
            Source::Built(index) => Ok(index),
        }
    }
}

/// The index keys of one run, each asked of the keys once (a keyring derives them).
#[derive(Default)]
pub(crate) struct IndexKeys {
    held: Mutex<Vec<IndexKey>>,
}

impl IndexKeys {
    fn get(&self, keys: &dyn Reseal, name: &str) -> Result<IndexKey> {
        let mut held = self
            .held
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        if let Some(key) = held.iter().find(|k| k.name() == name) {
            return Ok(key.share());
        }
        let key = keys.index_key(name)?;
        held.push(key.share());
        Ok(key)
    }
}

/// Brings the column of `index` in the record `level` (whose object text is `object`, members
/// `members`) to the current index version, if it is not there yet.
pub(crate) fn reindex(
    walk: &mut Walk<'_, '_>,
    level: &Level<'_>,
    object: &str,
    members: &[Member<'_>],
    index: &LayoutIndex,
) -> Result<()> {
    let record = level.top().layout.record();
    let bad = |reason: String| Error::BadRecord { reason };
    let column = only(members, &index.column, level)?;
    let def = index.get()?;
    let not_a_term = || {
        bad(format!(
            "`{}` in a `{record}` record is the column of index `{}` but holds no term of it \
             (an unpadded base64url string, or null)",
            level.path(&index.column),
            def.name()
        ))
    };
    let mut sources = Vec::new();
    for field in def.fields() {
        let member = only(members, field, level)?;
        if member.is_none_or(|m| kind(m.value) == Kind::Null) {
            // An absent or null field is `None`: the member is `null` (FORMAT.md §13). A term
            // left there (the field was cleared) would be neither recomputed nor counted, and a
            // missing member would stay "missing" to `count_terms` for good.
            match column.map(|c| (kind(c.value), c)) {
                Some((Kind::Null, _)) => {}
                Some((Kind::String, c)) => {
                    let text = string_text(c.value).map_err(|_| not_a_term())?;
                    IndexTerm::from_text(&text).map_err(|_| not_a_term())?;
                    put(walk, object, members, index, column, "null")?;
                    walk.counts.terms_recomputed += 1;
                }
                Some(_) => return Err(not_a_term()),
                None => {
                    put(walk, object, members, index, column, "null")?;
                    walk.counts.terms_recomputed += 1;
                }
            }
            return Ok(());
        }
        let member = member.expect("checked above");
        match kind(member.value) {
            Kind::String => {}
            _ => {
                return Err(bad(format!(
                    "`{}` in a `{record}` record is read by index `{}` but is not a sealed value",
                    level.path(field),
                    def.name()
                )));
            }
        }
        let text = string_text(member.value).map_err(|e| bad(format!("not JSON: {e}")))?;
        if !text.starts_with(TEXT_PREFIX) {
            return Err(bad(format!(
                "`{}` in a `{record}` record is read by index `{}` but is not a sealed value \
                 (`fs1:...`)",
                level.path(field),
                def.name()
            )));
        }
        sources.push((field, text));
    }
    let key = walk.index_keys.get(walk.keys, def.name())?;
    def.check_key(&key)?;
    if let Some(member) = column {
        match kind(member.value) {
            Kind::Null => {}
            Kind::String => {
                let text = string_text(member.value).map_err(|_| not_a_term())?;
                let term = IndexTerm::from_text(&text).map_err(|_| not_a_term())?;
                // A term newer than the key is an error, never moved back to an older version.
                if term_is_current(&key, &term)? {
                    walk.counts.terms_current += 1;
                    return Ok(());
                }
            }
            _ => return Err(not_a_term()),
        }
    }
    let mut values = Vec::with_capacity(sources.len());
    for (field, text) in &sources {
        let binding = binding(level, field);
        if let Ok(Some(value)) = walk.key_sets.open_text(walk.keys, text, &binding.context()) {
            values.push(value);
        } else {
            // Not opened (no key of its purposes here, a retired version, a damaged value): the
            // term is kept, and counted, so that the run says the migration is not done.
            walk.counts.terms_kept += 1;
            return Ok(());
        }
    }
    let values: Vec<&str> = values.iter().map(String::as_str).collect();
    let term = match def.term_with(&key, &values) {
        Ok(term) => term,
        Err(Error::Normalize { .. }) => {
            walk.counts.terms_kept += 1;
            return Ok(());
        }
        Err(e) => return Err(e),
    };
    put(walk, object, members, index, column, &format!("\"{term}\""))?;
    walk.counts.terms_recomputed += 1;
    Ok(())
}

/// Writes `value` (JSON text) as the column: in place of its member, or added as the object's
/// last member (a record stored before the index existed).
fn put(
    walk: &mut Walk<'_, '_>,
    object: &str,
    members: &[Member<'_>],
    index: &LayoutIndex,
    column: Option<&Member<'_>>,
    value: &str,
) -> Result<()> {
    if let Some(member) = column {
        let start = offset_in(walk.text, member.value);
        walk.edits
            .push((start..start + member.value.len(), value.to_owned()));
    } else {
        let end = offset_in(walk.text, object) + object.trim_end().len() - 1;
        let comma = if members.is_empty() { "" } else { "," };
        let key = serde_json::to_string(&index.column).map_err(|e| Error::BadRecord {
            reason: e.to_string(),
        })?;
        walk.edits.push((end..end, format!("{comma}{key}:{value}")));
    }
    Ok(())
}

/// The one member `key` of a record, if any; two are a bad record.
fn only<'m, 'a>(
    members: &'m [Member<'a>],
    key: &str,
    level: &Level<'_>,
) -> Result<Option<&'m Member<'a>>> {
    let mut found = members.iter().filter(|m| m.key == key);
    match (found.next(), found.next()) {
        (first, None) => Ok(first),
        _ => Err(Error::BadRecord {
            reason: format!(
                "a `{}` record has `{}` twice: it is not known which one is meant",
                level.top().layout.record(),
                level.path(key)
            ),
        }),
    }
}
