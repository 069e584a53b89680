//! Record ids and subjects in the log (FORMAT.md §18.2): written plainly in a syntax that reads
//! back to the same bytes, or as a keyed pseudonym (§18.1).

use hmac::{Hmac, KeyInit, Mac as _};
use sha2::Sha256;

/// The text of an id's bytes: a 16-byte id holding an integer of 64 bits or less (as
/// `with_id_int` binds it) is that integer in decimal; UTF-8 without control characters is
/// `str:` and the text; anything else is `hex:` and lower-case hex. [`parse_id_text`] reads it
/// back.
pub(crate) fn id_text(bytes: &[u8]) -> String {
    if let Ok(wide) = <[u8; 16]>::try_from(bytes) {
        let n = i128::from_be_bytes(wide);
        if i128::from(i64::MIN) <= n && n <= i128::from(u64::MAX) {
            return n.to_string();
        }
    }
    match std::str::from_utf8(bytes) {
        Ok(text) if !text.is_empty() && !text.chars().any(char::is_control) => {
            format!("str:{text}")
        }
        _ => format!("hex:{}", crate::audit::json::hex_string(bytes)),
    }
}

/// The bytes of an id as an event writes it (FORMAT.md §18.2), or as given on a command line:
/// an integer (16 bytes, two's complement, big-endian, as FORMAT.md §6 binds it), `str:TEXT`,
/// `hex:HEX`. `None` if it is none of them.
pub fn parse_id_text(text: &str) -> Option<Vec<u8>> {
    if let Some(rest) = text.strip_prefix("str:") {
        return Some(rest.as_bytes().to_vec());
    }
    if let Some(rest) = text.strip_prefix("hex:") {
        return crate::audit::json::unhex(rest);
    }
    if let Ok(n) = text.parse::<i128>() {
        return Some(n.to_be_bytes().to_vec());
    }
    text.parse::<u128>().ok().map(|n| n.to_be_bytes().to_vec())
}

/// `HMAC-SHA256(NK, id)[0..16]` (FORMAT.md §18.1).
pub(crate) fn pseudonym(nk: &Hmac<Sha256>, id: &[u8]) -> [u8; 16] {
    let mut mac = nk.clone();
    mac.update(id);
    let full = mac.finalize().into_bytes();
    let mut out = [0u8; 16];
    out.copy_from_slice(&full[..16]);
    out
}

/// The keyed HMAC state of a pseudonym key.
pub(crate) fn pseudonym_state(nk: &[u8; 32]) -> Hmac<Sha256> {
    <Hmac<Sha256> as KeyInit>::new_from_slice(nk).expect("HMAC takes a key of any length")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn id_texts_read_back_to_their_bytes() {
        let cases: Vec<Vec<u8>> = vec![
            1001i128.to_be_bytes().to_vec(),
            (-5i128).to_be_bytes().to_vec(),
            u128::MAX.to_be_bytes().to_vec(),
            b"cust-7".to_vec(),
            b"with\nnewline".to_vec(),
            vec![0xff, 0x00],
        ];
        for bytes in cases {
            let text = id_text(&bytes);
            assert_eq!(parse_id_text(&text).as_deref(), Some(&bytes[..]), "{text}");
        }
        assert_eq!(id_text(&1001i128.to_be_bytes()), "1001");
        assert_eq!(id_text(b"cust-7"), "str:cust-7");
    }
}
