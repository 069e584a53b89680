//! What an audit event says: who did what to which record, for which purposes, and how it went.
//!
//! Events are borrowed: the names come from the caller (`&'static str` from `#[derive(Seal)]`),
//! and nothing is allocated to describe a field. A sink serializes an event once
//! ([`AuditEvent::to_json`], FORMAT.md §18.2).

use std::time::SystemTime;

use crate::purpose::DynPurpose;

/// What was done. The names ([`name`](Self::name)) are those of FORMAT.md §18.2.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum Operation {
    /// A value or record was sealed.
    Seal,
    /// A value or record was opened (a failed open has outcome [`Outcome::Failed`]).
    Open,
    /// A value or record was re-sealed under the active key versions (opened and sealed again).
    Reseal,
    /// A key set was loaded (an auditor attached to a service's keys): the purposes it holds.
    KeySetLoad,
    /// The keyring's root key was rotated.
    Rotate,
    /// A root key version was retired.
    Retire,
    /// A service's key bundle was exported.
    BundleExport,
    /// A bulk re-seal run (one event per run, with its counts).
    ResealRun,
    /// A blind index was rotated.
    IndexRotate,
    /// A blind index's migration was finished.
    IndexFinish,
    /// The audit key was rotated.
    AuditKeyRotate,
    /// An audit key version was retired.
    AuditKeyRetire,
    /// A subject's consent to a purpose was recorded.
    Grant,
    /// A subject's consent to a purpose was withdrawn.
    Withdraw,
    /// A subject was forgotten (crypto-shredded).
    Forget,
    /// A retention sweep ran.
    Sweep,
    /// Records were disclosed to a third party.
    Disclose,
    /// Saving the keyring failed (recorded only then, as failed): the changes recorded before it
    /// in this process are not in its file.
    KeyringSave,
    /// A blind index was defined.
    IndexAdd,
}

impl Operation {
    /// The name written in the log (`seal`, `open`, `key-set-load`, ...).
    pub fn name(self) -> &'static str {
        match self {
            Self::Seal => "seal",
            Self::Open => "open",
            Self::Reseal => "reseal",
            Self::KeySetLoad => "key-set-load",
            Self::Rotate => "rotate",
            Self::Retire => "retire",
            Self::BundleExport => "bundle-export",
            Self::ResealRun => "reseal-run",
            Self::IndexRotate => "index-rotate",
            Self::IndexFinish => "index-finish",
            Self::AuditKeyRotate => "audit-key-rotate",
            Self::AuditKeyRetire => "audit-key-retire",
            Self::Grant => "grant",
            Self::Withdraw => "withdraw",
            Self::Forget => "forget",
            Self::Sweep => "sweep",
            Self::Disclose => "disclose",
            Self::KeyringSave => "keyring-save",
            Self::IndexAdd => "index-add",
        }
    }

    /// Every operation, in the order above.
    pub const ALL: [Self; 19] = [
        Self::Seal,
        Self::Open,
        Self::Reseal,
        Self::KeySetLoad,
        Self::Rotate,
        Self::Retire,
        Self::BundleExport,
        Self::ResealRun,
        Self::IndexRotate,
        Self::IndexFinish,
        Self::AuditKeyRotate,
        Self::AuditKeyRetire,
        Self::Grant,
        Self::Withdraw,
        Self::Forget,
        Self::Sweep,
        Self::Disclose,
        Self::KeyringSave,
        Self::IndexAdd,
    ];

    /// The operation of a name written in the log.
    pub fn from_name(name: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|op| op.name() == name)
    }
}

/// How an operation went.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Outcome {
    /// It succeeded.
    Ok,
    /// It failed with an error of this kind ([`Error::kind`](crate::Error::kind)): a failed open
    /// is an [`Operation::Open`] with this outcome.
    Failed(&'static str),
}

/// A list of names (purposes or fields), borrowed from wherever the caller holds them.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub enum Names<'a> {
    /// Names as strings.
    Strs(&'a [&'a str]),
    /// Run-time purposes.
    Purposes(&'a [DynPurpose]),
}

impl<'a> Names<'a> {
    /// No names.
    pub const NONE: Names<'static> = Names::Strs(&[]);

    /// The names, in order.
    pub fn iter(&self) -> impl Iterator<Item = &'a str> + 'a {
        let (strs, purposes): (&'a [&'a str], &'a [DynPurpose]) = match *self {
            Self::Strs(s) => (s, &[]),
            Self::Purposes(p) => (&[], p),
        };
        strs.iter()
            .copied()
            .chain(purposes.iter().map(DynPurpose::name))
    }

    /// Whether there is no name.
    pub fn is_empty(&self) -> bool {
        self.iter().next().is_none()
    }
}

/// A record id or subject as the auditor's [`IdPolicy`](crate::audit::IdPolicy) writes it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Id<'a> {
    /// The id's bytes as bound into the context (FORMAT.md §6), written in the syntax of
    /// FORMAT.md §18.2 (`1001`, `str:cust-7`, `hex:...`).
    Plain(&'a [u8]),
    /// Its keyed pseudonym (FORMAT.md §18.1): the same id always gives the same pseudonym under
    /// one audit key, so whoever holds the key can still find a customer's events.
    Pseudonym([u8; 16]),
}

/// One value of an event's detail.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Detail<'a> {
    /// A count or a version.
    Count(u64),
    /// A name (a service, a partner, an index).
    Text(&'a str),
}

/// One audit event (FORMAT.md §18.2). Never holds plaintext or key bytes: names, versions,
/// counts, and the record id or subject as the auditor's policy writes it.
#[derive(Clone, Copy, Debug)]
#[non_exhaustive]
pub struct AuditEvent<'a> {
    /// When.
    pub time: SystemTime,
    /// What was done.
    pub operation: Operation,
    /// How it went.
    pub outcome: Outcome,
    /// Who: the auditor's actor (a service).
    pub actor: &'a str,
    /// On whose behalf, if the application said ([`acting_as`](crate::audit::acting_as)): a user,
    /// a request id.
    pub on_behalf_of: Option<&'a str>,
    /// The purposes the operation used.
    pub purposes: Names<'a>,
    /// The record type, if the operation was on a value or record.
    pub record: Option<&'a str>,
    /// The fields sealed or opened (a derived record's fields, in one event).
    pub fields: Names<'a>,
    /// The record's id.
    pub id: Option<Id<'a>>,
    /// The subject (subject mode, consent, erasure).
    pub subject: Option<Id<'a>>,
    /// The key version: the version sealed under, or the version of the value opened (not given
    /// for a record opened, whose fields may be under several versions).
    pub key_version: Option<u32>,
    /// Small facts about the operation: counts, versions, a service or partner name.
    pub detail: &'a [(&'static str, Detail<'a>)],
}

impl AuditEvent<'_> {
    /// The event as one JSON object on one line (FORMAT.md §18.2, without `seq` and `mac`).
    ///
    /// # Panics
    /// Never: the writer writes UTF-8 only.
    pub fn to_json(&self) -> String {
        let mut out = Vec::with_capacity(256);
        out.push(b'{');
        crate::audit::json::write_event(self, &mut out);
        out.push(b'}');
        String::from_utf8(out).expect("the writer writes UTF-8")
    }
}
