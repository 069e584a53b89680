//! FORMAT.md §15.2: wrapping a subject's data key under a purpose key version, bound to where it
//! belongs.
//!
//! ```text
//! KEK       = HKDF-Expand[info = "fieldseal/v1/vault-wrap"](PK_v, 32)
//! entry_aad = "fieldseal/v1/vault-entry" || keyring_id[16] || lp(subject) || lp(purpose)
//!             || u32be(generation) || u32be(v) || u64be(created) || u64be(expires, 0 = none)
//! wrapped   = wnonce[12] || AES-256-GCM(KEK, wnonce, DEK, aad = entry_aad)   (60 bytes)
//! ```

use zeroize::Zeroizing;

use crate::aead::TAG_LEN;
use crate::aead::raw::{AES_NONCE_LEN, AesGcm};
use crate::error::{Result, VaultError};
use crate::kdf::{self, VAULT_ENTRY_LABEL, VAULT_WRAP_LABEL};
use crate::keyring::{KeyringId, VersionKey};
use crate::rng;
use crate::secret::{self, KEY_LEN, SecretKey};
use crate::vault::records::{StoredKey, WRAPPED_LEN};

const _: () = assert!(AES_NONCE_LEN + KEY_LEN + TAG_LEN == WRAPPED_LEN);

/// The wrapping cipher of a purpose key version, built once.
fn kek(version: &VersionKey) -> &AesGcm {
    // Built once: only the first call wipes the stack it was built on.
    version.vault_wrap.get().unwrap_or_else(|| {
        secret::with_stack_wiped(|| {
            version.vault_wrap.get_or_init(|| {
                AesGcm::new(&kdf::suite_key(&version.secret, VAULT_WRAP_LABEL, &[]))
            })
        })
    })
}

/// `lp(x)` of FORMAT.md §1: a 32-bit big-endian length, then the bytes.
fn lp(out: &mut Vec<u8>, bytes: &[u8]) {
    let len = u32::try_from(bytes.len()).expect("subject ids and purposes are short");
    out.extend_from_slice(&len.to_be_bytes());
    out.extend_from_slice(bytes);
}

/// The associated data of `key` (everything but its wrapped bytes), under `keyring`.
pub(crate) fn entry_aad(keyring: KeyringId, key: &StoredKey) -> Vec<u8> {
    let mut aad = Vec::with_capacity(VAULT_ENTRY_LABEL.len() + 16 + 8 + key.subject.len() + 64);
    aad.extend_from_slice(VAULT_ENTRY_LABEL);
    aad.extend_from_slice(keyring.as_bytes());
    lp(&mut aad, &key.subject);
    lp(&mut aad, key.purpose.as_bytes());
    aad.extend_from_slice(&key.generation.to_be_bytes());
    aad.extend_from_slice(&key.key_version.to_be_bytes());
    aad.extend_from_slice(&key.created.to_be_bytes());
    aad.extend_from_slice(&key.expires.unwrap_or(0).to_be_bytes());
    aad
}

/// Fills `key.wrapped` with `dek` wrapped under `version` (whose number `key.key_version` must
/// be).
pub(crate) fn wrap(
    keyring: KeyringId,
    version: &VersionKey,
    key: &mut StoredKey,
    dek: &SecretKey,
) -> Result<()> {
    debug_assert_eq!(key.key_version, version.version);
    let mut nonce = [0u8; AES_NONCE_LEN];
    rng::os_random(&mut nonce)?;
    let aad = entry_aad(keyring, key);
    let (head, sealed) = key.wrapped.split_at_mut(AES_NONCE_LEN);
    head.copy_from_slice(&nonce);
    sealed[..KEY_LEN].copy_from_slice(dek.expose_secret());
    kek(version).seal(&nonce, &aad, sealed);
    Ok(())
}

/// The data key wrapped in `key`, under `version` (the purpose key version `key.key_version`).
///
/// # Errors
/// [`VaultError::Corrupt`] if it does not unwrap: the row was changed, belongs to another keyring
/// or another (subject, purpose), or the purpose key is not the one that wrapped it.
pub(crate) fn unwrap(
    keyring: KeyringId,
    version: &VersionKey,
    key: &StoredKey,
) -> Result<SecretKey> {
    let aad = entry_aad(keyring, key);
    let (nonce, rest) = key.wrapped.split_at(AES_NONCE_LEN);
    let (body, tag) = rest.split_at(KEY_LEN);
    let nonce: &[u8; AES_NONCE_LEN] = nonce.try_into().expect("12 bytes");
    let tag: &[u8; TAG_LEN] = tag.try_into().expect("16 bytes");
    let mut dek = Zeroizing::new([0u8; KEY_LEN]);
    dek.copy_from_slice(body);
    kek(version)
        .open(nonce, &aad, dek.as_mut(), tag)
        .map_err(|()| VaultError::Corrupt {
            reason: format!(
                "the data key of purpose `{}` (generation {}, wrapped under key version {}) does \
                 not unwrap: the vault row was altered, or belongs to another keyring or another \
                 subject",
                key.purpose, key.generation, key.key_version
            ),
        })?;
    Ok(SecretKey::from_bytes(dek))
}

#[cfg(test)]
mod tests {
    use aes_gcm::aead::{AeadInPlace as _, KeyInit as _};

    use super::*;
    use crate::provider::Provider;

    /// Under every provider, a wrapped data key is FORMAT.md §15.2's 60 bytes as RustCrypto's
    /// aes-gcm computes them directly (nonce, ciphertext, tag under the wrapping key, with the
    /// entry's associated data), and unwraps to the key.
    #[test]
    fn a_wrapped_key_is_aes_gcm_of_the_key_under_every_provider() {
        for &provider in Provider::ALL {
            let version = VersionKey::new(3, SecretKey::from_bytes(Zeroizing::new([7; KEY_LEN])));
            let kek_key = kdf::suite_key(&version.secret, VAULT_WRAP_LABEL, &[]);
            // This provider's cipher, in the slot `kek` fills on first use.
            let _ = version
                .vault_wrap
                .set(AesGcm::with_provider(provider, &kek_key));
            let dek = SecretKey::from_bytes(Zeroizing::new([0x42; KEY_LEN]));
            let mut key = StoredKey {
                subject: b"subj".to_vec(),
                purpose: "fulfillment".into(),
                generation: 1,
                key_version: 3,
                created: 5,
                expires: Some(9),
                wrapped: [0xee; WRAPPED_LEN],
            };
            let keyring = KeyringId::from_bytes([1; 16]);
            wrap(keyring, &version, &mut key, &dek).unwrap();

            let reference = aes_gcm::Aes256Gcm::new_from_slice(kek_key.expose_secret()).unwrap();
            let mut body = [0x42; KEY_LEN];
            let tag = reference
                .encrypt_in_place_detached(
                    key.wrapped[..AES_NONCE_LEN].into(),
                    &entry_aad(keyring, &key),
                    &mut body,
                )
                .unwrap();
            assert_eq!(
                key.wrapped[AES_NONCE_LEN..AES_NONCE_LEN + KEY_LEN],
                body,
                "{provider}"
            );
            assert_eq!(
                key.wrapped[AES_NONCE_LEN + KEY_LEN..],
                tag[..],
                "{provider}"
            );
            let back = unwrap(keyring, &version, &key).unwrap();
            assert_eq!(back.expose_secret(), &[0x42; KEY_LEN], "{provider}");
        }
    }
}
