//! A keyring's audit key versions (FORMAT.md §18.1): each pinned to the root version active when
//! it was made, so that a root rotation changes no audit key and no log stops verifying.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::audit::key::AuditKey;
use crate::error::{AuditError, KeyringError, Result};
use crate::kdf;
use crate::keyring::Keyring;

/// One audit key version of a keyring, as its file records it (no key: the keys are derived).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct AuditVersion {
    /// The audit key version, from 1.
    pub version: u32,
    /// The root version its keys derive from, for good.
    pub root_version: u32,
    /// When it was made.
    pub created: SystemTime,
    /// Retired: its keys are no longer derived, and logs written under it no longer verify
    /// with this keyring.
    pub retired: bool,
}

impl Keyring {
    /// Adds an audit key version pinned to the active root version, and makes it the one new log
    /// files are written under; returns it. The first call gives the keyring its audit key
    /// (version 1). Versions before stay in use (their logs still verify): retire one with
    /// [`retire_audit_key`](Self::retire_audit_key) once its logs are verified and archived.
    /// Bundles exported before hold the older versions only: export them again.
    ///
    /// ```
    /// use fieldseal::{Keyring, Suite};
    /// let mut keyring = Keyring::generate(Suite::default())?;
    /// assert!(keyring.audit_key("orders").is_err(), "no audit key yet");
    /// keyring.rotate_audit_key()?;
    /// let before = keyring.audit_key("orders")?.pseudonym(1, b"1001");
    /// keyring.rotate()?; // a root rotation changes no audit key
    /// assert_eq!(keyring.audit_key("orders")?.pseudonym(1, b"1001"), before);
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`KeyringError::VersionsExhausted`].
    pub fn rotate_audit_key(&mut self) -> Result<u32> {
        let last = self.audit.last().map_or(0, |v| v.version);
        let version = last
            .checked_add(1)
            .ok_or(KeyringError::VersionsExhausted { last })?;
        let event = crate::audit::hooks::admin(self.auditor.as_ref());
        event.record(
            crate::audit::Operation::AuditKeyRotate,
            &[("version", crate::audit::Detail::Count(u64::from(version)))],
            Ok(()),
        )?;
        self.audit.push(AuditVersion {
            version,
            root_version: self.active_version(),
            created: now(),
            retired: false,
        });
        Ok(version)
    }

    /// Retires an audit key version: its keys are no longer derived, logs written under it no
    /// longer verify with this keyring (verify and archive them first, with their checkpoints),
    /// and the root version it was pinned to can be retired. Retiring a retired version does
    /// nothing.
    ///
    /// # Errors
    /// [`KeyringError::NoAuditVersion`]; [`KeyringError::RetireCurrentAudit`] for the current
    /// version.
    pub fn retire_audit_key(&mut self, version: u32) -> Result<()> {
        let present: Vec<u32> = self.audit.iter().map(|v| v.version).collect();
        let check = if present.last() == Some(&version) {
            Err(KeyringError::RetireCurrentAudit { version }.into())
        } else if present.contains(&version) {
            Ok(())
        } else {
            Err(KeyringError::NoAuditVersion { version, present }.into())
        };
        let event = crate::audit::hooks::admin(self.auditor.as_ref());
        event.record(
            crate::audit::Operation::AuditKeyRetire,
            &[("version", crate::audit::Detail::Count(u64::from(version)))],
            check,
        )?;
        if let Some(v) = self.audit.iter_mut().find(|v| v.version == version) {
            v.retired = true;
        }
        Ok(())
    }

    /// The audit key versions, ascending; the last is current.
    pub fn audit_versions(&self) -> &[AuditVersion] {
        &self.audit
    }

    /// The audit key of `service` (FORMAT.md §18.1): every audit version not retired, each derived
    /// from the root version it is pinned to. The operator verifies and queries any service's log
    /// with it.
    ///
    /// # Errors
    /// [`AuditError::NoAuditKey`] if the keyring has no audit key version
    /// ([`rotate_audit_key`](Self::rotate_audit_key) adds one); [`KeyringError::Retired`] if the
    /// root version one is pinned to was retired (which [`retire`](Self::retire) refuses).
    pub fn audit_key(&self, service: &str) -> Result<AuditKey> {
        let mut versions = Vec::new();
        for v in self.audit.iter().filter(|v| !v.retired) {
            let root = self.dangerous_root_key(v.root_version)?;
            versions.push((v.version, kdf::audit_key(root, service, v.version)));
        }
        AuditKey::from_versions(service, versions).ok_or_else(|| {
            AuditError::NoAuditKey {
                reason: "in this keyring".to_owned(),
            }
            .into()
        })
    }

    /// The audit versions in use pinned to root version `version`.
    pub(crate) fn audit_versions_pinned_to(&self, version: u32) -> Vec<u32> {
        self.audit
            .iter()
            .filter(|v| !v.retired && v.root_version == version)
            .map(|v| v.version)
            .collect()
    }
}

/// Now, to the second: the precision of the keyring file.
fn now() -> SystemTime {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    UNIX_EPOCH + Duration::from_secs(secs)
}
