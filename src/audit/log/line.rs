//! The framing of one log line (FORMAT.md §18.3): `{"seq":N,...` then `,"mac":"<64 hex>"}` and a
//! newline; the MAC covers the previous line's MAC and every byte of the line before `,"mac":`.

use hmac::{Hmac, Mac as _};
use sha2::Sha256;

use crate::audit::json;

/// `,"mac":"` + 64 hex digits + `"}`.
pub(crate) const MAC_TAIL_LEN: usize = 8 + 64 + 2;

/// The MAC that chains a line: `HMAC-SHA256(CK, prev || prefix)`.
pub(crate) fn chain_mac(ck: &Hmac<Sha256>, prev: &[u8; 32], prefix: &[u8]) -> [u8; 32] {
    let mut mac = ck.clone();
    mac.update(prev);
    mac.update(prefix);
    mac.finalize().into_bytes().into()
}

/// Starts a line: `{"seq":N,`.
pub(crate) fn start(seq: u64, out: &mut Vec<u8>) {
    out.extend_from_slice(br#"{"seq":"#);
    json::number(seq, out);
    out.push(b',');
}

/// Ends a line whose prefix is in `out`: `,"mac":"<hex>"}\n`.
pub(crate) fn finish(out: &mut Vec<u8>, mac: &[u8; 32]) {
    out.extend_from_slice(br#","mac":""#);
    json::hex(mac, out);
    out.extend_from_slice(b"\"}\n");
}

/// A line (without its newline) split into the bytes its MAC covers, its MAC, and its `seq`.
/// `None` if it is not framed as FORMAT.md §18.3 says.
pub(crate) fn split(line: &[u8]) -> Option<(&[u8], [u8; 32], u64)> {
    if line.len() < MAC_TAIL_LEN + 9 {
        return None;
    }
    let (prefix, tail) = line.split_at(line.len() - MAC_TAIL_LEN);
    let hex = tail.strip_prefix(br#","mac":""#)?.strip_suffix(b"\"}")?;
    // Lower-case only (FORMAT.md §18.2): the MAC does not cover its own text.
    if !hex.iter().all(|b| matches!(b, b'0'..=b'9' | b'a'..=b'f')) {
        return None;
    }
    let mac: [u8; 32] = json::unhex(std::str::from_utf8(hex).ok()?)?
        .try_into()
        .ok()?;
    let rest = prefix.strip_prefix(br#"{"seq":"#)?;
    let digits = rest.iter().take_while(|b| b.is_ascii_digit()).count();
    if digits == 0 || (digits > 1 && rest[0] == b'0') || rest.get(digits) != Some(&b',') {
        return None;
    }
    let seq = std::str::from_utf8(&rest[..digits]).ok()?.parse().ok()?;
    Some((prefix, mac, seq))
}
