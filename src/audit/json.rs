//! The canonical JSON of an event (FORMAT.md §18.2): members in a fixed order, absent ones left
//! out, no white space, strings escaped one way only. Written by hand rather than through
//! serde_json because the bytes are what the chain's MACs cover (§18.3): one event has exactly
//! one serialization, and a reader in another language can reproduce it from the spec.

use std::cell::Cell;
use std::fmt::Write as _;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::audit::event::{AuditEvent, Detail, Id, Names, Outcome};

/// Appends the members of `event`, without braces: `"type":"event","time":...`.
pub(crate) fn write_event(event: &AuditEvent<'_>, out: &mut Vec<u8>) {
    out.extend_from_slice(br#""type":"event","time":"#);
    write_time(event.time, out);
    out.extend_from_slice(br#","op":"#);
    string(event.operation.name(), out);
    match event.outcome {
        Outcome::Ok => out.extend_from_slice(br#","outcome":"ok""#),
        Outcome::Failed(kind) => {
            out.extend_from_slice(br#","outcome":"failed","error":"#);
            string(kind, out);
        }
    }
    out.extend_from_slice(br#","actor":"#);
    string(event.actor, out);
    if let Some(on_behalf_of) = event.on_behalf_of {
        out.extend_from_slice(br#","on_behalf_of":"#);
        string(on_behalf_of, out);
    }
    names("purposes", &event.purposes, out);
    if let Some(record) = event.record {
        out.extend_from_slice(br#","record":"#);
        string(record, out);
    }
    names("fields", &event.fields, out);
    id("id", event.id.as_ref(), out);
    id("subject", event.subject.as_ref(), out);
    if let Some(version) = event.key_version {
        out.extend_from_slice(br#","key_version":"#);
        number(u64::from(version), out);
    }
    if !event.detail.is_empty() {
        out.extend_from_slice(br#","detail":{"#);
        for (i, (key, value)) in event.detail.iter().enumerate() {
            if i > 0 {
                out.push(b',');
            }
            string(key, out);
            out.push(b':');
            match value {
                Detail::Count(n) => number(*n, out),
                Detail::Text(text) => string(text, out),
            }
        }
        out.push(b'}');
    }
}

/// `,"key":[...]`, left out when empty.
fn names(key: &str, names: &Names<'_>, out: &mut Vec<u8>) {
    if names.is_empty() {
        return;
    }
    out.push(b',');
    string(key, out);
    out.extend_from_slice(b":[");
    for (i, name) in names.iter().enumerate() {
        if i > 0 {
            out.push(b',');
        }
        string(name, out);
    }
    out.push(b']');
}

/// `,"id":"1001"` or `,"id_pseudonym":"<32 hex>"`.
fn id(key: &str, id: Option<&Id<'_>>, out: &mut Vec<u8>) {
    match id {
        None => {}
        Some(Id::Plain(bytes)) => {
            out.push(b',');
            string(key, out);
            out.push(b':');
            string(&crate::audit::ids::id_text(bytes), out);
        }
        Some(Id::Pseudonym(pseudonym)) => {
            out.extend_from_slice(b",\"");
            out.extend_from_slice(key.as_bytes());
            out.extend_from_slice(b"_pseudonym\":\"");
            hex(pseudonym, out);
            out.push(b'"');
        }
    }
}

thread_local! {
    /// The last whole second [`write_time`] wrote on this thread, and its text up to the `.`:
    /// events come many to a second, so the date is formatted once a second, not per event.
    static SECOND: Cell<(u64, [u8; 19])> = const { Cell::new((u64::MAX, [0; 19])) };
}

/// The last second RFC 3339's four-digit years can write: 9999-12-31T23:59:59Z.
const LAST_SECOND: u64 = 253_402_300_799;

/// A time as RFC 3339 in UTC with microseconds: `"2026-11-30T02:57:22.123456Z"`. A time before
/// 1970 or after 9999, which only a clock set wrong gives, is written as the first or the last
/// instant RFC 3339 can write.
pub(crate) fn write_time(time: SystemTime, out: &mut Vec<u8>) {
    let since = time
        .duration_since(UNIX_EPOCH)
        .unwrap_or_default()
        .min(Duration::new(LAST_SECOND, 999_999_999));
    let secs = since.as_secs();
    let (cached, mut date) = SECOND.get();
    if cached != secs {
        let mut text = String::with_capacity(20);
        let whole = UNIX_EPOCH + Duration::from_secs(secs);
        let _ = write!(text, "{}", humantime::format_rfc3339_seconds(whole));
        // `2026-11-30T02:57:22Z`: the 19 bytes before the `Z`.
        date.copy_from_slice(&text.as_bytes()[..19]);
        SECOND.set((secs, date));
    }
    out.push(b'"');
    out.extend_from_slice(&date);
    out.push(b'.');
    let micros = since.subsec_micros();
    let mut digits = [b'0'; 6];
    let mut n = micros;
    for d in digits.iter_mut().rev() {
        *d = b'0' + (n % 10) as u8;
        n /= 10;
    }
    out.extend_from_slice(&digits);
    out.extend_from_slice(b"Z\"");
}

/// A JSON string (RFC 8259): `"` and `\` escaped with a backslash, the other control characters
/// below 0x20 as `\u00XX` (lower-case hex), everything else as its UTF-8 bytes.
pub(crate) fn string(s: &str, out: &mut Vec<u8>) {
    out.push(b'"');
    let bytes = s.as_bytes();
    let mut start = 0;
    for (i, &b) in bytes.iter().enumerate() {
        if b == b'"' || b == b'\\' || b < 0x20 {
            out.extend_from_slice(&bytes[start..i]);
            if b == b'"' || b == b'\\' {
                out.push(b'\\');
                out.push(b);
            } else {
                out.extend_from_slice(b"\\u00");
                hex(&[b], out);
            }
            start = i + 1;
        }
    }
    out.extend_from_slice(&bytes[start..]);
    out.push(b'"');
}

/// An unsigned integer in decimal.
pub(crate) fn number(n: u64, out: &mut Vec<u8>) {
    let mut buf = [0u8; 20];
    let mut i = buf.len();
    let mut n = n;
    loop {
        i -= 1;
        buf[i] = b'0' + (n % 10) as u8;
        n /= 10;
        if n == 0 {
            break;
        }
    }
    out.extend_from_slice(&buf[i..]);
}

/// Lower-case hex.
pub(crate) fn hex(bytes: &[u8], out: &mut Vec<u8>) {
    const DIGITS: &[u8; 16] = b"0123456789abcdef";
    for b in bytes {
        out.push(DIGITS[usize::from(b >> 4)]);
        out.push(DIGITS[usize::from(b & 15)]);
    }
}

/// Lower-case hex, as a string.
pub(crate) fn hex_string(bytes: &[u8]) -> String {
    let mut out = Vec::with_capacity(bytes.len() * 2);
    hex(bytes, &mut out);
    String::from_utf8(out).expect("hex is ASCII")
}

/// Bytes of lower-case or upper-case hex; `None` for anything else.
pub(crate) fn unhex(text: &str) -> Option<Vec<u8>> {
    if text.len() % 2 != 0 || !text.bytes().all(|b| b.is_ascii_hexdigit()) {
        return None;
    }
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).ok())
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn times_are_written_as_humantime_writes_them_across_seconds_days_and_years() {
        let samples = [
            0u64,
            1,
            59,
            86_399,
            86_400,
            951_782_400, // 2000-02-29
            1_798_761_599,
            1_798_761_600, // a new year
            4_102_444_799,
            253_402_300_799, // 9999-12-31T23:59:59
        ];
        for secs in samples {
            for nanos in [0u32, 1_000, 999_999_999, 123_456_789] {
                let time = UNIX_EPOCH + Duration::new(secs, nanos);
                // Twice: once formatting the second, once from the cache.
                for _ in 0..2 {
                    let mut out = Vec::new();
                    write_time(time, &mut out);
                    let expected = format!("\"{}\"", humantime::format_rfc3339_micros(time));
                    assert_eq!(String::from_utf8(out).unwrap(), expected, "{secs}.{nanos}");
                }
            }
        }
        let mut before = Vec::new();
        write_time(UNIX_EPOCH - Duration::from_secs(5), &mut before);
        assert_eq!(before, br#""1970-01-01T00:00:00.000000Z""#);
        let mut after = Vec::new();
        write_time(
            UNIX_EPOCH + Duration::from_secs(LAST_SECOND + 1),
            &mut after,
        );
        assert_eq!(after, br#""9999-12-31T23:59:59.999999Z""#);
    }

    #[test]
    fn strings_escape_quotes_backslashes_and_control_characters_only() {
        let mut out = Vec::new();
        string("a\"b\\c\nd\u{1}é", &mut out);
        assert_eq!(
            String::from_utf8(out).unwrap(),
            r#""a\"b\\c\u000ad\u0001é""#
        );
        let mut n = Vec::new();
        number(0, &mut n);
        n.push(b' ');
        number(u64::MAX, &mut n);
        assert_eq!(n, b"0 18446744073709551615");
    }
}
