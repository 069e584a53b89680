//! The data key slots of table `slots` (FORMAT.md §15.5): reading a subject's state in one query,
//! creating a key atomically with its checks, destroying, expiring, walking and rewrapping keys.
//! Each function runs inside the caller's transaction.

use rusqlite::{Connection, Row, params};

use crate::error::VaultError;
use crate::vault::records::{
    ConsentRecord, Created, DestroyReason, Destruction, ExpiredKey, KeyCursor, KeySlot, Refusal,
    StoredKey, SubjectState, VersionCount, consent_refuses,
};
use crate::vault::sqlite::error::{Fail, corrupt};
use crate::vault::sqlite::retired;
use crate::vault::sqlite::rows::{self, Col};

/// Everything the vault holds on one subject, in one statement: its erasure, its slots and its
/// consents, each found through a primary key or unique index. Columns: kind (0 erasure, 1 slot,
/// 2 consent), purpose, then the kind's own columns.
const READ_SUBJECT: &str = "
SELECT 0, NULL, at, NULL, NULL, NULL, NULL, NULL, NULL, NULL
    FROM erasures WHERE subject = ?1
UNION ALL
SELECT 1, purpose, generation, key_version, created, expires, wrapped,
       destroyed_generation, destroyed_reason, destroyed_at
    FROM slots WHERE subject = ?1
UNION ALL
SELECT 2, purpose, granted, withdrawn, NULL, NULL, NULL, NULL, source, reference
    FROM consents WHERE subject = ?1";

/// Destroys the live key of (subject ?1, purpose ?2) for reason ?3 at time ?4.
const DESTROY: &str = "
UPDATE slots SET destroyed_generation = generation, destroyed_reason = ?3, destroyed_at = ?4,
                 key_version = NULL, created = NULL, expires = NULL, wrapped = NULL
    WHERE subject = ?1 AND purpose = ?2 AND wrapped IS NOT NULL
    RETURNING generation";

/// Makes a key live in its slot, keeping the slot's latest destruction.
const INSERT_LIVE: &str = "
INSERT INTO slots (subject, purpose, generation, key_version, created, expires, wrapped)
    VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)
    ON CONFLICT (subject, purpose) DO UPDATE SET
        generation = excluded.generation, key_version = excluded.key_version,
        created = excluded.created, expires = excluded.expires, wrapped = excluded.wrapped";

/// Up to ?2 live keys whose retention ended at or before ?1, through `slots_expiry`.
const EXPIRED: &str = "
SELECT subject, purpose, generation, expires FROM slots
    WHERE wrapped IS NOT NULL AND expires IS NOT NULL AND expires <= ?1
    ORDER BY expires LIMIT ?2";

/// The first ?1 live keys, in (subject, purpose) order.
const LIVE_KEYS: &str = "
SELECT subject, purpose, generation, key_version, created, expires, wrapped FROM slots
    WHERE wrapped IS NOT NULL ORDER BY subject, purpose LIMIT ?1";

/// Up to ?3 live keys after (subject ?1, purpose ?2), through the primary key.
const LIVE_KEYS_AFTER: &str = "
SELECT subject, purpose, generation, key_version, created, expires, wrapped FROM slots
    WHERE (subject, purpose) > (?1, ?2) AND wrapped IS NOT NULL
    ORDER BY subject, purpose LIMIT ?3";

/// Replaces the wrap of a live key if it is still generation ?3 under key version ?4.
const REWRAP: &str = "
UPDATE slots SET key_version = ?5, wrapped = ?6
    WHERE subject = ?1 AND purpose = ?2 AND wrapped IS NOT NULL
          AND generation = ?3 AND key_version = ?4";

/// A live key from the columns of [`LIVE_KEYS`], starting at column `at`.
fn live_key(row: &Row<'_>, at: usize, subject: Option<&[u8]>) -> Result<Option<StoredKey>, Fail> {
    let col = |name, i| Col::new("slots", name, at + i);
    let Some(wrapped) = col("wrapped", 6).opt_wrapped(row)? else {
        return Ok(None);
    };
    Ok(Some(StoredKey {
        subject: match subject {
            Some(s) => s.to_vec(),
            None => col("subject", 0).subject(row)?,
        },
        purpose: col("purpose", 1).purpose(row)?,
        generation: col("generation", 2).generation(row)?,
        key_version: col("key_version", 3).u32(row)?,
        created: col("created", 4).u64(row)?,
        expires: col("expires", 5).opt_u64(row)?,
        wrapped,
    }))
}

/// One row of [`READ_SUBJECT`] of kind 1: a slot.
fn slot(row: &Row<'_>, subject: &[u8]) -> Result<KeySlot, Fail> {
    let col = |name, i| Col::new("slots", name, i);
    let latest = rows::destruction(
        row,
        col("destroyed_generation", 7),
        col("destroyed_reason", 8),
        col("destroyed_at", 9),
    )?;
    // Columns 1 to 6 are those of LIVE_KEYS but the subject: read from 0 with it given.
    if let Some(key) = live_key(row, 0, Some(subject))? {
        return Ok(KeySlot::Live {
            key,
            previous: latest,
        });
    }
    let generation = col("generation", 2).generation(row)?;
    match latest {
        Some(d) if d.generation == generation => Ok(KeySlot::Destroyed(d)),
        _ => Err(corrupt(
            "a slot of table `slots` has neither a live key nor the destruction of its generation",
        )),
    }
}

/// One row of [`READ_SUBJECT`] of kind 2: a consent.
fn consent(row: &Row<'_>, subject: &[u8], purpose: String) -> Result<ConsentRecord, Fail> {
    let col = |name, i| Col::new("consents", name, i);
    Ok(ConsentRecord {
        subject: subject.to_vec(),
        purpose,
        granted: col("granted", 2).u64(row)?,
        withdrawn: col("withdrawn", 3).opt_u64(row)?,
        source: col("source", 8).text(row)?,
        reference: col("reference", 9).opt_text(row)?,
    })
}

/// What the vault holds for `subject` and `purposes` (in the order asked), as
/// [`KeyVault::read`](crate::vault::KeyVault::read) answers.
pub(super) fn read(
    conn: &Connection,
    subject: &[u8],
    purposes: &[&str],
) -> Result<SubjectState, Fail> {
    let mut statement = conn.prepare_cached(READ_SUBJECT)?;
    let mut found = statement.query([subject])?;
    let mut erased = None;
    let mut slots: Vec<(String, KeySlot)> = Vec::new();
    let mut consents: Vec<ConsentRecord> = Vec::new();
    while let Some(row) = found.next()? {
        let kind: i64 = row.get(0)?;
        if kind == 0 {
            erased = Some(Col::new("erasures", "at", 2).u64(row)?);
            continue;
        }
        let purpose = Col::new(if kind == 1 { "slots" } else { "consents" }, "purpose", 1);
        let purpose = purpose.text(row)?;
        if !purposes.contains(&purpose.as_str()) {
            continue;
        }
        if kind == 1 {
            slots.push((purpose.clone(), slot(row, subject)?));
        } else {
            consents.push(consent(row, subject, purpose)?);
        }
    }
    if let Some(at) = erased {
        return Ok(SubjectState {
            erased: Some(at),
            slots: Vec::new(),
            consents: Vec::new(),
        });
    }
    let slot_of = |p: &str| {
        slots
            .iter()
            .find(|(name, _)| name == p)
            .map_or(KeySlot::Empty, |(_, slot)| slot.clone())
    };
    Ok(SubjectState {
        erased: None,
        slots: purposes
            .iter()
            .map(|p| ((*p).to_owned(), slot_of(p)))
            .collect(),
        consents: purposes
            .iter()
            .filter_map(|p| consents.iter().find(|c| c.purpose == *p).cloned())
            .collect(),
    })
}

/// Destroys the live key of (subject, purpose), if there is one: its wrapped bytes are removed
/// (and, with `secure_delete`, overwritten in the page); returns its generation.
pub(super) fn destroy(
    conn: &Connection,
    subject: &[u8],
    purpose: &str,
    reason: DestroyReason,
    at: u64,
) -> Result<Option<u32>, Fail> {
    let mut statement = conn.prepare_cached(DESTROY)?;
    let mut destroyed = statement.query(params![
        subject,
        purpose,
        reason.as_str(),
        rows::int(at, "the time")?
    ])?;
    match destroyed.next()? {
        Some(row) => Col::new("slots", "generation", 0).generation(row).map(Some),
        None => Ok(None),
    }
}

/// [`KeyVault::create`](crate::vault::KeyVault::create), inside a write transaction, which the
/// caller commits whatever the answer (an expired key destroyed before a refusal stays destroyed,
/// as a sweep would have done). Also says whether it destroyed an expired key (the caller then
/// checkpoints the WAL, as after any destruction).
pub(super) fn create(
    conn: &Connection,
    key: &StoredKey,
    requires_consent: bool,
    now: u64,
) -> Result<(Created, bool), Fail> {
    let state = read(conn, &key.subject, &[&key.purpose])?;
    if let Some(at) = state.erased {
        return Ok((Created::Refused(Refusal::Erased { at }), false));
    }
    let mut destroyed = false;
    let mut slot = state
        .slots
        .into_iter()
        .next()
        .map_or(KeySlot::Empty, |(_, slot)| slot);
    if let KeySlot::Live { key: live, .. } = &slot {
        if live.expires.is_none_or(|e| e > now) {
            return Ok((Created::Existing(live.clone()), false));
        }
        let generation = live.generation;
        destroy(
            conn,
            &key.subject,
            &key.purpose,
            DestroyReason::Expired,
            now,
        )?;
        destroyed = true;
        slot = KeySlot::Destroyed(Destruction {
            generation,
            reason: DestroyReason::Expired,
            at: now,
        });
    }
    if consent_refuses(requires_consent, state.consents.first()) {
        return Ok((Created::Refused(Refusal::NoConsent), destroyed));
    }
    let last = slot.last_generation();
    if key.generation != last.wrapping_add(1) {
        return Ok((
            Created::Refused(Refusal::GenerationMoved { last }),
            destroyed,
        ));
    }
    if retired::is_retired(conn, key.key_version)? {
        let version = key.key_version;
        return Ok((
            Created::Refused(Refusal::VersionRetired { version }),
            destroyed,
        ));
    }
    let mut insert = conn.prepare_cached(INSERT_LIVE)?;
    insert.execute(params![
        key.subject,
        key.purpose,
        key.generation,
        key.key_version,
        rows::int(key.created, "the key's creation time")?,
        key.expires
            .map(|e| rows::int(e, "the key's expiry time"))
            .transpose()?,
        &key.wrapped[..],
    ])?;
    Ok((Created::Inserted, destroyed))
}

/// [`KeyVault::expire`](crate::vault::KeyVault::expire), inside a write transaction: the keys
/// expired longest ago first.
pub(super) fn expire(conn: &Connection, now: u64, limit: usize) -> Result<Vec<ExpiredKey>, Fail> {
    let mut due = conn.prepare_cached(EXPIRED)?;
    let mut found = due.query(params![rows::int(now, "the time")?, rows::count(limit)])?;
    let mut keys = Vec::new();
    while let Some(row) = found.next()? {
        let col = |name, i| Col::new("slots", name, i);
        keys.push(ExpiredKey {
            subject: col("subject", 0).subject(row)?,
            purpose: col("purpose", 1).purpose(row)?,
            generation: col("generation", 2).generation(row)?,
            expires: col("expires", 3).u64(row)?,
        });
    }
    drop(found);
    for key in &keys {
        destroy(
            conn,
            &key.subject,
            &key.purpose,
            DestroyReason::Expired,
            now,
        )?;
    }
    Ok(keys)
}

/// [`KeyVault::keys_after`](crate::vault::KeyVault::keys_after): live keys in (subject, purpose)
/// order, through the primary key.
pub(super) fn keys_after(
    conn: &Connection,
    after: Option<&KeyCursor>,
    limit: usize,
) -> Result<Vec<StoredKey>, Fail> {
    let limit = rows::count(limit);
    let mut keys = Vec::new();
    let mut push = |row: &Row<'_>| -> Result<(), Fail> {
        keys.extend(live_key(row, 0, None)?);
        Ok(())
    };
    if let Some(after) = after {
        let mut statement = conn.prepare_cached(LIVE_KEYS_AFTER)?;
        let mut found = statement.query(params![after.subject, after.purpose, limit])?;
        while let Some(row) = found.next()? {
            push(row)?;
        }
    } else {
        let mut statement = conn.prepare_cached(LIVE_KEYS)?;
        let mut found = statement.query([limit])?;
        while let Some(row) = found.next()? {
            push(row)?;
        }
    }
    Ok(keys)
}

/// [`KeyVault::rewrap`](crate::vault::KeyVault::rewrap), inside a write transaction: a
/// compare-and-swap, unless the new version was retired.
pub(super) fn rewrap(conn: &Connection, old: &StoredKey, new: &StoredKey) -> Result<bool, Fail> {
    if retired::is_retired(conn, new.key_version)? {
        return Err(Fail::Vault(VaultError::VersionRetired {
            version: new.key_version,
        }));
    }
    let mut statement = conn.prepare_cached(REWRAP)?;
    let changed = statement.execute(params![
        old.subject,
        old.purpose,
        old.generation,
        old.key_version,
        new.key_version,
        &new.wrapped[..],
    ])?;
    Ok(changed == 1)
}

/// [`KeyVault::key_versions`](crate::vault::KeyVault::key_versions).
pub(super) fn key_versions(conn: &Connection) -> Result<Vec<VersionCount>, Fail> {
    let mut statement = conn.prepare_cached(
        "SELECT purpose, key_version, count(*) FROM slots WHERE wrapped IS NOT NULL
         GROUP BY purpose, key_version ORDER BY purpose, key_version",
    )?;
    let mut found = statement.query([])?;
    let mut counts = Vec::new();
    while let Some(row) = found.next()? {
        let col = |name, i| Col::new("slots", name, i);
        counts.push(VersionCount {
            purpose: col("purpose", 0).purpose(row)?,
            key_version: col("key_version", 1).u32(row)?,
            keys: col("count(*)", 2).u64(row)?,
        });
    }
    Ok(counts)
}

#[cfg(test)]
mod tests {
    use rusqlite::Connection;

    use super::{DESTROY, EXPIRED, INSERT_LIVE, LIVE_KEYS_AFTER, READ_SUBJECT, REWRAP};
    use crate::vault::sqlite::schema;

    /// Sealing and opening reach a slot through an index, never by scanning a table: their cost
    /// does not grow with the vault.
    #[test]
    fn hot_statements_use_keys_not_scans() {
        let conn = Connection::open_in_memory().unwrap();
        schema::create_for_tests(&conn);
        for sql in [
            READ_SUBJECT,
            DESTROY,
            INSERT_LIVE,
            EXPIRED,
            LIVE_KEYS_AFTER,
            REWRAP,
        ] {
            let mut plan = conn.prepare(&format!("EXPLAIN QUERY PLAN {sql}")).unwrap();
            let params = std::iter::repeat_n(0, plan.parameter_count());
            let steps: Vec<String> = plan
                .query_map(rusqlite::params_from_iter(params), |r| r.get(3))
                .unwrap()
                .map(Result::unwrap)
                .collect();
            // An INSERT has no plan of its own (its conflict check goes through the key).
            assert!(!steps.is_empty() || sql.contains("INSERT INTO"), "{sql}");
            for step in &steps {
                let scans = step.starts_with("SCAN") || step.contains("TEMP B-TREE");
                assert!(!scans, "{sql}: {steps:?}");
            }
        }
    }
}
