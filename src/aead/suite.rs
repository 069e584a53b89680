//! The closed set of algorithm suites (FORMAT.md §3).

use std::fmt;

use crate::error::{Error, Result};

/// Length of the authentication tag of every suite.
pub const TAG_LEN: usize = 16;

/// A sealed body and its tag slot, split: `sealed` is a plaintext followed by [`TAG_LEN`] bytes.
///
/// # Panics
/// If `sealed` is shorter than a tag: every caller sizes it as plaintext plus tag.
#[inline]
pub(crate) fn split_tag(sealed: &mut [u8]) -> (&mut [u8], &mut [u8; TAG_LEN]) {
    sealed
        .split_last_chunk_mut::<TAG_LEN>()
        .expect("a sealed region ends in a tag slot")
}

/// Seals `buf` in place through `seal`, which takes the plaintext followed by its tag slot, and
/// hands the tag back beside what `seal` returned: for tests that keep body and tag apart.
#[cfg(test)]
pub(crate) fn seal_detached_with<R>(
    buf: &mut [u8],
    seal: impl FnOnce(&mut [u8]) -> R,
) -> (R, [u8; TAG_LEN]) {
    let mut sealed = buf.to_vec();
    sealed.extend_from_slice(&[0; TAG_LEN]);
    let returned = seal(&mut sealed);
    let (body, tag) = split_tag(&mut sealed);
    buf.copy_from_slice(body);
    (returned, *tag)
}

/// FORMAT.md §3: suite id of AES-256-GCM with derived epoch keys.
pub const SUITE_AES_256_GCM: u8 = 0x01;
/// FORMAT.md §3: suite id of XChaCha20-Poly1305.
pub const SUITE_XCHACHA20_POLY1305: u8 = 0x02;

/// An AEAD algorithm suite. A keyring seals with one suite; values of either suite open.
///
/// The set is closed: new suites come with new fieldseal releases, never from outside crates.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Default)]
#[non_exhaustive]
pub enum Suite {
    /// AES-256-GCM under a key derived per epoch of at most 2^16 values, with a 96-bit random
    /// nonce per value. The default: on servers with AES instructions it is the fastest suite for
    /// small fields (BENCHMARKS.md).
    #[default]
    Aes256Gcm,
    /// XChaCha20-Poly1305 with a 192-bit random nonce per value. For hosts without AES
    /// instructions, where it is the constant-time choice.
    XChaCha20Poly1305,
}

impl Suite {
    /// Both suites, in id order.
    pub const ALL: [Suite; 2] = [Suite::Aes256Gcm, Suite::XChaCha20Poly1305];

    /// The suite id written in every value.
    pub const fn id(self) -> u8 {
        match self {
            Suite::Aes256Gcm => SUITE_AES_256_GCM,
            Suite::XChaCha20Poly1305 => SUITE_XCHACHA20_POLY1305,
        }
    }

    /// The suite with this id.
    ///
    /// # Errors
    /// [`Error::UnknownSuite`] naming the id found.
    pub const fn from_id(id: u8) -> Result<Self> {
        match id {
            SUITE_AES_256_GCM => Ok(Suite::Aes256Gcm),
            SUITE_XCHACHA20_POLY1305 => Ok(Suite::XChaCha20Poly1305),
            found => Err(Error::UnknownSuite { found }),
        }
    }

    /// Bytes of the nonce in a value's header, shared by its parts (FORMAT.md §2, §5): the
    /// 12-byte GCM IV of AES-256-GCM, or the 24-byte nonce of XChaCha20-Poly1305.
    pub const fn nonce_len(self) -> usize {
        match self {
            Suite::Aes256Gcm => 12,
            Suite::XChaCha20Poly1305 => 24,
        }
    }

    /// Bytes of the epoch id in each part (FORMAT.md §4.2): 8 for AES-256-GCM, none for
    /// XChaCha20-Poly1305.
    pub const fn epoch_len(self) -> usize {
        match self {
            Suite::Aes256Gcm => 8,
            Suite::XChaCha20Poly1305 => 0,
        }
    }

    /// The suite's name as FORMAT.md writes it.
    pub const fn name(self) -> &'static str {
        match self {
            Suite::Aes256Gcm => "AES-256-GCM",
            Suite::XChaCha20Poly1305 => "XChaCha20-Poly1305",
        }
    }
}

impl fmt::Display for Suite {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_round_trip_and_unknown_ids_are_named() {
        for suite in Suite::ALL {
            assert_eq!(Suite::from_id(suite.id()).unwrap(), suite);
        }
        for id in [0x00, 0x03, 0xff] {
            match Suite::from_id(id) {
                Err(Error::UnknownSuite { found }) => assert_eq!(found, id),
                other => panic!("id {id}: {other:?}"),
            }
        }
    }
}
