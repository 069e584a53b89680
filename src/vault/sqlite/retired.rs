//! Root key versions retired in the vault (table `retired_versions`, FORMAT.md §15.5): recorded
//! atomically with a count of the keys still wrapped under them, and checked before a key is
//! stored or rewrapped under one.

use rusqlite::{Connection, OptionalExtension as _};

use crate::vault::records::VersionRetirement;
use crate::vault::sqlite::error::Fail;
use crate::vault::sqlite::rows::Col;

/// [`KeyVault::retire_version`](crate::vault::KeyVault::retire_version), inside a write
/// transaction: no key can be created between the count and the record.
pub(super) fn retire(conn: &Connection, version: u32) -> Result<VersionRetirement, Fail> {
    let keys: i64 = conn.query_row(
        "SELECT count(*) FROM slots WHERE wrapped IS NOT NULL AND key_version = ?1",
        [version],
        |r| r.get(0),
    )?;
    if keys > 0 {
        return Ok(VersionRetirement::InUse {
            keys: keys.unsigned_abs(),
        });
    }
    conn.execute(
        "INSERT INTO retired_versions (version) VALUES (?1) ON CONFLICT DO NOTHING",
        [version],
    )?;
    Ok(VersionRetirement::Retired)
}

/// Whether `version` was retired.
pub(super) fn is_retired(conn: &Connection, version: u32) -> Result<bool, Fail> {
    let mut statement = conn.prepare_cached("SELECT 1 FROM retired_versions WHERE version = ?1")?;
    Ok(statement
        .query_row([version], |_| Ok(()))
        .optional()?
        .is_some())
}

/// [`KeyVault::retired_versions`](crate::vault::KeyVault::retired_versions): none in a vault of
/// schema version 1, opened read-only (no version was retired in it).
pub(super) fn all(conn: &Connection) -> Result<Vec<u32>, Fail> {
    let tables: i64 = conn.query_row(
        "SELECT count(*) FROM sqlite_schema WHERE type = 'table' AND name = 'retired_versions'",
        [],
        |r| r.get(0),
    )?;
    if tables == 0 {
        return Ok(Vec::new());
    }
    let mut statement =
        conn.prepare_cached("SELECT version FROM retired_versions ORDER BY version")?;
    let mut found = statement.query([])?;
    let mut versions = Vec::new();
    while let Some(row) = found.next()? {
        versions.push(Col::new("retired_versions", "version", 0).u32(row)?);
    }
    Ok(versions)
}
