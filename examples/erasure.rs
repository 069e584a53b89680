//! Consent, erasure, retention and a partner disclosure, end to end, on a SQLite key vault in a
//! temporary file (subject mode: each customer has their own data key per purpose).
//!
//! Ingest seals three customers; marketing reads the emails it has consent for; Grace withdraws
//! her marketing consent; Ada asks to be forgotten; a year passes and the retention sweep
//! destroys the analytics keys; a partner gets the records of consenting customers only. At the
//! end, the example prints what each service can still read from the stored rows, which were
//! never rewritten.
//!
//! Run it with `cargo run --release --features sqlite --example erasure`.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, UNIX_EPOCH};

use fieldseal::vault::{KeyVault, SqliteVault, Subject, SubjectKeys};
use fieldseal::{Error, KeySet, Keyring, Seal, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing", consent);
fieldseal::purpose!(Analytics = "analytics", retention_days = 365);
fieldseal::purpose!(Acme = "third-party:acme");

/// A customer record: every sealed field under its customer's own keys.
#[derive(Seal, Clone)]
#[seal(subject = id)]
struct Customer {
    id: u64,
    #[seal(Fulfillment)]
    name: String,
    #[seal(Fulfillment, Marketing)]
    email: String,
    #[seal(Analytics)]
    birth_year: u16,
}

/// What Acme receives, sealed in direct mode for Acme's purpose only.
#[derive(Seal)]
#[seal(id = id)]
struct AcmeCustomer {
    id: u64,
    #[seal(Acme)]
    name: String,
    #[seal(Acme)]
    email: String,
}

const DAY: u64 = 24 * 60 * 60;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let dir = std::env::temp_dir().join(format!("fieldseal-erasure-{}", std::process::id()));
    std::fs::create_dir_all(&dir)?;
    let result = run(&dir.join("vault.db"));
    std::fs::remove_dir_all(&dir)?;
    result
}

/// The services of the story, each with its own connection to the vault file (as separate
/// processes would have) and only the purpose keys of its job.
struct Services {
    ingest: SubjectKeys<SqliteVault>,
    privacy: SubjectKeys<SqliteVault>,
    fulfillment: SubjectKeys<SqliteVault>,
    marketing: SubjectKeys<SqliteVault>,
    analytics: SubjectKeys<SqliteVault>,
    partner: SubjectKeys<SqliteVault>,
}

type Outcome<T = ()> = Result<T, Box<dyn std::error::Error>>;

fn run(vault_path: &std::path::Path) -> Outcome {
    let keyring = Keyring::generate(Suite::default())?;
    // One clock for every service, so that the example can let a year pass.
    let now = Arc::new(AtomicU64::new(1_780_000_000));
    let s = services(&keyring, vault_path, &now)?;
    let (ada, grace, linus) = (
        Subject::int(1001u64),
        Subject::int(1002u64),
        Subject::int(1003u64),
    );

    // Consent, as the sign-up forms recorded it: Ada and Grace to the newsletter, Ada and Linus
    // to sharing with Acme.
    let notice = Some("privacy notice v3");
    s.privacy
        .grant(&ada, &Marketing.into(), "sign-up form", notice)?;
    s.privacy
        .grant(&grace, &Marketing.into(), "sign-up form", notice)?;
    s.privacy
        .grant(&ada, &Acme.into(), "partner offers checkbox", notice)?;
    s.privacy
        .grant(&linus, &Acme.into(), "partner offers checkbox", notice)?;

    // Ingest: the database (here a Vec) stores only the sealed twins.
    let database: Vec<String> = customers()
        .iter()
        .map(|c| Ok(serde_json::to_string(&c.seal(&s.ingest)?)?))
        .collect::<Outcome<_>>()?;
    println!(
        "The database holds {} customers, for example:\n{}\n",
        database.len(),
        database[0]
    );
    let rows = || -> Vec<SealedCustomer> {
        database
            .iter()
            .map(|json| serde_json::from_str(json).expect("a sealed customer"))
            .collect()
    };

    println!("Marketing sends the newsletter:");
    for row in rows() {
        println!(
            "  {}: {}",
            row.id,
            shown(row.open_email::<Marketing, _>(&s.marketing))?
        );
    }

    println!("\nGrace withdraws her marketing consent; Ada asks to be forgotten.");
    let withdrawal = s.privacy.withdraw(&grace, &Marketing.into())?;
    println!(
        "  withdrawal: data key generation {:?} destroyed",
        withdrawal.destroyed
    );
    let receipt = s.privacy.forget(&ada)?;
    println!(
        "  erasure receipt: subject 1001 forgotten at {}, keys of {:?} destroyed ({} vault entries)",
        receipt.at, receipt.purposes, receipt.entries_removed
    );

    println!("\nA year and a day later, the retention sweep runs:");
    now.fetch_add(366 * DAY, Ordering::Relaxed);
    for key in s.privacy.sweep()?.destroyed {
        println!(
            "  destroyed {} key generation {} of subject {}, expired at {}",
            key.purpose,
            key.generation,
            subject_name(&key.subject),
            key.expires
        );
    }

    disclose(&s, &keyring, &rows(), &[ada, grace, linus])?;
    report(&s, &rows())
}

fn services(
    keyring: &Keyring,
    vault_path: &std::path::Path,
    now: &Arc<AtomicU64>,
) -> Outcome<Services> {
    let clock = {
        let now = Arc::clone(now);
        move || UNIX_EPOCH + Duration::from_secs(now.load(Ordering::Relaxed))
    };
    // A cache time to live of zero makes every service see the others' changes at once; the
    // default (60 s) trades that for speed (SECURITY.md).
    let service = |keys: KeySet| -> Result<SubjectKeys<SqliteVault>, Error> {
        Ok(
            SubjectKeys::new(SqliteVault::open(vault_path)?, keys, keyring.id())?
                .with_clock(clock.clone())
                .with_cache(1024, Duration::ZERO),
        )
    };
    Ok(Services {
        ingest: service(
            KeySet::new()
                .with(keyring.purpose_key::<Fulfillment>())
                .with(keyring.purpose_key::<Marketing>())
                .with(keyring.purpose_key::<Analytics>()),
        )?,
        privacy: service(KeySet::new().with(keyring.purpose_key::<Acme>()))?,
        fulfillment: service(KeySet::new().with(keyring.purpose_key::<Fulfillment>()))?,
        marketing: service(KeySet::new().with(keyring.purpose_key::<Marketing>()))?,
        analytics: service(KeySet::new().with(keyring.purpose_key::<Analytics>()))?,
        partner: service(
            KeySet::new()
                .with(keyring.purpose_key::<Fulfillment>())
                .with(keyring.purpose_key::<Acme>()),
        )?,
    })
}

/// Acme asks for three customers' records: only those whose consent stands are handed over.
fn disclose(
    s: &Services,
    keyring: &Keyring,
    rows: &[SealedCustomer],
    asked: &[Subject<'_>],
) -> Outcome {
    println!("\nAcme asks for the records of customers 1001 to 1003:");
    // Acme holds a bundle with its own purpose key: what it receives is sealed for it alone.
    let acme_keys = KeySet::new().with(keyring.purpose_key::<Acme>());
    let disclosure = s
        .partner
        .disclose(&Acme.into(), &["name", "email"], asked, |subject| {
            // The partner's record: opened for fulfillment, sealed in direct mode for Acme.
            let row = rows
                .iter()
                .find(|row| row.with_subject(|s| s == subject))
                .expect("a stored customer");
            let record = AcmeCustomer {
                id: row.id,
                name: row.open_name::<Fulfillment, _>(&s.partner)?,
                email: row.open_email::<Fulfillment, _>(&s.partner)?,
            };
            Ok(serde_json::to_string(&record.seal(&acme_keys)?).expect("serializes"))
        })?;
    for line in &disclosure.records {
        println!("  handed over: {line}");
    }
    println!(
        "  left out (no consent, or forgotten): {}",
        disclosure.record.withheld
    );
    for logged in s.partner.disclosures(Some(&Acme.into()))? {
        for s in &logged.subjects {
            println!(
                "  disclosure log: {} at {}, fields {:?}, subject {} relying on consent from {:?} ({})",
                logged.partner,
                logged.at,
                logged.fields,
                subject_name(&s.subject),
                s.consent.source,
                s.consent.reference.as_deref().unwrap_or("no reference")
            );
        }
    }

    Ok(())
}

/// What each service can still read, from the rows as they were stored.
fn report(s: &Services, rows: &[SealedCustomer]) -> Outcome {
    println!("\nWhat each service can read now, from the same stored rows:");
    for row in rows {
        println!("  customer {}:", row.id);
        println!(
            "    fulfillment  name:       {}",
            shown(row.open_name::<Fulfillment, _>(&s.fulfillment))?
        );
        println!(
            "    marketing    email:      {}",
            shown(row.open_email::<Marketing, _>(&s.marketing))?
        );
        println!(
            "    analytics    birth year: {}",
            shown(row.open_birth_year::<Analytics, _>(&s.analytics))?
        );
    }
    let stats = s.privacy.vault().stats()?;
    println!(
        "\nThe vault file holds {} live keys of {} customers; {} keys destroyed, {} customer forgotten.",
        stats.live_keys, stats.subjects, stats.destroyed_keys, stats.erased_subjects
    );
    println!("\nThe erasure log:");
    for receipt in s.privacy.erasures()? {
        println!(
            "  subject {} forgotten at {}: {:?}",
            subject_name(&receipt.subject),
            receipt.at,
            receipt.purposes
        );
    }
    Ok(())
}

/// A value opened, or why the customer's choices keep the service from reading it; any other
/// error ends the example.
fn shown<T: std::fmt::Display>(opened: Result<T, Error>) -> Result<String, Error> {
    Ok(match opened {
        Ok(value) => value.to_string(),
        Err(Error::NoConsentCopy { .. }) => "(withheld: no consent when it was sealed)".into(),
        Err(Error::ConsentWithdrawn { .. }) => "(unreadable: consent withdrawn)".into(),
        Err(Error::SubjectErased { .. }) => "(unreadable: customer forgotten)".into(),
        Err(Error::RetentionExpired { .. }) => "(unreadable: retention period over)".into(),
        Err(other) => return Err(other),
    })
}

/// A subject's integer id, from its 16 bytes.
fn subject_name(bytes: &[u8]) -> String {
    <[u8; 16]>::try_from(bytes).map_or_else(
        |_| format!("{bytes:02x?}"),
        |b| i128::from_be_bytes(b).to_string(),
    )
}

fn customers() -> Vec<Customer> {
    [
        (1001, "Ada Lovelace", "ada@example.com", 1815),
        (1002, "Grace Hopper", "grace@example.com", 1906),
        (1003, "Linus Pauling", "linus@example.com", 1901),
    ]
    .into_iter()
    .map(|(id, name, email, birth_year)| Customer {
        id,
        name: name.into(),
        email: email.into(),
        birth_year,
    })
    .collect()
}
