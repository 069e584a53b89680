//! The two AEADs as fieldseal calls them: in place, detached tag, one trait family (aead 0.5).
//!
//! This is the narrow waist a second backend (aws-lc-rs, say) would implement: it must produce the
//! same bytes for the same key, nonce, associated data and plaintext. The Wycheproof vectors run
//! through these functions (`super::wycheproof_tests`, and `crate::kdf_wycheproof_tests` for
//! HKDF), not only through the underlying crates.

use aes_gcm::aead::{AeadInPlace, KeyInit};
use aes_gcm::{Aes256Gcm, Nonce as AesNonce, Tag};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};

use crate::aead::suite::TAG_LEN;
use crate::secret::SecretKey;

/// AES-256-GCM nonce length.
pub(crate) const AES_NONCE_LEN: usize = 12;
/// XChaCha20-Poly1305 nonce length.
pub(crate) const XCHACHA_NONCE_LEN: usize = 24;

/// AES-256-GCM with its key schedule built once.
pub(crate) struct AesGcm(Aes256Gcm);

impl AesGcm {
    pub(crate) fn new(key: &SecretKey) -> Self {
        Self(Aes256Gcm::new(key.expose_secret().into()))
    }

    #[inline]
    pub(crate) fn seal(
        &self,
        nonce: &[u8; AES_NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> [u8; TAG_LEN] {
        self.0
            .encrypt_in_place_detached(AesNonce::from_slice(nonce), aad, buf)
            .expect("plaintext length is bounded far below the AES-GCM limit")
            .into()
    }

    /// `Err(())` on any authentication failure, with `buf` left garbled: callers discard it.
    #[inline]
    pub(crate) fn open(
        &self,
        nonce: &[u8; AES_NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        self.0
            .decrypt_in_place_detached(AesNonce::from_slice(nonce), aad, buf, Tag::from_slice(tag))
            .map_err(|_| ())
    }
}

/// XChaCha20-Poly1305 with its key set once.
pub(crate) struct XChaCha(XChaCha20Poly1305);

impl XChaCha {
    pub(crate) fn new(key: &SecretKey) -> Self {
        Self(XChaCha20Poly1305::new(key.expose_secret().into()))
    }

    #[inline]
    pub(crate) fn seal(
        &self,
        nonce: &[u8; XCHACHA_NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
    ) -> [u8; TAG_LEN] {
        self.0
            .encrypt_in_place_detached(XNonce::from_slice(nonce), aad, buf)
            .expect("plaintext length is bounded far below the XChaCha20-Poly1305 limit")
            .into()
    }

    /// `Err(())` on any authentication failure, with `buf` left garbled: callers discard it.
    #[inline]
    pub(crate) fn open(
        &self,
        nonce: &[u8; XCHACHA_NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        self.0
            .decrypt_in_place_detached(
                XNonce::from_slice(nonce),
                aad,
                buf,
                chacha20poly1305::Tag::from_slice(tag),
            )
            .map_err(|_| ())
    }
}
