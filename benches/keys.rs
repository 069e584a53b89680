//! Key management costs, each beside the raw primitive it is built on, in the same run:
//! - re-sealing a 32-byte value after a rotation, beside a raw AES-256-GCM open plus seal of the
//!   same bytes (prebuilt ciphers, fixed nonce); and the check of an already-current value;
//! - a keyring file built and read in memory (the `kek` protector, no disk), beside the raw
//!   AES-256-GCM operations on the same body size;
//! - unlocking a passphrase file with the default Argon2id parameters, beside the argon2 crate
//!   called directly with the same parameters;
//! - bulk re-sealing of JSON Lines records, on one thread and on two.

use std::hint::black_box;
use std::time::Duration;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{AeadInPlace, KeyInit, Nonce};
use criterion::{Criterion, Throughput, criterion_group, criterion_main};
use fieldseal::bulk::{IdType, RecordLayout, reseal_jsonl};
use fieldseal::{
    Argon2Params, Context, Kek, KeySet, Keyring, Passphrase, Seal, Sealed, SecretKey, Suite,
};
use zeroize::Zeroizing;

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");

fn reseal(c: &mut Criterion) {
    let mut keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    let ctx = Context::new("customer", "email").with_id_int(7);
    let value = [0x61u8; 32];
    let old: Sealed<Vec<u8>, Marketing> =
        Sealed::seal(&value[..], &ctx, &keyring.purpose_key::<Marketing>()).unwrap();
    keyring.rotate().unwrap();
    let keys = KeySet::new().with(keyring.purpose_key::<Marketing>());
    let current = keys.reseal(&old, &ctx).unwrap().unwrap();

    let mut group = c.benchmark_group("reseal-32B");
    let raw = Aes256Gcm::new(&[7u8; 32].into());
    let nonce = Nonce::<Aes256Gcm>::from([9u8; 12]);
    let mut buf = value.to_vec();
    let tag = raw
        .encrypt_in_place_detached(&nonce, b"aad", &mut buf)
        .unwrap();
    group.bench_function("raw open+seal", |b| {
        b.iter(|| {
            let mut work = buf.clone();
            raw.decrypt_in_place_detached(&nonce, b"aad", &mut work, &tag)
                .unwrap();
            black_box(
                raw.encrypt_in_place_detached(&nonce, b"aad", &mut work)
                    .unwrap(),
            );
            work
        });
    });
    group.bench_function("fieldseal reseal (stale)", |b| {
        b.iter(|| keys.reseal(black_box(&old), &ctx).unwrap());
    });
    group.bench_function("fieldseal reseal (current)", |b| {
        b.iter(|| keys.reseal(black_box(&current), &ctx).unwrap());
    });
    group.finish();
}

fn keyring_file(c: &mut Criterion) {
    let mut keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    for _ in 0..9 {
        keyring.rotate().unwrap();
    }
    let kek = Kek::new(SecretKey::from_bytes(Zeroizing::new([3; 32])));
    let file = keyring.to_protected_bytes(&kek).unwrap();
    let body_len = file.len() - 150; // the body is all but ~150 bytes of container

    let mut group = c.benchmark_group("keyring-10-versions");
    let raw = Aes256Gcm::new(&[7u8; 32].into());
    let nonce = Nonce::<Aes256Gcm>::from([9u8; 12]);
    group.bench_function("raw: key gen + 2 AES-GCM seals", |b| {
        b.iter(|| {
            let cipher = Aes256Gcm::new(&[black_box(5u8); 32].into());
            let mut wrap = [1u8; 32];
            black_box(
                cipher
                    .encrypt_in_place_detached(&nonce, b"prefix", &mut wrap)
                    .unwrap(),
            );
            let mut body = vec![2u8; body_len];
            black_box(
                raw.encrypt_in_place_detached(&nonce, b"header", &mut body)
                    .unwrap(),
            );
            body
        });
    });
    group.bench_function("fieldseal to_protected_bytes", |b| {
        b.iter(|| keyring.to_protected_bytes(&kek).unwrap());
    });
    group.bench_function("fieldseal from_protected_bytes", |b| {
        b.iter(|| Keyring::from_protected_bytes(black_box(&file), &kek).unwrap());
    });
    group.finish();
}

fn argon2_unlock(c: &mut Criterion) {
    let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    let file = keyring
        .to_protected_bytes(&Passphrase::new("bench passphrase".to_owned()).unwrap())
        .unwrap();
    let params = Argon2Params::DEFAULT;
    let mut group = c.benchmark_group("argon2id-default-unlock");
    group
        .sample_size(10)
        .measurement_time(Duration::from_secs(8));
    group.bench_function("raw argon2 crate", |b| {
        b.iter(|| {
            let p = argon2::Params::new(
                params.memory_kib(),
                params.iterations(),
                params.parallelism(),
                Some(32),
            )
            .unwrap();
            let mut out = [0u8; 32];
            argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, p)
                .hash_password_into(b"bench passphrase", &[1; 16], &mut out)
                .unwrap();
            out
        });
    });
    group.bench_function("fieldseal Keyring::from_protected_bytes", |b| {
        b.iter(|| {
            // A new protector each time: nothing cached, one full Argon2id run.
            let protector = Passphrase::new("bench passphrase".to_owned()).unwrap();
            Keyring::from_protected_bytes(black_box(&file), &protector).unwrap()
        });
    });
    group.finish();
}

#[derive(Seal)]
#[seal(id = id)]
struct Customer {
    id: u64,
    #[seal(Fulfillment)]
    name: String,
    #[seal(Fulfillment, Marketing)]
    email: String,
    #[seal(Fulfillment)]
    phone: String,
    tier: u8,
}

fn bulk(c: &mut Criterion) {
    let mut keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Marketing>());
    // Ten batches (src/bulk/batch.rs: 2,048 records each): the run writes one batch while the
    // threads re-seal the next, which a single batch would not show.
    let records = 20_480u64;
    let input: String = (0..records)
        .map(|id| {
            let customer = Customer {
                id,
                name: format!("Customer {id}"),
                email: format!("c{id}@example.com"),
                phone: "+44 20 7946 0958".into(),
                tier: 1,
            };
            serde_json::to_string(&customer.seal(&keys).unwrap()).unwrap() + "\n"
        })
        .collect();
    keyring.rotate().unwrap();
    let layout = RecordLayout::new("Customer").id("id", IdType::parse("u64").unwrap());

    let mut group = c.benchmark_group("bulk-reseal-20480-records");
    group.throughput(Throughput::Elements(records));
    group.sample_size(10);
    for threads in [1, 2] {
        group.bench_function(format!("{threads} thread(s)"), |b| {
            b.iter(|| {
                let mut out = Vec::with_capacity(input.len() * 2);
                reseal_jsonl(
                    &keyring,
                    &layout,
                    &mut input.as_bytes(),
                    &mut out,
                    0,
                    threads,
                    &mut |_| {},
                )
                .unwrap();
                out
            });
        });
    }
    group.finish();
}

criterion_group!(benches, reseal, keyring_file, argon2_unlock, bulk);
criterion_main!(benches);
