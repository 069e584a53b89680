//! AES-256-GCM with RustCrypto: aes-gcm 0.10 for small values, aes-gcm 0.11 for large ones.
//!
//! Measured on the project machine (Intel Xeon, AES-NI, VAES, AVX-512; BENCHMARKS.md "Providers"),
//! raw AEAD into a new buffer with 47 bytes of associated data:
//!
//! | value | aes-gcm 0.10 (aes 0.8) | aes-gcm 0.11 (aes 0.9) |
//! |---|---|---|
//! | 24 B | 145 ns | 261 ns |
//! | 256 B | 278 ns | 260 ns |
//! | 4 KiB | 2.79 µs | 1.29 µs |
//! | 1 MiB | 0.74 ms | 0.33 ms |
//!
//! 0.10's GHASH handles one block at a time; 0.11's aes and polyval process several blocks in
//! parallel but pay more per message to set them up. The crossing is at about 256 bytes, so a
//! value of [`LARGE_FROM`] bytes or more goes through 0.11. Both produce the bytes of AES-256-GCM
//! (the Wycheproof vectors run through both sides of the threshold). The 0.11 cipher is built on
//! the first large value only: most keys never see one, and its key set-up (about 120 ns) would
//! otherwise be added to every epoch an opener meets.

use std::sync::OnceLock;

use aes_gcm::aead::{AeadInPlace as _, KeyInit as _};
use aes_gcm_large::aead::{AeadInOut as _, KeyInit as _};
use zeroize::Zeroizing;

use crate::aead::raw::AES_NONCE_LEN;
use crate::aead::{TAG_LEN, split_tag};
use crate::provider::ProviderAead;
use crate::secret::{KEY_LEN, SecretKey};

/// Values of this many bytes or more are sealed and opened with aes-gcm 0.11 (see the module
/// documentation for the measurement).
pub(crate) const LARGE_FROM: usize = 256;

/// One AES-256-GCM key, both ways. Every field is wiped when dropped: the key bytes by
/// `Zeroizing`, both key schedules and GHASH keys by the crates' `zeroize` features.
pub(crate) struct RustCryptoAes {
    small: aes_gcm::Aes256Gcm,
    /// Boxed: an empty `OnceLock` of the cipher itself would be a kilobyte of uninitialised
    /// bytes, copied from whatever the stack held (the key schedule `small` was just built from,
    /// say) every time this struct moves, and freed unwiped (tests/zeroize.rs found such a copy).
    large: OnceLock<Box<aes_gcm_large::Aes256Gcm>>,
    /// For building `large` on first use.
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl RustCryptoAes {
    #[inline]
    fn large(&self) -> &aes_gcm_large::Aes256Gcm {
        self.large
            .get_or_init(|| Box::new(aes_gcm_large::Aes256Gcm::new((&*self.key).into())))
    }
}

impl ProviderAead<AES_NONCE_LEN> for RustCryptoAes {
    fn new(key: &SecretKey) -> Self {
        Self {
            small: aes_gcm::Aes256Gcm::new(key.expose_secret().into()),
            large: OnceLock::new(),
            key: Zeroizing::new(*key.expose_secret()),
        }
    }

    #[inline]
    fn seal(&self, nonce: &[u8; AES_NONCE_LEN], aad: &[u8], sealed: &mut [u8]) {
        let (buf, slot) = split_tag(sealed);
        if buf.len() < LARGE_FROM {
            slot.copy_from_slice(
                &self
                    .small
                    .encrypt_in_place_detached(nonce.into(), aad, buf)
                    .expect("plaintext length is bounded far below the AES-GCM limit"),
            );
        } else {
            slot.copy_from_slice(
                &self
                    .large()
                    .encrypt_inout_detached(nonce.into(), aad, buf.into())
                    .expect("plaintext length is bounded far below the AES-GCM limit"),
            );
        }
    }

    #[inline]
    fn open(
        &self,
        nonce: &[u8; AES_NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        if buf.len() < LARGE_FROM {
            self.small
                .decrypt_in_place_detached(nonce.into(), aad, buf, tag.into())
                .map_err(|_| ())
        } else {
            self.large()
                .decrypt_inout_detached(nonce.into(), aad, buf.into(), tag.into())
                .map_err(|_| ())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both implementations are AES-256-GCM: around the threshold (and far from it), each seals
    /// the bytes the other does and opens what the other sealed.
    #[test]
    fn both_sides_of_the_threshold_are_the_same_aead() {
        let key = SecretKey::from_bytes(Zeroizing::new([0x42; KEY_LEN]));
        let cipher = RustCryptoAes::new(&key);
        let nonce = [7u8; AES_NONCE_LEN];
        for len in [0, 1, 17, LARGE_FROM - 1, LARGE_FROM, LARGE_FROM + 1, 5000] {
            let pt: Vec<u8> = (0..len).map(|i| (i * 7) as u8).collect();
            let (mut small, mut large) = (pt.clone(), pt.clone());
            let small_tag = cipher
                .small
                .encrypt_in_place_detached(&nonce.into(), b"aad", &mut small)
                .unwrap();
            let large_tag = cipher
                .large()
                .encrypt_inout_detached(&nonce.into(), b"aad", large.as_mut_slice().into())
                .unwrap();
            assert_eq!(
                (&small, small_tag.as_slice()),
                (&large, large_tag.as_slice())
            );
            let tag: [u8; TAG_LEN] = small_tag.into();
            // Through the threshold's choice, from both sides' output.
            let mut buf = small.clone();
            assert_eq!(cipher.open(&nonce, b"aad", &mut buf, &tag), Ok(()));
            assert_eq!(buf, pt);
            let mut sealed = pt.clone();
            sealed.resize(len + TAG_LEN, 0);
            cipher.seal(&nonce, b"aad", &mut sealed);
            assert_eq!(sealed[..len], small, "{len} B");
            assert_eq!(sealed[len..], tag, "{len} B");
        }
    }
}
