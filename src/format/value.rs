//! FORMAT.md §2: the binary layout of a sealed value.
//!
//! ```text
//! value = version:u8 suite:u8 count:u8 ct_len:u32be part{count}
//! part  = name_len:u8 name key_version:u32be nonce[suite.nonce_len] ciphertext[ct_len] tag[16]
//! ```
//! Every part holds the same plaintext sealed for its own purpose, so they share `ct_len`.

use crate::aead::{Suite, TAG_LEN};
use crate::error::{Error, Malformed, Result};
use crate::format::{FORMAT_VERSION, MAX_PARTS, MAX_PLAINTEXT};
use crate::purpose::validate_name;

/// Bytes before the first part.
pub(crate) const HEADER_LEN: usize = 7;

/// One part of a parsed value, borrowed from the value's bytes.
#[derive(Clone, Copy, Debug)]
pub(crate) struct PartRef<'a> {
    pub(crate) purpose: &'a str,
    pub(crate) key_version: u32,
    pub(crate) nonce: &'a [u8],
    pub(crate) ciphertext: &'a [u8],
    pub(crate) tag: &'a [u8; TAG_LEN],
}

/// A value checked for shape, not yet authenticated.
#[derive(Debug)]
pub(crate) struct ParsedValue<'a> {
    pub(crate) suite: Suite,
    pub(crate) ct_len: usize,
    parts: [Option<PartRef<'a>>; MAX_PARTS],
    count: usize,
}

impl<'a> ParsedValue<'a> {
    pub(crate) fn parts(&self) -> impl Iterator<Item = &PartRef<'a>> {
        self.parts[..self.count].iter().flatten()
    }

    pub(crate) fn part(&self, purpose: &str) -> Option<&PartRef<'a>> {
        self.parts().find(|p| p.purpose == purpose)
    }

    pub(crate) fn purposes(&self) -> Vec<String> {
        self.parts().map(|p| p.purpose.to_owned()).collect()
    }
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize, what: &'static str) -> Result<&'a [u8]> {
        let rest = self.bytes.len() - self.pos;
        if rest < n {
            return Err(Malformed::Truncated {
                what,
                offset: self.pos,
                needed: n - rest,
            }
            .into());
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    fn u8(&mut self, what: &'static str) -> Result<u8> {
        Ok(self.take(1, what)?[0])
    }

    fn u32(&mut self, what: &'static str) -> Result<u32> {
        let b = self.take(4, what)?;
        Ok(u32::from_be_bytes([b[0], b[1], b[2], b[3]]))
    }
}

/// Parses a value's bytes (FORMAT.md §2). Checks every length before reading, so truncated or
/// hostile input is an error, never a panic or a large allocation.
pub(crate) fn parse(bytes: &[u8]) -> Result<ParsedValue<'_>> {
    let mut r = Reader { bytes, pos: 0 };
    let version = r.u8("version")?;
    if version != FORMAT_VERSION {
        return Err(Error::UnknownVersion {
            found: version,
            supported: FORMAT_VERSION,
        });
    }
    let suite = Suite::from_id(r.u8("suite")?)?;
    let count = usize::from(r.u8("part count")?);
    if count == 0 {
        return Err(Malformed::NoParts.into());
    }
    if count > MAX_PARTS {
        return Err(Malformed::TooManyParts { count, max: MAX_PARTS }.into());
    }
    let ct_len = r.u32("ciphertext length")? as usize;
    if ct_len == 0 || ct_len > MAX_PLAINTEXT {
        return Err(Malformed::BadLength { len: ct_len }.into());
    }
    let mut parts = [None; MAX_PARTS];
    for (index, slot) in parts.iter_mut().take(count).enumerate() {
        let name_len = usize::from(r.u8("purpose length")?);
        let name = std::str::from_utf8(r.take(name_len, "purpose name")?)
            .map_err(|_| Malformed::BadPurposeName { index })?;
        validate_name(name).map_err(|_| Malformed::BadPurposeName { index })?;
        let key_version = r.u32("key version")?;
        let nonce = r.take(suite.nonce_len(), "nonce")?;
        let ciphertext = r.take(ct_len, "ciphertext")?;
        let tag = r
            .take(TAG_LEN, "tag")?
            .try_into()
            .expect("take returned TAG_LEN bytes");
        *slot = Some(PartRef {
            purpose: name,
            key_version,
            nonce,
            ciphertext,
            tag,
        });
    }
    let value = ParsedValue {
        suite,
        ct_len,
        parts,
        count,
    };
    for (i, part) in value.parts().enumerate() {
        if value.parts().take(i).any(|p| p.purpose == part.purpose) {
            return Err(Malformed::DuplicatePurpose {
                purpose: part.purpose.to_owned(),
            }
            .into());
        }
    }
    let trailing = bytes.len() - r.pos;
    if trailing != 0 {
        return Err(Malformed::TrailingBytes { count: trailing }.into());
    }
    Ok(value)
}

/// Where each region of a value being written lies, for the sealing code to fill.
pub(crate) struct Layout {
    pub(crate) suite: Suite,
    pub(crate) ct_len: usize,
}

/// Offsets of one part's regions in the output buffer.
pub(crate) struct PartSlots {
    pub(crate) nonce: usize,
    pub(crate) ciphertext: usize,
    pub(crate) tag: usize,
}

impl Layout {
    /// Total length of a value with parts named `names`.
    pub(crate) fn total_len<'n>(&self, names: impl Iterator<Item = &'n str>) -> usize {
        HEADER_LEN
            + names
                .map(|n| 1 + n.len() + 4 + self.suite.nonce_len() + self.ct_len + TAG_LEN)
                .sum::<usize>()
    }

    /// Writes the header (FORMAT.md §2).
    pub(crate) fn write_header(&self, out: &mut Vec<u8>, count: usize) {
        out.push(FORMAT_VERSION);
        out.push(self.suite.id());
        out.push(u8::try_from(count).expect("count checked against MAX_PARTS"));
        out.extend_from_slice(
            &u32::try_from(self.ct_len)
                .expect("ct_len checked against MAX_PLAINTEXT")
                .to_be_bytes(),
        );
    }

    /// Appends a part with zeroed nonce, ciphertext and tag regions, and says where they lie.
    pub(crate) fn write_part(&self, out: &mut Vec<u8>, purpose: &str, key_version: u32) -> PartSlots {
        out.push(u8::try_from(purpose.len()).expect("purpose names are at most 64 bytes"));
        out.extend_from_slice(purpose.as_bytes());
        out.extend_from_slice(&key_version.to_be_bytes());
        let nonce = out.len();
        let ciphertext = nonce + self.suite.nonce_len();
        let tag = ciphertext + self.ct_len;
        out.resize(tag + TAG_LEN, 0);
        PartSlots {
            nonce,
            ciphertext,
            tag,
        }
    }
}
