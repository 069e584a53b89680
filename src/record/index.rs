//! Blind indexes over the fields of a record (FORMAT.md §13, §16, §17): which fields an index
//! reads, in which order, and the normalizer of each; the terms a sealed record stores and a
//! lookup asks for.
//!
//! `#[derive(Seal)]` declares one [`DeclaredIndex`] per index attribute, a `static` whose
//! normalizers are made from their descriptions once per program, on first use. Bulk re-sealing
//! ([`RecordLayout::index`](crate::bulk::RecordLayout::index)) and hand-written code use a
//! [`RecordIndex`] directly.

use std::fmt;
use std::sync::{Arc, OnceLock};

use zeroize::Zeroizing;

use crate::error::{Error, Result};
use crate::index::{IndexKey, IndexSpec, IndexTerm, MAX_PARTS};
use crate::keyset::KeySet;
use crate::normalize::{self, Normalize, NormalizeError};
use crate::purpose::Purposes;
use crate::sealed::{Context, Sealed};

/// Joins the normalizer descriptions of a compound index's parts, in declared order, into the
/// one description its keyring records (FORMAT.md §13). `,` appears in no description (§17.9).
pub const PART_SEPARATOR: char = ',';

/// A normalizer function, as `#[seal(index(.., with = path))]` names one.
pub type NormalizeFn = fn(&str) -> Result<String, NormalizeError>;

/// One part of an index: the field it reads and that field's normalizer.
#[derive(Clone)]
struct Part {
    /// The field's name in the record (its JSON key).
    field: String,
    normalizer: Arc<dyn Normalize>,
}

/// A blind index over the fields of a record: its name, and per part (one, or up to 16 for a
/// compound index) the field it reads and the normalizer that field's value goes through.
///
/// It computes the terms of a record's values with the index key of a [`KeySet`], after checking
/// that the key's recorded normalizer (if any) is this index's [`description`](Self::description):
/// services that normalize differently would never find each other's rows.
///
/// ```
/// use fieldseal::record::RecordIndex;
/// use fieldseal::{IndexSpec, KeySet, Keyring, Suite};
///
/// let mut keyring = Keyring::generate(Suite::default())?;
/// keyring.add_index(IndexSpec::new("name-postcode")?.with_normalizer("text,postcode:GB")?)?;
/// let keys = KeySet::new().with_index(keyring.index_key("name-postcode")?);
///
/// let index = RecordIndex::new("name-postcode")?
///     .part("last_name", "text")?
///     .part("postcode", "postcode:GB")?;
/// assert_eq!(index.description(), "text,postcode:GB");
/// let stored = index.term(&keys, &["Lovelace", "sw1a1aa"])?;
/// let asked = index.terms(&keys, &[" LOVELACE ", "SW1A 1AA"])?;
/// assert_eq!(asked, [stored]);
/// # Ok::<(), fieldseal::Error>(())
/// ```
#[derive(Clone)]
pub struct RecordIndex {
    name: String,
    parts: Vec<Part>,
    /// The parts' descriptions joined by [`PART_SEPARATOR`].
    description: String,
}

impl RecordIndex {
    /// An index of this name, with no part yet.
    ///
    /// # Errors
    /// [`Error::InvalidIndexName`].
    pub fn new(name: &str) -> Result<Self> {
        IndexSpec::new(name)?;
        Ok(Self::unchecked(name))
    }

    fn unchecked(name: &str) -> Self {
        Self {
            name: name.to_owned(),
            parts: Vec::new(),
            description: String::new(),
        }
    }

    /// Adds a part: the record field `field`, normalized as `description` says (FORMAT.md
    /// §17.9, such as `email` or `phone:GB|last-digits:4`).
    ///
    /// # Errors
    /// [`Error::Normalize`] for a description [`normalize::from_description`] refuses (a
    /// `custom:` one among them: use [`part_with`](Self::part_with)), [`Error::BadIndexParts`]
    /// beyond 16 parts.
    pub fn part(self, field: &str, description: &str) -> Result<Self> {
        let normalizer =
            normalize::from_description(description).map_err(|e| self.refused(field, e))?;
        self.part_with(field, normalizer)
    }

    /// Adds a part normalized by `normalizer`, such as a [`normalize::Custom`]; its
    /// [`description`](Normalize::description) is the one recorded and compared.
    ///
    /// # Errors
    /// [`Error::BadIndexParts`] beyond 16 parts.
    pub fn part_with(mut self, field: &str, normalizer: impl Normalize + 'static) -> Result<Self> {
        if self.parts.len() == MAX_PARTS {
            return Err(Error::BadIndexParts {
                index: self.name,
                reason: format!("an index has at most {MAX_PARTS} parts"),
            });
        }
        if !self.parts.is_empty() {
            self.description.push(PART_SEPARATOR);
        }
        self.description.push_str(&normalizer.description());
        self.parts.push(Part {
            field: field.to_owned(),
            normalizer: Arc::new(normalizer),
        });
        Ok(self)
    }

    /// The index name, as its keyring defines it.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// The normalizer description a keyring records for this index: the parts' descriptions in
    /// declared order, joined by `,` (`text,postcode:GB`), or the one part's (`email`).
    pub fn description(&self) -> &str {
        &self.description
    }

    /// The fields the parts read, in order.
    pub fn fields(&self) -> impl Iterator<Item = &str> {
        self.parts.iter().map(|p| p.field.as_str())
    }

    /// Checks that `key` is this index's key and agrees on the normalizer: a key that records a
    /// description (FORMAT.md §16.4) must record this index's.
    ///
    /// # Errors
    /// [`Error::IndexNormalizerMismatch`]; [`Error::UnknownIndex`] for another index's key.
    pub fn check_key(&self, key: &IndexKey) -> Result<()> {
        if key.name() != self.name {
            return Err(Error::UnknownIndex {
                index: self.name.clone(),
                held: vec![key.name().to_owned()],
            });
        }
        let recorded = key.normalizer();
        if recorded.is_empty() || recorded == self.description {
            return Ok(());
        }
        Err(Error::IndexNormalizerMismatch {
            index: self.name.clone(),
            declared: self.description.as_str().into(),
            recorded: recorded.into(),
        })
    }

    /// The normalized form of `values`, one per part.
    ///
    /// # Errors
    /// [`Error::BadIndexParts`] for another number of values than of parts; [`Error::Normalize`]
    /// naming the field whose value is refused (never the value).
    pub fn normalize(&self, values: &[&str]) -> Result<Vec<String>> {
        if values.len() != self.parts.len() {
            let fields: Vec<&str> = self.fields().collect();
            return Err(Error::BadIndexParts {
                index: self.name.clone(),
                reason: format!(
                    "{} values were given, and the index reads {} ({}), in that order",
                    values.len(),
                    fields.len(),
                    fields.join(", ")
                ),
            });
        }
        self.parts
            .iter()
            .zip(values)
            .map(|(part, value)| {
                part.normalizer
                    .normalize(value)
                    .map_err(|e| self.refused(&part.field, e))
            })
            .collect()
    }

    /// The term a record stores for `values` (one per part, in declared order), with the current
    /// version of the index key `keys` holds.
    ///
    /// # Errors
    /// [`Error::UnknownIndex`] if `keys` holds no key of this index, and as
    /// [`term_with`](Self::term_with).
    pub fn term(&self, keys: &KeySet, values: &[&str]) -> Result<IndexTerm> {
        self.term_with(keys.require_index(&self.name)?, values)
    }

    /// The terms a lookup of `values` asks for: one per index version in use, current first
    /// (`WHERE column IN (...)`).
    ///
    /// # Errors
    /// As [`term`](Self::term).
    pub fn terms(&self, keys: &KeySet, values: &[&str]) -> Result<Vec<IndexTerm>> {
        self.terms_with(keys.require_index(&self.name)?, values)
    }

    /// [`term`](Self::term) with a given index key.
    ///
    /// # Errors
    /// As [`check_key`](Self::check_key) and [`normalize`](Self::normalize).
    pub fn term_with(&self, key: &IndexKey, values: &[&str]) -> Result<IndexTerm> {
        self.check_key(key)?;
        // The normalized values are the field's plaintext, near enough: wiped when dropped.
        let normalized = Zeroizing::new(self.normalize(values)?);
        key.term_parts(&as_parts(&normalized))
    }

    /// [`terms`](Self::terms) with a given index key.
    ///
    /// # Errors
    /// As [`term_with`](Self::term_with).
    pub fn terms_with(&self, key: &IndexKey, values: &[&str]) -> Result<Vec<IndexTerm>> {
        self.check_key(key)?;
        let normalized = Zeroizing::new(self.normalize(values)?);
        key.terms_parts(&as_parts(&normalized))
    }

    fn refused(&self, field: &str, source: NormalizeError) -> Error {
        Error::Normalize {
            index: self.name.clone(),
            field: field.to_owned(),
            source: Box::new(source),
        }
    }
}

fn as_parts(normalized: &[String]) -> Vec<&[u8]> {
    normalized.iter().map(String::as_bytes).collect()
}

impl fmt::Debug for RecordIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("RecordIndex")
            .field("name", &self.name)
            .field("fields", &self.fields().collect::<Vec<_>>())
            .field("description", &self.description)
            .finish_non_exhaustive()
    }
}

/// A failure to make a declared index, kept to be reported at each use.
#[derive(Clone)]
struct Failed {
    field: &'static str,
    source: NormalizeError,
}

/// An index as `#[derive(Seal)]` declares it: a `static` of the record's generated code, whose
/// normalizers are made from their descriptions once, on first use, and shared by every record
/// sealed, every lookup and the record's bulk layout.
pub struct DeclaredIndex {
    name: &'static str,
    parts: &'static [(&'static str, &'static str)],
    custom: Option<(&'static str, NormalizeFn)>,
    made: OnceLock<std::result::Result<RecordIndex, Failed>>,
}

impl DeclaredIndex {
    /// The index `name` over `parts`, each a field (its JSON key) and its normalizer
    /// description; `custom` names the function of the description's `custom:NAME` step.
    pub const fn new(
        name: &'static str,
        parts: &'static [(&'static str, &'static str)],
        custom: Option<(&'static str, NormalizeFn)>,
    ) -> Self {
        Self {
            name,
            parts,
            custom,
            made: OnceLock::new(),
        }
    }

    /// The index name.
    pub fn name(&self) -> &'static str {
        self.name
    }

    /// Its parts: each field and its normalizer description, in declared order.
    pub fn parts(&self) -> &'static [(&'static str, &'static str)] {
        self.parts
    }

    /// The index, its normalizers made on the first call.
    ///
    /// # Errors
    /// [`Error::Normalize`] for a description that makes no normalizer in this build (an unknown
    /// phone region, or the `phone` feature off).
    pub fn get(&self) -> Result<&RecordIndex> {
        self.made
            .get_or_init(|| self.make())
            .as_ref()
            .map_err(|failed| Error::Normalize {
                index: self.name.to_owned(),
                field: failed.field.to_owned(),
                source: Box::new(failed.source.clone()),
            })
    }

    fn make(&self) -> std::result::Result<RecordIndex, Failed> {
        let customs = match self.custom {
            Some((name, function)) => {
                vec![normalize::custom(name, function).map_err(|source| Failed {
                    field: self.parts.first().map_or("", |p| p.0),
                    source,
                })?]
            }
            None => Vec::new(),
        };
        let mut index = RecordIndex::unchecked(self.name);
        for &(field, description) in self.parts {
            let normalizer = normalize::from_description_with(description, &customs)
                .map_err(|source| Failed { field, source })?;
            index = index.part_with(field, normalizer).map_err(|_| Failed {
                field,
                source: NormalizeError::custom("an index has at most 16 parts"),
            })?;
        }
        Ok(index)
    }
}

impl fmt::Debug for DeclaredIndex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DeclaredIndex")
            .field("name", &self.name)
            .field("parts", &self.parts)
            .finish_non_exhaustive()
    }
}

/// Whether a stored term is of the current version of `key`, as re-sealing asks: `Ok(false)` for
/// a term to recompute (an older version, another width), and an error for a term of a version
/// newer than the key's current one: the key is older than the term (a stale bundle, FORMAT.md
/// §16.3), and recomputing would move a migrated row back to an older version.
///
/// # Errors
/// [`Error::UnknownIndexVersion`].
#[doc(hidden)]
pub fn term_is_current(key: &IndexKey, term: &IndexTerm) -> Result<bool> {
    if term.version() > key.current_version() {
        return Err(Error::UnknownIndexVersion {
            index: key.name().to_owned(),
            version: term.version(),
            held: key.versions(),
        });
    }
    Ok(key.is_current(term))
}

/// Opens a sealed `String` with the key of the first of its purposes that `keys` holds: what a
/// derived record's `reseal` does to recompute a stale index term from its source field.
///
/// # Errors
/// [`Error::NoKeyForPurpose`] naming the value's first purpose if `keys` holds none of them, and
/// as [`Sealed::open_dyn`].
#[doc(hidden)]
pub fn open_source<Ps: Purposes>(
    keys: &KeySet,
    sealed: &Sealed<String, Ps>,
    ctx: &Context<'_>,
) -> Result<String> {
    let purposes = sealed.purposes();
    if let Some(key) = purposes.iter().find_map(|p| keys.get_unrecorded(p.name())) {
        return sealed.open_dyn(key, ctx);
    }
    Err(Error::NoKeyForPurpose {
        purpose: purposes
            .first()
            .map_or_else(String::new, |p| p.name().to_owned()),
        held: keys
            .purposes()
            .iter()
            .map(|p| p.name().to_owned())
            .collect(),
    })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Keyring, Suite};

    fn keys(normalizer: &str) -> KeySet {
        let mut keyring = Keyring::generate(Suite::default()).unwrap();
        keyring
            .add_index(
                IndexSpec::new("email")
                    .unwrap()
                    .with_normalizer(normalizer)
                    .unwrap(),
            )
            .unwrap();
        KeySet::new().with_index(keyring.index_key("email").unwrap())
    }

    #[test]
    fn a_key_recording_another_normalizer_is_refused_and_an_unrecorded_one_accepted() {
        let index = RecordIndex::new("email")
            .unwrap()
            .part("email", "email")
            .unwrap();
        assert!(index.term(&keys("email"), &["Ada@Example.com"]).is_ok());
        assert!(index.term(&keys(""), &["Ada@Example.com"]).is_ok());
        let err = index
            .term(&keys("email+plus-tags"), &["Ada@Example.com"])
            .unwrap_err();
        assert!(
            matches!(&err, Error::IndexNormalizerMismatch { declared, recorded, .. }
                if &**declared == "email" && &**recorded == "email+plus-tags"),
            "{err:?}"
        );
    }

    #[test]
    fn values_are_counted_and_refusals_name_the_field_not_the_value() {
        let index = RecordIndex::new("email")
            .unwrap()
            .part("email", "email")
            .unwrap();
        let keys = keys("email");
        let err = index.term(&keys, &["a@b.c", "x"]).unwrap_err();
        assert!(matches!(err, Error::BadIndexParts { .. }), "{err:?}");
        let err = index.term(&keys, &["no-at-sign"]).unwrap_err().to_string();
        assert!(err.contains("field `email`"), "{err}");
        assert!(!err.contains("no-at-sign"), "{err}");
    }

    #[test]
    fn a_declared_index_is_made_once_and_reports_a_bad_description_at_each_use() {
        static GOOD: DeclaredIndex = DeclaredIndex::new("email", &[("email", "email")], None);
        static BAD: DeclaredIndex = DeclaredIndex::new("tel", &[("phone", "last-digits:0")], None);
        let first = GOOD.get().unwrap();
        assert!(std::ptr::eq(first, GOOD.get().unwrap()));
        for _ in 0..2 {
            let err = BAD.get().unwrap_err();
            assert!(
                matches!(&err, Error::Normalize { index, field, .. } if index == "tel" && field == "phone"),
                "{err:?}"
            );
        }
    }
}
