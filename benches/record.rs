//! A 10-field customer record sealed and opened with `#[derive(Seal)]`, beside ten raw AEAD
//! operations on the same values in the same run (goal: within 2x). The raw side encodes and
//! decodes the address as JSON inside the loop too, as any user of the raw AEAD must. The same
//! record with two blind index columns (an email index and a compound name index, FORMAT.md §13)
//! is sealed in the same run, to show what computing the terms adds.

#[path = "common/customer.rs"]
mod customer;

use std::hint::black_box;
use std::time::Duration;

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Nonce, Payload};
use criterion::{Criterion, criterion_group, criterion_main};
use customer::{Address, Customer, Fulfillment, customer, fields};
use fieldseal::{IndexSpec, KeySet, Keyring, Seal, Suite};

fieldseal::purpose!(Marketing = "marketing");
fieldseal::purpose!(Analytics = "analytics");

/// The same ten fields, with two blind index columns: the email (normalizer `email`) and the
/// full name (`text` of each part).
#[derive(Seal, Clone)]
#[seal(id = id, index(full_name = (first_name: text, last_name: text)))]
struct IndexedCustomer {
    id: u64,
    #[seal(Fulfillment)]
    first_name: String,
    #[seal(Fulfillment)]
    last_name: String,
    #[seal(Fulfillment, index(email_lookup = email))]
    email: String,
    #[seal(Fulfillment)]
    phone: String,
    #[seal(Fulfillment)]
    address: Address,
    #[seal(Fulfillment)]
    company: String,
    #[seal(Fulfillment)]
    vat_number: String,
    #[seal(Fulfillment)]
    delivery_notes: String,
    #[seal(Fulfillment)]
    birth_year: u16,
    #[seal(Fulfillment)]
    loyalty_card: u64,
    tier: u8,
}

fn indexed(c: &Customer) -> IndexedCustomer {
    IndexedCustomer {
        id: c.id,
        first_name: c.first_name.clone(),
        last_name: c.last_name.clone(),
        email: c.email.clone(),
        phone: c.phone.clone(),
        address: c.address.clone(),
        company: c.company.clone(),
        vat_number: c.vat_number.clone(),
        delivery_notes: c.delivery_notes.clone(),
        birth_year: c.birth_year,
        loyalty_card: c.loyalty_card,
        tier: c.tier,
    }
}

fn record(c: &mut Criterion) {
    let mut keyring = Keyring::generate(Suite::Aes256Gcm).expect("OS randomness");
    for (name, normalizer) in [("email-lookup", "email"), ("full-name", "text,text")] {
        let spec = IndexSpec::new(name).and_then(|s| s.with_normalizer(normalizer));
        keyring
            .add_index(spec.expect("a valid index"))
            .expect("added");
    }
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Marketing>())
        .with(keyring.purpose_key::<Analytics>())
        .with_index(keyring.index_key("email-lookup").expect("defined"))
        .with_index(keyring.index_key("full-name").expect("defined"));
    let fulfillment = keyring.purpose_key::<Fulfillment>();
    let customer = customer();
    let stored = customer.seal(&keys).expect("seals");

    let cipher = Aes256Gcm::new_from_slice(&[7; 32]).expect("32-byte key");
    let nonce = Nonce::<Aes256Gcm>::default();
    let aad = [0xa5u8; 50];
    let plaintexts = fields(&customer);
    let ciphertexts: Vec<Vec<u8>> = plaintexts
        .iter()
        .map(|p| {
            cipher
                .encrypt(&nonce, Payload { msg: p, aad: &aad })
                .expect("encrypts")
        })
        .collect();

    let mut group = c.benchmark_group("aes-256-gcm/record-10-fields");
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    // A raw user also has to encode the address: serde_json inside the loop, as `seal` does.
    group.bench_function("raw+alloc x10", |b| {
        b.iter(|| {
            for (i, p) in plaintexts.iter().enumerate() {
                let json;
                let msg = if i == 4 {
                    json = serde_json::to_vec(black_box(&customer.address)).unwrap();
                    &json[..]
                } else {
                    &p[..]
                };
                let payload = Payload {
                    msg: black_box(msg),
                    aad: &aad,
                };
                black_box(cipher.encrypt(&nonce, payload).unwrap());
            }
        });
    });
    group.bench_function("raw-open+alloc x10", |b| {
        b.iter(|| {
            for (i, ct) in ciphertexts.iter().enumerate() {
                let payload = Payload {
                    msg: black_box(&ct[..]),
                    aad: &aad,
                };
                let plain = cipher.decrypt(&nonce, payload).unwrap();
                if i == 4 {
                    black_box(serde_json::from_slice::<Address>(&plain).unwrap());
                } else {
                    black_box(plain);
                }
            }
        });
    });
    group.bench_function("seal record", |b| {
        b.iter(|| black_box(black_box(&customer).seal(&keys).unwrap()));
    });
    let with_indexes = indexed(&customer);
    group.bench_function("seal record with 2 index columns", |b| {
        b.iter(|| black_box(black_box(&with_indexes).seal(&keys).unwrap()));
    });
    group.bench_function("open record view", |b| {
        b.iter(|| black_box(black_box(&stored).open(&fulfillment).unwrap()));
    });
    group.finish();
}

criterion_group!(benches, record);
criterion_main!(benches);
