//! The vault's tables (FORMAT.md §15.5), created and migrated by the library: the file says it is
//! a fieldseal key vault (`application_id`) and which schema version it holds (`meta`), and a
//! newer version than this library's is refused rather than misread.

use rusqlite::{Connection, OptionalExtension as _, TransactionBehavior};

use crate::error::VaultError;
use crate::vault::sqlite::error::{Fail, corrupt};

/// The schema version this library reads and writes.
pub(super) const SCHEMA_VERSION: u32 = 2;

/// `PRAGMA application_id` of a key vault file: "FSKV".
pub(super) const APPLICATION_ID: i32 = 0x4653_4B56;

/// Version 1: every table and index of FORMAT.md §15.5.
const VERSION_1: &str = "
CREATE TABLE meta (
    name  TEXT NOT NULL PRIMARY KEY,
    value NOT NULL
) WITHOUT ROWID;

CREATE TABLE slots (
    subject              BLOB    NOT NULL,
    purpose              TEXT    NOT NULL,
    generation           INTEGER NOT NULL,
    key_version          INTEGER,
    created              INTEGER,
    expires              INTEGER,
    wrapped              BLOB,
    destroyed_generation INTEGER,
    destroyed_reason     TEXT,
    destroyed_at         INTEGER,
    PRIMARY KEY (subject, purpose)
) WITHOUT ROWID;
CREATE INDEX slots_expiry ON slots (expires)
    WHERE wrapped IS NOT NULL AND expires IS NOT NULL;

CREATE TABLE consents (
    subject   BLOB    NOT NULL,
    purpose   TEXT    NOT NULL,
    granted   INTEGER NOT NULL,
    source    TEXT    NOT NULL,
    reference TEXT,
    withdrawn INTEGER,
    PRIMARY KEY (subject, purpose)
) WITHOUT ROWID;

CREATE TABLE erasures (
    seq             INTEGER PRIMARY KEY,
    subject         BLOB    NOT NULL UNIQUE,
    at              INTEGER NOT NULL,
    entries_removed INTEGER NOT NULL
);
CREATE TABLE erasure_purposes (
    erasure INTEGER NOT NULL REFERENCES erasures (seq),
    purpose TEXT    NOT NULL,
    PRIMARY KEY (erasure, purpose)
) WITHOUT ROWID;

CREATE TABLE disclosures (
    seq      INTEGER PRIMARY KEY,
    partner  TEXT    NOT NULL,
    at       INTEGER NOT NULL,
    withheld INTEGER NOT NULL
);
CREATE INDEX disclosures_partner ON disclosures (partner);
CREATE TABLE disclosure_fields (
    disclosure INTEGER NOT NULL REFERENCES disclosures (seq),
    position   INTEGER NOT NULL,
    field      TEXT    NOT NULL,
    PRIMARY KEY (disclosure, position)
) WITHOUT ROWID;
CREATE TABLE disclosed_subjects (
    disclosure      INTEGER NOT NULL REFERENCES disclosures (seq),
    position        INTEGER NOT NULL,
    subject         BLOB    NOT NULL,
    consent_subject BLOB    NOT NULL,
    consent_purpose TEXT    NOT NULL,
    granted         INTEGER NOT NULL,
    source          TEXT    NOT NULL,
    reference       TEXT,
    withdrawn       INTEGER,
    PRIMARY KEY (disclosure, position)
) WITHOUT ROWID;
";

/// Version 2: the root key versions retired in the vault, under which no key is stored again.
const VERSION_2: &str = "
CREATE TABLE retired_versions (
    version INTEGER NOT NULL PRIMARY KEY
) WITHOUT ROWID;
";

/// The steps from each version to the next: `MIGRATIONS[v]` takes version `v` to `v + 1`
/// (version 0 is an empty file).
const MIGRATIONS: [&str; SCHEMA_VERSION as usize] = [VERSION_1, VERSION_2];

/// Creates the current schema in `conn` (an empty database), for unit tests.
#[cfg(test)]
pub(super) fn create_for_tests(conn: &Connection) {
    for step in MIGRATIONS {
        conn.execute_batch(step).unwrap();
    }
}

/// Which schema the file holds: `None` for an empty database (a new vault).
fn version(conn: &Connection) -> Result<Option<u32>, Fail> {
    let id: i32 = conn.query_row("PRAGMA application_id", [], |r| r.get(0))?;
    if id == 0 {
        let objects: i64 =
            conn.query_row("SELECT count(*) FROM sqlite_schema", [], |r| r.get(0))?;
        return if objects == 0 {
            Ok(None)
        } else {
            Err(not_a_vault())
        };
    }
    if id != APPLICATION_ID {
        return Err(not_a_vault());
    }
    let value: Option<i64> = conn
        .query_row(
            "SELECT value FROM meta WHERE name = 'schema_version'",
            [],
            |r| r.get(0),
        )
        .optional()
        .map_err(|e| match e {
            rusqlite::Error::InvalidColumnType(..) => {
                corrupt("`schema_version` of table `meta` is not an integer")
            }
            e => Fail::Sql(e),
        })?;
    match value.map(u32::try_from) {
        Some(Ok(v)) if v > 0 => Ok(Some(v)),
        _ => Err(corrupt(
            "`schema_version` of table `meta` is missing or not a version",
        )),
    }
}

fn not_a_vault() -> Fail {
    Fail::Refused(
        "this SQLite database is not a fieldseal key vault (it holds other tables); give the path \
         of the vault's own file, or of a new file"
            .to_owned(),
    )
}

fn newer(found: u32) -> Fail {
    Fail::Vault(VaultError::NewerSchema {
        found,
        supported: SCHEMA_VERSION,
    })
}

/// Checks, before anything is written, that the file is a vault this library can read (or an
/// empty database): another application's database or a newer schema is refused unchanged.
/// Returns the version found (`None`: empty). A read-only vault must hold a schema: the current
/// one, or an older one, whose tables read as the current ones (what a table added since would
/// hold, the older vault never held).
pub(super) fn check(conn: &Connection, read_only: bool) -> Result<Option<u32>, Fail> {
    // One read transaction: the file's id and its tables from one snapshot, or a schema another
    // connection commits in between would make a new vault look like another application's.
    let snapshot = conn.unchecked_transaction()?;
    let found = version(&snapshot)?;
    snapshot.commit()?;
    match found {
        Some(found) if found > SCHEMA_VERSION => Err(newer(found)),
        Some(SCHEMA_VERSION) => Ok(Some(SCHEMA_VERSION)),
        Some(older) if read_only => Ok(Some(older)),
        _ if read_only => Err(Fail::Vault(VaultError::ReadOnly {
            action: "create the vault's schema (open it writable once)",
        })),
        found => Ok(found),
    }
}

/// Creates the schema in an empty database or migrates an older one, under the write lock
/// (another process may be doing the same at the same moment: whoever comes second finds it done).
pub(super) fn prepare(conn: &mut Connection) -> Result<(), Fail> {
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let from = match version(&tx)? {
        Some(SCHEMA_VERSION) => return Ok(()),
        Some(found) if found > SCHEMA_VERSION => return Err(newer(found)),
        found => found.unwrap_or(0),
    };
    for step in &MIGRATIONS[from as usize..] {
        tx.execute_batch(step)?;
    }
    tx.pragma_update(None, "application_id", APPLICATION_ID)?;
    tx.execute(
        "INSERT INTO meta (name, value) VALUES ('schema_version', ?1)
         ON CONFLICT (name) DO UPDATE SET value = excluded.value",
        [SCHEMA_VERSION],
    )?;
    tx.commit()?;
    Ok(())
}
