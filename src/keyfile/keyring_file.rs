//! Keyring files (FORMAT.md §14.3): a keyring saved and loaded whole.

use std::path::Path;
use std::sync::PoisonError;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use zeroize::Zeroizing;

use crate::aead::Suite;
use crate::error::{KeyFileError, Result};
use crate::index::{IndexInfo, IndexVersionInfo};
use crate::keyfile::body::{Entry, ExportEntry, KeyringBody};
use crate::keyfile::index_body::{IndexDef, IndexEntry, IndexExportEntry};
use crate::keyfile::{KeyProtector, KeyringLock, Kind, atomic, open_file, seal_file};
use crate::keyring::{BundleExport, IndexExport, Keyring, KeyringId, VersionState};
use crate::purpose::DynPurpose;
use crate::secret::SecretKey;

impl Keyring {
    /// Saves the keyring to `path`, encrypted under a file key wrapped by `protector`
    /// (FORMAT.md §14). Atomic: a crash at any moment leaves the previous file or the new one,
    /// whole. The file is created readable by its owner only.
    ///
    /// Never replaces a key file that this keyring was not loaded from or last saved to, nor one
    /// changed on disk since: a new keyring saved over an existing file, or two administrators
    /// saving the same file, would otherwise destroy keys. The check and the rename are made
    /// under the file's [`KeyringLock`](crate::KeyringLock) (waiting up to
    /// [`KeyringLock::DEFAULT_TIMEOUT`](crate::KeyringLock::DEFAULT_TIMEOUT)), so another process
    /// cannot save in between. A change made to a keyring loaded with [`load`](Self::load) is
    /// refused ([`KeyFileError::WouldOverwrite`]) if another process saved the file since; load
    /// with [`load_locked`](Self::load_locked), or use [`update`](Self::update), to have changes
    /// made one after the other instead. (A process holding a [`LockedKeyring`](crate::LockedKeyring)
    /// saves with [`LockedKeyring::save`](crate::LockedKeyring::save): this would wait for its own
    /// lock.)
    ///
    /// ```
    /// use fieldseal::{Kek, Keyring, SecretKey, Suite};
    ///
    /// let dir = std::env::temp_dir().join(format!("fieldseal-doc-{}", std::process::id()));
    /// std::fs::create_dir_all(&dir).unwrap();
    /// let path = dir.join("keyring.fsk");
    ///
    /// let kek = Kek::new(SecretKey::generate()?);
    /// let mut keyring = Keyring::generate(Suite::default())?;
    /// keyring.rotate()?;
    /// keyring.save(&path, &kek)?;
    ///
    /// let loaded = Keyring::load(&path, &kek)?;
    /// assert_eq!((loaded.id(), loaded.versions()), (keyring.id(), vec![1, 2]));
    /// # std::fs::remove_dir_all(&dir).unwrap();
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`KeyFileError::WouldOverwrite`]; [`KeyFileError::Locked`]; [`KeyFileError::Io`] naming
    /// the step that failed (the previous file is untouched); whatever the protector returns.
    pub fn save(&self, path: impl AsRef<Path>, protector: &dyn KeyProtector) -> Result<()> {
        let path = path.as_ref();
        self.saved((|| {
            let bytes = self.to_protected_bytes(protector)?; // Argon2id, if any, before locking
            let _lock = KeyringLock::acquire(path, KeyringLock::DEFAULT_TIMEOUT)?;
            self.save_bytes_locked(path, &bytes)
        })())
    }

    /// A save's result, a failure recorded by the keyring's auditor (`keyring-save`, failed): the
    /// rotation or retirement it recorded as done before is not in the file, and the log says so.
    pub(crate) fn saved(&self, result: Result<()>) -> Result<()> {
        match result {
            Ok(()) => Ok(()),
            Err(e) => Err(crate::audit::hooks::admin(self.auditor()).refused(
                crate::audit::Operation::KeyringSave,
                &[],
                e,
            )),
        }
    }

    /// The check and the write of [`save`](Self::save), for a caller holding the file's lock.
    pub(crate) fn save_bytes_locked(&self, path: &Path, bytes: &[u8]) -> Result<()> {
        let mut last = self
            .file_checksum
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        let ours = match atomic::checksum_of_file(path) {
            Ok(None) => true,
            Ok(Some(on_disk)) => *last == Some(on_disk),
            // Larger than a key file: not the one this keyring was loaded from.
            Err(crate::Error::KeyFile(KeyFileError::TooLarge { .. })) => false,
            Err(e) => return Err(e),
        };
        if !ours {
            return Err(KeyFileError::WouldOverwrite {
                path: path.to_path_buf(),
            }
            .into());
        }
        let written = atomic::write_atomic(path, bytes);
        // Even if a late step failed (the directory's fsync, say), the file may be the new one:
        // then it is ours, and the next save must not be refused.
        if written.is_ok()
            || atomic::checksum_of_file(path).ok().flatten() == Some(atomic::checksum(bytes))
        {
            *last = Some(atomic::checksum(bytes));
        }
        written
    }

    /// Loads a keyring saved by [`save`](Self::save). Never changes the file.
    ///
    /// # Errors
    /// One [`KeyFileError`] per cause: [`NotAKeyFile`](KeyFileError::NotAKeyFile),
    /// [`NewerVersion`](KeyFileError::NewerVersion), [`Truncated`](KeyFileError::Truncated),
    /// [`Damaged`](KeyFileError::Damaged), [`WrongKind`](KeyFileError::WrongKind),
    /// [`WrongProtector`](KeyFileError::WrongProtector),
    /// [`WrongPassphrase`](KeyFileError::WrongPassphrase), [`WrongKek`](KeyFileError::WrongKek),
    /// [`Tampered`](KeyFileError::Tampered), [`Io`](KeyFileError::Io),
    /// [`TooLarge`](KeyFileError::TooLarge) (reading stops at the largest size a key file can
    /// have, FORMAT.md §14.1).
    pub fn load(path: impl AsRef<Path>, protector: &dyn KeyProtector) -> Result<Self> {
        Self::from_protected_bytes(&atomic::read(path.as_ref())?, protector)
    }

    /// The key file's bytes, for storing it somewhere other than a file (a database row, a
    /// secret manager).
    ///
    /// # Errors
    /// Whatever the protector returns; [`Error::Rng`](crate::Error::Rng).
    pub fn to_protected_bytes(&self, protector: &dyn KeyProtector) -> Result<Vec<u8>> {
        let exports = self.bundle_exports();
        let body = KeyringBody {
            keyring_id: *self.id().as_bytes(),
            suite: self.suite().id(),
            entries: self
                .entries()
                .map(|(version, state, created, key)| entry(version, state, created, key))
                .collect(),
            exports: exports
                .iter()
                .map(|e| ExportEntry {
                    service: e.service.clone(),
                    exported: secs(e.exported),
                    active: e.active_version,
                    purposes: e.purposes.iter().map(|p| p.name().to_owned()).collect(),
                    versions: e.versions.clone(),
                })
                .collect(),
            indexes: self
                .indexes
                .values()
                .map(|i| index_def(i, |_| None))
                .collect(),
            index_exports: exports
                .into_iter()
                .filter(|e| !e.indexes.is_empty())
                .map(|e| IndexExportEntry {
                    service: e.service,
                    indexes: e
                        .indexes
                        .into_iter()
                        .map(|i| (i.index, i.versions))
                        .collect(),
                })
                .collect(),
            audit: self
                .audit_versions()
                .iter()
                .map(|v| crate::keyfile::audit_body::AuditVersionDef {
                    version: v.version,
                    root_version: v.root_version,
                    retired: v.retired,
                    created: secs(v.created),
                })
                .collect(),
        };
        seal_file(Kind::Keyring, &body.encode()?, protector)
    }

    /// A keyring from bytes made by [`to_protected_bytes`](Self::to_protected_bytes).
    ///
    /// # Errors
    /// As [`load`](Self::load).
    pub fn from_protected_bytes(bytes: &[u8], protector: &dyn KeyProtector) -> Result<Self> {
        let body = KeyringBody::decode(&open_file(bytes, Kind::Keyring, protector)?)?;
        let suite = Suite::from_id(body.suite)?;
        let mut keyring = Self::empty(KeyringId::from_bytes(body.keyring_id), suite);
        let mut active = 0;
        // Keys are copied out, never moved: the body's entries wipe theirs when dropped.
        for e in &body.entries {
            let created = time(e.created)?;
            match e.key() {
                Some(key) => {
                    let key = SecretKey::from_bytes(Zeroizing::new(*key));
                    keyring.insert_version(e.version, key, created)?;
                }
                None => keyring.insert_retired(e.version, created)?,
            }
            if e.state == VersionState::Active {
                active = e.version;
            }
        }
        keyring.set_active(active)?; // the body reader checked there is exactly one
        for def in &body.indexes {
            // The root version of every index version in use must be live (FORMAT.md §16.4).
            keyring
                .insert_index(index_info(def)?)
                .map_err(|e| KeyFileError::Invalid {
                    reason: format!("index `{}`: {e}", def.name),
                })?;
        }
        for def in &body.audit {
            // The root version of every audit version in use must be live (FORMAT.md §18.1).
            if !def.retired {
                keyring.dangerous_root_key(def.root_version).map_err(|e| {
                    KeyFileError::Invalid {
                        reason: format!("audit key version {}: {e}", def.version),
                    }
                })?;
            }
            keyring.audit.push(crate::audit::AuditVersion {
                version: def.version,
                root_version: def.root_version,
                created: time(def.created)?,
                retired: def.retired,
            });
        }
        let mut index_exports = body.index_exports;
        for e in body.exports {
            let indexes = match index_exports.iter().position(|i| i.service == e.service) {
                Some(at) => index_exports.swap_remove(at).indexes,
                None => Vec::new(),
            };
            let purposes = e
                .purposes
                .iter()
                .map(|name| DynPurpose::new(name))
                .collect::<Result<Vec<_>>>()
                .map_err(|_| KeyFileError::Invalid {
                    reason: "an export names an invalid purpose".to_owned(),
                })?;
            keyring.record_export(BundleExport {
                service: e.service,
                purposes,
                exported: time(e.exported)?,
                active_version: e.active,
                versions: e.versions,
                indexes: indexes
                    .into_iter()
                    .map(|(index, versions)| IndexExport { index, versions })
                    .collect(),
            });
        }
        *keyring
            .file_checksum
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner) = Some(atomic::checksum(bytes));
        Ok(keyring)
    }
}

/// An index as a body stores it, with the key of each version `key` gives (a bundle's) or none
/// (a keyring's).
pub(crate) fn index_def(
    info: &IndexInfo,
    key: impl Fn(u32) -> Option<Zeroizing<[u8; crate::secret::KEY_LEN]>>,
) -> IndexDef {
    IndexDef {
        name: info.name.clone(),
        width: info.width,
        normalizer: info.normalizer.clone(),
        entries: info
            .versions
            .iter()
            .map(|v| {
                let bytes = key(v.version);
                IndexEntry::new(
                    v.version,
                    v.root_version,
                    v.state,
                    secs(v.created),
                    bytes.as_deref(),
                )
            })
            .collect(),
    }
}

/// An index as a body stored it, checked (FORMAT.md §16.4).
pub(crate) fn index_info(def: &IndexDef) -> Result<IndexInfo> {
    let versions = def
        .entries
        .iter()
        .map(|e| {
            Ok(IndexVersionInfo {
                version: e.version,
                root_version: e.root_version,
                created: time(e.created)?,
                state: e.state,
            })
        })
        .collect::<Result<Vec<_>>>()?;
    IndexInfo::checked(
        def.name.clone(),
        def.width,
        def.normalizer.clone(),
        versions,
    )
    .map_err(|e| {
        KeyFileError::Invalid {
            reason: format!("index `{}`: {e}", def.name),
        }
        .into()
    })
}

/// One version as the body stores it.
pub(crate) fn entry(
    version: u32,
    state: VersionState,
    created: SystemTime,
    key: Option<&SecretKey>,
) -> Entry {
    Entry::new(
        version,
        state,
        secs(created),
        key.map(SecretKey::expose_secret),
    )
}

/// A time as stored: seconds since the Unix epoch (0 for earlier times).
pub(crate) fn secs(time: SystemTime) -> u64 {
    time.duration_since(UNIX_EPOCH).map_or(0, |d| d.as_secs())
}

/// A stored time.
pub(crate) fn time(secs: u64) -> Result<SystemTime> {
    UNIX_EPOCH
        .checked_add(Duration::from_secs(secs))
        .ok_or_else(|| {
            KeyFileError::Invalid {
                reason: format!("time {secs} is out of range"),
            }
            .into()
        })
}
