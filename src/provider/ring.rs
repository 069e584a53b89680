//! The ring provider (feature `ring`): ring's AES-256-GCM and ChaCha20-Poly1305.
//!
//! ring keeps a key schedule inline in its key type and never wipes it. fieldseal holds each ring
//! AES key in a [`Wiped`] box, which overwrites the schedule in place with that of an all-zero
//! key before the memory is freed (tests/zeroize.rs checks it under this provider too). The
//! per-message ChaCha20-Poly1305 key of XChaCha20-Poly1305 lives on the stack only, as a copy of
//! the HChaCha20 subkey ([`super::hchacha`]), whose own copy is wiped.

use ring::aead::{AES_256_GCM, Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroizing;

use crate::aead::raw::{AES_NONCE_LEN, XCHACHA_NONCE_LEN};
use crate::aead::{TAG_LEN, split_tag};
use crate::provider::{ProviderAead, hchacha};
use crate::secret::{KEY_LEN, SecretKey};

fn aes_key(key: &[u8; KEY_LEN]) -> LessSafeKey {
    LessSafeKey::new(
        UnboundKey::new(&AES_256_GCM, key).expect("a 32-byte key is an AES-256-GCM key"),
    )
}

/// A ring AES key that is overwritten before its memory is freed.
struct Wiped(LessSafeKey);

impl Drop for Wiped {
    fn drop(&mut self) {
        // An assignment writes the whole new value over the old one, in place. `black_box` keeps
        // the compiler from dropping the store as dead (the memory is freed right after).
        self.0 = aes_key(&[0; KEY_LEN]);
        std::hint::black_box(&self.0);
    }
}

/// One AES-256-GCM key.
pub(crate) struct RingAes(Wiped);

impl ProviderAead<AES_NONCE_LEN> for RingAes {
    fn new(key: &SecretKey) -> Self {
        Self(Wiped(aes_key(key.expose_secret())))
    }

    #[inline]
    fn seal(&self, nonce: &[u8; AES_NONCE_LEN], aad: &[u8], sealed: &mut [u8]) {
        seal(&self.0.0, *nonce, aad, sealed);
    }

    #[inline]
    fn open(
        &self,
        nonce: &[u8; AES_NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        open(&self.0.0, *nonce, aad, buf, tag)
    }
}

/// One XChaCha20-Poly1305 key, wiped when dropped.
pub(crate) struct RingXChaCha(Zeroizing<[u8; KEY_LEN]>);

impl RingXChaCha {
    fn ietf(&self, nonce: &[u8; XCHACHA_NONCE_LEN]) -> (LessSafeKey, [u8; 12]) {
        let (subkey, ietf) = hchacha::split(&self.0, nonce);
        let key = UnboundKey::new(&CHACHA20_POLY1305, subkey.as_ref())
            .expect("a 32-byte key is a ChaCha20-Poly1305 key");
        (LessSafeKey::new(key), ietf)
    }
}

impl ProviderAead<XCHACHA_NONCE_LEN> for RingXChaCha {
    fn new(key: &SecretKey) -> Self {
        Self(Zeroizing::new(*key.expose_secret()))
    }

    #[inline]
    fn seal(&self, nonce: &[u8; XCHACHA_NONCE_LEN], aad: &[u8], sealed: &mut [u8]) {
        let (key, ietf) = self.ietf(nonce);
        seal(&key, ietf, aad, sealed);
    }

    #[inline]
    fn open(
        &self,
        nonce: &[u8; XCHACHA_NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        let (key, ietf) = self.ietf(nonce);
        open(&key, ietf, aad, buf, tag)
    }
}

/// ring's combined call seals with a separate tag and appends it anyway, so the tag is copied
/// into its slot here.
#[inline]
fn seal(key: &LessSafeKey, nonce: [u8; 12], aad: &[u8], sealed: &mut [u8]) {
    let (buf, slot) = split_tag(sealed);
    let tag = key
        .seal_in_place_separate_tag(Nonce::assume_unique_for_key(nonce), Aad::from(aad), buf)
        .expect("plaintext length is bounded far below the AEAD's limit");
    slot.copy_from_slice(tag.as_ref());
}

#[inline]
fn open(
    key: &LessSafeKey,
    nonce: [u8; 12],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<(), ()> {
    let tag = ring::aead::Tag::from(*tag);
    key.open_in_place_separate_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        tag,
        buf,
        0..,
    )
    .map(|_| ())
    .map_err(|_| ())
}
