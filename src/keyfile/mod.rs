//! Key files (FORMAT.md §14): keyrings and service key bundles on disk, encrypted under a key
//! from a [`KeyProtector`], saved atomically.
//!
//! Layers: [`container`] and [`body`] are bytes only; this file seals and opens a container;
//! [`protector`] and [`passphrase`] wrap the file key, as do [`kms`] (a KMS client's) and, with
//! feature `pkcs11`, `pkcs11` (an HSM's); [`atomic`] reads (capped) and writes
//! files; [`lock`] keeps administrators one at a time; [`keyring_file`], [`locked`] and
//! [`bundle`] are the public faces.

#[cfg(feature = "tokio")]
mod async_load;
mod atomic;
mod audit_body;
mod body;
mod bundle;
mod container;
mod index_body;
mod keyring_file;
mod kms;
pub(crate) mod lock;
mod locked;
mod passphrase;
mod passphrase_file;
#[cfg(feature = "pkcs11")]
mod pkcs11;
mod protector;

use aes_gcm::aead::{AeadInPlace as _, KeyInit as _};
use aes_gcm::{Aes256Gcm, Nonce, Tag};
use zeroize::Zeroizing;

#[cfg(feature = "tokio")]
pub use async_load::SharedProtector;
#[cfg(feature = "tokio")]
pub(crate) use async_load::blocking;
pub use bundle::KeyBundle;
pub(crate) use container::Kind;
pub use kms::{KmsBinding, KmsClient, KmsProtector};
pub use lock::KeyringLock;
pub use locked::LockedKeyring;
pub use passphrase::{Argon2Params, Passphrase};
#[cfg(feature = "pkcs11")]
pub use pkcs11::{Pkcs11Key, Pkcs11Protector};
pub use protector::{Kek, KeyProtector};

use crate::error::{KeyFileError, Result};

/// Reads a key file as [`KeyBundle::load`] does (capped at the largest key file).
#[cfg(feature = "tokio")]
pub(crate) fn read_key_file(path: &std::path::Path) -> Result<Vec<u8>> {
    atomic::read(path)
}

/// A digest of a whole key file: what a reload compares to tell a changed file. Not the file's
/// own checksum (FORMAT.md §14.1, its last 32 bytes): a file damaged before them keeps those,
/// and its reload must fail, not answer "unchanged".
#[cfg(feature = "tokio")]
pub(crate) fn file_checksum(bytes: &[u8]) -> [u8; 32] {
    use sha2::Digest as _;
    sha2::Sha256::digest(bytes).into()
}
use crate::secret::SecretKey;

const TAG_LEN: usize = 16;

/// Seals `body` in a key file of `kind` (FORMAT.md §14.2): a fresh file key, wrapped by
/// `protector`, encrypts the body with AES-256-GCM, the header as associated data.
pub(crate) fn seal_file(kind: Kind, body: &[u8], protector: &dyn KeyProtector) -> Result<Vec<u8>> {
    let prefix = container::prefix(kind, protector.id())?;
    let file_key = SecretKey::generate()?;
    let wrap = protector.wrap(&file_key, &prefix)?;
    let mut nonce = [0; container::NONCE_LEN];
    crate::rng::os_random(&mut nonce)?;
    let header = container::header(prefix, &wrap, &nonce, body.len() + TAG_LEN)?;
    let mut sealed = Zeroizing::new(Vec::with_capacity(body.len() + TAG_LEN));
    sealed.extend_from_slice(body);
    let tag = Aes256Gcm::new(file_key.expose_secret().into())
        .encrypt_in_place_detached(Nonce::from_slice(&nonce), &header, &mut sealed[..])
        .map_err(|_| KeyFileError::Invalid {
            reason: "body too large to encrypt".to_owned(),
        })?;
    sealed.extend_from_slice(&tag);
    Ok(container::finish(header, &sealed))
}

/// Opens a key file of `kind`, returning its body. Checks, in order: the container
/// ([`container::parse`]), the kind, the protector id, the unwrap, the body's authentication.
pub(crate) fn open_file(
    bytes: &[u8],
    kind: Kind,
    protector: &dyn KeyProtector,
) -> Result<Zeroizing<Vec<u8>>> {
    let file = container::parse(bytes)?;
    if file.kind != kind {
        return Err(KeyFileError::WrongKind {
            expected: kind.name(),
            found: file.kind.name(),
        }
        .into());
    }
    if file.protector != protector.id() {
        return Err(KeyFileError::WrongProtector {
            found: file.protector.to_owned(),
            given: protector.id().to_owned(),
            hint: protector::hint(file.protector),
        }
        .into());
    }
    let file_key = protector.unwrap(file.wrap, file.prefix)?;
    let Some(ct_len) = file.body.len().checked_sub(TAG_LEN) else {
        return Err(KeyFileError::Tampered.into());
    };
    let mut body = Zeroizing::new(file.body[..ct_len].to_vec());
    Aes256Gcm::new(file_key.expose_secret().into())
        .decrypt_in_place_detached(
            Nonce::from_slice(file.nonce),
            file.header,
            &mut body[..],
            Tag::from_slice(&file.body[ct_len..]),
        )
        .map_err(|_| KeyFileError::Tampered)?;
    Ok(body)
}
