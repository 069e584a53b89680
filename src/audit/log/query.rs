//! [`query`]: the events of a log that match a subject, purpose, actor and time span
//! ("who read customer 1001 last month"), pseudonyms computed with the log's key.

use std::path::Path;
use std::time::SystemTime;

use crate::audit::ids::id_text;
use crate::audit::json::hex_string;
use crate::audit::key::AuditKey;
use crate::audit::log::files::{Header, io};
use crate::error::AuditError;

/// What [`query`] looks for; every criterion given must match.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Query {
    /// A record id or subject, as bytes ([`parse_id_text`](crate::audit::parse_id_text) reads
    /// `1001`, `str:cust-7`, `hex:..`): matches an event's `id` or `subject`, written plainly or
    /// as a pseudonym.
    pub subject: Option<Vec<u8>>,
    /// A purpose the event used.
    pub purpose: Option<String>,
    /// The actor (service), or the `on_behalf_of` of the event.
    pub actor: Option<String>,
    /// An operation name (`open`, `seal`, ...).
    pub operation: Option<String>,
    /// At or after.
    pub since: Option<SystemTime>,
    /// Before.
    pub until: Option<SystemTime>,
    /// Lines up to this sequence number only: the last a [`verify`](crate::audit::verify) of
    /// the same files vouched for ([`Report::last_seq`](crate::audit::Report)), so that a line
    /// a live writer appends between the verification and the query is not answered unverified.
    pub through_seq: Option<u64>,
}

/// The event lines of the log in `paths` that match `query`, as written. Pseudonymized ids are
/// found with `key` (each file's key version); without it only plain ids match. Reads lines; it
/// does not check the chain: run [`verify`](crate::audit::verify) first to trust the answer.
///
/// # Errors
/// [`AuditError::Io`] if a file cannot be read.
pub fn query(
    paths: &[impl AsRef<Path>],
    key: Option<&AuditKey>,
    query: &Query,
) -> Result<Vec<String>, AuditError> {
    let mut out = Vec::new();
    let plain = query.subject.as_deref().map(id_text);
    for path in paths {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| io("read", path, e))?;
        // Complete lines only: a torn last line is covered by no MAC (verify reports it apart).
        let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
        let mut pseudonym = None;
        for line in bytes[..complete].split(|&b| b == b'\n') {
            let Ok(line) = std::str::from_utf8(line) else {
                continue;
            };
            let Ok(v) = serde_json::from_str::<serde_json::Value>(line) else {
                continue;
            };
            if let Some(header) = Header::from_value(&v) {
                pseudonym = match (key, query.subject.as_deref()) {
                    (Some(key), Some(id)) => key
                        .pseudonym(header.key_version, id)
                        .map(|p| hex_string(&p)),
                    _ => None,
                };
                continue;
            }
            if v.get("type").and_then(|t| t.as_str()) != Some("event") {
                continue;
            }
            if let Some(last) = query.through_seq {
                // Past the verified lines, or without a sequence number: not answered.
                if v.get("seq")
                    .and_then(serde_json::Value::as_u64)
                    .is_none_or(|seq| seq > last)
                {
                    continue;
                }
            }
            let s = |k: &str| v.get(k).and_then(|x| x.as_str());
            if let Some(want) = &plain {
                let by_plain = s("id") == Some(want) || s("subject") == Some(want);
                let by_pseudonym = pseudonym.as_deref().is_some_and(|p| {
                    s("id_pseudonym") == Some(p) || s("subject_pseudonym") == Some(p)
                });
                if !by_plain && !by_pseudonym {
                    continue;
                }
            }
            if let Some(purpose) = &query.purpose {
                let used = v
                    .get("purposes")
                    .and_then(|p| p.as_array())
                    .is_some_and(|a| a.iter().any(|p| p.as_str() == Some(purpose)));
                if !used {
                    continue;
                }
            }
            if let Some(actor) = &query.actor {
                if s("actor") != Some(actor) && s("on_behalf_of") != Some(actor) {
                    continue;
                }
            }
            if query
                .operation
                .as_deref()
                .is_some_and(|op| s("op") != Some(op))
            {
                continue;
            }
            if query.since.is_some() || query.until.is_some() {
                let Some(time) = s("time").and_then(|t| humantime::parse_rfc3339(t).ok()) else {
                    continue;
                };
                if query.since.is_some_and(|since| time < since)
                    || query.until.is_some_and(|until| time >= until)
                {
                    continue;
                }
            }
            out.push(line.to_owned());
        }
    }
    Ok(out)
}
