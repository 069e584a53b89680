//! A shop's customer service on fieldseal, axum and sqlx over SQLite (issue 15, item 6).
//!
//! - `POST /customers` (JSON): ingest seals a customer with its bundle and stores the sealed
//!   twin's fields as columns.
//! - `GET /fulfillment/customers/{id}`: fulfillment opens its view (name, email, address) with
//!   its own bundle.
//! - `GET /marketing/emails`: marketing reads two columns (id, email) and opens the email
//!   column alone with its own bundle; it cannot open a name or an address.
//! - `GET /admin/keys`: how many times each service's bundle was reloaded.
//!
//! Each service loads its own bundle without blocking the runtime and reloads it when an
//! administrator re-exports it (`ReloadableKeys::watch`). With an audit directory configured,
//! each service records every seal and open in a tamper-evident log of its own, under its own
//! audit key (from its bundle: the keyring needs one, `fieldseal audit rotate-key`).
//!
//! **Three services in one process, for brevity: not how to deploy them.** The split between
//! purposes is only as strong as the boundary between the code holding each bundle: here any
//! client reaching the port can call the fulfillment route and read every name. In production
//! run each service as its own process (its own container or pod) with its own bundle and its
//! own secret (as here: a passphrase per bundle) and authentication in front of its routes, and
//! its audit log (as here: a directory per service).

use std::path::PathBuf;
use std::sync::Arc;
use std::time::Duration;

use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::routing::{get, post};
use axum::{Json, Router};
use fieldseal::audit::{Auditor, FileSink, FileSinkOptions};
use fieldseal::{Passphrase, ReloadableKeys, Seal, WatchHandle};
use serde::Deserialize;
use serde_json::{Value, json};
use sqlx::SqlitePool;

fieldseal::purpose!(pub Fulfillment = "fulfillment");
fieldseal::purpose!(pub Marketing = "marketing");

/// A customer as ingest receives it; the database holds its sealed twin, one column a field.
#[derive(Seal, Deserialize)]
#[seal(id = id, derive(sqlx::FromRow))]
pub struct Customer {
    /// The customer's number.
    id: i64,
    /// For the parcel label.
    #[seal(Fulfillment)]
    name: String,
    /// For shipping notices and newsletters.
    #[seal(Fulfillment, Marketing)]
    email: String,
    /// For the parcel label.
    #[seal(Fulfillment)]
    address: String,
}

/// The email column, as marketing selects it alone.
type Email = fieldseal::Sealed<String, (Fulfillment, Marketing)>;

/// The table of sealed customers: BLOB columns take the binary form of each sealed field.
pub const SCHEMA: &str = "CREATE TABLE IF NOT EXISTS customer (
    id INTEGER PRIMARY KEY, name BLOB NOT NULL, email BLOB NOT NULL, address BLOB NOT NULL)";

/// Where the service finds its database, bundles and each bundle's passphrase.
#[derive(Debug, Clone)]
pub struct Config {
    /// A sqlx SQLite URL, such as `sqlite://shop.sqlite3?mode=rwc`.
    pub database_url: String,
    /// The bundles of services `ingest`, `fulfillment` and `marketing`.
    pub bundles: [PathBuf; 3],
    /// Files whose first line is each bundle's passphrase, in the order of `bundles`: a secret
    /// per service, so that one service's secret opens no other's bundle.
    pub passphrase_files: [PathBuf; 3],
    /// How often the bundle files are checked for a re-export.
    pub reload_every: Duration,
    /// Where each service keeps its audit log (`<dir>/ingest`, `<dir>/fulfillment`,
    /// `<dir>/marketing`), if anywhere: every seal and open, and each bundle loaded, is then an
    /// event, and a service that cannot record refuses to seal or open.
    pub audit_dir: Option<PathBuf>,
}

/// The running service's state.
#[derive(Clone)]
struct Shop {
    db: SqlitePool,
    ingest: Arc<ReloadableKeys>,
    fulfillment: Arc<ReloadableKeys>,
    marketing: Arc<ReloadableKeys>,
}

/// The router, and the watches that reload the bundles (stopped when dropped).
///
/// # Errors
/// A bundle that does not load, or a database that does not open.
pub async fn app(
    config: &Config,
) -> Result<(Router, Vec<WatchHandle>), Box<dyn std::error::Error>> {
    // A bundle file names its own Argon2 cost: one that asks for more than the service's
    // budget (here 256 MiB and 4 passes) is refused before any work, at start-up and at every
    // reload, rather than run by whoever could write the file.
    let [ingest, fulfillment, marketing] = &config.bundles;
    let [ingest_secret, fulfillment_secret, marketing_secret] = &config.passphrase_files;
    let mut watches = Vec::new();
    let mut load = async |path: &PathBuf, service: &str, secret: &PathBuf| {
        let protector = Arc::new(Passphrase::from_file(secret)?.with_max_cost(256 * 1024, 4));
        let mut keys = ReloadableKeys::load_bundle(path, service, protector).await?;
        if let Some(dir) = &config.audit_dir {
            // The service's own audit key, from its bundle: it appends to its own log only.
            let key = keys.audit_key().ok_or_else(|| {
                format!(
                    "the {service} bundle carries no audit key: give the keyring one (fieldseal \
                     audit rotate-key) and export the bundles again"
                )
            })?;
            let sink = FileSink::open(dir.join(service), key, FileSinkOptions::default())?;
            keys = keys.with_auditor(Auditor::new(sink, service))?;
        }
        let keys = Arc::new(keys);
        watches.push(keys.watch(config.reload_every, |outcome| {
            if let Err(e) = outcome {
                eprintln!("bundle not reloaded, the keys in force stay: {e}");
            }
        }));
        Ok::<_, Box<dyn std::error::Error>>(keys)
    };
    let ingest = load(ingest, "ingest", ingest_secret).await?;
    let fulfillment = load(fulfillment, "fulfillment", fulfillment_secret).await?;
    let marketing = load(marketing, "marketing", marketing_secret).await?;
    // Every bundle from the shop's one keyring: a staging bundle put in place of one would seal
    // customers under keys the other services cannot open (later reloads keep to the keyring
    // each started with).
    for (service, keys) in [("fulfillment", &fulfillment), ("marketing", &marketing)] {
        if keys.keyring() != ingest.keyring() {
            return Err(format!(
                "the {service} bundle is of keyring {}, the ingest bundle of keyring {}: \
                 export every bundle from the shop's keyring",
                keys.keyring(),
                ingest.keyring()
            )
            .into());
        }
    }
    let db = SqlitePool::connect(&config.database_url).await?;
    sqlx::query(SCHEMA).execute(&db).await?;
    let shop = Shop {
        db,
        ingest,
        fulfillment,
        marketing,
    };
    let router = Router::new()
        .route("/customers", post(ingest_customer))
        .route("/fulfillment/customers/{id}", get(fulfillment_view))
        .route("/marketing/emails", get(marketing_emails))
        .route("/admin/keys", get(key_generations))
        .with_state(shop);
    Ok((router, watches))
}

/// An error as a status and a message (fieldseal's errors never hold plaintext or keys).
type Reply = Result<(StatusCode, Json<Value>), (StatusCode, String)>;

fn failed(e: impl std::fmt::Display) -> (StatusCode, String) {
    (StatusCode::INTERNAL_SERVER_ERROR, e.to_string())
}

/// A database error: logged, and answered without its text (which names tables and columns).
fn database(e: &sqlx::Error) -> (StatusCode, String) {
    if e.as_database_error()
        .is_some_and(sqlx::error::DatabaseError::is_unique_violation)
    {
        return (
            StatusCode::CONFLICT,
            "this customer exists already".to_owned(),
        );
    }
    eprintln!("database error: {e}");
    (
        StatusCode::INTERNAL_SERVER_ERROR,
        "database error".to_owned(),
    )
}

async fn ingest_customer(State(shop): State<Shop>, Json(customer): Json<Customer>) -> Reply {
    let sealed = customer.seal(&shop.ingest.current()).map_err(failed)?;
    sqlx::query("INSERT INTO customer (id, name, email, address) VALUES ($1, $2, $3, $4)")
        .bind(sealed.id)
        .bind(sealed.name)
        .bind(sealed.email)
        .bind(sealed.address)
        .execute(&shop.db)
        .await
        .map_err(|e| database(&e))?;
    Ok((StatusCode::CREATED, Json(json!({ "id": customer.id }))))
}

async fn fulfillment_view(State(shop): State<Shop>, Path(id): Path<i64>) -> Reply {
    let row: Option<SealedCustomer> = sqlx::query_as("SELECT * FROM customer WHERE id = $1")
        .bind(id)
        .fetch_optional(&shop.db)
        .await
        .map_err(|e| database(&e))?;
    let Some(row) = row else {
        return Err((StatusCode::NOT_FOUND, format!("no customer {id}")));
    };
    // Opened through the key set, whose auditor records the record as one event.
    let keys = shop.fulfillment.current();
    let view = row.open_with::<Fulfillment>(&keys).map_err(failed)?;
    let body =
        json!({ "id": view.id, "name": view.name, "email": view.email, "address": view.address });
    Ok((StatusCode::OK, Json(body)))
}

async fn marketing_emails(State(shop): State<Shop>) -> Reply {
    let rows: Vec<(i64, Email)> = sqlx::query_as("SELECT id, email FROM customer ORDER BY id")
        .fetch_all(&shop.db)
        .await
        .map_err(|e| database(&e))?;
    let keys = shop.marketing.current();
    let mut emails = Vec::with_capacity(rows.len());
    let mut unreadable = 0;
    for (id, email) in &rows {
        // One row this service cannot open (sealed under a version its bundle does not hold yet,
        // during a rotation; a damaged row) is left out and counted, not the whole list failed.
        match SealedCustomer::open_email_column_with::<Marketing, _>(email, id, &keys) {
            Ok(email) => emails.push(json!({ "id": id, "email": email })),
            Err(e) => {
                unreadable += 1;
                eprintln!("marketing cannot open the email of customer {id}: {e}");
            }
        }
    }
    if unreadable > 0 {
        eprintln!("{unreadable} of {} emails left out", rows.len());
    }
    Ok((StatusCode::OK, Json(Value::Array(emails))))
}

async fn key_generations(State(shop): State<Shop>) -> Json<Value> {
    Json(json!({
        "ingest": shop.ingest.generation(),
        "fulfillment": shop.fulfillment.generation(),
        "marketing": shop.marketing.generation(),
    }))
}
