//! Each crypto provider's fieldseal beside the hardware floor, in the same run (issue 14).
//!
//! The floor is raw AES-256-GCM of the two C libraries, aws-lc-rs and ring, sealing into a new
//! buffer with the same associated data as fieldseal's (56 bytes): what a user could call instead
//! of fieldseal. Beside it, RustCrypto's two AES-GCM lines raw (aes-gcm 0.10 and 0.11), the
//! fastest pure-Rust AES-GCM being the RustCrypto provider's yardstick for large values.
//!
//! The raw floor seals every value under one fixed nonce, which no real caller may do: a sealer
//! must draw a fresh nonce per value, and fieldseal does. So two floors that draw one stand beside
//! it. `+nonce` is the raw call with its nonce from rand's `thread_rng` (a ChaCha12 generator per
//! thread, seeded from the OS and reseeded after a fork: the cheapest safe source a user of the raw
//! library would reach for). `random-nonce key` is aws-lc-rs's own safe API,
//! `RandomizedNonceKey`, which draws the nonce from AWS-LC's generator.
//!
//! A process has one provider, so the benchmark runs itself once per provider of the build, in a
//! child process that installs that provider and measures everything, floor included, interleaved
//! as `benches/ratios.rs` does: short batches round-robin, three passes, the fastest batch of each
//! operation kept (background load only ever slows a batch down) and the median shown beside the
//! goal ratios. Every ratio compares numbers from one process.
//!
//! Run with `cargo bench --features aws-lc,ring --bench providers` (about 3 minutes);
//! BENCHMARKS.md, "Providers", quotes its output.

#[path = "common/customer.rs"]
mod customer;

use std::hint::black_box;
use std::process::Command;
use std::time::Instant;

use aes_gcm::aead::{AeadInPlace as _, KeyInit as _};
use aes_gcm_large::aead::{AeadInOut as _, KeyInit as _};
use customer::{Address, Fulfillment, customer};
use fieldseal::provider::{self, Provider};
use fieldseal::{Context, KeySet, Keyring, PurposeKey, Sealed, Suite};

/// The length of fieldseal's associated data for `fulfillment` in the context below (FORMAT.md
/// §6): 4 fixed bytes, `lp16("fulfillment")` 13, the key version 4, `lp16("customer")` 10,
/// `lp16("email")` 7 and `lp16(id)` 18 (an integer id binds 16 bytes).
const AAD_LEN: usize = 4 + 13 + 4 + 10 + 7 + 18;
const TAG: usize = 16;
const SIZES: [usize; 8] = [16, 24, 64, 256, 1024, 4096, 65_536, 1 << 20];
const ROUNDS: usize = 11;
const SWEEPS: usize = 3;
/// Names the provider a child process measures.
const CHILD_ENV: &str = "FIELDSEAL_BENCH_PROVIDER";

/// One operation's time per call of each batch, in ns.
type Batches = (&'static str, Vec<f64>);
type Op<'a> = (&'static str, Box<dyn FnMut() + 'a>);

fn batch(iters: u32, f: &mut dyn FnMut()) -> f64 {
    let start = Instant::now();
    for _ in 0..iters {
        f();
    }
    start.elapsed().as_secs_f64() * 1e9 / f64::from(iters)
}

/// Calls per batch: about 100 µs of work at 5 GB/s, at least 5.
fn iters(len: usize) -> u32 {
    u32::try_from((500_000 / (len + 200)).clamp(5, 5_000)).expect("small")
}

/// Seals `msg` as a user of a raw AEAD would: a new buffer of the value and its tag.
fn new_buffer(msg: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(msg.len() + TAG);
    out.extend_from_slice(msg);
    out
}

/// A nonce as a careful user of a raw AEAD draws one: 12 bytes from rand's `thread_rng`.
fn fresh_nonce() -> [u8; 12] {
    let mut nonce = [0u8; 12];
    rand::RngCore::fill_bytes(&mut rand::thread_rng(), &mut nonce);
    nonce
}

/// Every operation compared, for one value size, each measured `ROUNDS` times round-robin.
#[allow(clippy::too_many_lines)] // one flat table of the operations compared
fn measure(
    len: usize,
    aes: &PurposeKey<Fulfillment>,
    xchacha: &PurposeKey<Fulfillment>,
) -> Vec<Batches> {
    let key = [7u8; 32];
    let nonce = [9u8; 12];
    let aad = [0xa5u8; AAD_LEN];
    let msg: Vec<u8> = (0..len).map(|i| i as u8).collect();
    let ctx = Context::new("customer", "email").with_id_int(42);

    let aws = aws_lc_rs::aead::LessSafeKey::new(
        aws_lc_rs::aead::UnboundKey::new(&aws_lc_rs::aead::AES_256_GCM, &key).unwrap(),
    );
    let ring = ring::aead::LessSafeKey::new(
        ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, &key).unwrap(),
    );
    let rc10 = aes_gcm::Aes256Gcm::new(&key.into());
    let rc11 = aes_gcm_large::Aes256Gcm::new(&key.into());

    // Each library's sealed value, to open.
    let mut sealed_raw = new_buffer(&msg);
    aws.seal_in_place_append_tag(
        aws_lc_rs::aead::Nonce::assume_unique_for_key(nonce),
        aws_lc_rs::aead::Aad::from(&aad),
        &mut sealed_raw,
    )
    .unwrap();
    let (ct, tag) = sealed_raw.split_at(len);
    let tag: [u8; TAG] = tag.try_into().unwrap();
    let one = Sealed::<Vec<u8>, Fulfillment>::seal(&msg, &ctx, aes).unwrap();
    let xone = Sealed::<Vec<u8>, Fulfillment>::seal(&msg, &ctx, xchacha).unwrap();

    let random_nonce_key =
        aws_lc_rs::aead::RandomizedNonceKey::new(&aws_lc_rs::aead::AES_256_GCM, &key).unwrap();

    let mut ops: Vec<Op<'_>> = vec![
        (
            "aws-lc raw",
            Box::new(|| {
                let mut out = new_buffer(black_box(&msg));
                aws.seal_in_place_append_tag(
                    aws_lc_rs::aead::Nonce::assume_unique_for_key(nonce),
                    aws_lc_rs::aead::Aad::from(black_box(&aad)),
                    &mut out,
                )
                .unwrap();
                black_box(out);
            }),
        ),
        (
            "aws-lc raw+nonce",
            Box::new(|| {
                let mut out = new_buffer(black_box(&msg));
                aws.seal_in_place_append_tag(
                    aws_lc_rs::aead::Nonce::assume_unique_for_key(fresh_nonce()),
                    aws_lc_rs::aead::Aad::from(black_box(&aad)),
                    &mut out,
                )
                .unwrap();
                black_box(out);
            }),
        ),
        (
            "aws-lc random-nonce key",
            Box::new(|| {
                let mut out = new_buffer(black_box(&msg));
                let nonce = random_nonce_key
                    .seal_in_place_append_tag(aws_lc_rs::aead::Aad::from(black_box(&aad)), &mut out)
                    .unwrap();
                black_box((nonce, out));
            }),
        ),
        (
            "aws-lc raw-open",
            Box::new(|| {
                let mut out = black_box(ct).to_vec();
                aws.open_in_place_separate_tag(
                    aws_lc_rs::aead::Nonce::assume_unique_for_key(nonce),
                    aws_lc_rs::aead::Aad::from(black_box(&aad)),
                    &tag,
                    &mut out,
                )
                .unwrap();
                black_box(out);
            }),
        ),
        (
            "ring raw",
            Box::new(|| {
                let mut out = new_buffer(black_box(&msg));
                ring.seal_in_place_append_tag(
                    ring::aead::Nonce::assume_unique_for_key(nonce),
                    ring::aead::Aad::from(black_box(&aad)),
                    &mut out,
                )
                .unwrap();
                black_box(out);
            }),
        ),
        (
            "ring raw+nonce",
            Box::new(|| {
                let mut out = new_buffer(black_box(&msg));
                ring.seal_in_place_append_tag(
                    ring::aead::Nonce::assume_unique_for_key(fresh_nonce()),
                    ring::aead::Aad::from(black_box(&aad)),
                    &mut out,
                )
                .unwrap();
                black_box(out);
            }),
        ),
        (
            "ring raw-open",
            Box::new(|| {
                let mut out = black_box(ct).to_vec();
                ring.open_in_place_separate_tag(
                    ring::aead::Nonce::assume_unique_for_key(nonce),
                    ring::aead::Aad::from(black_box(&aad)),
                    ring::aead::Tag::from(tag),
                    &mut out,
                    0..,
                )
                .unwrap();
                black_box(out);
            }),
        ),
        (
            "aes-gcm 0.10 raw",
            Box::new(|| {
                let mut out = new_buffer(black_box(&msg));
                let t = rc10
                    .encrypt_in_place_detached(&nonce.into(), black_box(&aad), &mut out)
                    .unwrap();
                out.extend_from_slice(&t);
                black_box(out);
            }),
        ),
        (
            "aes-gcm 0.11 raw",
            Box::new(|| {
                let mut out = new_buffer(black_box(&msg));
                let t = rc11
                    .encrypt_inout_detached(
                        &nonce.into(),
                        black_box(&aad),
                        out.as_mut_slice().into(),
                    )
                    .unwrap();
                out.extend_from_slice(&t);
                black_box(out);
            }),
        ),
        (
            "seal",
            Box::new(|| {
                black_box(
                    Sealed::<Vec<u8>, Fulfillment>::seal(black_box(&msg), &ctx, aes).unwrap(),
                );
            }),
        ),
        (
            "open",
            Box::new(|| {
                black_box(black_box(&one).open(aes, &ctx).unwrap());
            }),
        ),
        (
            "xchacha seal",
            Box::new(|| {
                black_box(
                    Sealed::<Vec<u8>, Fulfillment>::seal(black_box(&msg), &ctx, xchacha).unwrap(),
                );
            }),
        ),
        (
            "xchacha open",
            Box::new(|| {
                black_box(black_box(&xone).open(xchacha, &ctx).unwrap());
            }),
        ),
    ];
    let iters = iters(len);
    let mut times = vec![Vec::with_capacity(ROUNDS); ops.len()];
    for _ in 0..ROUNDS {
        for (kept, (_, op)) in times.iter_mut().zip(ops.iter_mut()) {
            kept.push(batch(iters, op));
        }
    }
    ops.iter().map(|(name, _)| *name).zip(times).collect()
}

fn fastest_and_median(times: &[f64]) -> (f64, f64) {
    let mut sorted = times.to_vec();
    sorted.sort_by(f64::total_cmp);
    (sorted[0], sorted[sorted.len() / 2])
}

/// One line per size: fieldseal's times and its ratios to the floors, from the fastest batches
/// (the medians' in brackets for the aws-lc ratios, the goals).
fn report(provider: Provider, len: usize, batches: &[Batches]) {
    let stat = |name: &str| {
        batches
            .iter()
            .find(|(n, _)| *n == name)
            .map(|(_, t)| fastest_and_median(t))
            .expect("an op")
    };
    let fast = |name: &str| stat(name).0;
    let median = |name: &str| stat(name).1;
    let rc_best = fast("aes-gcm 0.10 raw").min(fast("aes-gcm 0.11 raw"));
    println!(
        "{provider:<10} {len:>8} B | seal {:>10.1} ns  ÷aws-lc {:.2} ({:.2})  ÷aws-lc+nonce \
         {:.2} ({:.2})  ÷random-nonce-key {:.2}  ÷ring {:.2}  ÷ring+nonce {:.2}  \
         rustcrypto-best÷seal {:.2} | open {:>10.1} ns  ÷aws-lc {:.2} ({:.2})  ÷ring {:.2} | \
         xchacha seal {:>10.1} ns  open {:>10.1} ns | floor: aws-lc {:.1}/{:.1} ns  \
         aws-lc+nonce {:.1} ns  random-nonce-key {:.1} ns  ring {:.1}/{:.1} ns  ring+nonce \
         {:.1} ns  aes-gcm 0.10 {:.1} ns  0.11 {:.1} ns",
        fast("seal"),
        fast("seal") / fast("aws-lc raw"),
        median("seal") / median("aws-lc raw"),
        fast("seal") / fast("aws-lc raw+nonce"),
        median("seal") / median("aws-lc raw+nonce"),
        fast("seal") / fast("aws-lc random-nonce key"),
        fast("seal") / fast("ring raw"),
        fast("seal") / fast("ring raw+nonce"),
        rc_best / fast("seal"),
        fast("open"),
        fast("open") / fast("aws-lc raw-open"),
        median("open") / median("aws-lc raw-open"),
        fast("open") / fast("ring raw-open"),
        fast("xchacha seal"),
        fast("xchacha open"),
        fast("aws-lc raw"),
        fast("aws-lc raw-open"),
        fast("aws-lc raw+nonce"),
        fast("aws-lc random-nonce key"),
        fast("ring raw"),
        fast("ring raw-open"),
        fast("ring raw+nonce"),
        fast("aes-gcm 0.10 raw"),
        fast("aes-gcm 0.11 raw"),
    );
}

/// Sealing and opening 24-byte values from two threads against one (issue 14, item 5): each
/// thread seals or opens `PER_THREAD` values under the same key, and the speed-up is the work
/// done per second by two threads over one. The best of five tries each (the machine is shared).
fn scaling(provider: Provider, aes: &PurposeKey<Fulfillment>) {
    const PER_THREAD: u32 = 200_000;
    let ctx = Context::new("customer", "email").with_id_int(42);
    let msg = [0x42u8; 24];
    // The value opened comes from this thread's hundredth epoch or later (an epoch is 2^16
    // values, FORMAT.md §5), as in any long-lived process: its slot among the 16 lock-free ones an
    // opener keeps is taken (but for a chance of (15/16)^100, 0.2%), and it is found past them,
    // where two threads once opened no faster than one.
    for _ in 0..100 << 16 {
        black_box(Sealed::<Vec<u8>, Fulfillment>::seal(black_box(&msg[..]), &ctx, aes).unwrap());
    }
    let one = Sealed::<Vec<u8>, Fulfillment>::seal(&msg[..], &ctx, aes).unwrap();
    let seal = || {
        for _ in 0..PER_THREAD {
            black_box(
                Sealed::<Vec<u8>, Fulfillment>::seal(black_box(&msg[..]), &ctx, aes).unwrap(),
            );
        }
    };
    let open = || {
        for _ in 0..PER_THREAD {
            black_box(black_box(&one).open(aes, &ctx).unwrap());
        }
    };
    let wall = |threads: usize, work: &(dyn Fn() + Sync)| {
        (0..5)
            .map(|_| {
                let start = Instant::now();
                std::thread::scope(|s| {
                    for _ in 0..threads {
                        s.spawn(work);
                    }
                });
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    for (what, work) in [("seal", &seal as &(dyn Fn() + Sync)), ("open", &open)] {
        let (t1, t2) = (wall(1, work), wall(2, work));
        println!(
            "{provider:<10} 24 B {what} on 2 threads: {:.2}x the values per second of one \
             ({:.0} ns a value on one thread)",
            2.0 * t1 / t2,
            t1 * 1e9 / f64::from(PER_THREAD)
        );
    }
}

/// A derived 10-field record (issue 14, item 4) against ten raw AES-256-GCM seals of the same
/// provider's library into new buffers, the address encoded as JSON inside the loop as `seal`
/// does; and the record's open against ten raw opens.
#[allow(clippy::too_many_lines)] // one flat table of the operations compared
fn record(provider: Provider, keyring: &Keyring) {
    let aes = &keyring.purpose_key::<Fulfillment>();
    let keys = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
    let customer = customer();
    let stored = customer.seal(&keys).expect("seals");
    let key = [7u8; 32];
    let nonce = [9u8; 12];
    let aad = [0xa5u8; 50];
    let aws = aws_lc_rs::aead::LessSafeKey::new(
        aws_lc_rs::aead::UnboundKey::new(&aws_lc_rs::aead::AES_256_GCM, &key).unwrap(),
    );
    let ring = ring::aead::LessSafeKey::new(
        ring::aead::UnboundKey::new(&ring::aead::AES_256_GCM, &key).unwrap(),
    );
    let rc10 = aes_gcm::Aes256Gcm::new(&key.into());
    // The provider's raw AEAD: seal in place into `buf` under `nonce`, append the tag.
    let raw_seal = |buf: &mut Vec<u8>, nonce: [u8; 12]| match provider.name() {
        "aws-lc" => aws
            .seal_in_place_append_tag(
                aws_lc_rs::aead::Nonce::assume_unique_for_key(nonce),
                aws_lc_rs::aead::Aad::from(black_box(&aad)),
                buf,
            )
            .unwrap(),
        "ring" => ring
            .seal_in_place_append_tag(
                ring::aead::Nonce::assume_unique_for_key(nonce),
                ring::aead::Aad::from(black_box(&aad)),
                buf,
            )
            .unwrap(),
        _ => {
            let t = rc10
                .encrypt_in_place_detached(&nonce.into(), black_box(&aad), buf)
                .unwrap();
            buf.extend_from_slice(&t);
        }
    };
    let raw_open = |buf: &mut Vec<u8>| {
        let tag_at = buf.len() - TAG;
        let tag: [u8; TAG] = buf[tag_at..].try_into().unwrap();
        buf.truncate(tag_at);
        match provider.name() {
            "aws-lc" => {
                aws.open_in_place_separate_tag(
                    aws_lc_rs::aead::Nonce::assume_unique_for_key(nonce),
                    aws_lc_rs::aead::Aad::from(black_box(&aad)),
                    &tag,
                    buf,
                )
                .unwrap();
            }
            "ring" => {
                ring.open_in_place_separate_tag(
                    ring::aead::Nonce::assume_unique_for_key(nonce),
                    ring::aead::Aad::from(black_box(&aad)),
                    ring::aead::Tag::from(tag),
                    buf,
                    0..,
                )
                .unwrap();
            }
            _ => rc10
                .decrypt_in_place_detached(&nonce.into(), black_box(&aad), buf, &tag.into())
                .unwrap(),
        }
    };
    let c = &customer;
    let fields = |i: usize| -> Vec<u8> {
        match i {
            0 => c.first_name.as_bytes().to_vec(),
            1 => c.last_name.as_bytes().to_vec(),
            2 => c.email.as_bytes().to_vec(),
            3 => c.phone.as_bytes().to_vec(),
            4 => serde_json::to_vec(black_box(&c.address)).unwrap(),
            5 => c.company.as_bytes().to_vec(),
            6 => c.vat_number.as_bytes().to_vec(),
            7 => c.delivery_notes.as_bytes().to_vec(),
            8 => c.birth_year.to_be_bytes().to_vec(),
            _ => c.loyalty_card.to_be_bytes().to_vec(),
        }
    };
    let sealed_fields: Vec<Vec<u8>> = (0..10)
        .map(|i| {
            let mut buf = fields(i);
            buf.reserve_exact(TAG);
            raw_seal(&mut buf, nonce);
            buf
        })
        .collect();
    let mut ops: Vec<Op<'_>> = vec![
        (
            "raw x10",
            Box::new(|| {
                for i in 0..10 {
                    // `fields` allocates the new buffer (a copy, or the JSON encoding).
                    let mut buf = fields(i);
                    buf.reserve_exact(TAG);
                    raw_seal(&mut buf, nonce);
                    black_box(buf);
                }
            }),
        ),
        (
            "raw+nonce x10",
            Box::new(|| {
                for i in 0..10 {
                    let mut buf = fields(i);
                    buf.reserve_exact(TAG);
                    raw_seal(&mut buf, fresh_nonce());
                    black_box(buf);
                }
            }),
        ),
        (
            "raw-open x10",
            Box::new(|| {
                for (i, ct) in sealed_fields.iter().enumerate() {
                    let mut buf = black_box(ct).clone();
                    raw_open(&mut buf);
                    if i == 4 {
                        black_box(serde_json::from_slice::<Address>(&buf).unwrap());
                    } else {
                        black_box(buf);
                    }
                }
            }),
        ),
        (
            "seal record",
            Box::new(|| {
                black_box(black_box(c).seal(&keys).unwrap());
            }),
        ),
        (
            "open record",
            Box::new(|| {
                black_box(black_box(&stored).open(aes).unwrap());
            }),
        ),
    ];
    let mut times = vec![Vec::new(); ops.len()];
    for _ in 0..ROUNDS * SWEEPS {
        for (kept, (_, op)) in times.iter_mut().zip(ops.iter_mut()) {
            kept.push(batch(500, op));
        }
    }
    let stat = |name: &str| {
        let at = ops.iter().position(|(n, _)| *n == name).expect("an op");
        fastest_and_median(&times[at])
    };
    let ((seal, seal_med), (raw, raw_med)) = (stat("seal record"), stat("raw x10"));
    let (raw_nonce, raw_nonce_med) = stat("raw+nonce x10");
    let ((open, open_med), (raw_open, raw_open_med)) = (stat("open record"), stat("raw-open x10"));
    println!(
        "{provider:<10} 10-field record: seal {seal:.0} ns = {:.2}x ten raw ({raw:.0} ns; \
         medians {:.2}x) = {:.2}x ten raw+nonce ({raw_nonce:.0} ns; medians {:.2}x), open \
         {open:.0} ns = {:.2}x ten raw ({raw_open:.0} ns; medians {:.2}x)",
        seal / raw,
        seal_med / raw_med,
        seal / raw_nonce,
        seal_med / raw_nonce_med,
        open / raw_open,
        open_med / raw_open_med
    );
}

/// Measures everything under `provider`, in this process.
fn child(provider: Provider) {
    provider::install_default(provider).expect("the first thing this process does");
    let keyring = Keyring::generate(Suite::Aes256Gcm).expect("OS randomness");
    let aes = keyring.purpose_key::<Fulfillment>();
    let xchacha = Keyring::generate(Suite::XChaCha20Poly1305)
        .expect("OS randomness")
        .purpose_key::<Fulfillment>();
    let mut kept: Vec<Vec<Batches>> = vec![Vec::new(); SIZES.len()];
    for _ in 0..SWEEPS {
        for (len, kept) in SIZES.iter().zip(kept.iter_mut()) {
            let fresh = measure(*len, &aes, &xchacha);
            if kept.is_empty() {
                *kept = fresh;
            } else {
                for ((_, old), (_, new)) in kept.iter_mut().zip(fresh) {
                    old.extend(new);
                }
            }
        }
    }
    for (len, kept) in SIZES.iter().zip(&kept) {
        report(provider, *len, kept);
    }
    record(provider, &keyring);
    scaling(provider, &aes);
}

fn main() {
    // `cargo bench` passes `--bench`; `cargo test --benches` passes nothing: then do nothing.
    if !std::env::args().any(|a| a == "--bench") {
        return;
    }
    if let Ok(name) = std::env::var(CHILD_ENV) {
        child(Provider::from_name(&name).expect("a provider of this build"));
        return;
    }
    println!(
        "Every provider of this build ({:?}), each in its own process; ratios are fieldseal ÷ \
         the floor from the fastest batches (medians in brackets); rustcrypto-best÷seal is a \
         throughput ratio.",
        Provider::ALL
    );
    for &p in Provider::ALL {
        let status = Command::new(std::env::current_exe().expect("this benchmark"))
            .args(std::env::args().skip(1))
            .env(CHILD_ENV, p.name())
            .status()
            .expect("runs itself");
        assert!(status.success(), "{p}: {status}");
    }
}
