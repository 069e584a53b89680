//! Subject mode beside direct mode, in the same run: a 10-field customer record sealed and opened
//! with its subject's data keys warm in the cache (goal: within 1.3x of direct mode), and a cold
//! open that reads the vault and unwraps the key (goal: under 50 µs on SQLite), with open latency
//! on vaults of growing size.
//!
//! `cargo bench --bench subject` runs the in-memory part; `--features sqlite` adds the SQLite
//! vault at 10 thousand, 100 thousand and a million customers (`FIELDSEAL_BENCH_VAULT_SIZES`, a
//! comma-separated list, changes the sizes). The large vaults are filled with filler rows written
//! straight into the file (random wrapped keys of customers never opened: a million seals, each a
//! synced transaction, would take a quarter of an hour); the customers opened are a thousand real
//! ones, sealed through the library after the filler, so their rows are at the far end of the
//! vault's B-tree. The file size per customer is printed.

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

#[cfg(feature = "sqlite")]
mod sqlite {
    //! The SQLite vault: cold opens as the vault grows, and records opened warm and cold.

    use std::path::{Path, PathBuf};

    use fieldseal::vault::SqliteVault;
    use rand::SeedableRng;
    use rand_core::RngCore;

    use super::{
        BenchmarkId, Context, Criterion, DirectCustomer, Duration, Fulfillment, Keyring, Sealed,
        Subject, SubjectCustomer, SubjectKeys, Suite, black_box, group, keys,
    };

    /// How many real customers are sealed and opened at each size.
    const REAL: u64 = 1_000;
    /// Filler customers' ids start here, past the real ones.
    const FILLER_BASE: u64 = 1 << 40;

    fn sizes() -> Vec<u64> {
        std::env::var("FIELDSEAL_BENCH_VAULT_SIZES")
            .unwrap_or_else(|_| "10000,100000,1000000".into())
            .split(',')
            .map(|n| {
                n.trim()
                    .parse()
                    .expect("FIELDSEAL_BENCH_VAULT_SIZES: sizes, comma-separated")
            })
            .collect()
    }

    struct TempDir(PathBuf);

    impl TempDir {
        fn new() -> Self {
            let dir =
                std::env::temp_dir().join(format!("fieldseal-bench-vault-{}", std::process::id()));
            let _ = std::fs::remove_dir_all(&dir);
            std::fs::create_dir_all(&dir).expect("a temporary directory");
            Self(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Adds filler customers `from..to`, each with a fulfillment and a marketing key, in one
    /// transaction on a connection of its own (not synced: it is not the thing measured).
    fn fill(path: &Path, from: u64, to: u64) {
        let mut conn = rusqlite::Connection::open(path).expect("the vault file");
        conn.pragma_update(None, "synchronous", "OFF")
            .expect("pragma");
        let tx = conn.transaction().expect("a transaction");
        {
            let mut insert = tx
                .prepare(
                    "INSERT INTO slots (subject, purpose, generation, key_version, created, wrapped) \
                     VALUES (?1, ?2, 1, 1, 1780000000, ?3)",
                )
                .expect("the slots table");
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(from);
            let mut wrapped = [0u8; 60];
            for n in from..to {
                let subject = i128::from(FILLER_BASE + n).to_be_bytes();
                for purpose in ["fulfillment", "marketing"] {
                    rng.fill_bytes(&mut wrapped);
                    insert
                        .execute(rusqlite::params![&subject[..], purpose, &wrapped[..]])
                        .expect("a filler row");
                }
            }
        }
        tx.commit().expect("commit");
    }

    fn file_size(path: &Path) -> u64 {
        let wal = path.with_extension("db-wal");
        std::fs::metadata(path).map_or(0, |m| m.len())
            + std::fs::metadata(wal).map_or(0, |m| m.len())
    }

    /// One field of a random real customer, opened with nothing cached, as the vault grows.
    pub(super) fn cold_growing(c: &mut Criterion) {
        let dir = TempDir::new();
        let path = dir.0.join("vault.db");
        let keyring = Keyring::generate(Suite::Aes256Gcm).expect("OS randomness");
        let sealer = SubjectKeys::new(
            SqliteVault::open(&path).expect("a new vault"),
            keys(&keyring),
            keyring.id(),
        )
        .expect("binds");
        let mut group = group(c, "subject/cold-open");
        let (mut filled, mut real) = (0, 0);
        for size in sizes() {
            fill(&path, filled, size);
            filled = size;
            // The real customers, sealed after the filler (their first keys: a synced write each).
            let emails: Vec<(u64, Sealed<String, Fulfillment>)> = (1..=REAL)
                .map(|id| {
                    let subject = Subject::int(id + size * 10);
                    let ctx = Context::new("customer", "email").with_id_int(id);
                    (
                        id + size * 10,
                        sealer.seal(&subject, "ada@example.com", &ctx).unwrap(),
                    )
                })
                .collect();
            sealer.vault().checkpoint().expect("checkpoint");
            real += REAL;
            let customers = size + real;
            eprintln!(
                "vault of {customers} customers: {} bytes, {} bytes per customer",
                file_size(&path),
                file_size(&path) / customers
            );
            let opener = SubjectKeys::new(
                SqliteVault::open(&path).expect("the vault"),
                keys(&keyring),
                keyring.id(),
            )
            .expect("binds")
            .with_cache(16, Duration::ZERO);
            let mut next = 0usize;
            group.bench_with_input(
                BenchmarkId::new("sqlite vault", size),
                &emails,
                |b, emails| {
                    b.iter(|| {
                        let (subject, email) = &emails[next % emails.len()];
                        next = next.wrapping_add(7919);
                        let ctx =
                            Context::new("customer", "email").with_id_int(*subject - size * 10);
                        black_box(
                            opener
                                .open::<Fulfillment, _, _, _>(email, &Subject::int(*subject), &ctx)
                                .unwrap(),
                        )
                    });
                },
            );
        }
        group.finish();
    }

    /// The 10-field record on a SQLite vault: warm (keys cached) and cold (one vault read per
    /// record), beside direct mode.
    pub(super) fn records(c: &mut Criterion) {
        let dir = TempDir::new();
        let path = dir.0.join("vault.db");
        let keyring = Keyring::generate(Suite::Aes256Gcm).expect("OS randomness");
        let direct_keys = keys(&keyring);
        let fulfillment = keyring.purpose_key::<Fulfillment>();
        let warm = SubjectKeys::new(
            SqliteVault::open(&path).expect("a new vault"),
            keys(&keyring),
            keyring.id(),
        )
        .expect("binds");
        let cold = SubjectKeys::new(
            SqliteVault::open(&path).expect("the vault"),
            keys(&keyring),
            keyring.id(),
        )
        .expect("binds")
        .with_cache(16, Duration::ZERO);
        let direct_stored = DirectCustomer::sample(1001)
            .seal(&direct_keys)
            .expect("seals");
        let subject_stored = SubjectCustomer::sample(1001).seal(&warm).expect("seals");

        let mut group = group(c, "subject/record-10-fields-sqlite");
        group.bench_function("direct open view", |b| {
            b.iter(|| black_box(black_box(&direct_stored).open(&fulfillment).unwrap()));
        });
        group.bench_function("subject open view (warm)", |b| {
            b.iter(|| {
                black_box(
                    black_box(&subject_stored)
                        .open::<Fulfillment>(&warm)
                        .unwrap(),
                )
            });
        });
        group.bench_function("subject open view (cold)", |b| {
            b.iter(|| {
                black_box(
                    black_box(&subject_stored)
                        .open::<Fulfillment>(&cold)
                        .unwrap(),
                )
            });
        });
        group.bench_function("subject seal (warm)", |b| {
            let record = SubjectCustomer::sample(1001);
            b.iter(|| black_box(black_box(&record).seal(&warm).unwrap()));
        });
        group.finish();
    }
}

/// Opening from two threads against one, the keys warm (issue 14, item 5): 512 customers'
/// values, each thread opening all of them in its own order. Printed, not timed by criterion:
/// the ratio of the values opened per second by two threads over one, the best of five tries.
fn two_threads(_: &mut Criterion) {
    const SUBJECTS: u32 = 512;
    const ROUNDS: u32 = 200;
    let keyring = Keyring::generate(Suite::Aes256Gcm).expect("OS randomness");
    let subjects =
        SubjectKeys::new(MemoryVault::new(), keys(&keyring), keyring.id()).expect("a new vault");
    let ctx = Context::new("customer", "email").with_id_int(42);
    let values: Vec<(u64, Sealed<String, Fulfillment>)> = (0..u64::from(SUBJECTS))
        .map(|i| {
            let value = subjects.seal(&Subject::int(i), "ada@example.com", &ctx);
            (i, value.expect("seals"))
        })
        .collect();
    let open_all = |reversed: bool| {
        for _ in 0..ROUNDS {
            let mut each = |(id, value): &(u64, Sealed<String, Fulfillment>)| {
                let opened = subjects.open::<Fulfillment, _, _, _>(value, &Subject::int(*id), &ctx);
                black_box(opened.expect("opens"));
            };
            if reversed {
                values.iter().rev().for_each(&mut each);
            } else {
                values.iter().for_each(&mut each);
            }
        }
    };
    let wall = |threads: usize| {
        (0..5)
            .map(|_| {
                let start = std::time::Instant::now();
                std::thread::scope(|s| {
                    for t in 0..threads {
                        let open_all = &open_all;
                        s.spawn(move || open_all(t % 2 == 1));
                    }
                });
                start.elapsed().as_secs_f64()
            })
            .fold(f64::INFINITY, f64::min)
    };
    let (t1, t2) = (wall(1), wall(2));
    let per_value = t1 * 1e9 / (f64::from(ROUNDS) * f64::from(SUBJECTS));
    println!(
        "subject/two-threads: opening {SUBJECTS} customers' values (warm) on 2 threads: {:.2}x \
         the values per second of one ({per_value:.0} ns a value on one thread)",
        2.0 * t1 / t2
    );
}

#[cfg(feature = "sqlite")]
criterion_group!(
    benches,
    warm,
    two_threads,
    cold_memory,
    sqlite::records,
    sqlite::cold_growing
);
#[cfg(not(feature = "sqlite"))]
criterion_group!(benches, warm, two_threads, cold_memory);
criterion_main!(benches);
