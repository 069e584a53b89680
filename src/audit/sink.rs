//! Where events go: the [`AuditSink`] trait, and [`MemorySink`] for tests and small tools.

use std::sync::{Arc, Mutex, PoisonError};

use crate::audit::event::AuditEvent;
use crate::error::AuditError;

/// A destination for audit events: the tamper-evident file log (`FileSink`, feature
/// `audit-log`), `tracing` (`TracingSink`, feature `tracing`), [`MemorySink`], or the
/// application's own (a message queue, a SIEM).
///
/// `record` is on the path of every seal and open an [`Auditor`](crate::audit::Auditor) watches:
/// make it cheap (serialize once, hand over to a writer thread) and never block for long. An
/// error fails the operation under the default fail-closed policy.
pub trait AuditSink: Send + Sync {
    /// Records one event.
    ///
    /// # Errors
    /// The event could not be recorded.
    fn record(&self, event: &AuditEvent<'_>) -> Result<(), AuditError>;

    /// Makes every event recorded so far durable (written and synced, for a file).
    ///
    /// # Errors
    /// They could not be made durable.
    fn flush(&self) -> Result<(), AuditError> {
        Ok(())
    }
}

impl<S: AuditSink + ?Sized> AuditSink for Arc<S> {
    fn record(&self, event: &AuditEvent<'_>) -> Result<(), AuditError> {
        (**self).record(event)
    }

    fn flush(&self) -> Result<(), AuditError> {
        (**self).flush()
    }
}

/// Keeps each event's JSON (FORMAT.md §18.2) in memory: for tests, and for tools that print
/// what they did. Share it with an `Arc` to read it back.
///
/// ```
/// use std::sync::Arc;
/// use fieldseal::audit::{Auditor, MemorySink};
/// use fieldseal::{Context, KeySet, Keyring, Suite};
/// fieldseal::purpose!(Support = "support");
///
/// let keyring = Keyring::generate(Suite::default())?;
/// let sink = Arc::new(MemorySink::new());
/// let keys = KeySet::new()
///     .with(keyring.purpose_key::<Support>())
///     .with_auditor(Auditor::new(Arc::clone(&sink), "support-desk"))?;
/// let ctx = Context::new("customer", "phone").with_id_int(1001);
/// let phone = keys.seal::<Support, String>("+44 20 7946 0000", &ctx)?;
/// phone.open_with::<Support, _>(&keys, &ctx)?;
/// let lines = sink.lines();
/// assert!(lines[0].contains(r#""op":"key-set-load""#));
/// assert!(lines[2].contains(r#""op":"open","outcome":"ok""#));
/// assert!(lines[2].contains(r#""id":"1001""#));
/// # Ok::<(), fieldseal::Error>(())
/// ```
#[derive(Debug, Default)]
pub struct MemorySink {
    lines: Mutex<Vec<String>>,
}

impl MemorySink {
    /// An empty sink.
    pub fn new() -> Self {
        Self::default()
    }

    /// The events recorded so far, as JSON, in order.
    pub fn lines(&self) -> Vec<String> {
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }
}

impl AuditSink for MemorySink {
    fn record(&self, event: &AuditEvent<'_>) -> Result<(), AuditError> {
        let line = event.to_json();
        self.lines
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .push(line);
        Ok(())
    }
}
