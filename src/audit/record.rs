//! What `#[derive(Seal)]` calls to record a whole record in one event (not part of the public
//! API): the record type, the fields sealed or opened, the id or subject, once per record.

use crate::audit::auditor::{Auditor, Draft};
pub use crate::audit::event::{Names, Operation};
use crate::error::{Error, Result};
use crate::keyset::KeySet;
use crate::sealed::{Context, Sealed};
use crate::vault::SubjectKeys;

/// The auditor of a key set.
#[inline]
pub fn keys(keys: &KeySet) -> Option<&Auditor> {
    keys.auditor()
}

/// The auditor of a purpose key used alone.
#[inline]
pub fn key<P>(key: &crate::PurposeKey<P>) -> Option<&Auditor> {
    key.inner.auditor()
}

/// A handle on `key` that records nothing, for the fields of a record recorded as one event.
#[must_use]
pub fn quiet<P: crate::Purpose>(key: &crate::PurposeKey<P>) -> crate::PurposeKey<P> {
    key.quiet()
}

/// The auditor of subject keys.
#[inline]
pub fn subject_keys<V>(keys: &SubjectKeys<V>) -> Option<&Auditor> {
    keys.keys().auditor()
}

/// The record-level facts of one event.
#[derive(Clone, Copy)]
pub struct RecordEvent<'a> {
    /// What is done.
    pub operation: Operation,
    /// The record type bound into the contexts.
    pub record: &'static str,
    /// The purposes used.
    pub purposes: Names<'a>,
    /// The fields sealed or opened.
    pub fields: Names<'a>,
    /// The record's id bytes (empty: none).
    pub id: &'a [u8],
    /// The subject's id bytes (empty: none).
    pub subject: &'a [u8],
    /// The version sealed under, if known.
    pub key_version: Option<u32>,
}

/// Runs `f` (the record's whole operation) and records one event for it.
pub fn run<R>(
    auditor: &Auditor,
    event: RecordEvent<'_>,
    f: impl FnOnce() -> Result<R>,
) -> Result<R> {
    auditor.around(&draft(&event), f)
}

/// Records `event` as failed with `error` and hands the error back (the audit error instead, if
/// the event cannot be recorded and the auditor fails closed): for a failure before the
/// operation's own recorded call, such as a subject-mode field opener whose session cannot be
/// made.
#[must_use]
pub fn failed(auditor: Option<&Auditor>, event: RecordEvent<'_>, error: Error) -> Error {
    let Some(auditor) = auditor else {
        return error;
    };
    match run(auditor, event, || Err::<(), _>(error)) {
        Err(e) => e,
        // `run` hands back what its closure returned, and this one failed.
        Ok(()) => Error::OPAQUE,
    }
}

/// As [`run`], for a run-time view: the fields listed are those it opened, nested records'
/// included (`opened`, from the view).
pub fn run_dyn<R>(
    auditor: &Auditor,
    event: RecordEvent<'_>,
    opened: impl Fn(&R) -> Vec<&'static str>,
    f: impl FnOnce() -> Result<R>,
) -> Result<R> {
    let result = f();
    let (fields, outcome) = match &result {
        Ok(view) => (opened(view), crate::audit::Outcome::Ok),
        Err(e) => (Vec::new(), crate::audit::Outcome::Failed(e.kind())),
    };
    let mut draft = draft(&event);
    if result.is_ok() {
        draft.fields = Names::Strs(&fields);
    }
    let recorded = auditor.record(&draft, outcome);
    match (result, recorded) {
        (Ok(view), Ok(())) => Ok(view),
        (Ok(_), Err(audit)) => Err(audit),
        (Err(e), _) => Err(e),
    }
}

/// The fields the view of `purpose` on record type `R` opens.
pub fn view_fields<R: crate::record::SealRecord>(purpose: &str) -> Vec<&'static str> {
    R::sealed_fields().for_purpose(purpose)
}

/// The purposes of `all` that `held` answers for: those a run-time view could use.
pub fn held<'n>(all: &[&'n str], held: impl Fn(&str) -> bool) -> Vec<&'n str> {
    all.iter().copied().filter(|p| held(p)).collect()
}

fn draft<'a>(event: &RecordEvent<'a>) -> Draft<'a> {
    Draft {
        purposes: event.purposes,
        record: Some(event.record),
        fields: event.fields,
        id: event.id,
        subject: event.subject,
        key_version: event.key_version,
        ..Draft::new(event.operation)
    }
}

/// The active version of purpose `name`'s key in `keys`.
pub fn active_version(keys: &KeySet, name: &str) -> Option<u32> {
    keys.get_unrecorded(name)
        .map(crate::DynPurposeKey::active_version)
}

/// [`KeySet::reseal`] without an event: a field of a record whose re-seal is recorded whole.
///
/// # Errors
/// As [`KeySet::reseal`].
pub fn reseal_field<T, Ps>(
    keys: &KeySet,
    sealed: &Sealed<T, Ps>,
    ctx: &Context<'_>,
) -> Result<Option<Sealed<T, Ps>>> {
    Ok(keys
        .reseal_bytes_quiet(sealed.as_bytes(), ctx)?
        .map(Sealed::from_trusted))
}
