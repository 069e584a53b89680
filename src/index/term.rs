//! FORMAT.md §16.3: an index term, `u32be(index_version) || mac[..width]`, in its byte form and
//! its text form (unpadded base64url, no prefix).

use std::fmt;
use std::str::FromStr;

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::{BadTerm, Error, Result};
use crate::index::spec::{MAX_WIDTH, MIN_WIDTH};

/// The longest byte form of a term: a 4-byte version and a 32-byte HMAC.
pub const MAX_TERM_LEN: usize = 4 + MAX_WIDTH as usize;
/// The shortest byte form of a term: a 4-byte version and a 2-byte HMAC.
pub const MIN_TERM_LEN: usize = 4 + MIN_WIDTH as usize;
/// The longest text form of a term, in characters: base64 of [`MAX_TERM_LEN`] bytes.
const MAX_TEXT_LEN: usize = MAX_TERM_LEN.div_ceil(3) * 4;

/// One blind index term: the index version it was computed with and the truncated HMAC of the
/// normalized value (FORMAT.md §16.3). What a lookup column stores and a query asks for.
///
/// Its byte form, [`as_bytes`](Self::as_bytes), suits BYTEA and BLOB columns; its text form,
/// [`to_text`](Self::to_text) and `Display` (unpadded base64url, 8 to 48 characters), suits
/// VARCHAR and JSON. serde writes the text form in human-readable formats and the bytes in
/// binary ones, as for [`Sealed`](crate::Sealed). Both forms parse strictly; checked against an
/// index key ([`IndexKey::check`](crate::IndexKey::check)) a term must also be as wide as that
/// index's terms and name a version the key holds.
///
/// A term is not secret in the way a key is, but it stands for a customer's value: equal terms
/// are equal values (up to collisions). It is compared byte for byte.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct IndexTerm {
    len: u8,
    /// The byte form, then zeros: equal terms are equal arrays.
    bytes: [u8; MAX_TERM_LEN],
}

impl IndexTerm {
    /// The term of `version` with the truncated HMAC `mac` (2 to 32 bytes, checked by the caller).
    pub(crate) fn new(version: u32, mac: &[u8]) -> Self {
        debug_assert!((MIN_WIDTH as usize..=MAX_WIDTH as usize).contains(&mac.len()));
        let mut bytes = [0; MAX_TERM_LEN];
        bytes[..4].copy_from_slice(&version.to_be_bytes());
        bytes[4..4 + mac.len()].copy_from_slice(mac);
        Self {
            len: (4 + mac.len()) as u8,
            bytes,
        }
    }

    /// Reads a term's byte form: 6 to 36 bytes, the first four a version from 1.
    ///
    /// # Errors
    /// [`Error::BadIndexTerm`] saying what is wrong.
    pub fn from_bytes(bytes: &[u8]) -> Result<Self> {
        if !(MIN_TERM_LEN..=MAX_TERM_LEN).contains(&bytes.len()) {
            return Err(Error::BadIndexTerm(BadTerm::Length { len: bytes.len() }));
        }
        let version = u32::from_be_bytes([bytes[0], bytes[1], bytes[2], bytes[3]]);
        if version == 0 {
            return Err(Error::BadIndexTerm(BadTerm::ZeroVersion));
        }
        Ok(Self::new(version, &bytes[4..]))
    }

    /// Reads a term's text form: canonical unpadded base64url of its byte form.
    ///
    /// # Errors
    /// [`Error::BadIndexTerm`] saying what is wrong, never quoting the text.
    pub fn from_text(text: &str) -> Result<Self> {
        // Checked before decoding, so that no length of input is ever decoded whole. A canonical
        // text of n bytes has ceil(4n/3) characters, and floor(3c/4) gives n back.
        if text.len() % 4 == 1 {
            return Err(Error::BadIndexTerm(BadTerm::NotBase64));
        }
        if text.len() > MAX_TEXT_LEN {
            return Err(Error::BadIndexTerm(BadTerm::Length {
                len: text.len() / 4 * 3 + (text.len() % 4).saturating_sub(1),
            }));
        }
        let mut buf = [0u8; MAX_TERM_LEN];
        let len = URL_SAFE_NO_PAD
            .decode_slice(text, &mut buf)
            .map_err(|_| Error::BadIndexTerm(BadTerm::NotBase64))?;
        Self::from_bytes(&buf[..len])
    }

    /// The index version the term was computed with.
    pub fn version(&self) -> u32 {
        let b = &self.bytes;
        u32::from_be_bytes([b[0], b[1], b[2], b[3]])
    }

    /// The byte form: `u32be(version) || mac`.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes[..usize::from(self.len)]
    }

    /// The truncated HMAC, without the version.
    pub fn mac(&self) -> &[u8] {
        &self.bytes[4..usize::from(self.len)]
    }

    /// The text form: unpadded base64url of the byte form, no prefix.
    pub fn to_text(&self) -> String {
        URL_SAFE_NO_PAD.encode(self.as_bytes())
    }
}

impl fmt::Display for IndexTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_text())
    }
}

impl fmt::Debug for IndexTerm {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "IndexTerm({self})")
    }
}

impl FromStr for IndexTerm {
    type Err = Error;

    /// As [`IndexTerm::from_text`].
    fn from_str(text: &str) -> Result<Self> {
        Self::from_text(text)
    }
}

impl AsRef<[u8]> for IndexTerm {
    fn as_ref(&self) -> &[u8] {
        self.as_bytes()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn both_forms_round_trip_at_every_width() {
        for width in MIN_WIDTH..=MAX_WIDTH {
            let mac: Vec<u8> = (0..width).map(|i| i.wrapping_mul(37)).collect();
            let term = IndexTerm::new(7, &mac);
            assert_eq!(term.version(), 7);
            assert_eq!(term.mac(), mac.as_slice());
            assert_eq!(term.as_bytes().len(), 4 + usize::from(width));
            assert_eq!(IndexTerm::from_bytes(term.as_bytes()).unwrap(), term);
            let text = term.to_text();
            assert!(text.len() <= MAX_TEXT_LEN);
            assert_eq!(text.parse::<IndexTerm>().unwrap(), term);
        }
    }

    #[test]
    fn bad_forms_are_named() {
        let bad = |r: Result<IndexTerm>| match r {
            Err(Error::BadIndexTerm(b)) => b,
            other => panic!("{other:?}"),
        };
        assert_eq!(
            bad(IndexTerm::from_bytes(&[0, 0, 0, 1, 9])),
            BadTerm::Length { len: 5 }
        );
        assert_eq!(
            bad(IndexTerm::from_bytes(&[1; 37])),
            BadTerm::Length { len: 37 }
        );
        assert_eq!(
            bad(IndexTerm::from_bytes(&[0, 0, 0, 0, 1, 2])),
            BadTerm::ZeroVersion
        );
        let term = IndexTerm::new(1, &[0xff; 16]);
        let text = term.to_text();
        assert_eq!(bad(format!("{text}=").parse()), BadTerm::NotBase64);
        assert_eq!(bad(text.replace('_', "/").parse()), BadTerm::NotBase64);
        assert_eq!(bad(format!("{text} ").parse()), BadTerm::NotBase64);
        // 20 bytes end in 2 bits of padding: a last character with them set is not canonical.
        assert!(text.ends_with('8'), "{text}");
        assert_eq!(
            bad(format!("{}9", &text[..text.len() - 1]).parse()),
            BadTerm::NotBase64
        );
        assert_eq!(bad("A".repeat(49).parse()), BadTerm::NotBase64);
        assert_eq!(bad("A".repeat(52).parse()), BadTerm::Length { len: 39 });
        assert_eq!(bad("A".repeat(4000).parse()), BadTerm::Length { len: 3000 });
        assert_eq!(bad("AAAAAA".parse()), BadTerm::Length { len: 4 });
        assert_eq!(bad("".parse()), BadTerm::Length { len: 0 });
    }
}
