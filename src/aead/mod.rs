//! AEAD suites: the ciphers a purpose key version needs, built once and kept.

mod epochs;
pub(crate) mod raw;
mod suite;
#[cfg(test)]
mod wycheproof_tests;

use std::sync::OnceLock;

pub use epochs::EPOCH_LIMIT;
#[cfg(test)]
pub(crate) use suite::seal_detached_with;
pub(crate) use suite::split_tag;
pub use suite::{SUITE_AES_256_GCM, SUITE_XCHACHA20_POLY1305, Suite, TAG_LEN};

use crate::error::{Error, Result};
use crate::kdf::{self, XCHACHA_KEY_LABEL};
use crate::rng;
use crate::secret::{self, SecretKey};
use epochs::AesEpochs;
use raw::{AES_NONCE_LEN, XCHACHA_NONCE_LEN, XChaCha};

/// The ciphers of one purpose key version, built on first use of each suite.
#[derive(Default)]
pub(crate) struct SuiteCiphers {
    aes: AesEpochs,
    xchacha: OnceLock<XChaCha>,
}

impl SuiteCiphers {
    fn xchacha(&self, pk: &SecretKey) -> &XChaCha {
        // Built once: only the first call wipes the stack it was built on.
        self.xchacha.get().unwrap_or_else(|| {
            secret::with_stack_wiped(|| {
                self.xchacha
                    .get_or_init(|| XChaCha::new(&kdf::suite_key(pk, XCHACHA_KEY_LABEL, &[])))
            })
        })
    }

    /// Seals `sealed` (a plaintext followed by a [`TAG_LEN`]-byte slot for its tag) in place
    /// under `suite` with the value's `nonce`, writing the part's epoch id into `epoch_out`
    /// (exactly `suite.epoch_len()` bytes).
    #[inline]
    pub(crate) fn seal(
        &self,
        pk: &SecretKey,
        suite: Suite,
        nonce: &ValueNonce,
        epoch_out: &mut [u8],
        aad: &[u8],
        sealed: &mut [u8],
    ) -> Result<()> {
        debug_assert_eq!(epoch_out.len(), suite.epoch_len());
        match suite {
            Suite::Aes256Gcm => {
                // A fixed-size id: one 8-byte store, not a `memcpy` call of a length known only
                // at run time.
                let epoch_out = epoch_out
                    .try_into()
                    .expect("an AES-256-GCM part has an 8-byte epoch id");
                self.aes
                    .seal(pk, nonce.generation, nonce.aes_iv(), epoch_out, aad, sealed)
            }
            Suite::XChaCha20Poly1305 => {
                self.xchacha(pk).seal(&nonce.bytes, aad, sealed);
                Ok(())
            }
        }
    }

    /// Opens `buf` in place with the value's `nonce` and the part's `epoch` id. `Err(())` on
    /// authentication failure, whatever its cause.
    #[inline]
    #[allow(
        clippy::too_many_arguments,
        reason = "the AEAD's inputs, each its own slice of the value; a struct would only rename them"
    )]
    pub(crate) fn open(
        &self,
        pk: &SecretKey,
        suite: Suite,
        nonce: &[u8],
        epoch: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        match suite {
            Suite::Aes256Gcm => {
                let iv: &[u8; AES_NONCE_LEN] = nonce.try_into().map_err(|_| ())?;
                self.aes.open(pk, epoch, iv, aad, buf, tag)
            }
            Suite::XChaCha20Poly1305 => {
                let nonce: &[u8; XCHACHA_NONCE_LEN] = nonce.try_into().map_err(|_| ())?;
                self.xchacha(pk).open(nonce, aad, buf, tag)
            }
        }
    }
}

/// The nonce of one value (FORMAT.md §5), drawn once and shared by every part: each part is sealed
/// under its own key, so one nonce never meets one key twice, and a part moved into another value
/// meets another nonce and fails to open.
pub(crate) struct ValueNonce {
    /// The nonce; AES-256-GCM uses the first [`AES_NONCE_LEN`] bytes.
    bytes: [u8; XCHACHA_NONCE_LEN],
    len: usize,
    /// [`rng::fork_generation`] read after the draw.
    generation: u64,
}

impl ValueNonce {
    /// Draws a fresh nonce for `suite`: one generator draw for AES-256-GCM, two for
    /// XChaCha20-Poly1305.
    #[inline]
    pub(crate) fn draw(suite: Suite) -> Result<Self> {
        let mut nonce = Self::unset(suite);
        nonce.fill()?;
        Ok(nonce)
    }

    /// A nonce for `suite` not drawn yet: [`Self::fill`] draws it where it lies. Sealing draws in
    /// place rather than through [`Self::draw`]: moving the drawn nonce to the caller copied it
    /// in 16-byte loads over the 8- and 4-byte stores that had just written it, which the CPU
    /// cannot forward: a stall on every seal (perf showed a third of the seal path's own time
    /// on that one load).
    #[inline]
    pub(crate) fn unset(suite: Suite) -> Self {
        Self {
            bytes: [0u8; XCHACHA_NONCE_LEN],
            len: suite.nonce_len(),
            generation: 0,
        }
    }

    /// Draws this nonce afresh: one generator draw for AES-256-GCM, two for XChaCha20-Poly1305.
    #[inline]
    pub(crate) fn fill(&mut self) -> Result<()> {
        let (first, second) = self
            .bytes
            .split_first_chunk_mut::<{ rng::DRAW_LEN }>()
            .expect("two draws fill the buffer");
        rng::draw_into(first).map_err(|()| Error::Rng)?;
        if self.len > rng::DRAW_LEN {
            let second: &mut [u8; rng::DRAW_LEN] =
                second.try_into().expect("two draws fill the buffer");
            rng::draw_into(second).map_err(|()| Error::Rng)?;
        }
        // Read after the draw: in a forked child the draw itself moves the generation.
        self.generation = rng::fork_generation();
        Ok(())
    }

    /// The nonce as written in the value's header.
    #[inline]
    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.bytes[..self.len]
    }

    #[inline]
    fn aes_iv(&self) -> &[u8; AES_NONCE_LEN] {
        self.bytes[..AES_NONCE_LEN]
            .try_into()
            .expect("the buffer holds at least an AES-GCM IV")
    }
}

const _: () = assert!(
    AES_NONCE_LEN == rng::DRAW_LEN && XCHACHA_NONCE_LEN == 2 * rng::DRAW_LEN,
    "a nonce is a whole number of generator draws"
);
