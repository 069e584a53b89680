//! FORMAT.md §7: the text form, for JSON, VARCHAR and CSV: a prefix, then the binary form in
//! unpadded base64url.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{Malformed, Result};

/// FORMAT.md §7: every text-form value starts with this.
pub const TEXT_PREFIX: &str = "fs1:";

pub(crate) fn encode_text(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(TEXT_PREFIX.len() + bytes.len().div_ceil(3) * 4);
    out.push_str(TEXT_PREFIX);
    URL_SAFE_NO_PAD.encode_string(bytes, &mut out);
    out
}

/// The text form as a JSON string, quotes included: it needs no escaping (`fs1:` and
/// base64url). One allocation, where quoting [`encode_text`]'s string took a second one and a
/// copy (bulk re-seal writes one per re-sealed value).
pub(crate) fn encode_json_string(bytes: &[u8]) -> String {
    let mut out = String::with_capacity(2 + TEXT_PREFIX.len() + bytes.len().div_ceil(3) * 4);
    out.push('"');
    out.push_str(TEXT_PREFIX);
    URL_SAFE_NO_PAD.encode_string(bytes, &mut out);
    out.push('"');
    out
}

pub(crate) fn decode_text(text: &str) -> Result<Vec<u8>> {
    let body = text
        .strip_prefix(TEXT_PREFIX)
        .ok_or(Malformed::MissingPrefix {
            expected: TEXT_PREFIX,
        })?;
    Ok(URL_SAFE_NO_PAD
        .decode(body)
        .map_err(|_| Malformed::BadBase64)?)
}
