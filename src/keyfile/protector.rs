//! Key protectors: what encrypts a key file's file key (FORMAT.md §14.2).
//!
//! A key file's body is sealed under a fresh random *file key*; a [`KeyProtector`] wraps that file
//! key. So a protector only ever handles 32 bytes, and a KMS or an HSM (later protectors) can wrap
//! it with a key that never leaves them.

use std::fmt;

use aes_gcm::aead::{AeadInPlace as _, KeyInit as _};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use zeroize::Zeroizing;

use crate::error::{KeyFileError, Result};
use crate::secret::{KEY_LEN, SecretKey};

/// The AES-256-GCM nonce length of a wrap.
const WRAP_NONCE_LEN: usize = 12;
/// `nonce ciphertext tag` of a wrapped file key.
pub(crate) const WRAPPED_LEN: usize = WRAP_NONCE_LEN + KEY_LEN + 16;

/// Protects a key file: wraps the file's random file key, and unwraps it to load the file.
///
/// Implement it to keep the key-encryption key elsewhere (a KMS, an HSM); fieldseal provides
/// [`Passphrase`](crate::Passphrase) and [`Kek`]. The contract:
/// - [`id`](Self::id) names the protector in the file (1 to 255 ASCII bytes), and is checked
///   before [`unwrap`](Self::unwrap) is called, so a file is never handed to the wrong protector;
/// - [`wrap`](Self::wrap) must bind `aad` (the file's header) to the wrapped key, as AEAD
///   associated data, and [`unwrap`](Self::unwrap) must fail if it differs;
/// - [`unwrap`](Self::unwrap) of a wrong secret returns an error that says so, such as
///   [`KeyFileError::WrongPassphrase`], never a wrong key.
pub trait KeyProtector {
    /// The protector's id, written in the file.
    fn id(&self) -> &str;

    /// Wraps `file_key`; the bytes returned are stored in the file (at most 65,535).
    ///
    /// # Errors
    /// Whatever stops the protector (a KMS being unreachable, say).
    fn wrap(&self, file_key: &SecretKey, aad: &[u8]) -> Result<Vec<u8>>;

    /// Unwraps what [`wrap`](Self::wrap) returned.
    ///
    /// # Errors
    /// A wrong secret, or damaged wrap bytes.
    fn unwrap(&self, wrapped: &[u8], aad: &[u8]) -> Result<SecretKey>;
}

/// What the protector named `id` needs, for error messages.
pub(crate) fn hint(id: &str) -> &'static str {
    match id {
        super::passphrase::PROTECTOR_ID => "its passphrase",
        KEK_PROTECTOR_ID => "its key-encryption key (KEK)",
        "pkcs11" => "its PKCS#11 token and key",
        _ => "the protector it names (a KMS client of that id)",
    }
}

/// The id of the [`Kek`] protector.
pub(crate) const KEK_PROTECTOR_ID: &str = "kek";

/// A raw 256-bit key-encryption key given by the application, for keys kept in a secret manager
/// or fetched from a KMS at start-up. The file key is wrapped with AES-256-GCM under it.
///
/// ```
/// use fieldseal::{Kek, Keyring, SecretKey, Suite};
///
/// let kek = Kek::new(SecretKey::generate()?);
/// let keyring = Keyring::generate(Suite::default())?;
/// let file = keyring.to_protected_bytes(&kek)?;
/// assert_eq!(Keyring::from_protected_bytes(&file, &kek)?.id(), keyring.id());
/// # Ok::<(), fieldseal::Error>(())
/// ```
pub struct Kek {
    key: SecretKey,
}

impl Kek {
    /// A protector wrapping with `key`.
    pub fn new(key: SecretKey) -> Self {
        Self { key }
    }
}

impl fmt::Debug for Kek {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Kek([REDACTED])")
    }
}

impl KeyProtector for Kek {
    fn id(&self) -> &str {
        KEK_PROTECTOR_ID
    }

    fn wrap(&self, file_key: &SecretKey, aad: &[u8]) -> Result<Vec<u8>> {
        wrap_key(&self.key, file_key, aad)
    }

    fn unwrap(&self, wrapped: &[u8], aad: &[u8]) -> Result<SecretKey> {
        unwrap_key(&self.key, wrapped, aad).map_err(|()| KeyFileError::WrongKek.into())
    }
}

/// `nonce || AES-256-GCM(kek, nonce, key, aad)` with a random nonce.
pub(crate) fn wrap_key(kek: &SecretKey, key: &SecretKey, aad: &[u8]) -> Result<Vec<u8>> {
    let mut out = vec![0; WRAPPED_LEN];
    crate::rng::os_random(&mut out[..WRAP_NONCE_LEN])?;
    let (nonce, rest) = out.split_at_mut(WRAP_NONCE_LEN);
    let (body, tag) = rest.split_at_mut(KEY_LEN);
    body.copy_from_slice(key.expose_secret());
    let cipher = Aes256Gcm::new(kek.expose_secret().into());
    let computed = cipher
        .encrypt_in_place_detached(Nonce::from_slice(nonce), aad, body)
        .map_err(|_| KeyFileError::BadProtector("wrap failed".to_owned()))?;
    tag.copy_from_slice(&computed);
    Ok(out)
}

/// Opens what [`wrap_key`] made; `Err(())` when it does not authenticate.
pub(crate) fn unwrap_key(
    kek: &SecretKey,
    wrapped: &[u8],
    aad: &[u8],
) -> std::result::Result<SecretKey, ()> {
    if wrapped.len() != WRAPPED_LEN {
        return Err(());
    }
    let (nonce, rest) = wrapped.split_at(WRAP_NONCE_LEN);
    let (body, tag) = rest.split_at(KEY_LEN);
    let mut key = Zeroizing::new([0; KEY_LEN]);
    key.copy_from_slice(body);
    let cipher = Aes256Gcm::new(kek.expose_secret().into());
    cipher
        .decrypt_in_place_detached(
            Nonce::from_slice(nonce),
            aad,
            &mut key[..],
            Tag::from_slice(tag),
        )
        .map_err(|_| ())?;
    Ok(SecretKey::from_bytes(key))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn wraps_and_refuses_another_kek_or_header() {
        let kek = SecretKey::generate().unwrap();
        let key = SecretKey::generate().unwrap();
        let wrapped = wrap_key(&kek, &key, b"header").unwrap();
        assert_eq!(wrapped.len(), WRAPPED_LEN);
        assert_eq!(unwrap_key(&kek, &wrapped, b"header").unwrap(), key);
        assert!(unwrap_key(&kek, &wrapped, b"other").is_err());
        assert!(unwrap_key(&SecretKey::generate().unwrap(), &wrapped, b"header").is_err());
        assert!(unwrap_key(&kek, &wrapped[1..], b"header").is_err());
        assert_ne!(
            wrap_key(&kek, &key, b"header").unwrap(),
            wrapped,
            "fresh nonce"
        );
    }
}
