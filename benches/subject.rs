//! Subject mode beside direct mode, in the same run: a 10-field customer record sealed and opened
//! with its subject's data keys warm in the cache (goal: within 1.3x of direct mode), and a cold
//! open that reads the vault and unwraps the key (goal: under 50 µs on SQLite), with open latency
//! on vaults of growing size.

use std::hint::black_box;
use std::time::Duration;

use criterion::{BenchmarkId, Criterion, criterion_group, criterion_main};
use fieldseal::vault::{MemoryVault, Subject, SubjectKeys};
use fieldseal::{Context, DynPurpose, KeySet, Keyring, Seal, Sealed, Suite};
use serde::{Deserialize, Serialize};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing", consent);

#[derive(Serialize, Deserialize, Clone)]
struct Address {
    street: String,
    city: String,
    postcode: String,
}

macro_rules! customer_record {
    ($name:ident, $($mode:tt)*) => {
        /// Ten sealed fields, one plain id, one plain tier: as `benches/record.rs`.
        #[derive(Seal, Clone)]
        #[seal($($mode)*)]
        struct $name {
            id: u64,
            #[seal(Fulfillment)]
            first_name: String,
            #[seal(Fulfillment)]
            last_name: String,
            #[seal(Fulfillment)]
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

        impl $name {
            fn sample(id: u64) -> Self {
                Self {
                    id,
                    first_name: "Ada".into(),
                    last_name: "Lovelace".into(),
                    email: "ada@example.com".into(),
                    phone: "+44 20 7946 0958".into(),
                    address: Address {
                        street: "12 Engine Lane".into(),
                        city: "London".into(),
                        postcode: "E1 6AN".into(),
                    },
                    company: "Analytical Engines Ltd".into(),
                    vat_number: "GB123456789".into(),
                    delivery_notes: "Leave with the porter".into(),
                    birth_year: 1815,
                    loyalty_card: 4_000_123_456,
                    tier: 2,
                }
            }
        }
    };
}

customer_record!(DirectCustomer, id = id);
customer_record!(SubjectCustomer, subject = id);

fn keys(keyring: &Keyring) -> KeySet {
    KeySet::from_keyring(
        keyring,
        &[Fulfillment.into(), DynPurpose::of::<Marketing>()],
    )
}

fn group<'c>(
    c: &'c mut Criterion,
    name: &str,
) -> criterion::BenchmarkGroup<'c, criterion::measurement::WallTime> {
    let mut group = c.benchmark_group(name);
    group
        .sample_size(30)
        .measurement_time(Duration::from_secs(2))
        .warm_up_time(Duration::from_millis(500));
    group
}

/// Direct and subject mode on the same record, the subject's keys in the cache.
fn warm(c: &mut Criterion) {
    let keyring = Keyring::generate(Suite::Aes256Gcm).expect("OS randomness");
    let direct_keys = keys(&keyring);
    let fulfillment = keyring.purpose_key::<Fulfillment>();
    let subjects =
        SubjectKeys::new(MemoryVault::new(), keys(&keyring), keyring.id()).expect("a new vault");

    let direct = DirectCustomer::sample(1001);
    let direct_stored = direct.seal(&direct_keys).expect("seals");
    let subject = SubjectCustomer::sample(1001);
    let subject_stored = subject.seal(&subjects).expect("seals");

    let mut group = group(c, "subject/record-10-fields");
    group.bench_function("direct seal", |b| {
        b.iter(|| black_box(black_box(&direct).seal(&direct_keys).unwrap()));
    });
    group.bench_function("subject seal (warm)", |b| {
        b.iter(|| black_box(black_box(&subject).seal(&subjects).unwrap()));
    });
    group.bench_function("direct open view", |b| {
        b.iter(|| black_box(black_box(&direct_stored).open(&fulfillment).unwrap()));
    });
    group.bench_function("subject open view (warm)", |b| {
        b.iter(|| {
            black_box(
                black_box(&subject_stored)
                    .open::<Fulfillment>(&subjects)
                    .unwrap(),
            )
        });
    });
    group.finish();
}

/// One value opened with nothing cached: the vault is read and the data key unwrapped each time.
fn cold_memory(c: &mut Criterion) {
    let keyring = Keyring::generate(Suite::Aes256Gcm).expect("OS randomness");
    let subjects = SubjectKeys::new(MemoryVault::new(), keys(&keyring), keyring.id())
        .expect("a new vault")
        .with_cache(16, Duration::ZERO);
    let ada = Subject::int(7u64);
    let ctx = Context::new("customer", "email").with_id_int(7u64);
    let email: Sealed<String, Fulfillment> = subjects.seal(&ada, "ada@example.com", &ctx).unwrap();
    let mut group = group(c, "subject/cold-open");
    group.bench_with_input(BenchmarkId::new("memory vault", 1), &email, |b, email| {
        b.iter(|| {
            black_box(
                subjects
                    .open::<Fulfillment, _, _, _>(black_box(email), &ada, &ctx)
                    .unwrap(),
            )
        });
    });
    group.finish();
}

criterion_group!(benches, warm, cold_memory);
criterion_main!(benches);
