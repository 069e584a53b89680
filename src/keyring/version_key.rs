//! One purpose key version: the derived key and the ciphers built from it.

use std::fmt;
use std::sync::OnceLock;

use crate::aead::SuiteCiphers;
use crate::aead::raw::AesGcm;
use crate::secret::SecretKey;

/// `PK` of one purpose at one root version (FORMAT.md §4.1), with its ciphers built on first use
/// and kept for the life of the key.
pub(crate) struct VersionKey {
    pub(crate) version: u32,
    pub(crate) secret: SecretKey,
    pub(crate) ciphers: SuiteCiphers,
    /// The key that wraps subjects' data keys of this purpose and version (FORMAT.md §15.2),
    /// built on first use.
    pub(crate) vault_wrap: OnceLock<AesGcm>,
}

impl VersionKey {
    pub(crate) fn new(version: u32, secret: SecretKey) -> Self {
        Self {
            version,
            secret,
            ciphers: SuiteCiphers::default(),
            vault_wrap: OnceLock::new(),
        }
    }
}

impl fmt::Debug for VersionKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("VersionKey")
            .field("version", &self.version)
            .field("secret", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}
