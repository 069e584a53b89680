//! The cost of the audit trail: the 10-field customer record of benches/record.rs opened at run
//! time (`open_dyn`, one audit event per record) through a key set without an auditor, with the
//! file sink (FORMAT.md §18: serialized on the caller's thread, chained and written by the
//! writer thread, synced every 100 ms); and one value opened alike.
//! Goal: the file sink within 1.5x of no auditor. Results in BENCHMARKS.md.

#[path = "common/customer.rs"]
mod customer;

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use customer::{Fulfillment, customer};
use fieldseal::AuditError;
use fieldseal::audit::{AuditEvent, AuditSink, Auditor, FileSink, FileSinkOptions};
use fieldseal::{Context, KeySet, Keyring, Suite};

/// Serializes each event as the file sink's callers do, and keeps nothing: the caller's share of
/// an event, apart from the writer thread's.
struct SerializeOnly;

impl AuditSink for SerializeOnly {
    fn record(&self, event: &AuditEvent<'_>) -> Result<(), AuditError> {
        black_box(event.to_json());
        Ok(())
    }
}

fn audit(c: &mut Criterion) {
    let mut keyring = Keyring::generate(Suite::default()).expect("keyring");
    keyring.rotate_audit_key().expect("audit key");
    let plain = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
    let dir = std::env::temp_dir().join(format!("fieldseal-bench-audit-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    let key = keyring.audit_key("crm").expect("audit key");
    let sink = FileSink::open(&dir, &key, FileSinkOptions::default()).expect("log");
    let filed = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with_auditor(Auditor::new(sink, "crm"))
        .expect("auditor");
    let serialized = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with_auditor(Auditor::new(SerializeOnly, "crm"))
        .expect("auditor");
    let stored = customer().seal(&plain).expect("seals");
    let ctx = Context::new("customer", "email").with_id_int(1_000_042);
    let email = plain
        .seal::<Fulfillment, String>("ada.lovelace@example.com", &ctx)
        .expect("seals");

    let mut group = c.benchmark_group("audit/record-10-fields");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    group.bench_function("open_dyn, no auditor", |b| {
        b.iter(|| black_box(black_box(&stored).open_dyn(&plain).unwrap()));
    });
    group.bench_function("open_dyn, file sink", |b| {
        b.iter(|| black_box(black_box(&stored).open_dyn(&filed).unwrap()));
    });
    group.bench_function("open_dyn, serialize-only sink", |b| {
        b.iter(|| black_box(black_box(&stored).open_dyn(&serialized).unwrap()));
    });
    group.bench_function("open one value, no auditor", |b| {
        b.iter(|| {
            black_box(
                black_box(&email)
                    .open_with::<Fulfillment, _>(&plain, &ctx)
                    .unwrap(),
            )
        });
    });
    group.bench_function("open one value, file sink", |b| {
        b.iter(|| {
            black_box(
                black_box(&email)
                    .open_with::<Fulfillment, _>(&filed, &ctx)
                    .unwrap(),
            )
        });
    });
    group.bench_function("open one value, serialize-only sink", |b| {
        b.iter(|| {
            black_box(
                black_box(&email)
                    .open_with::<Fulfillment, _>(&serialized, &ctx)
                    .unwrap(),
            )
        });
    });
    group.finish();
    drop(filed);
    let _ = std::fs::remove_dir_all(&dir);
}

criterion_group!(benches, audit);
criterion_main!(benches);
