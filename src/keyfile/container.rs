//! FORMAT.md §14.1: the container every key file shares (bytes only, no cryptography).
//!
//! ```text
//! file  = magic[14] version:u8 kind:u8
//!         protector_len:u8 protector[protector_len]
//!         wrap_len:u16be wrap[wrap_len]
//!         nonce[12] body_len:u32be body[body_len]
//!         checksum[32]
//! ```
//! `checksum` is SHA-256 of every byte before it. It tells damage from a wrong passphrase; the
//! AEAD over `body` is what authenticates.

use sha2::{Digest as _, Sha256};

use crate::error::KeyFileError;

/// `"fieldseal-key\n"`: the first bytes of every key file.
pub(crate) const MAGIC: &[u8; 14] = b"fieldseal-key\n";
/// The key file format version this library writes and reads.
pub(crate) const FILE_VERSION: u8 = 1;
/// The body nonce length (AES-256-GCM).
pub(crate) const NONCE_LEN: usize = 12;
const CHECKSUM_LEN: usize = 32;
/// A body larger than this is refused (a keyring of 2^16 versions is about 3 MiB).
const MAX_BODY: usize = 64 << 20;
/// The largest key file there can be: every field at its longest (FORMAT.md §14.1), 2^26 +
/// 65,857 bytes. Readers read no further.
pub(crate) const MAX_FILE_LEN: u64 =
    (MAGIC.len() + 1 + 1 + 1 + 255 + 2 + 0xffff + NONCE_LEN + 4 + MAX_BODY + CHECKSUM_LEN) as u64;

/// What a key file holds.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Kind {
    /// A keyring: root keys (FORMAT.md §14.3).
    Keyring = 1,
    /// A service key bundle: purpose keys (FORMAT.md §14.4).
    Bundle = 2,
}

impl Kind {
    pub(crate) fn name(self) -> &'static str {
        match self {
            Self::Keyring => "keyring",
            Self::Bundle => "key bundle",
        }
    }

    fn from_byte(byte: u8) -> Option<Self> {
        match byte {
            1 => Some(Self::Keyring),
            2 => Some(Self::Bundle),
            _ => None,
        }
    }
}

/// A parsed container, borrowing the file's bytes.
#[derive(Debug)]
pub(crate) struct Container<'a> {
    pub(crate) kind: Kind,
    pub(crate) protector: &'a str,
    pub(crate) wrap: &'a [u8],
    pub(crate) nonce: &'a [u8; NONCE_LEN],
    /// The body ciphertext and tag.
    pub(crate) body: &'a [u8],
    /// Every byte from the magic through `body_len`: the body's associated data.
    pub(crate) header: &'a [u8],
    /// Every byte from the magic through the protector id: the wrap's associated data.
    pub(crate) prefix: &'a [u8],
}

/// The bytes before `wrap_len`: the wrap's associated data (FORMAT.md §14.2).
pub(crate) fn prefix(kind: Kind, protector: &str) -> Result<Vec<u8>, KeyFileError> {
    let len = u8::try_from(protector.len())
        .ok()
        .filter(|&n| n > 0 && protector.is_ascii())
        .ok_or_else(|| {
            KeyFileError::BadProtector("a protector id is 1 to 255 ASCII bytes".to_owned())
        })?;
    let mut out = Vec::with_capacity(MAGIC.len() + 3 + protector.len());
    out.extend_from_slice(MAGIC);
    out.extend_from_slice(&[FILE_VERSION, kind as u8, len]);
    out.extend_from_slice(protector.as_bytes());
    Ok(out)
}

/// Appends `wrap_len wrap nonce body_len` to `prefix`: the body's associated data.
pub(crate) fn header(
    mut prefix: Vec<u8>,
    wrap: &[u8],
    nonce: &[u8; NONCE_LEN],
    body_len: usize,
) -> Result<Vec<u8>, KeyFileError> {
    let wrap_len = u16::try_from(wrap.len())
        .map_err(|_| KeyFileError::BadProtector("a protector's wrap is over 64 KiB".to_owned()))?;
    let body_len = u32::try_from(body_len)
        .ok()
        .filter(|&n| n as usize <= MAX_BODY)
        .ok_or_else(|| KeyFileError::Invalid {
            reason: format!("a body of {body_len} bytes is above the {MAX_BODY}-byte limit"),
        })?;
    prefix.extend_from_slice(&wrap_len.to_be_bytes());
    prefix.extend_from_slice(wrap);
    prefix.extend_from_slice(nonce);
    prefix.extend_from_slice(&body_len.to_be_bytes());
    Ok(prefix)
}

/// The whole file: `header body checksum`.
pub(crate) fn finish(mut header: Vec<u8>, body: &[u8]) -> Vec<u8> {
    header.extend_from_slice(body);
    let checksum = Sha256::digest(&header);
    header.extend_from_slice(&checksum);
    header
}

/// Parses a key file, checking magic, version, lengths and checksum, in that order.
pub(crate) fn parse(bytes: &[u8]) -> Result<Container<'_>, KeyFileError> {
    let mut r = Reader { bytes, pos: 0 };
    let magic_len = MAGIC.len().min(bytes.len());
    if bytes[..magic_len] != MAGIC[..magic_len] {
        return Err(KeyFileError::NotAKeyFile);
    }
    r.take(MAGIC.len())?;
    let version = r.u8()?;
    if version > FILE_VERSION {
        return Err(KeyFileError::NewerVersion {
            found: version,
            supported: FILE_VERSION,
        });
    }
    let kind = r.u8()?;
    let protector_len = r.u8()?;
    let protector = r.take(usize::from(protector_len))?;
    let prefix_end = r.pos;
    let wrap_len = u16::from_be_bytes(r.array()?);
    let wrap = r.take(usize::from(wrap_len))?;
    let nonce: &[u8; NONCE_LEN] = r.take(NONCE_LEN)?.try_into().expect("NONCE_LEN bytes");
    let body_len = u32::from_be_bytes(r.array()?) as usize;
    if body_len > MAX_BODY {
        return Err(KeyFileError::Damaged {
            reason: "the body length is out of range",
        });
    }
    let header_end = r.pos;
    let body = r.take(body_len)?;
    let covered = r.pos;
    let checksum = r.take(CHECKSUM_LEN)?;
    if r.pos != bytes.len() {
        return Err(KeyFileError::Damaged {
            reason: "bytes follow the checksum",
        });
    }
    if Sha256::digest(&bytes[..covered]).as_slice() != checksum {
        return Err(KeyFileError::Damaged {
            reason: "its SHA-256 checksum does not match its content",
        });
    }
    // Past the checksum, these can only be wrong if a writer was wrong.
    if version == 0 {
        return Err(KeyFileError::Damaged {
            reason: "format version 0 does not exist",
        });
    }
    let kind = Kind::from_byte(kind).ok_or(KeyFileError::Damaged {
        reason: "unknown key file kind",
    })?;
    let protector = std::str::from_utf8(protector)
        .ok()
        .filter(|p| p.is_ascii() && !p.is_empty())
        .ok_or(KeyFileError::Damaged {
            reason: "the protector id is not ASCII",
        })?;
    Ok(Container {
        kind,
        protector,
        wrap,
        nonce,
        body,
        header: &bytes[..header_end],
        prefix: &bytes[..prefix_end],
    })
}

struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    fn take(&mut self, n: usize) -> Result<&'a [u8], KeyFileError> {
        let end = self
            .pos
            .checked_add(n)
            .filter(|&end| end <= self.bytes.len())
            .ok_or(KeyFileError::Truncated {
                expected: self.pos.saturating_add(n).saturating_add(CHECKSUM_LEN),
                found: self.bytes.len(),
            })?;
        let out = &self.bytes[self.pos..end];
        self.pos = end;
        Ok(out)
    }

    fn u8(&mut self) -> Result<u8, KeyFileError> {
        Ok(self.take(1)?[0])
    }

    fn array<const N: usize>(&mut self) -> Result<[u8; N], KeyFileError> {
        Ok(self.take(N)?.try_into().expect("N bytes"))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn sample() -> Vec<u8> {
        let head = header(prefix(Kind::Keyring, "kek").unwrap(), &[7; 60], &[9; 12], 5).unwrap();
        finish(head, b"abcde")
    }

    #[test]
    fn parses_what_it_writes() {
        let bytes = sample();
        let c = parse(&bytes).unwrap();
        assert_eq!(c.kind, Kind::Keyring);
        assert_eq!(c.protector, "kek");
        assert_eq!(c.wrap, &[7; 60]);
        assert_eq!(c.nonce, &[9; 12]);
        assert_eq!(c.body, b"abcde");
        assert_eq!(c.prefix, &bytes[..MAGIC.len() + 3 + 3]);
        assert_eq!(c.header.len(), c.prefix.len() + 2 + 60 + 12 + 4);
    }

    #[test]
    fn every_truncation_is_truncated_or_not_a_key_file() {
        let bytes = sample();
        for len in 0..bytes.len() {
            match parse(&bytes[..len]) {
                Err(KeyFileError::Truncated { found, .. }) => assert_eq!(found, len),
                Err(KeyFileError::NotAKeyFile) if len == 0 => {}
                other => panic!("length {len}: {other:?}"),
            }
        }
    }

    #[test]
    fn every_bit_flip_is_refused() {
        let bytes = sample();
        for i in 0..bytes.len() * 8 {
            let mut flipped = bytes.clone();
            flipped[i / 8] ^= 1 << (i % 8);
            assert!(parse(&flipped).is_err(), "bit {i}");
        }
    }

    #[test]
    fn the_largest_file_is_the_one_format_md_states() {
        assert_eq!(MAX_FILE_LEN, (1 << 26) + 65_857);
        let head = header(
            prefix(Kind::Bundle, &"p".repeat(255)).unwrap(),
            &vec![0; 0xffff],
            &[0; NONCE_LEN],
            MAX_BODY,
        )
        .unwrap();
        assert_eq!(head.len() + MAX_BODY + CHECKSUM_LEN, MAX_FILE_LEN as usize);
    }

    #[test]
    fn newer_versions_and_foreign_files_are_named() {
        let mut newer = sample();
        newer[MAGIC.len()] = 2;
        assert!(matches!(
            parse(&newer),
            Err(KeyFileError::NewerVersion {
                found: 2,
                supported: 1
            })
        ));
        assert!(matches!(
            parse(b"{\"keys\": []}"),
            Err(KeyFileError::NotAKeyFile)
        ));
    }
}
