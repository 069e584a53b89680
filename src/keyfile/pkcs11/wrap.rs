//! FORMAT.md §14.2, protector `pkcs11`: the wrap's bytes (no token, no cryptography).
//!
//! ```text
//! wrap = key_kind:u8 key_ref_len:u8 key_ref iv[12] ciphertext[32] tag[16]
//! aad  = prefix key_kind key_ref_len key_ref
//! ```

use std::fmt;

use crate::secret::KEY_LEN;

/// The AES-GCM IV length.
pub(super) const IV_LEN: usize = 12;
/// The AES-GCM tag length, in bytes.
pub(super) const TAG_LEN: usize = 16;
/// `ciphertext tag`, as the token returns it.
pub(super) const SEALED_LEN: usize = KEY_LEN + TAG_LEN;

const KIND_LABEL: u8 = 1;
const KIND_ID: u8 = 2;

/// Which key on a PKCS#11 token wraps the file key: its label (`CKA_LABEL`) or its id
/// (`CKA_ID`), 1 to 255 bytes either way. Not secret: the key file records it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Pkcs11Key {
    /// The key's `CKA_LABEL`, UTF-8.
    Label(String),
    /// The key's `CKA_ID`, raw bytes (written as hex by people).
    Id(Vec<u8>),
}

/// `label `fieldseal-root``, or `id 0a1b`.
impl fmt::Display for Pkcs11Key {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Label(label) => write!(f, "label `{label}`"),
            Self::Id(id) => {
                f.write_str("id ")?;
                id.iter().try_for_each(|b| write!(f, "{b:02x}"))
            }
        }
    }
}

impl Pkcs11Key {
    /// `key_kind key_ref_len key_ref`, or why the reference cannot be stored.
    pub(super) fn encode(&self) -> Result<Vec<u8>, String> {
        let (kind, bytes) = match self {
            Self::Label(label) => (KIND_LABEL, label.as_bytes()),
            Self::Id(id) => (KIND_ID, id.as_slice()),
        };
        let len = u8::try_from(bytes.len())
            .ok()
            .filter(|&n| n > 0)
            .ok_or_else(|| format!("a PKCS#11 key {self} is not 1 to 255 bytes long"))?;
        let mut out = Vec::with_capacity(2 + bytes.len());
        out.extend_from_slice(&[kind, len]);
        out.extend_from_slice(bytes);
        Ok(out)
    }
}

/// A parsed `pkcs11` wrap.
pub(super) struct Wrap<'a> {
    /// The key the file names.
    pub(super) key: Pkcs11Key,
    /// `key_kind key_ref_len key_ref`: the part of the wrap the AAD covers.
    pub(super) key_part: &'a [u8],
    pub(super) iv: [u8; IV_LEN],
    /// `ciphertext tag`.
    pub(super) sealed: &'a [u8],
}

impl<'a> Wrap<'a> {
    pub(super) fn parse(wrap: &'a [u8]) -> Result<Self, &'static str> {
        let (&[kind, len], rest) = wrap.split_first_chunk::<2>().ok_or("is truncated")?;
        let len = usize::from(len);
        if len == 0 || rest.len() != len + IV_LEN + SEALED_LEN {
            return Err("has the wrong length for its key reference");
        }
        let (reference, rest) = rest.split_at(len);
        let key = match kind {
            KIND_LABEL => Pkcs11Key::Label(
                std::str::from_utf8(reference)
                    .map_err(|_| "names a key label that is not UTF-8")?
                    .to_owned(),
            ),
            KIND_ID => Pkcs11Key::Id(reference.to_vec()),
            _ => return Err("names its key neither by label (1) nor by id (2)"),
        };
        let (iv, sealed) = rest.split_at(IV_LEN);
        Ok(Self {
            key,
            key_part: &wrap[..2 + len],
            iv: iv.try_into().expect("IV_LEN bytes"),
            sealed,
        })
    }
}

/// The AES-GCM associated data: the file's prefix, then the key reference.
pub(super) fn aad(prefix: &[u8], key_part: &[u8]) -> Vec<u8> {
    [prefix, key_part].concat()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_wrap_parses_back_and_every_bad_length_is_refused() {
        let key = Pkcs11Key::Label("root".to_owned());
        let mut wrap = key.encode().unwrap();
        wrap.extend_from_slice(&[7; IV_LEN]);
        wrap.extend_from_slice(&[9; SEALED_LEN]);
        let parsed = Wrap::parse(&wrap).unwrap();
        assert_eq!(parsed.key, key);
        assert_eq!(parsed.key_part, b"\x01\x04root");
        assert_eq!(parsed.iv, [7; IV_LEN]);
        assert_eq!(parsed.sealed, &[9; SEALED_LEN]);
        for len in 0..wrap.len() {
            assert!(Wrap::parse(&wrap[..len]).is_err(), "{len}");
        }
        let mut longer = wrap.clone();
        longer.push(0);
        assert!(Wrap::parse(&longer).is_err());
        let mut kind = wrap;
        kind[0] = 3;
        assert!(Wrap::parse(&kind).is_err());
    }

    #[test]
    fn ids_show_as_hex_and_references_are_bounded() {
        assert_eq!(Pkcs11Key::Id(vec![0x0a, 0xff]).to_string(), "id 0aff");
        assert_eq!(
            Pkcs11Key::Id(vec![0x0a]).encode().unwrap(),
            vec![KIND_ID, 1, 0x0a]
        );
        assert!(Pkcs11Key::Label(String::new()).encode().is_err());
        assert!(Pkcs11Key::Id(vec![0; 256]).encode().is_err());
    }
}
