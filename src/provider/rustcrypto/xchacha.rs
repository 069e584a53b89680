//! XChaCha20-Poly1305 with pure-Rust crates: a portable implementation for short values, RustCrypto's
//! chacha20poly1305 for long ones.
//!
//! RustCrypto's poly1305 chooses its AVX2 backend at run time on every CPU that has AVX2, and that
//! backend sets itself up for each message: about 3,500 instructions, 0.8 µs for the six blocks a
//! 24-byte field and its associated data make (callgrind and timing, BENCHMARKS.md "Providers").
//! Its soft backend can be chosen only by a `--cfg` flag of the final binary, which a library
//! cannot set. So short values go through HChaCha20 (RustCrypto's `chacha20::hchacha`) and
//! rust-bitcoin's `chacha20-poly1305`, a portable IETF ChaCha20-Poly1305 without that set-up;
//! from [`LONG_FROM`] bytes on, RustCrypto's AVX2 code pays for itself and
//! `chacha20poly1305::XChaCha20Poly1305` takes over. Measured, raw AEAD into a new buffer:
//!
//! | value | chacha20poly1305 0.10 | HChaCha20 + chacha20-poly1305 0.2 |
//! |---|---|---|
//! | 24 B | 1.52 µs | 0.42 µs |
//! | 256 B | 1.57 µs | 0.95 µs |
//! | 1 KiB | 2.21 µs | 2.97 µs |
//! | 4 KiB | 4.48 µs | 10.8 µs |
//!
//! Both are the same AEAD (the Wycheproof vectors run through both sides of the threshold).

use chacha20poly1305::aead::{AeadInPlace as _, KeyInit as _};
use chacha20poly1305::{XChaCha20Poly1305, XNonce};
use zeroize::Zeroizing;

use crate::aead::raw::XCHACHA_NONCE_LEN;
use crate::aead::{TAG_LEN, split_tag};
use crate::provider::{ProviderAead, hchacha};
use crate::secret::{KEY_LEN, SecretKey};

/// Values of this many bytes or more go through RustCrypto's chacha20poly1305 (see the module
/// documentation for the measurement).
pub(crate) const LONG_FROM: usize = 512;

/// One XChaCha20-Poly1305 key. The key bytes are wiped when dropped; chacha20poly1305 0.10 keeps
/// its key in a `Key` it zeroizes on drop.
pub(crate) struct RustCryptoXChaCha {
    long: XChaCha20Poly1305,
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl RustCryptoXChaCha {
    fn short(&self, nonce: &[u8; XCHACHA_NONCE_LEN]) -> chacha20_poly1305::ChaCha20Poly1305 {
        let (subkey, ietf) = hchacha::split(&self.key, nonce);
        chacha20_poly1305::ChaCha20Poly1305::new(
            chacha20_poly1305::Key::new(*subkey),
            chacha20_poly1305::Nonce::new(ietf),
        )
    }
}

impl ProviderAead<XCHACHA_NONCE_LEN> for RustCryptoXChaCha {
    fn new(key: &SecretKey) -> Self {
        Self {
            long: XChaCha20Poly1305::new(key.expose_secret().into()),
            key: Zeroizing::new(*key.expose_secret()),
        }
    }

    #[inline]
    fn seal(&self, nonce: &[u8; XCHACHA_NONCE_LEN], aad: &[u8], sealed: &mut [u8]) {
        let (buf, slot) = split_tag(sealed);
        if buf.len() < LONG_FROM {
            *slot = self.short(nonce).encrypt(buf, Some(aad));
        } else {
            slot.copy_from_slice(
                &self
                    .long
                    .encrypt_in_place_detached(XNonce::from_slice(nonce), aad, buf)
                    .expect("plaintext length is bounded far below the XChaCha20-Poly1305 limit"),
            );
        }
    }

    #[inline]
    fn open(
        &self,
        nonce: &[u8; XCHACHA_NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        if buf.len() < LONG_FROM {
            self.short(nonce)
                .decrypt(buf, *tag, Some(aad))
                .map_err(|_| ())
        } else {
            self.long
                .decrypt_in_place_detached(
                    XNonce::from_slice(nonce),
                    aad,
                    buf,
                    chacha20poly1305::Tag::from_slice(tag),
                )
                .map_err(|_| ())
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Both implementations are XChaCha20-Poly1305: around the threshold (and far from it), each
    /// seals the bytes the other does and opens what the other sealed.
    #[test]
    fn both_sides_of_the_threshold_are_the_same_aead() {
        let key = SecretKey::from_bytes(Zeroizing::new([0x24; KEY_LEN]));
        let cipher = RustCryptoXChaCha::new(&key);
        let nonce: [u8; XCHACHA_NONCE_LEN] = std::array::from_fn(|i| i as u8);
        for len in [0, 1, 24, LONG_FROM - 1, LONG_FROM, LONG_FROM + 1, 5000] {
            let pt: Vec<u8> = (0..len).map(|i| (i * 5) as u8).collect();
            let (mut short, mut long) = (pt.clone(), pt.clone());
            let short_tag = cipher.short(&nonce).encrypt(&mut short, Some(b"aad"));
            let long_tag: [u8; TAG_LEN] = cipher
                .long
                .encrypt_in_place_detached(XNonce::from_slice(&nonce), b"aad", &mut long)
                .unwrap()
                .into();
            assert_eq!((&short, short_tag), (&long, long_tag), "{len} B");
            let mut buf = long.clone();
            assert_eq!(cipher.open(&nonce, b"aad", &mut buf, &long_tag), Ok(()));
            assert_eq!(buf, pt);
            let mut sealed = pt.clone();
            sealed.resize(len + TAG_LEN, 0);
            cipher.seal(&nonce, b"aad", &mut sealed);
            assert_eq!(sealed[..len], short, "{len} B");
            assert_eq!(sealed[len..], short_tag, "{len} B");
        }
    }
}
