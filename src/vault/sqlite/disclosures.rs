//! The disclosure log (tables `disclosures`, `disclosure_fields`, `disclosed_subjects`, FORMAT.md
//! §15.5).

use rusqlite::{Connection, params};

use crate::vault::records::{DisclosedSubject, DisclosureRecord};
use crate::vault::sqlite::consents;
use crate::vault::sqlite::error::Fail;
use crate::vault::sqlite::rows::{self, Col};

/// [`KeyVault::log_disclosure`](crate::vault::KeyVault::log_disclosure), inside a write
/// transaction: the consents are read under the write lock, so none is withdrawn between the
/// check and the record.
pub(super) fn log(conn: &Connection, given: &DisclosureRecord) -> Result<DisclosureRecord, Fail> {
    let logged = given.confirm(|subject, partner| {
        Ok::<_, Fail>(
            consents::of_subject(conn, subject)?
                .into_iter()
                .find(|c| c.purpose == partner),
        )
    })?;
    let d = &logged;
    conn.prepare_cached("INSERT INTO disclosures (partner, at, withheld) VALUES (?1, ?2, ?3)")?
        .execute(params![
            d.partner,
            rows::int(d.at, "the time")?,
            rows::int(d.withheld, "the subjects withheld")?
        ])?;
    let seq = conn.last_insert_rowid();
    let mut field = conn.prepare_cached(
        "INSERT INTO disclosure_fields (disclosure, position, field) VALUES (?1, ?2, ?3)",
    )?;
    for (position, name) in d.fields.iter().enumerate() {
        field.execute(params![seq, rows::count(position), name])?;
    }
    let mut subject = conn.prepare_cached(
        "INSERT INTO disclosed_subjects (disclosure, position, subject, consent_subject,
                                         consent_purpose, granted, source, reference, withdrawn)
         VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9)",
    )?;
    for (position, s) in d.subjects.iter().enumerate() {
        let c = &s.consent;
        subject.execute(params![
            seq,
            rows::count(position),
            s.subject,
            c.subject,
            c.purpose,
            rows::int(c.granted, "the consent's time")?,
            c.source,
            c.reference,
            c.withdrawn
                .map(|w| rows::int(w, "the withdrawal's time"))
                .transpose()?,
        ])?;
    }
    Ok(logged)
}

/// The fields and subjects of disclosure `seq`, in the order logged.
fn contents(conn: &Connection, seq: i64) -> Result<(Vec<String>, Vec<DisclosedSubject>), Fail> {
    let mut statement = conn.prepare_cached(
        "SELECT field FROM disclosure_fields WHERE disclosure = ?1 ORDER BY position",
    )?;
    let mut found = statement.query([seq])?;
    let mut fields = Vec::new();
    while let Some(row) = found.next()? {
        fields.push(Col::new("disclosure_fields", "field", 0).text(row)?);
    }
    let mut statement = conn.prepare_cached(
        "SELECT subject, consent_subject, consent_purpose, granted, source, reference, withdrawn
         FROM disclosed_subjects WHERE disclosure = ?1 ORDER BY position",
    )?;
    let mut found = statement.query([seq])?;
    let mut subjects = Vec::new();
    while let Some(row) = found.next()? {
        subjects.push(DisclosedSubject {
            subject: Col::new("disclosed_subjects", "subject", 0).subject(row)?,
            consent: consents::record(row, "disclosed_subjects", 1)?,
        });
    }
    Ok((fields, subjects))
}

/// [`KeyVault::disclosures`](crate::vault::KeyVault::disclosures): oldest first, of one partner
/// purpose if given.
pub(super) fn all(conn: &Connection, partner: Option<&str>) -> Result<Vec<DisclosureRecord>, Fail> {
    let mut statement = conn.prepare_cached(
        "SELECT seq, partner, at, withheld FROM disclosures
         WHERE ?1 IS NULL OR partner = ?1 ORDER BY seq",
    )?;
    let mut found = statement.query([partner])?;
    let mut records = Vec::new();
    while let Some(row) = found.next()? {
        let col = |name, i| Col::new("disclosures", name, i);
        let seq: i64 = row.get(0)?;
        let (fields, subjects) = contents(conn, seq)?;
        records.push(DisclosureRecord {
            partner: col("partner", 1).purpose(row)?,
            at: col("at", 2).u64(row)?,
            fields,
            subjects,
            withheld: col("withheld", 3).u64(row)?,
        });
    }
    Ok(records)
}
