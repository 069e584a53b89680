//! Blind index terms (FORMAT.md §16) beside raw HMAC-SHA256 over the same bytes, in the same run:
//! - one term of a pre-normalized 20-byte value, against a raw `Hmac<Sha256>` keyed once and
//!   cloned per call (what fieldseal does: the goal is within 1.2x), and against one keyed per
//!   call (what it avoids);
//! - a compound term of two parts;
//! - `terms()` with two index versions in use (mid-migration), against two raw HMACs.
//!
//! Then the same comparisons as steady ratios, as benches/ratios.rs measures them: short batches,
//! round-robin, the fastest batch of each kept (background load only ever slows a batch down), and
//! the median batches beside them. A criterion median on this shared machine moves by more than
//! the overhead measured. BENCHMARKS.md quotes both.
//!
//! Normalization is not measured here: terms are computed over already-normalized bytes.

use std::hint::black_box;
use std::time::{Duration, Instant};

use criterion::{Criterion, criterion_group};
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

/// Batches per operation, and operations per batch.
const ROUNDS: usize = 41;
const BATCH: u32 = 20_000;

/// An operation, and the time of each of its batches in ns per call.
type Op<'a> = (&'static str, Box<dyn Fn() + 'a>, Vec<f64>);

/// One batch of `f`, in ns per call.
fn batch(mut f: impl FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..BATCH {
        f();
    }
    start.elapsed().as_secs_f64() * 1e9 / f64::from(BATCH)
}

fn steady_ratios() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring.add_index(IndexSpec::new("email").unwrap()).unwrap();
    let one = keyring.index_key("email").unwrap();
    keyring.rotate_index("email").unwrap();
    let two = keyring.index_key("email").unwrap();
    let keyed = Hmac::<Sha256>::new_from_slice(&[7u8; 32]).unwrap();
    let keyed_2 = Hmac::<Sha256>::new_from_slice(&[8u8; 32]).unwrap();
    let raw = || {
        let mut mac = keyed.clone();
        mac.update(black_box(VALUE));
        black_box(mac.finalize().into_bytes());
    };
    let raw_2 = || {
        let mut a = keyed.clone();
        a.update(black_box(VALUE));
        let mut b = keyed_2.clone();
        b.update(black_box(VALUE));
        black_box((a.finalize().into_bytes(), b.finalize().into_bytes()));
    };
    let term = || {
        black_box(one.term(black_box(VALUE)).unwrap());
    };
    let terms = || {
        black_box(two.terms(black_box(VALUE)).unwrap());
    };
    let mut ops: [Op<'_>; 4] = [
        ("raw HMAC, pre-keyed clone", Box::new(raw), Vec::new()),
        ("fieldseal term", Box::new(term), Vec::new()),
        ("raw HMAC x2", Box::new(raw_2), Vec::new()),
        ("fieldseal terms, 2 versions", Box::new(terms), Vec::new()),
    ];
    for _ in 0..ROUNDS {
        for (_, op, times) in &mut ops {
            times.push(batch(op));
        }
    }
    let mut stats = Vec::new();
    for (name, _, times) in &mut ops {
        times.sort_by(f64::total_cmp);
        stats.push((*name, times[0], times[times.len() / 2]));
    }
    println!("\nsteady ratios: {ROUNDS} rounds of {BATCH} calls, fastest batch (median batch)");
    for pair in stats.chunks(2) {
        let [(raw_name, raw_min, raw_med), (ours_name, min, med)] = pair else {
            unreachable!("pairs")
        };
        println!(
            "{ours_name}: {min:.0} ns ({med:.0}) ; {raw_name}: {raw_min:.0} ns ({raw_med:.0}) ; \
             ratio {:.2} ({:.2})",
            min / raw_min,
            med / raw_med
        );
    }
}

criterion_group!(benches, terms);

fn main() {
    benches();
    Criterion::default().configure_from_args().final_summary();
    // `cargo test --benches` runs each benchmark once, to check it works: no rounds then.
    if !std::env::args().any(|a| a == "--test" || a == "--list") {
        steady_ratios();
    }
}
