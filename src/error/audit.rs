//! Errors of the audit trail (src/audit/): a sink that cannot record, a log that cannot be read.

use std::path::PathBuf;

/// An audit event could not be recorded, or an audit log could not be read or written.
///
/// With the default fail-closed policy ([`FailurePolicy::Closed`](crate::audit::FailurePolicy)),
/// the operation that wanted the event fails with [`Error::Audit`](crate::Error::Audit) holding
/// this error: a read that cannot be recorded does not happen. No message holds plaintext, an id
/// or a key: only paths, counts and the operating system's error.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum AuditError {
    /// The log's writer failed (disk full, an I/O error) and records nothing more.
    #[error(
        "the audit log's writer stopped after an error ({reason}); nothing more is recorded, so \
         operations that must be recorded fail: fix the cause (free disk space, permissions) and \
         open the log again (restart the service); the lines written before are intact"
    )]
    WriterFailed {
        /// What failed, as the operating system said it.
        reason: String,
    },

    /// The log's queue stayed full for longer than the wait allowed: the disk is too slow for
    /// the rate of events, or the writer is stuck.
    #[error(
        "the audit log's queue stayed full for {waited_ms} ms: the writer cannot keep up (a slow \
         or stuck disk); the event was not recorded: check the log's disk, or raise the queue's \
         size or wait (FileSinkOptions)"
    )]
    QueueFull {
        /// How long the caller waited.
        waited_ms: u64,
    },

    /// The log is closed: its sink was dropped or closed.
    #[error("the audit log is closed; open it again to record")]
    Closed,

    /// Reading or writing an audit log file failed.
    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: Box<PathBuf>,
        /// The operating system's error.
        source: std::io::Error,
    },

    /// A log file is not one this writer can append to or this reader can read (another
    /// service's log, a newer format, a damaged header).
    #[error("audit log {}: {reason}", .path.display())]
    BadLog {
        /// The file.
        path: Box<PathBuf>,
        /// What is wrong and what to do.
        reason: String,
    },

    /// Another writer has the log directory open: a log has one writer at a time (its files
    /// chain one after the other), and this one was not opened.
    #[error(
        "another writer has the audit log {} open (it holds {}); nothing was written: a log \
         directory has one writer at a time, so give each process (each replica of a service) a \
         directory of its own, such as one per host, or stop the other writer first",
        .dir.display(), .lock.display()
    )]
    InUse {
        /// The log directory.
        dir: Box<PathBuf>,
        /// Its lock file.
        lock: Box<PathBuf>,
    },

    /// The keyring or bundle holds no audit key (FORMAT.md §18.1).
    #[error(
        "no audit key {reason}: add one to the keyring (`fieldseal audit rotate-key`, \
         Keyring::rotate_audit_key) and export the service's bundle again"
    )]
    NoAuditKey {
        /// Where it was looked for.
        reason: String,
    },

    /// An application's own sink failed.
    #[error("the audit sink failed: {0}")]
    Sink(String),
}
