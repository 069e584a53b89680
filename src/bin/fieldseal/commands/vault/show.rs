//! How vault records are shown: times for people, and each record as JSON (times as seconds since
//! the Unix epoch, subjects in the syntax `--subject` takes). Never a key byte: the records hold
//! none.

use std::fmt::Write as _;
use std::time::{Duration, UNIX_EPOCH};

use fieldseal::vault::{ConsentRecord, DisclosureRecord, ErasureReceipt, ExpiredKey};
use serde_json::{Value, json};

use crate::commands::vault::subject::SubjectId;
use crate::dates::utc;

/// A time recorded by the vault, for people: `2026-11-29 00:00:00 UTC`.
pub(crate) fn time(secs: u64) -> String {
    utc(UNIX_EPOCH + Duration::from_secs(secs))
}

/// A subject id, as `--subject` takes it.
pub(crate) fn subject(bytes: &[u8]) -> String {
    SubjectId::from_bytes(bytes).to_string()
}

/// `a, b, c`, or `none`.
pub(crate) fn names<S: AsRef<str>>(names: &[S]) -> String {
    if names.is_empty() {
        return "none".to_owned();
    }
    names
        .iter()
        .map(AsRef::as_ref)
        .collect::<Vec<_>>()
        .join(", ")
}

pub(crate) fn consent_json(c: &ConsentRecord) -> Value {
    json!({
        "subject": subject(&c.subject),
        "purpose": c.purpose,
        "granted": c.granted,
        "source": c.source,
        "reference": c.reference,
        "withdrawn": c.withdrawn,
        "active": c.is_active(),
    })
}

/// One consent, for people: `granted 2026-... UTC through `form` (reference: v3)`.
pub(crate) fn consent_text(c: &ConsentRecord) -> String {
    let reference = c
        .reference
        .as_ref()
        .map(|r| format!(" (reference: {r})"))
        .unwrap_or_default();
    let withdrawn = c
        .withdrawn
        .map(|at| format!(", withdrawn {}", time(at)))
        .unwrap_or_default();
    format!(
        "granted {} through `{}`{reference}{withdrawn}",
        time(c.granted),
        c.source
    )
}

pub(crate) fn receipt_json(r: &ErasureReceipt) -> Value {
    json!({
        "subject": subject(&r.subject),
        "at": r.at,
        "purposes": r.purposes,
        "entries_removed": r.entries_removed,
    })
}

pub(crate) fn expired_json(k: &ExpiredKey) -> Value {
    json!({
        "subject": subject(&k.subject),
        "purpose": k.purpose,
        "generation": k.generation,
        "expires": k.expires,
    })
}

pub(crate) fn disclosure_json(d: &DisclosureRecord) -> Value {
    json!({
        "partner": d.partner,
        "at": d.at,
        "fields": d.fields,
        "subjects": d.subjects.iter().map(|s| json!({
            "subject": subject(&s.subject),
            "consent": consent_json(&s.consent),
        })).collect::<Vec<_>>(),
        "withheld": d.withheld,
    })
}

/// A disclosure, for people: a line, then one per subject with the consent relied on.
pub(crate) fn disclosure_text(d: &DisclosureRecord) -> String {
    let mut text = format!(
        "{} to {}: fields {}; {} subject{} disclosed, {} withheld (no consent standing)\n",
        time(d.at),
        d.partner,
        names(&d.fields),
        d.subjects.len(),
        if d.subjects.len() == 1 { "" } else { "s" },
        d.withheld
    );
    for s in &d.subjects {
        let _ = writeln!(
            text,
            "  {}: consent {}",
            subject(&s.subject),
            consent_text(&s.consent)
        );
    }
    text
}
