//! Typed records: what `#[derive(Seal)]` generates code against.
//!
//! A record type declares once which field is sealed for which purposes; the derive writes a
//! sealed twin type (what the database stores) and, per purpose, a view type holding exactly the
//! fields that purpose may read. See [`Seal`](crate::Seal) for the attributes.

mod id;
mod index;
mod nesting;

pub use id::{IntegerId, RecordId};
pub use index::{
    DeclaredIndex, NormalizeFn, PART_SEPARATOR, RecordIndex, open_source, term_is_current,
};
pub use nesting::{Nesting, PATH_SEPARATOR};

use crate::error::Result;
use crate::keyring::PurposeKey;
use crate::keyset::KeySet;
use crate::vault::{KeyVault, SubjectSession};

/// A record `#[derive(Seal)]` can seal: what a nested record field needs of its type.
pub trait SealRecord {
    /// The sealed twin type.
    type Sealed: OpenRecord + ResealRecord;

    /// Seals the record at `at`: [`Nesting::TOP`] for a top-level record, or the place of a
    /// record nested in another (FORMAT.md §13: the top-level record type, the path of fields, the
    /// outermost id). At the top it is recorded as the derived `seal` is (one event for the
    /// record, when `keys` has an auditor); nested, it records nothing: the outer record's event
    /// lists its fields.
    ///
    /// # Errors
    /// As the derived `seal`.
    fn seal_nested(&self, keys: &KeySet, at: &Nesting<'_>) -> Result<Self::Sealed>;

    /// Seals the record in subject mode (FORMAT.md §15), through the session of its subject (the
    /// top-level record's); `at` as in [`seal_nested`](Self::seal_nested).
    ///
    /// # Errors
    /// As the derived subject-mode `seal`.
    fn seal_subject_nested<V: KeyVault>(
        &self,
        session: &SubjectSession<'_, V>,
        at: &Nesting<'_>,
    ) -> Result<Self::Sealed>;

    /// Every purpose a field of this record, or of a record nested in it, is sealed for, each
    /// once: the purposes a subject-mode session resolves to seal it (FORMAT.md §15).
    fn sealed_purposes() -> &'static [crate::DynPurpose];

    /// The sealed fields of this record and of every record nested in it: what a whole record's
    /// audit event lists.
    #[doc(hidden)]
    fn sealed_fields() -> &'static SealedFields;
}

/// The sealed fields of a record type, those of the records nested in it included, in declared
/// order: what its audit events list (FORMAT.md §18.2). Written by `#[derive(Seal)]`; not part of
/// the public API.
#[doc(hidden)]
#[derive(Debug, Default)]
pub struct SealedFields {
    /// Each field's context name; a nested record's field as its path (`billing.street`).
    pub paths: Vec<&'static str>,
    /// The purposes whose view opens each field: its own, and for a nested record's field, those
    /// of its own that the nesting lists.
    pub purposes: Vec<Vec<&'static str>>,
}

impl SealedFields {
    /// Adds a field of this record.
    pub fn push(&mut self, path: &'static str, purposes: &[&'static str]) {
        self.paths.push(path);
        self.purposes.push(purposes.to_vec());
    }

    /// Adds the fields of the record nested as `field`, whose nesting lists `listed`. Each path
    /// is made once per record type and program (the types are few), so it is kept for good.
    pub fn push_nested(&mut self, field: &str, listed: &[&'static str], inner: &SealedFields) {
        for (path, purposes) in inner.paths.iter().zip(&inner.purposes) {
            let joined = format!("{field}{PATH_SEPARATOR}{path}");
            self.paths.push(Box::leak(joined.into_boxed_str()));
            self.purposes.push(
                purposes
                    .iter()
                    .copied()
                    .filter(|p| listed.contains(p))
                    .collect(),
            );
        }
    }

    /// The fields the view of `purpose` opens.
    pub fn for_purpose(&self, purpose: &str) -> Vec<&'static str> {
        self.paths
            .iter()
            .zip(&self.purposes)
            .filter(|(_, purposes)| purposes.contains(&purpose))
            .map(|(path, _)| *path)
            .collect()
    }
}

/// A sealed twin opened at run time: what a nested record field needs of its sealed type.
pub trait OpenRecord {
    /// The run-time view.
    type DynView;

    /// Opens every field `keys` may read; `at` as in [`SealRecord::seal_nested`], and recorded as
    /// that is: one event at the top, as the derived `open_dyn` records, none nested.
    ///
    /// # Errors
    /// As the derived `open_dyn`.
    fn open_dyn_nested(&self, keys: &KeySet, at: &Nesting<'_>) -> Result<Self::DynView>;

    /// Opens, in subject mode, every field the session's keys may read; a field whose copy the
    /// subject's choices withhold ([`Error::is_withheld`](crate::Error::is_withheld)) is `None`
    /// and listed as missing. `at` as in [`SealRecord::seal_nested`].
    ///
    /// # Errors
    /// As the derived subject-mode `open_dyn`.
    fn open_dyn_subject_nested<V: KeyVault>(
        &self,
        session: &SubjectSession<'_, V>,
        at: &Nesting<'_>,
    ) -> Result<Self::DynView>;

    /// Adds to `out` the path of every field `view` opened, those of the records nested in it
    /// included, taking them from `paths` (the record's [`SealedFields::paths`], whose order the
    /// walk follows): what the audit event of a run-time view lists.
    #[doc(hidden)]
    fn opened_fields(
        view: &Self::DynView,
        paths: &mut dyn Iterator<Item = &'static str>,
        out: &mut Vec<&'static str>,
    );
}

/// A sealed twin re-sealed after a rotation: what a nested record field needs of its sealed type.
pub trait ResealRecord: Sized {
    /// Re-seals every sealed field under the active key versions; `Ok(None)` if all are current.
    /// `at` as in [`SealRecord::seal_nested`], and recorded as that is: one event at the top, as
    /// the derived `reseal` records, none nested.
    ///
    /// # Errors
    /// As [`KeySet::reseal`].
    fn reseal_nested(&self, keys: &KeySet, at: &Nesting<'_>) -> Result<Option<Self>>;
}

/// The view a sealed record gives to purpose `P`: implemented by `#[derive(Seal)]` for every
/// purpose the record uses.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no field sealed for purpose `{P}`",
    label = "no view for `{P}`",
    note = "a purpose sees a record only if at least one field is sealed for it"
)]
pub trait View<P> {
    /// The view type: the plain fields and the fields sealed for `P`.
    type View;

    /// Opens every field sealed for `P`. With a key that has an auditor, each field is an event
    /// of its own; the derived `open` records the whole record as one: call that.
    ///
    /// # Errors
    /// As [`Sealed::open`](crate::Sealed::open), for the first field that fails.
    fn open_view(&self, key: &PurposeKey<P>) -> Result<Self::View> {
        self.open_view_nested(key, &Nesting::TOP)
    }

    /// Opens every field sealed for `P`; `at` as in [`SealRecord::seal_nested`].
    ///
    /// # Errors
    /// As [`open_view`](Self::open_view).
    fn open_view_nested(&self, key: &PurposeKey<P>, at: &Nesting<'_>) -> Result<Self::View>;

    /// Opens every field sealed for `P` in subject mode, through the session of its subject; `at`
    /// as in [`SealRecord::seal_nested`].
    ///
    /// # Errors
    /// As the derived subject-mode `open`.
    fn open_view_subject_nested<V: KeyVault>(
        &self,
        session: &SubjectSession<'_, V>,
        at: &Nesting<'_>,
    ) -> Result<Self::View>;
}
