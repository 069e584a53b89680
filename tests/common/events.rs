//! What an audit sink holds, as tests compare it, and a sink that can be broken.

#![allow(
    dead_code,
    reason = "each test crate including this module uses a different subset of it"
)]

use std::sync::atomic::{AtomicBool, Ordering};

use fieldseal::AuditError;
use fieldseal::audit::{AuditEvent, AuditSink, MemorySink};

/// Each event's operation and outcome, in order: `["key-set-load ok", "open failed"]`.
pub(crate) fn ops(sink: &MemorySink) -> Vec<String> {
    sink.lines()
        .iter()
        .map(|line| {
            let event: serde_json::Value = serde_json::from_str(line).unwrap();
            format!(
                "{} {}",
                event["op"].as_str().unwrap(),
                event["outcome"].as_str().unwrap()
            )
        })
        .collect()
}

/// A sink that records nothing and fails once broken (`.0` set): an auditor failing closed on it
/// fails the operation.
pub(crate) struct Breaks(pub(crate) AtomicBool);

impl AuditSink for Breaks {
    fn record(&self, _: &AuditEvent<'_>) -> Result<(), AuditError> {
        if self.0.load(Ordering::SeqCst) {
            Err(AuditError::Sink("down".into()))
        } else {
            Ok(())
        }
    }
}
