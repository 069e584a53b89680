//! Consent records (table `consents`, FORMAT.md §15.5): granting, withdrawing, listing.

use rusqlite::{Connection, Row, params};

use crate::vault::records::ConsentRecord;
use crate::vault::sqlite::erasures;
use crate::vault::sqlite::error::Fail;
use crate::vault::sqlite::rows::{self, Col};

/// [`KeyVault::grant`](crate::vault::KeyVault::grant), inside a write transaction.
pub(super) fn grant(conn: &Connection, consent: &ConsentRecord) -> Result<bool, Fail> {
    if erasures::erased_at(conn, &consent.subject)?.is_some() {
        return Ok(false);
    }
    let mut statement = conn.prepare_cached(
        "INSERT OR REPLACE INTO consents (subject, purpose, granted, source, reference, withdrawn)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    )?;
    statement.execute(params![
        consent.subject,
        consent.purpose,
        rows::int(consent.granted, "the consent's time")?,
        consent.source,
        consent.reference,
        consent
            .withdrawn
            .map(|w| rows::int(w, "the withdrawal's time"))
            .transpose()?,
    ])?;
    Ok(true)
}

/// Marks the consent of (subject, purpose) withdrawn at `at`, if it stands; returns whether it
/// stood.
pub(super) fn withdraw(
    conn: &Connection,
    subject: &[u8],
    purpose: &str,
    at: u64,
) -> Result<bool, Fail> {
    let mut statement = conn.prepare_cached(
        "UPDATE consents SET withdrawn = ?3
         WHERE subject = ?1 AND purpose = ?2 AND withdrawn IS NULL",
    )?;
    Ok(statement.execute(params![subject, purpose, rows::int(at, "the time")?])? == 1)
}

/// A consent record from columns subject, purpose, granted, source, reference, withdrawn of
/// `table`, starting at column `at`.
pub(super) fn record(row: &Row<'_>, table: &'static str, at: usize) -> Result<ConsentRecord, Fail> {
    let col = |name, i| Col::new(table, name, at + i);
    Ok(ConsentRecord {
        subject: col("subject", 0).subject(row)?,
        purpose: col("purpose", 1).purpose(row)?,
        granted: col("granted", 2).u64(row)?,
        source: col("source", 3).text(row)?,
        reference: col("reference", 4).opt_text(row)?,
        withdrawn: col("withdrawn", 5).opt_u64(row)?,
    })
}

/// [`KeyVault::consents`](crate::vault::KeyVault::consents): in purpose order.
pub(super) fn of_subject(conn: &Connection, subject: &[u8]) -> Result<Vec<ConsentRecord>, Fail> {
    let mut statement = conn.prepare_cached(
        "SELECT subject, purpose, granted, source, reference, withdrawn FROM consents
         WHERE subject = ?1 ORDER BY purpose",
    )?;
    let mut found = statement.query([subject])?;
    let mut records = Vec::new();
    while let Some(row) = found.next()? {
        records.push(record(row, "consents", 0)?);
    }
    Ok(records)
}
