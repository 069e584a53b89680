//! Finding a customer by email without decrypting anything: 100,000 customers sealed with
//! `#[derive(Seal)]`, stored in SQLite (embedded, in memory, no server) with two blind index
//! columns, each under an ordinary SQL index. A lookup asks for the terms of the email it is
//! given (`WHERE email_lookup IN (...)`), opens the candidate rows and compares: a term stands
//! for a value up to collisions, and the narrow 2-byte index collides on purpose (SECURITY.md,
//! "What a blind index reveals").
//!
//! Run it in release mode (sealing 100,000 customers in a debug build is slow):
//!
//! ```sh
//! cargo run --release --example lookup
//! ```

use std::error::Error;
use std::time::Instant;

use fieldseal::normalize::{Email, Normalize};
use fieldseal::{IndexSpec, IndexTerm, KeySet, Keyring, Seal, Sealed, Suite};
use rusqlite::{Connection, params, params_from_iter};

fieldseal::purpose!(Support = "support");

const CUSTOMERS: i64 = 100_000;
/// Lookups timed, per index.
const RUNS: u32 = 1_000;

/// A customer; the email has two lookup columns: a 16-byte index that finds it, and a 2-byte one
/// whose terms are shared by about 1 customer in 65,536 each.
#[derive(Seal)]
#[seal(id = id)]
struct Customer {
    id: i64,
    #[seal(Support)]
    name: String,
    #[seal(Support, index(email_lookup = email), index(email_narrow = email))]
    email: String,
}

fn main() -> Result<(), Box<dyn Error>> {
    let mut keyring = Keyring::generate(Suite::default())?;
    keyring.add_index(IndexSpec::new("email-lookup")?.with_normalizer("email")?)?;
    keyring.add_index(
        IndexSpec::new("email-narrow")?
            .with_width(2)?
            .with_normalizer("email")?,
    )?;
    // The ingest service seals and writes terms; the support service looks customers up and
    // opens what it finds. (One key set serves both here.)
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Support>())
        .with_index(keyring.index_key("email-lookup")?)
        .with_index(keyring.index_key("email-narrow")?);

    let db = Connection::open_in_memory()?;
    db.execute_batch(
        "CREATE TABLE customers (
             id INTEGER PRIMARY KEY,
             name TEXT NOT NULL,
             email TEXT NOT NULL,
             email_lookup BLOB NOT NULL,
             email_narrow BLOB NOT NULL
         );",
    )?;
    let started = Instant::now();
    let tx = db.unchecked_transaction()?;
    {
        let mut insert = tx.prepare(
            "INSERT INTO customers (id, name, email, email_lookup, email_narrow)
             VALUES (?1, ?2, ?3, ?4, ?5)",
        )?;
        for id in 0..CUSTOMERS {
            let row = Customer {
                id,
                name: format!("Customer {id}"),
                email: format!("Customer.{id}@Example.com"),
            }
            .seal(&keys)?;
            insert.execute(params![
                row.id,
                row.name.to_text(),
                row.email.to_text(),
                row.email_lookup.as_bytes(),
                row.email_narrow.as_bytes(),
            ])?;
        }
    }
    tx.commit()?;
    let sealed = started.elapsed();
    let started = Instant::now();
    db.execute_batch(
        "CREATE INDEX customers_email_lookup ON customers (email_lookup);
         CREATE INDEX customers_email_narrow ON customers (email_narrow);",
    )?;
    println!(
        "sealed and stored {CUSTOMERS} customers in {:.2} s; indexed the term columns in {:.2} s",
        sealed.as_secs_f64(),
        started.elapsed().as_secs_f64()
    );

    // Typed at the till, as customers type it.
    let wanted = "  customer.77777@EXAMPLE.COM ";
    for column in ["email_lookup", "email_narrow"] {
        let find = || -> Result<_, Box<dyn Error>> {
            let terms = match column {
                "email_lookup" => SealedCustomer::email_lookup_terms(&keys, wanted)?,
                _ => SealedCustomer::email_narrow_terms(&keys, wanted)?,
            };
            let width = terms[0].mac().len();
            Ok((width, lookup(&db, &keys, column, &terms, wanted)?))
        };
        let (width, (found, candidates)) = find()?;
        // Terms, query, opening and comparing, averaged over many lookups.
        let started = Instant::now();
        for _ in 0..RUNS {
            std::hint::black_box(find()?);
        }
        let each = started.elapsed() / RUNS;
        println!(
            "{column} ({width} bytes): found customer(s) {found:?} in {:.1} µs; {candidates} \
             candidate row(s) opened, {} of them false positives",
            each.as_secs_f64() * 1e6,
            candidates - found.len(),
        );
        assert_eq!(found, [77_777]);
    }
    Ok(())
}

/// The customers whose `column` holds one of `terms` (an ordinary SQL index finds them) and
/// whose email, opened and normalized, is `wanted`'s: the collisions of a truncated term are
/// weeded out here. Returns them, and how many rows were opened.
fn lookup(
    db: &Connection,
    keys: &KeySet,
    column: &str,
    terms: &[IndexTerm],
    wanted: &str,
) -> Result<(Vec<i64>, usize), Box<dyn Error>> {
    let placeholders = vec!["?"; terms.len()].join(", ");
    let mut query = db.prepare(&format!(
        "SELECT id, email FROM customers WHERE {column} IN ({placeholders})"
    ))?;
    let rows = query.query_map(
        params_from_iter(terms.iter().map(IndexTerm::as_bytes)),
        |row| Ok((row.get::<_, i64>(0)?, row.get::<_, String>(1)?)),
    )?;
    let email = Email::new();
    let wanted = email.normalize(wanted)?;
    let support = keys.require::<Support>()?;
    let (mut found, mut candidates) = (Vec::new(), 0);
    for row in rows {
        let (id, sealed) = row?;
        candidates += 1;
        // Opened with the context it was sealed with: record `Customer`, field `email`, its id.
        let ctx = fieldseal::Context::new("Customer", "email").with_id_int(id);
        let opened = Sealed::<String, Support>::from_text(&sealed)?.open(&support, &ctx)?;
        if email.normalize(&opened)? == wanted {
            found.push(id);
        }
    }
    Ok((found, candidates))
}
