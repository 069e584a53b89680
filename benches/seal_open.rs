//! Seal and open beside the raw AEAD they are built on, in the same run.
//!
//! One criterion group per suite and size (`aes-256-gcm/32B`, `xchacha20-poly1305/1MiB`, ...), each
//! with these functions:
//!
//! | function | what it times |
//! |---|---|
//! | `raw` | the same AEAD crate fieldseal uses, cipher built once, a fixed nonce: copy the message into a preallocated buffer and `encrypt_in_place_detached` it, with associated data as long as fieldseal's for `seal-1p` |
//! | `raw+alloc` | the crate's allocating `Aead::encrypt(nonce, Payload { msg, aad })`: what a user of the raw crate pays for a new output buffer |
//! | `raw-open` | copy a ciphertext into a preallocated buffer and `decrypt_in_place_detached` it |
//! | `raw-open+alloc` | the crate's allocating `Aead::decrypt`: a new plaintext buffer, as `open` returns |
//! | `seal-1p` / `open-1p` | `Sealed::<Vec<u8>, Fulfillment>::seal` / `open` |
//! | `seal-3p` / `open-3p` | sealed for three purposes with a tuple of keys; open the `fulfillment` copy |
//!
//! The group `nonce` times a stand-in for one nonce draw: fieldseal's generator is private, so it
//! is a thread-local `rand_chacha::ChaCha12Rng` read as fieldseal reads its own (a `u64` and a
//! `u32` per 12 bytes): one AES-256-GCM nonce, and the 24 bytes of an XChaCha20-Poly1305 nonce,
//! which fieldseal draws as two 12-byte blocks.
//!
//! Both encrypt the value as it is (fieldseal's type byte is in the header, FORMAT.md §2), under
//! associated data of the same length.
//!
//! Every key, cipher, keyring and input is made before the timed loop. Filter as usual:
//! `cargo bench --bench seal_open -- '32B|1MiB'`.

use std::cell::RefCell;
use std::hint::black_box;
use std::time::Duration;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, AeadInPlace, KeyInit, Nonce, Payload};
use chacha20poly1305::XChaCha20Poly1305;
use criterion::measurement::WallTime;
use criterion::{BenchmarkGroup, Criterion, Throughput, criterion_group, criterion_main};
use fieldseal::{Context, Keyring, Purpose, PurposeKey, Sealed, Suite};
use rand_chacha::ChaCha12Rng;
use rand_chacha::rand_core::{RngCore, SeedableRng};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");
fieldseal::purpose!(Analytics = "analytics");

const RECORD: &str = "customer";
const FIELD: &str = "email";
const ID: u64 = 0x0123_4567_89ab_cdef;

/// Value sizes, with the names used in group ids.
const SIZES: [(usize, &str); 6] = [
    (16, "16B"),
    (32, "32B"),
    (64, "64B"),
    (256, "256B"),
    (4096, "4KiB"),
    (1 << 20, "1MiB"),
];

/// FORMAT.md §6: the associated data fieldseal binds to a part sealed for `purpose` in the bench
/// context (56 bytes for `fulfillment`, `customer`, `email` and an integer id, which binds 16
/// bytes whatever its type).
const fn aad_len(purpose: &str) -> usize {
    4 + 2 + purpose.len() + 4 + 2 + RECORD.len() + 2 + FIELD.len() + 2 + size_of::<u128>()
}

const _: () = assert!(aad_len("fulfillment") == 56);

fn ctx() -> Context<'static> {
    Context::new(RECORD, FIELD).with_id_int(ID)
}

/// `raw`, `raw+alloc` and `raw-open` for one AEAD and one size.
fn raw<A: Aead + AeadInPlace + KeyInit>(group: &mut BenchmarkGroup<'_, WallTime>, msg: &[u8]) {
    let cipher = A::new_from_slice(&[7; 32]).expect("a 32-byte key");
    let nonce = Nonce::<A>::default();
    let aad = vec![0xa5; aad_len(Fulfillment::NAME)];

    let mut buf = vec![0u8; msg.len()];
    group.bench_function("raw", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(msg));
            let tag = cipher
                .encrypt_in_place_detached(&nonce, black_box(&aad), &mut buf)
                .expect("encrypt");
            black_box((&buf, tag));
        });
    });

    group.bench_function("raw+alloc", |b| {
        b.iter(|| {
            cipher
                .encrypt(
                    &nonce,
                    Payload {
                        msg: black_box(msg),
                        aad: black_box(&aad),
                    },
                )
                .expect("encrypt")
        });
    });

    let mut ciphertext = msg.to_vec();
    let tag = cipher
        .encrypt_in_place_detached(&nonce, &aad, &mut ciphertext)
        .expect("encrypt");
    group.bench_function("raw-open", |b| {
        b.iter(|| {
            buf.copy_from_slice(black_box(&ciphertext));
            cipher
                .decrypt_in_place_detached(&nonce, black_box(&aad), &mut buf, &tag)
                .expect("decrypt");
            black_box(&buf);
        });
    });

    let sealed = cipher
        .encrypt(&nonce, Payload { msg, aad: &aad })
        .expect("encrypt");
    group.bench_function("raw-open+alloc", |b| {
        b.iter(|| {
            cipher
                .decrypt(
                    &nonce,
                    Payload {
                        msg: black_box(&sealed),
                        aad: black_box(&aad),
                    },
                )
                .expect("decrypt")
        });
    });
}

/// The three purpose keys of one keyring.
struct Keys {
    f: PurposeKey<Fulfillment>,
    m: PurposeKey<Marketing>,
    a: PurposeKey<Analytics>,
}

impl Keys {
    fn new(suite: Suite) -> Self {
        let keyring = Keyring::generate(suite).expect("keyring");
        Self {
            f: keyring.purpose_key(),
            m: keyring.purpose_key(),
            a: keyring.purpose_key(),
        }
    }
}

/// `seal-1p`, `open-1p`, `seal-3p` and `open-3p` for one size.
fn fieldseal(group: &mut BenchmarkGroup<'_, WallTime>, keys: &Keys, msg: &[u8]) {
    let value = msg.to_vec();
    let ctx = ctx();
    let three = (&keys.f, &keys.m, &keys.a);

    group.bench_function("seal-1p", |b| {
        b.iter(|| {
            Sealed::<Vec<u8>, Fulfillment>::seal(black_box(&value), black_box(&ctx), &keys.f)
                .expect("seal")
        });
    });
    let one = Sealed::<Vec<u8>, Fulfillment>::seal(&value, &ctx, &keys.f).expect("seal");
    group.bench_function("open-1p", |b| {
        b.iter(|| {
            black_box(&one)
                .open(&keys.f, black_box(&ctx))
                .expect("open")
        });
    });

    group.bench_function("seal-3p", |b| {
        b.iter(|| {
            Sealed::<Vec<u8>, (Fulfillment, Marketing, Analytics)>::seal(
                black_box(&value),
                black_box(&ctx),
                &three,
            )
            .expect("seal")
        });
    });
    let all = Sealed::<Vec<u8>, (Fulfillment, Marketing, Analytics)>::seal(&value, &ctx, &three)
        .expect("seal");
    group.bench_function("open-3p", |b| {
        b.iter(|| {
            black_box(&all)
                .open(&keys.f, black_box(&ctx))
                .expect("open")
        });
    });
}

fn suite_name(suite: Suite) -> &'static str {
    match suite {
        Suite::Aes256Gcm => "aes-256-gcm",
        Suite::XChaCha20Poly1305 => "xchacha20-poly1305",
        _ => unreachable!("a suite this bench does not know"),
    }
}

fn seal_open(c: &mut Criterion) {
    for suite in Suite::ALL {
        let keys = Keys::new(suite);
        for (len, size) in SIZES {
            let msg: Vec<u8> = (0..len).map(|i| i as u8).collect();
            let mut group = c.benchmark_group(format!("{}/{size}", suite_name(suite)));
            group.throughput(Throughput::Bytes(len as u64));
            if len >= 1 << 20 {
                // About a millisecond per iteration: fewer, longer samples.
                group
                    .sample_size(10)
                    .measurement_time(Duration::from_secs(3));
            }
            match suite {
                Suite::Aes256Gcm => raw::<Aes256Gcm>(&mut group, &msg),
                Suite::XChaCha20Poly1305 => raw::<XChaCha20Poly1305>(&mut group, &msg),
                _ => unreachable!("a suite this bench does not know"),
            }
            fieldseal(&mut group, &keys, &msg);
            group.finish();
        }
    }
}

thread_local! {
    /// Stand-in for fieldseal's private thread-local nonce generator (src/rng.rs). The seed does
    /// not change the cost.
    static NONCE_RNG: RefCell<ChaCha12Rng> = RefCell::new(ChaCha12Rng::seed_from_u64(1));
}

fn nonce(c: &mut Criterion) {
    let mut group = c.benchmark_group("nonce");
    group.bench_function("chacha12-12B", |b| {
        b.iter(|| {
            NONCE_RNG.with(|rng| {
                let mut rng = rng.borrow_mut();
                let mut nonce = [0u8; 12];
                nonce[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
                nonce[8..].copy_from_slice(&rng.next_u32().to_le_bytes());
                nonce
            })
        });
    });
    group.bench_function("chacha12-24B", |b| {
        b.iter(|| {
            NONCE_RNG.with(|rng| {
                let mut rng = rng.borrow_mut();
                let mut nonce = [0u8; 24];
                for half in nonce.chunks_exact_mut(12) {
                    half[..8].copy_from_slice(&rng.next_u64().to_le_bytes());
                    half[8..].copy_from_slice(&rng.next_u32().to_le_bytes());
                }
                nonce
            })
        });
    });
    group.finish();
}

fn config() -> Criterion {
    // Short by default so that a full run stays within a few minutes on two cores; the command
    // line (`--measurement-time`, `--sample-size`, ...) still overrides these.
    Criterion::default()
        .sample_size(30)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500))
}

criterion_group! {
    name = benches;
    config = config();
    targets = nonce, seal_open
}
criterion_main!(benches);
