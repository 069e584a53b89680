//! The audit trail: who sealed and opened what, for which purpose, and a log that shows whether
//! it was edited afterwards.
//!
//! fieldseal is on every read path of sealed data, so it can record every read, which key
//! management logs cannot once keys are cached. An [`Auditor`] attached where keys are held
//! records an [`AuditEvent`] for every seal, open (failed opens too, with the error's kind),
//! re-seal, key-set load, rotation, retirement, bundle export, bulk re-seal run, index rotation,
//! and, in subject mode, consent grant and withdrawal, erasure, retention sweep and disclosure.
//! A derived record is one event listing its fields. Events never hold plaintext or key bytes.
//!
//! Sinks: [`MemorySink`]; `TracingSink` (feature `tracing`); and `FileSink` (feature
//! `audit-log`), a JSON Lines file in which every line carries an HMAC chained over the previous
//! line's, keyed by the service's [`AuditKey`], with Ed25519-signed checkpoints an operator
//! anchors elsewhere; `verify` finds the first modified, deleted, reordered or inserted line and a
//! truncated tail, and `query` answers "who read customer 1001". FORMAT.md §18 is the spec.
//!
//! What the trail proves, and what it cannot (a process holding purpose keys can decrypt
//! without calling fieldseal): SECURITY.md, "The audit trail".

mod auditor;
mod event;
pub(crate) mod hooks;
mod ids;
pub(crate) mod json;
mod key;
mod keyring;
#[cfg(feature = "audit-log")]
mod log;
#[doc(hidden)]
pub mod record;
mod sink;
#[cfg(feature = "tracing")]
mod tracing_sink;

pub(crate) use auditor::Draft;
pub use auditor::{
    ActingAs, Auditor, FailurePolicy, IdPolicy, Pseudonyms, acting_as, acting_as_async,
};
pub use event::{AuditEvent, Detail, Id, Names, Operation, Outcome};
pub use ids::parse_id_text;
pub use key::AuditKey;
pub use keyring::AuditVersion;
#[cfg(feature = "audit-log")]
pub use log::{
    Checkpoint, Durability, FileSink, FileSinkOptions, LineRef, Problem, ProblemKind, Query,
    Report, Rotation, log_files, log_service, query, verify,
};
pub use sink::{AuditSink, MemorySink};
#[cfg(feature = "tracing")]
pub use tracing_sink::TracingSink;
