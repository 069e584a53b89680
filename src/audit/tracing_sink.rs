//! Audit events as `tracing` events (feature `tracing`).

use crate::audit::event::{AuditEvent, Outcome};
use crate::audit::sink::AuditSink;
use crate::error::AuditError;

/// Emits each event as a `tracing` event at level INFO, target `fieldseal::audit`, with
/// structured fields: `op`, `outcome`, `error` (a failed operation's kind), `actor`,
/// `on_behalf_of`, `purposes`, `record`, `fields`, `id`, `subject`, `key_version`, and `event`
/// (the whole event's JSON, FORMAT.md §18.2). Not tamper-evident: for that, the file log.
#[derive(Clone, Copy, Debug, Default)]
pub struct TracingSink;

impl TracingSink {
    /// A tracing sink.
    pub fn new() -> Self {
        Self
    }
}

impl AuditSink for TracingSink {
    fn record(&self, event: &AuditEvent<'_>) -> Result<(), AuditError> {
        let join = |names: &crate::audit::Names<'_>| names.iter().collect::<Vec<_>>().join(",");
        let json = event.to_json();
        let (outcome, error) = match event.outcome {
            Outcome::Ok => ("ok", ""),
            Outcome::Failed(kind) => ("failed", kind),
        };
        let id = |id: Option<crate::audit::Id<'_>>| match id {
            None => String::new(),
            Some(crate::audit::Id::Plain(bytes)) => crate::audit::ids::id_text(bytes),
            Some(crate::audit::Id::Pseudonym(p)) => {
                format!("pseudonym:{}", crate::audit::json::hex_string(&p))
            }
        };
        tracing::info!(
            target: "fieldseal::audit",
            op = event.operation.name(),
            outcome,
            error,
            actor = event.actor,
            on_behalf_of = event.on_behalf_of.unwrap_or(""),
            purposes = join(&event.purposes).as_str(),
            record = event.record.unwrap_or(""),
            fields = join(&event.fields).as_str(),
            id = id(event.id).as_str(),
            subject = id(event.subject).as_str(),
            key_version = event.key_version.unwrap_or(0),
            event = json.as_str(),
            "fieldseal audit event"
        );
        Ok(())
    }
}
