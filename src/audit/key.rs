//! A service's audit key (FORMAT.md §18.1): what appends to and verifies its own log, and nothing
//! else. One key per audit key version in use; the newest appends.

use std::fmt;
use std::sync::Arc;

use hmac::Hmac;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::kdf::{self, AUDIT_PSEUDONYM_LABEL};
use crate::secret::{KEY_LEN, SecretKey};

/// One version of a service's audit key, with the keys derived from it.
pub(crate) struct AuditVersionKey {
    pub(crate) version: u32,
    pub(crate) ak: SecretKey,
    /// HMAC state keyed with `CK` (the chain of the file log).
    #[cfg(feature = "audit-log")]
    pub(crate) chain: Hmac<Sha256>,
    /// HMAC state keyed with `NK` (pseudonyms).
    pub(crate) pseudonym: Hmac<Sha256>,
}

impl AuditVersionKey {
    fn new(version: u32, ak: SecretKey) -> Self {
        let expand = |label: &[u8]| {
            let mut out = Zeroizing::new([0u8; KEY_LEN]);
            kdf::hkdf_expand_sha256(ak.expose_secret(), &[label], out.as_mut())
                .expect("a 32-byte PRK and a 32-byte output are valid for HKDF-SHA256");
            out
        };
        #[cfg(feature = "audit-log")]
        let chain = crate::audit::ids::pseudonym_state(&expand(kdf::AUDIT_CHAIN_LABEL));
        let pseudonym = crate::audit::ids::pseudonym_state(&expand(AUDIT_PSEUDONYM_LABEL));
        Self {
            version,
            ak,
            #[cfg(feature = "audit-log")]
            chain,
            pseudonym,
        }
    }

    /// The Ed25519 key that signs this version's checkpoints (FORMAT.md §18.1).
    #[cfg(feature = "audit-log")]
    pub(crate) fn signing_key(&self) -> ed25519_dalek::SigningKey {
        let mut seed = Zeroizing::new([0u8; KEY_LEN]);
        kdf::hkdf_expand_sha256(
            self.ak.expose_secret(),
            &[kdf::AUDIT_SIGNING_LABEL],
            seed.as_mut(),
        )
        .expect("a 32-byte PRK and a 32-byte output are valid for HKDF-SHA256");
        ed25519_dalek::SigningKey::from_bytes(&seed)
    }
}

/// The audit key of one service: every audit key version in use (FORMAT.md §18.1), the newest
/// appending. It keys the chain of the service's log, its checkpoints' signatures and the
/// pseudonyms of ids; it opens no value. A service gets its own in its bundle
/// ([`KeyBundle::audit_key`](crate::KeyBundle::audit_key)); the keyring derives every service's
/// ([`Keyring::audit_key`](crate::Keyring::audit_key)).
///
/// Not `Clone` (share it with [`share`](Self::share)), not `Serialize`, redacted in `Debug`.
pub struct AuditKey {
    inner: Arc<Inner>,
}

struct Inner {
    service: String,
    /// Ascending by version, never empty; the last appends.
    versions: Vec<AuditVersionKey>,
}

impl AuditKey {
    /// From audit keys (`AK`) given per version, ascending or not. `None` if none is given.
    pub(crate) fn from_versions(
        service: &str,
        versions: impl IntoIterator<Item = (u32, SecretKey)>,
    ) -> Option<Self> {
        let mut versions: Vec<AuditVersionKey> = versions
            .into_iter()
            .map(|(v, ak)| AuditVersionKey::new(v, ak))
            .collect();
        if versions.is_empty() {
            return None;
        }
        versions.sort_by_key(|v| v.version);
        versions.dedup_by_key(|v| v.version);
        Some(Self {
            inner: Arc::new(Inner {
                service: service.to_owned(),
                versions,
            }),
        })
    }

    /// Another handle on the same key.
    #[must_use]
    pub fn share(&self) -> Self {
        Self {
            inner: Arc::clone(&self.inner),
        }
    }

    /// The service whose log this key keeps.
    pub fn service(&self) -> &str {
        &self.inner.service
    }

    /// The audit key versions held, ascending.
    pub fn versions(&self) -> Vec<u32> {
        self.inner.versions.iter().map(|v| v.version).collect()
    }

    /// The version new log files are written under.
    pub fn current_version(&self) -> u32 {
        self.current().version
    }

    pub(crate) fn current(&self) -> &AuditVersionKey {
        self.inner
            .versions
            .last()
            .expect("an audit key holds a version")
    }

    pub(crate) fn version(&self, version: u32) -> Option<&AuditVersionKey> {
        self.inner.versions.iter().find(|v| v.version == version)
    }

    /// The key pseudonyms are computed with: that of the current version.
    pub(crate) fn pseudonym_state(&self) -> Hmac<Sha256> {
        self.current().pseudonym.clone()
    }

    /// The pseudonym of an id under `version` (FORMAT.md §18.1), as a log of that version writes
    /// it; `None` for a version not held.
    pub fn pseudonym(&self, version: u32, id: &[u8]) -> Option<[u8; 16]> {
        self.version(version)
            .map(|v| crate::audit::ids::pseudonym(&v.pseudonym, id))
    }

    /// The public key that verifies the checkpoints of `version` (Ed25519, 32 bytes): publish it
    /// where checkpoints are anchored, so that anyone can check an anchored checkpoint without
    /// holding the audit key. `None` for a version not held.
    #[cfg(feature = "audit-log")]
    pub fn checkpoint_public_key(&self, version: u32) -> Option<[u8; 32]> {
        self.version(version)
            .map(|v| v.signing_key().verifying_key().to_bytes())
    }

    /// The raw `AK` of one version, for the bundle writer.
    pub(crate) fn export_version(&self, version: u32) -> Option<&[u8; KEY_LEN]> {
        self.version(version).map(|v| v.ak.expose_secret())
    }
}

impl fmt::Debug for AuditKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("AuditKey")
            .field("service", &self.inner.service)
            .field("versions", &self.versions())
            .field("keys", &"[REDACTED]")
            .finish()
    }
}
