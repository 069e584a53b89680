//! `audit::TracingSink` (feature `tracing`): each event is one `tracing` event of target
//! `fieldseal::audit` with structured fields, and holds no plaintext.

use std::fmt;
use std::sync::{Arc, Mutex};

use fieldseal::audit::{Auditor, TracingSink};
use fieldseal::{Context, KeySet, Keyring, Suite};
use tracing::field::{Field, Visit};
use tracing::span::{Attributes, Id, Record};
use tracing::{Event, Metadata, Subscriber};

fieldseal::purpose!(Support = "support");

/// An event's target and its fields as `name=value` text.
type Captured = (String, Vec<String>);

/// Keeps each event.
#[derive(Clone, Default)]
struct Capture(Arc<Mutex<Vec<Captured>>>);

struct Fields(Vec<String>);

impl Visit for Fields {
    fn record_debug(&mut self, field: &Field, value: &dyn fmt::Debug) {
        self.0.push(format!("{}={value:?}", field.name()));
    }
    fn record_str(&mut self, field: &Field, value: &str) {
        self.0.push(format!("{}={value}", field.name()));
    }
    fn record_u64(&mut self, field: &Field, value: u64) {
        self.0.push(format!("{}={value}", field.name()));
    }
}

impl Subscriber for Capture {
    fn enabled(&self, _: &Metadata<'_>) -> bool {
        true
    }
    fn new_span(&self, _: &Attributes<'_>) -> Id {
        Id::from_u64(1)
    }
    fn record(&self, _: &Id, _: &Record<'_>) {}
    fn record_follows_from(&self, _: &Id, _: &Id) {}
    fn event(&self, event: &Event<'_>) {
        let mut fields = Fields(Vec::new());
        event.record(&mut fields);
        self.0
            .lock()
            .unwrap()
            .push((event.metadata().target().to_owned(), fields.0));
    }
    fn enter(&self, _: &Id) {}
    fn exit(&self, _: &Id) {}
}

#[test]
fn each_event_is_a_tracing_event_with_its_fields() {
    let capture = Capture::default();
    let keyring = Keyring::generate(Suite::default()).unwrap();
    tracing::subscriber::with_default(capture.clone(), || {
        let keys = KeySet::new()
            .with(keyring.purpose_key::<Support>())
            .with_auditor(Auditor::new(TracingSink::new(), "desk"))
            .unwrap();
        let ctx = Context::new("customer", "phone").with_id_int(1001);
        let v = keys
            .seal::<Support, String>("SENTINEL-tracing", &ctx)
            .unwrap();
        let wrong = Context::new("customer", "email").with_id_int(1001);
        assert!(v.open_with::<Support, _>(&keys, &wrong).is_err());
    });
    let events = capture.0.lock().unwrap().clone();
    assert_eq!(events.len(), 3, "{events:#?}");
    assert!(
        events
            .iter()
            .all(|(target, _)| target == "fieldseal::audit")
    );
    let last = &events[2].1;
    for field in [
        "op=open",
        "outcome=failed",
        "error=cannot-open",
        "actor=desk",
        "purposes=support",
        "record=customer",
        "fields=email",
        "id=1001",
    ] {
        assert!(last.iter().any(|f| f == field), "{field} not in {last:#?}");
    }
    let all = format!("{events:?}");
    assert!(!all.contains("SENTINEL"));
}
