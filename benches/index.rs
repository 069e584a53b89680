//! Blind index terms (FORMAT.md §16) beside raw HMAC-SHA256 over the same bytes, in the same run:
//! - one term of a pre-normalized 20-byte value, against a raw `Hmac<Sha256>` keyed once and
//!   cloned per call (what fieldseal does: the goal is within 1.2x), and against one keyed per
//!   call (what it avoids);
//! - a compound term of two parts;
//! - `terms()` with two index versions in use (mid-migration), against two raw HMACs.
//!
//! Normalization is not measured here: terms are computed over already-normalized bytes.

use std::hint::black_box;
use std::time::Duration;

use criterion::{Criterion, criterion_group, criterion_main};
use fieldseal::{IndexSpec, Keyring, Suite};
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;

/// A pre-normalized email of 20 bytes.
const VALUE: &[u8; 20] = b"ada@lovelace.example";

fn terms(c: &mut Criterion) {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring.add_index(IndexSpec::new("email").unwrap()).unwrap();
    let one = keyring.index_key("email").unwrap();
    keyring.rotate_index("email").unwrap();
    let two = keyring.index_key("email").unwrap();
    assert_eq!(two.terms(VALUE).unwrap().len(), 2);

    let raw_key = [7u8; 32];
    let keyed = Hmac::<Sha256>::new_from_slice(&raw_key).unwrap();
    let keyed_2 = Hmac::<Sha256>::new_from_slice(&[8u8; 32]).unwrap();

    let mut group = c.benchmark_group("index-term-20B");
    group
        .sample_size(50)
        .measurement_time(Duration::from_secs(3))
        .warm_up_time(Duration::from_millis(500));
    group.bench_function("raw HMAC-SHA256, pre-keyed clone", |b| {
        b.iter(|| {
            let mut mac = keyed.clone();
            mac.update(black_box(VALUE));
            black_box(mac.finalize().into_bytes())
        });
    });
    group.bench_function("raw HMAC-SHA256, keyed per call", |b| {
        b.iter(|| {
            let mut mac = Hmac::<Sha256>::new_from_slice(black_box(&raw_key)).unwrap();
            mac.update(black_box(VALUE));
            black_box(mac.finalize().into_bytes())
        });
    });
    group.bench_function("fieldseal term", |b| {
        b.iter(|| black_box(one.term(black_box(VALUE)).unwrap()));
    });
    group.bench_function("fieldseal term, 2 parts (10 B + 10 B)", |b| {
        b.iter(|| {
            black_box(
                one.term_parts(black_box(&[&VALUE[..10], &VALUE[10..]]))
                    .unwrap(),
            )
        });
    });
    group.bench_function("raw HMAC-SHA256 x2, pre-keyed clones", |b| {
        b.iter(|| {
            let mut a = keyed.clone();
            a.update(black_box(VALUE));
            let mut b2 = keyed_2.clone();
            b2.update(black_box(VALUE));
            black_box((a.finalize().into_bytes(), b2.finalize().into_bytes()))
        });
    });
    group.bench_function("fieldseal terms, 2 versions in use", |b| {
        b.iter(|| black_box(two.terms(black_box(VALUE)).unwrap()));
    });
    group.finish();
}

criterion_group!(benches, terms);
criterion_main!(benches);
