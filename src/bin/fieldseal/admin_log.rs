//! The tool's administration log (`--audit-log DIR`): a [`FileSink`] that syncs every event,
//! opened when the command starts and kept until it ends, or, for a long command that records
//! once at its end (`reseal`), tried at the start and opened at that event.
//!
//! A log directory has one writer at a time. Opened at the start, a long `reseal` held it for
//! hours, and every other administrator's command given the same log was refused meanwhile.
//! Tried at the start, a log that cannot be written still stops the command before its work;
//! opened at the end, it is held only from the last event to the command's exit. A command that
//! finds the log held waits, as for the keyring's lock.

use std::path::PathBuf;
use std::sync::{Mutex, PoisonError};
use std::time::{Duration, Instant};

use fieldseal::audit::{AuditEvent, AuditKey, AuditSink, Durability, FileSink, FileSinkOptions};
use fieldseal::{AuditError, KeyringLock};

/// How often a command waiting for the log tries again.
const RETRY: Duration = Duration::from_millis(50);

/// The log in `dir`, under `key`: opened on the first event.
pub(crate) struct AdminLog {
    dir: PathBuf,
    key: AuditKey,
    sink: Mutex<Option<FileSink>>,
}

impl AdminLog {
    pub(crate) fn new(dir: PathBuf, key: AuditKey) -> Self {
        Self {
            dir,
            key,
            sink: Mutex::new(None),
        }
    }

    /// Opens the log now, and keeps it open until the command ends.
    pub(crate) fn open_now(&self) -> Result<(), AuditError> {
        let open = self.open()?;
        *self.sink.lock().unwrap_or_else(PoisonError::into_inner) = Some(open);
        Ok(())
    }

    /// Opens the log and closes it again: what would stop the first event (a directory that
    /// cannot be made, another keyring's log, a full disk) stops the command now.
    pub(crate) fn try_open(&self) -> Result<(), AuditError> {
        self.open()?.close()
    }

    /// Opens the log, waiting up to the keyring lock's timeout while another command writes it.
    fn open(&self) -> Result<FileSink, AuditError> {
        // Every event written and synced before the change it records is made: a log that
        // cannot take it (a full disk, an I/O error) fails the command rather than leaving the
        // change unrecorded. Administration is rare; a sync per event costs nothing here.
        let mut options = FileSinkOptions::default();
        options.durability = Durability::Sync;
        let deadline = Instant::now() + KeyringLock::DEFAULT_TIMEOUT;
        let mut said = false;
        loop {
            match FileSink::open(&self.dir, &self.key, options.clone()) {
                Err(AuditError::InUse { .. }) if Instant::now() < deadline => {
                    if !said {
                        crate::stderr::line(format_args!(
                            "note: another fieldseal command is recording in the audit log {}; \
                             waiting for it (up to {} s)",
                            self.dir.display(),
                            KeyringLock::DEFAULT_TIMEOUT.as_secs()
                        ));
                        said = true;
                    }
                    std::thread::sleep(RETRY);
                }
                other => return other,
            }
        }
    }
}

impl AuditSink for AdminLog {
    fn record(&self, event: &AuditEvent<'_>) -> Result<(), AuditError> {
        let mut sink = self.sink.lock().unwrap_or_else(PoisonError::into_inner);
        if let Some(open) = sink.as_ref() {
            return open.record(event);
        }
        let open = self.open()?;
        let recorded = open.record(event);
        *sink = Some(open);
        recorded
    }

    fn flush(&self) -> Result<(), AuditError> {
        match self
            .sink
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
        {
            Some(open) => open.flush(),
            None => Ok(()),
        }
    }
}
