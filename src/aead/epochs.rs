//! AES-256-GCM epochs: how one purpose key seals far more than 2^32 values safely and cheaply.
//!
//! Random 96-bit nonces under one key collide with probability about n^2 / 2^97: too high past
//! 2^32 values. Deriving a fresh key per value would fix that but costs an HKDF and an AES key
//! set-up (about 300 ns) per value. So a sealer derives one key per *epoch*: an 8-byte random epoch
//! id, `K_epoch = HKDF-Expand(PK, AES_EPOCH_LABEL || epoch)`, used for at most [`EPOCH_LIMIT`]
//! values and then replaced. Every value carries its epoch id beside its nonce; openers keep the
//! epoch ciphers they have built in a bounded cache. FORMAT.md §5 has the arithmetic: at 2^48
//! values per purpose key version the chance of any nonce repeating under any epoch key stays
//! below 2^-32.
//!
//! A forked child must not go on counting in its parent's epoch (both would fill it to the limit):
//! an epoch remembers the [`rng::fork_generation`] it was created under, and a seal that sees the
//! generation moved starts a new epoch.

use std::collections::HashMap;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, PoisonError, RwLock};

use crate::aead::raw::{AES_NONCE_LEN, AesGcm};
use crate::aead::suite::TAG_LEN;
use crate::error::{Error, Result};
use crate::kdf::{self, AES_EPOCH_LABEL};
use crate::rng;
use crate::secret::SecretKey;

/// FORMAT.md §5: values sealed under one epoch key, at most.
pub const EPOCH_LIMIT: u64 = 1 << 16;

/// Length of an epoch id.
pub(crate) const EPOCH_ID_LEN: usize = 8;

/// Epoch ciphers an opener keeps per purpose key version before it starts over.
const OPEN_CACHE_MAX: usize = 1024;

struct Epoch {
    id: [u8; EPOCH_ID_LEN],
    cipher: Arc<AesGcm>,
    used: AtomicU64,
    generation: u64,
}

/// The epoch state of one purpose key version.
#[derive(Default)]
pub(crate) struct AesEpochs {
    current: RwLock<Option<Epoch>>,
    opened: RwLock<HashMap<[u8; EPOCH_ID_LEN], Arc<AesGcm>>>,
}

impl AesEpochs {
    /// Seals `buf` in place; writes the 8-byte epoch id and 12-byte nonce into `nonce_out`.
    pub(crate) fn seal(
        &self,
        pk: &SecretKey,
        nonce_out: &mut [u8],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN]> {
        let block = rng::nonce_block().map_err(|()| Error::Rng)?;
        let mut nonce = [0u8; AES_NONCE_LEN];
        nonce.copy_from_slice(&block[..AES_NONCE_LEN]);
        // Read after the draw: in a forked child the draw itself moves the generation.
        let generation = rng::fork_generation();
        loop {
            {
                let current = self.current.read().unwrap_or_else(PoisonError::into_inner);
                if let Some(epoch) = current.as_ref() {
                    if epoch.generation == generation
                        && epoch.used.fetch_add(1, Ordering::Relaxed) < EPOCH_LIMIT
                    {
                        nonce_out[..EPOCH_ID_LEN].copy_from_slice(&epoch.id);
                        nonce_out[EPOCH_ID_LEN..].copy_from_slice(&nonce);
                        return Ok(epoch.cipher.seal(&nonce, aad, buf));
                    }
                }
            }
            self.start_epoch(pk, generation)?;
        }
    }

    /// Replaces the current epoch unless another thread already did.
    fn start_epoch(&self, pk: &SecretKey, generation: u64) -> Result<()> {
        let mut current = self.current.write().unwrap_or_else(PoisonError::into_inner);
        let fresh = current.as_ref().is_some_and(|e| {
            e.generation == generation && e.used.load(Ordering::Relaxed) < EPOCH_LIMIT
        });
        if fresh {
            return Ok(());
        }
        let block = rng::nonce_block().map_err(|()| Error::Rng)?;
        let mut id = [0u8; EPOCH_ID_LEN];
        id.copy_from_slice(&block[..EPOCH_ID_LEN]);
        let cipher = Arc::new(AesGcm::new(&kdf::suite_key(pk, AES_EPOCH_LABEL, &id)));
        self.remember(id, Arc::clone(&cipher));
        *current = Some(Epoch {
            id,
            cipher,
            used: AtomicU64::new(0),
            generation,
        });
        Ok(())
    }

    /// Opens `buf` in place. `Err(())` on authentication failure.
    pub(crate) fn open(
        &self,
        pk: &SecretKey,
        nonce_in: &[u8],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        let mut id = [0u8; EPOCH_ID_LEN];
        id.copy_from_slice(&nonce_in[..EPOCH_ID_LEN]);
        let mut nonce = [0u8; AES_NONCE_LEN];
        nonce.copy_from_slice(&nonce_in[EPOCH_ID_LEN..]);
        let cached = self
            .opened
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&id)
            .cloned();
        let cipher = cached.unwrap_or_else(|| {
            let cipher = Arc::new(AesGcm::new(&kdf::suite_key(pk, AES_EPOCH_LABEL, &id)));
            self.remember(id, Arc::clone(&cipher));
            cipher
        });
        cipher.open(&nonce, aad, buf, tag)
    }

    fn remember(&self, id: [u8; EPOCH_ID_LEN], cipher: Arc<AesGcm>) {
        let mut opened = self.opened.write().unwrap_or_else(PoisonError::into_inner);
        if opened.len() >= OPEN_CACHE_MAX {
            // Bounded memory under a flood of epochs (or of forged ids): start over.
            opened.clear();
        }
        opened.insert(id, cipher);
    }

    #[cfg(test)]
    pub(crate) fn epochs_cached(&self) -> usize {
        self.opened.read().unwrap().len()
    }
}
