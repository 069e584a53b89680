//! Sealed values as database columns (feature `rusqlite`, src/column/): what binding and
//! decoding a `Sealed` costs beside binding and reading the same bytes as a plain BLOB, in the
//! same run, against an in-memory SQLite (no disk in the measurement):
//! - insert: one prepared INSERT binding the sealed value (binary form, borrowed), its text form
//!   (`SealedText`, encoded once beforehand), and the raw bytes as `&[u8]`;
//! - select: one prepared SELECT decoding a `Sealed` (which parses the value: FORMAT.md §2),
//!   its text form, and a `Vec<u8>`.
//!
//! No opening: that is benches/seal_open.rs. The difference is the column integration's own
//! cost: the parse on decode and, for the text form, base64.

use std::hint::black_box;

use criterion::{Criterion, criterion_group, criterion_main};
use fieldseal::column::SealedText;
use fieldseal::{Context, Keyring, Sealed, Suite};
use rusqlite::Connection;

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");

type Email = Sealed<String, (Fulfillment, Marketing)>;

fn columns(c: &mut Criterion) {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let keys = (
        &keyring.purpose_key::<Fulfillment>(),
        &keyring.purpose_key::<Marketing>(),
    );
    let ctx = Context::new("customer", "email").with_id_int(42);
    let email: Email = Sealed::seal("ada@lovelace.example", &ctx, &keys).unwrap();
    let text = SealedText::from(&email);
    let raw = email.as_bytes().to_vec();

    let db = Connection::open_in_memory().unwrap();
    db.execute_batch("CREATE TABLE c (id INTEGER PRIMARY KEY, blob BLOB, text TEXT)")
        .unwrap();
    db.execute("INSERT INTO c VALUES (1, ?1, ?2)", (&email, &text))
        .unwrap();

    let mut group = c.benchmark_group(format!("column-{}B", raw.len()));
    group.sample_size(50);
    let mut insert = db
        .prepare("INSERT OR REPLACE INTO c (id, blob) VALUES (2, ?1)")
        .unwrap();
    group.bench_function("insert/raw-bytes", |b| {
        b.iter(|| insert.execute([black_box(raw.as_slice())]).unwrap());
    });
    group.bench_function("insert/sealed-blob", |b| {
        b.iter(|| insert.execute([black_box(&email)]).unwrap());
    });
    let mut insert_text = db
        .prepare("INSERT OR REPLACE INTO c (id, text) VALUES (2, ?1)")
        .unwrap();
    group.bench_function("insert/sealed-text", |b| {
        b.iter(|| insert_text.execute([black_box(&text)]).unwrap());
    });

    let mut select_blob = db.prepare("SELECT blob FROM c WHERE id = 1").unwrap();
    let mut select_text = db.prepare("SELECT text FROM c WHERE id = 1").unwrap();
    group.bench_function("select/raw-bytes", |b| {
        b.iter(|| {
            black_box(
                select_blob
                    .query_row([], |r| r.get::<_, Vec<u8>>(0))
                    .unwrap(),
            )
        });
    });
    group.bench_function("select/sealed-blob", |b| {
        b.iter(|| black_box(select_blob.query_row([], |r| r.get::<_, Email>(0)).unwrap()));
    });
    group.bench_function("select/sealed-text", |b| {
        b.iter(|| black_box(select_text.query_row([], |r| r.get::<_, Email>(0)).unwrap()));
    });
    group.finish();
}

criterion_group!(benches, columns);
criterion_main!(benches);
