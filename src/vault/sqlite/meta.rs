//! The vault's keyring binding (table `meta`) and its counts (FORMAT.md §15.5).

use rusqlite::{Connection, TransactionBehavior};

use crate::keyring::KeyringId;
use crate::vault::records::VaultStats;
use crate::vault::sqlite::error::{Fail, corrupt};
use crate::vault::sqlite::rows::Col;

/// The keyring the vault is bound to, if it is.
pub(super) fn keyring(conn: &Connection) -> Result<Option<KeyringId>, Fail> {
    let mut statement = conn.prepare_cached("SELECT value FROM meta WHERE name = 'keyring'")?;
    let mut found = statement.query([])?;
    let Some(row) = found.next()? else {
        return Ok(None);
    };
    let bytes = Col::new("meta", "value", 0).blob(row)?;
    let id = <[u8; 16]>::try_from(bytes.as_slice())
        .map_err(|_| corrupt("the `keyring` of table `meta` is not 16 bytes"))?;
    Ok(Some(KeyringId::from_bytes(id)))
}

/// [`KeyVault::bind_keyring`](crate::vault::KeyVault::bind_keyring): a bound vault is only read
/// (so a read-only vault binds), an unbound one is bound under the write lock.
pub(super) fn bind_keyring(conn: &mut Connection, id: KeyringId) -> Result<KeyringId, Fail> {
    if let Some(bound) = keyring(conn)? {
        return Ok(bound);
    }
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    if let Some(bound) = keyring(&tx)? {
        return Ok(bound);
    }
    tx.execute(
        "INSERT INTO meta (name, value) VALUES ('keyring', ?1)",
        [&id.as_bytes()[..]],
    )?;
    tx.commit()?;
    Ok(id)
}

/// [`KeyVault::stats`](crate::vault::KeyVault::stats): counts every table (an administrator's
/// call, not a hot path).
pub(super) fn stats(conn: &Connection) -> Result<VaultStats, Fail> {
    let mut statement = conn.prepare_cached(
        "SELECT (SELECT count(*) FROM (SELECT subject FROM slots UNION SELECT subject FROM consents)),
                (SELECT count(*) FROM slots WHERE wrapped IS NOT NULL),
                (SELECT count(*) FROM slots WHERE wrapped IS NULL),
                (SELECT count(*) FROM consents WHERE withdrawn IS NULL),
                (SELECT count(*) FROM erasures),
                (SELECT count(*) FROM disclosures)",
    )?;
    let mut found = statement.query([])?;
    let row = found
        .next()?
        .ok_or_else(|| corrupt("the counts of the vault's tables are missing"))?;
    let count = |i| Col::new("(counts)", "count(*)", i).u64(row);
    Ok(VaultStats {
        subjects: count(0)?,
        live_keys: count(1)?,
        destroyed_keys: count(2)?,
        active_consents: count(3)?,
        erased_subjects: count(4)?,
        disclosures: count(5)?,
    })
}
