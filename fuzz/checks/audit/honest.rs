//! The library's honest logs: the vector log of tests/vectors/audit/log, and one the library
//! writes afresh under the fixed key, which the `2` mode edits and the seeds start from.

use std::fs;
use std::sync::Arc;

use fieldseal::audit::{self, Auditor, FileSink, FileSinkOptions, IdPolicy, Rotation};
use fieldseal::{Context, KeySet};

use super::super::keys::{Fulfillment, Marketing};
use super::MAX_FILES;
use super::key::{SERVICE, keyring};
use super::scratch::Scratch;

/// The ids [`genuine_log`] writes events about (plainly and as pseudonyms).
pub(super) const IDS: [&[u8]; 2] = [&1001i128.to_be_bytes(), b"cust-7"];

/// The honest log of tests/vectors/audit/log, as the library wrote it.
pub(super) const VECTOR_LOG: [&[u8]; 2] = [
    include_bytes!("../../../tests/vectors/audit/log/audit-00000001.jsonl"),
    include_bytes!("../../../tests/vectors/audit/log/audit-00000002.jsonl"),
];

/// A log written by the library under the fixed key, in three files: a first writer under audit
/// version 1 (a rotation by size, checkpoints every 3 events, plain and pseudonymous ids, a failed
/// open, an actor on behalf of someone, an id to escape), then a second one under version 2.
pub(super) fn genuine_log() -> Vec<Vec<u8>> {
    let dir = Scratch::new("genuine");
    for audits in [1, 2] {
        let keyring = keyring(audits);
        let key = keyring.audit_key(SERVICE).expect("audit versions");
        let mut options = FileSinkOptions::default();
        options.checkpoint_every = 3;
        options.rotation = Rotation::Size(4_500);
        let sink = Arc::new(
            FileSink::open(&dir.0, &key, options).expect("a writer opens a fresh directory"),
        );
        let auditor = Auditor::new(Arc::clone(&sink), "orders-api");
        let keys = KeySet::new()
            .with(keyring.purpose_key::<Fulfillment>())
            .with(keyring.purpose_key::<Marketing>())
            .with_auditor(auditor.clone())
            .expect("an auditor attaches");
        let int = Context::new("order", "phone").with_id_int(1001);
        let v = keys
            .seal::<Fulfillment, String>("+1 555 0100", &int)
            .expect("seals");
        v.open_with::<Fulfillment, _>(&keys, &int).expect("opens");
        if audits == 1 {
            let text = Context::new("order", "note").with_id_str("cust-7");
            let odd = Context::new("order", "note").with_id_str("cust-\"8\"\\\n");
            let _ = v.open_with::<Fulfillment, _>(&keys, &text);
            let w = keys.seal::<Marketing, String>("x", &odd).expect("seals");
            audit::acting_as("agent \"q\" 42", || {
                w.open_with::<Marketing, _>(&keys, &odd)
            })
            .expect("opens");
            let pseudonymous = KeySet::new()
                .with(keyring.purpose_key::<Fulfillment>())
                .with_auditor(auditor.clone().with_ids(IdPolicy::pseudonym(&key)))
                .expect("an auditor attaches");
            for ctx in [&int, &text] {
                let p = pseudonymous
                    .seal::<Fulfillment, String>("y", ctx)
                    .expect("seals");
                p.open_with::<Fulfillment, _>(&pseudonymous, ctx)
                    .expect("opens");
            }
        }
        drop((keys, auditor));
        Arc::try_unwrap(sink)
            .expect("the last handle")
            .close()
            .expect("the writer closes");
    }
    let files = audit::log_files(&dir.0).expect("the directory reads");
    assert!(files.len() <= MAX_FILES, "{files:?}");
    files
        .iter()
        .map(|p| fs::read(p).expect("a log file reads"))
        .collect()
}
