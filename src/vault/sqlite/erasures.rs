//! Forgetting subjects and the erasure log (tables `erasures`, `erasure_purposes`, FORMAT.md
//! §15.5).

use rusqlite::{Connection, params};

use crate::vault::records::ErasureReceipt;
use crate::vault::sqlite::error::Fail;
use crate::vault::sqlite::rows::{self, Col};

/// When `subject` was forgotten, if it was.
pub(super) fn erased_at(conn: &Connection, subject: &[u8]) -> Result<Option<u64>, Fail> {
    let mut statement = conn.prepare_cached("SELECT at FROM erasures WHERE subject = ?1")?;
    let mut found = statement.query([subject])?;
    match found.next()? {
        Some(row) => Col::new("erasures", "at", 0).u64(row).map(Some),
        None => Ok(None),
    }
}

/// The purposes of erasure `seq`, in order.
fn purposes(conn: &Connection, seq: i64) -> Result<Vec<String>, Fail> {
    let mut statement = conn.prepare_cached(
        "SELECT purpose FROM erasure_purposes WHERE erasure = ?1 ORDER BY purpose",
    )?;
    let mut found = statement.query([seq])?;
    let mut purposes = Vec::new();
    while let Some(row) = found.next()? {
        purposes.push(Col::new("erasure_purposes", "purpose", 0).purpose(row)?);
    }
    Ok(purposes)
}

/// The receipt of `subject`'s erasure, if it was forgotten.
fn receipt(conn: &Connection, subject: &[u8]) -> Result<Option<ErasureReceipt>, Fail> {
    let mut statement =
        conn.prepare_cached("SELECT seq, at, entries_removed FROM erasures WHERE subject = ?1")?;
    let mut found = statement.query([subject])?;
    let Some(row) = found.next()? else {
        return Ok(None);
    };
    let col = |name, i| Col::new("erasures", name, i);
    let seq: i64 = row.get(0)?;
    Ok(Some(ErasureReceipt {
        subject: subject.to_vec(),
        at: col("at", 1).u64(row)?,
        purposes: purposes(conn, seq)?,
        entries_removed: col("entries_removed", 2).u64(row)?,
    }))
}

/// [`KeyVault::forget`](crate::vault::KeyVault::forget), inside a write transaction: removes the
/// subject's slots (their wrapped keys overwritten in the page, with `secure_delete`) and
/// consents, and logs the receipt.
pub(super) fn forget(conn: &Connection, subject: &[u8], at: u64) -> Result<ErasureReceipt, Fail> {
    if let Some(receipt) = receipt(conn, subject)? {
        return Ok(receipt);
    }
    let mut live = conn.prepare_cached(
        "SELECT purpose FROM slots WHERE subject = ?1 AND wrapped IS NOT NULL ORDER BY purpose",
    )?;
    let mut found = live.query([subject])?;
    let mut purposes = Vec::new();
    while let Some(row) = found.next()? {
        purposes.push(Col::new("slots", "purpose", 0).purpose(row)?);
    }
    drop(found);
    let slots = conn
        .prepare_cached("DELETE FROM slots WHERE subject = ?1")?
        .execute([subject])?;
    let consents = conn
        .prepare_cached("DELETE FROM consents WHERE subject = ?1")?
        .execute([subject])?;
    let receipt = ErasureReceipt {
        subject: subject.to_vec(),
        at,
        purposes,
        entries_removed: (slots + consents) as u64,
    };
    conn.prepare_cached("INSERT INTO erasures (subject, at, entries_removed) VALUES (?1, ?2, ?3)")?
        .execute(params![
            subject,
            rows::int(at, "the time")?,
            rows::int(receipt.entries_removed, "the entries removed")?
        ])?;
    let seq = conn.last_insert_rowid();
    let mut insert =
        conn.prepare_cached("INSERT INTO erasure_purposes (erasure, purpose) VALUES (?1, ?2)")?;
    for purpose in &receipt.purposes {
        insert.execute(params![seq, purpose])?;
    }
    Ok(receipt)
}

/// [`KeyVault::erasures`](crate::vault::KeyVault::erasures): oldest first.
pub(super) fn all(conn: &Connection) -> Result<Vec<ErasureReceipt>, Fail> {
    let mut statement =
        conn.prepare_cached("SELECT seq, subject, at, entries_removed FROM erasures ORDER BY seq")?;
    let mut found = statement.query([])?;
    let mut receipts = Vec::new();
    while let Some(row) = found.next()? {
        let col = |name, i| Col::new("erasures", name, i);
        let seq: i64 = row.get(0)?;
        receipts.push(ErasureReceipt {
            subject: col("subject", 1).subject(row)?,
            at: col("at", 2).u64(row)?,
            purposes: purposes(conn, seq)?,
            entries_removed: col("entries_removed", 3).u64(row)?,
        });
    }
    Ok(receipts)
}
