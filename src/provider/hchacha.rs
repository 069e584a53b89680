//! XChaCha20-Poly1305 as every provider builds it (draft-irtf-cfrg-xchacha §2.3): the HChaCha20
//! subkey of the key and the nonce's first 16 bytes, then IETF ChaCha20-Poly1305 (RFC 8439) under
//! that subkey with the nonce `0x00000000 || nonce[16..24]`. AWS-LC and ring offer only the IETF
//! AEAD; the subkey comes from RustCrypto's `chacha20::hchacha` for all of them.

use chacha20::cipher::consts::U10;
use zeroize::Zeroizing;

use crate::aead::raw::XCHACHA_NONCE_LEN;
use crate::secret::KEY_LEN;

/// The IETF ChaCha20-Poly1305 nonce length.
pub(crate) const IETF_NONCE_LEN: usize = 12;

/// The subkey and IETF nonce of one XChaCha20-Poly1305 message. The subkey is wiped when dropped.
pub(crate) fn split(
    key: &[u8; KEY_LEN],
    nonce: &[u8; XCHACHA_NONCE_LEN],
) -> (Zeroizing<[u8; KEY_LEN]>, [u8; IETF_NONCE_LEN]) {
    // `U10`: ten double rounds, HChaCha20.
    let mut derived = chacha20::hchacha::<U10>(key.into(), nonce[..16].into());
    let mut subkey = Zeroizing::new([0u8; KEY_LEN]);
    subkey.copy_from_slice(&derived);
    zeroize::Zeroize::zeroize(derived.as_mut_slice());
    let mut ietf = [0u8; IETF_NONCE_LEN];
    ietf[4..].copy_from_slice(&nonce[16..]);
    (subkey, ietf)
}
