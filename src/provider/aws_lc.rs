//! The aws-lc-rs provider (feature `aws-lc`): AWS-LC's AES-256-GCM and ChaCha20-Poly1305.
//!
//! Key schedules live in memory AWS-LC allocates itself (`EVP_AEAD_CTX`); `OPENSSL_free`
//! cleanses every allocation before freeing it, so they are wiped when their key is dropped.
//! They are outside Rust's allocator, so tests/zeroize.rs cannot scan them; AWS-LC's own tests
//! cover `OPENSSL_cleanse`. XChaCha20-Poly1305 builds an AWS-LC ChaCha20-Poly1305 key per message
//! from the HChaCha20 subkey ([`super::hchacha`]): an `EVP_AEAD_CTX` allocated, keyed with a copy
//! of the 32 bytes (ChaCha20 has no key schedule), and cleansed and freed after the message.

use aws_lc_rs::aead::{AES_256_GCM, Aad, CHACHA20_POLY1305, LessSafeKey, Nonce, UnboundKey};
use zeroize::Zeroizing;

use crate::aead::raw::{AES_NONCE_LEN, XCHACHA_NONCE_LEN};
use crate::aead::{TAG_LEN, split_tag};
use crate::provider::{ProviderAead, hchacha};
use crate::secret::{KEY_LEN, SecretKey};

/// One AES-256-GCM key.
pub(crate) struct AwsLcAes(LessSafeKey);

impl ProviderAead<AES_NONCE_LEN> for AwsLcAes {
    fn new(key: &SecretKey) -> Self {
        Self(LessSafeKey::new(
            UnboundKey::new(&AES_256_GCM, key.expose_secret())
                .expect("a 32-byte key is an AES-256-GCM key"),
        ))
    }

    #[inline]
    fn seal(&self, nonce: &[u8; AES_NONCE_LEN], aad: &[u8], sealed: &mut [u8]) {
        seal(&self.0, *nonce, aad, sealed);
    }

    #[inline]
    fn open(
        &self,
        nonce: &[u8; AES_NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        open(&self.0, *nonce, aad, buf, tag)
    }
}

/// One XChaCha20-Poly1305 key, wiped when dropped.
pub(crate) struct AwsLcXChaCha(Zeroizing<[u8; KEY_LEN]>);

impl AwsLcXChaCha {
    fn ietf(&self, nonce: &[u8; XCHACHA_NONCE_LEN]) -> (LessSafeKey, [u8; 12]) {
        let (subkey, ietf) = hchacha::split(&self.0, nonce);
        let key = UnboundKey::new(&CHACHA20_POLY1305, subkey.as_ref())
            .expect("a 32-byte key is a ChaCha20-Poly1305 key");
        (LessSafeKey::new(key), ietf)
    }
}

impl ProviderAead<XCHACHA_NONCE_LEN> for AwsLcXChaCha {
    fn new(key: &SecretKey) -> Self {
        Self(Zeroizing::new(*key.expose_secret()))
    }

    #[inline]
    fn seal(&self, nonce: &[u8; XCHACHA_NONCE_LEN], aad: &[u8], sealed: &mut [u8]) {
        let (key, ietf) = self.ietf(nonce);
        // The separate-tag call: with a key made for this one message, the combined call was
        // 15-20 ns slower at 24 B (providers benchmark, side by side).
        let (buf, slot) = split_tag(sealed);
        let tag = key
            .seal_in_place_separate_tag(Nonce::assume_unique_for_key(ietf), Aad::from(aad), buf)
            .expect("plaintext length is bounded far below the AEAD's limit");
        slot.copy_from_slice(tag.as_ref());
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

/// Seals through AWS-LC's scatter call, which encrypts the body in place and writes the tag
/// straight into the part's tag slot. Its separate-tag call returns the tag by value, copied twice
/// more on its way into the part, and reading it back stalled on the stores that had just written
/// it (perf, 24 B values); its combined call (`seal_in_place_append_tag`) needs a growable buffer,
/// which the slot had to imitate through three calls, and goes through `EVP_AEAD_CTX_seal`'s own
/// checks before the same `seal_scatter` (callgrind: about 90 instructions a seal more).
#[inline]
fn seal(key: &LessSafeKey, nonce: [u8; 12], aad: &[u8], sealed: &mut [u8]) {
    let (body, tag) = split_tag(sealed);
    key.seal_in_place_scatter(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        body,
        &[],
        tag,
    )
    .expect("plaintext length is bounded far below the AEAD's limit");
}

#[inline]
fn open(
    key: &LessSafeKey,
    nonce: [u8; 12],
    aad: &[u8],
    buf: &mut [u8],
    tag: &[u8; TAG_LEN],
) -> Result<(), ()> {
    key.open_in_place_separate_tag(
        Nonce::assume_unique_for_key(nonce),
        Aad::from(aad),
        tag,
        buf,
    )
    .map(|_| ())
    .map_err(|_| ())
}
