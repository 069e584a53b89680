//! AEAD suites: the ciphers a purpose key version needs, built once and kept.

mod epochs;
pub(crate) mod raw;
mod suite;
#[cfg(test)]
mod wycheproof_tests;

use std::sync::OnceLock;

pub use epochs::EPOCH_LIMIT;
pub use suite::{SUITE_AES_256_GCM, SUITE_XCHACHA20_POLY1305, Suite, TAG_LEN};

use crate::error::{Error, Result};
use crate::kdf::{self, XCHACHA_KEY_LABEL};
use crate::rng;
use crate::secret::SecretKey;
use epochs::AesEpochs;
use raw::{XCHACHA_NONCE_LEN, XChaCha};

/// The ciphers of one purpose key version, built on first use of each suite.
#[derive(Default)]
pub(crate) struct SuiteCiphers {
    aes: AesEpochs,
    xchacha: OnceLock<XChaCha>,
}

impl SuiteCiphers {
    fn xchacha(&self, pk: &SecretKey) -> &XChaCha {
        self.xchacha
            .get_or_init(|| XChaCha::new(&kdf::suite_key(pk, XCHACHA_KEY_LABEL, &[])))
    }

    /// Seals `buf` in place under `suite`, writing the suite's nonce material into `nonce_out`
    /// (exactly `suite.nonce_len()` bytes) and returning the tag.
    #[inline]
    pub(crate) fn seal(
        &self,
        pk: &SecretKey,
        suite: Suite,
        nonce_out: &mut [u8],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN]> {
        debug_assert_eq!(nonce_out.len(), suite.nonce_len());
        match suite {
            Suite::Aes256Gcm => self.aes.seal(pk, nonce_out, aad, buf),
            Suite::XChaCha20Poly1305 => {
                let mut nonce = [0u8; XCHACHA_NONCE_LEN];
                for half in nonce.chunks_exact_mut(rng::DRAW_LEN) {
                    half.copy_from_slice(&rng::nonce_block().map_err(|()| Error::Rng)?);
                }
                nonce_out.copy_from_slice(&nonce);
                Ok(self.xchacha(pk).seal(&nonce, aad, buf))
            }
        }
    }

    /// Opens `buf` in place. `Err(())` on authentication failure, whatever its cause.
    #[inline]
    pub(crate) fn open(
        &self,
        pk: &SecretKey,
        suite: Suite,
        nonce_in: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        match suite {
            Suite::Aes256Gcm => self.aes.open(pk, nonce_in, aad, buf, tag),
            Suite::XChaCha20Poly1305 => {
                let nonce: &[u8; XCHACHA_NONCE_LEN] = nonce_in.try_into().map_err(|_| ())?;
                self.xchacha(pk).open(nonce, aad, buf, tag)
            }
        }
    }
}
