//! What the review tests of the audit trail share (tests/review_audit.rs, review_today.rs): two
//! purposes, an audited key set of both, and a derived `Ticket` record sealed for them.

use std::sync::Arc;

use fieldseal::audit::{Auditor, MemorySink};
use fieldseal::{KeySet, Keyring, Seal};

fieldseal::purpose!(pub(crate) Support = "support");
fieldseal::purpose!(pub(crate) Fulfillment = "fulfillment");

/// The plaintext the tests look for.
pub(crate) const SECRET: &str = "ada@example.com";

/// A key set of `keyring`'s support and fulfillment keys, recording into `sink` as `desk`.
pub(crate) fn audited(keyring: &Keyring, sink: &Arc<MemorySink>) -> KeySet {
    KeySet::new()
        .with(keyring.purpose_key::<Support>())
        .with(keyring.purpose_key::<Fulfillment>())
        .with_auditor(Auditor::new(Arc::clone(sink), "desk"))
        .unwrap()
}

/// A record with one field for support and one for both purposes.
#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(id = id)]
pub(crate) struct Ticket {
    pub(crate) id: u64,
    #[seal(Support)]
    pub(crate) note: String,
    #[seal(Fulfillment, Support)]
    pub(crate) address: String,
}

/// Ticket 7, its note the secret.
pub(crate) fn ticket() -> Ticket {
    Ticket {
        id: 7,
        note: SECRET.into(),
        address: "1 Main St".into(),
    }
}
