//! Service key bundles (FORMAT.md §14.4): the purpose keys and index keys of one service, and
//! nothing else.

use std::collections::BTreeMap;
use std::fmt;
use std::path::Path;
use std::time::SystemTime;

use zeroize::Zeroizing;

use crate::aead::Suite;
use crate::audit::{AuditKey, Detail, Names, Operation};
use crate::error::{Error, KeyFileError, Result};
use crate::index::IndexKey;
use crate::keyfile::body::{BundleBody, Entry, PurposeEntry};
use crate::keyfile::keyring_file::{index_def, index_info, secs, time};
use crate::keyfile::{KeyProtector, Kind, atomic, container, open_file, seal_file};
use crate::keyring::{BundleExport, DynPurposeKey, IndexExport, Keyring, KeyringId, VersionState};
use crate::keyset::KeySet;
use crate::purpose::DynPurpose;
use crate::secret::SecretKey;

/// The purpose keys of one service, exported from a keyring: every live version of each chosen
/// purpose, the numbers of the retired ones, and no root key. A service that loads it can seal and
/// open exactly its purposes. It may also hold index keys
/// ([`Keyring::export_bundle_with_indexes`]), with or without purposes: a service holding only
/// index keys computes lookup terms and opens nothing.
///
/// A bundle names its keyring ([`keyring_id`](Self::keyring_id)). After a rotation the admin
/// exports it again; a service still on the old bundle gets
/// [`Error::UnknownKeyVersion`](crate::Error::UnknownKeyVersion) naming the version it lacks.
///
/// ```
/// use fieldseal::{Context, DynPurpose, KeyBundle, Keyring, Passphrase, Argon2Params, Suite};
/// fieldseal::purpose!(Fulfillment = "fulfillment");
/// fieldseal::purpose!(Marketing = "marketing");
///
/// let keyring = Keyring::generate(Suite::default())?;
/// let bundle = keyring.export_bundle("newsletter", &[DynPurpose::of::<Marketing>()])?;
/// let protector = Passphrase::new("newsletter service passphrase".to_owned())?
///     .with_params(Argon2Params::new(Argon2Params::MIN_MEMORY_KIB, 2, 1)?);
/// let file = bundle.to_protected_bytes(&protector)?;
///
/// // In the newsletter service:
/// let keys = KeyBundle::from_protected_bytes(&file, &protector)?.into_key_set();
/// assert!(keys.key::<Marketing>().is_some());
/// assert!(keys.key::<Fulfillment>().is_none());
/// # Ok::<(), fieldseal::Error>(())
/// ```
pub struct KeyBundle {
    keyring_id: KeyringId,
    service: String,
    created: SystemTime,
    /// Creation time of each version, from the keyring.
    version_created: BTreeMap<u32, SystemTime>,
    keys: KeySet,
    /// The service's audit key (FORMAT.md §18.1), if the keyring has one.
    audit: Option<AuditKey>,
}

impl Keyring {
    /// Exports the bundle of a service: the keys of `purposes` (every live version, the active
    /// one sealing), named `service` for operators. The keyring records the export (service,
    /// purposes, versions; no key) and saves the record with itself, so that
    /// [`bundle_exports`](Self::bundle_exports) can tell which bundles a rotation left stale.
    ///
    /// # Errors
    /// [`Error::NoPurpose`] for no purpose, [`Error::DuplicatePurpose`],
    /// [`KeyFileError::Invalid`] for a service name over 255 bytes.
    pub fn export_bundle(&self, service: &str, purposes: &[DynPurpose]) -> Result<KeyBundle> {
        if purposes.is_empty() {
            return Err(Error::NoPurpose);
        }
        self.export_bundle_with_indexes(service, purposes, &[])
    }

    /// Exports the bundle of a service with the keys of `purposes` and of the blind indexes
    /// `indexes` (FORMAT.md §16): for each index, the key of every version in use (never a root
    /// key) and the numbers of the retired ones. Either list may be empty, not both: a bundle of
    /// index keys alone lets a service find rows (support searching by phone number) without
    /// opening any value. Recorded as [`export_bundle`](Self::export_bundle) records it.
    ///
    /// ```
    /// use fieldseal::{Error, IndexSpec, Keyring, Suite};
    /// let mut keyring = Keyring::generate(Suite::default())?;
    /// keyring.add_index(IndexSpec::new("phone")?.with_normalizer("phone:GB")?)?;
    /// let bundle = keyring.export_bundle_with_indexes("support-search", &[], &["phone"])?;
    /// assert!(bundle.purposes().is_empty());
    /// assert_eq!(
    ///     bundle.index("phone").unwrap().term(b"+442079460000")?,
    ///     keyring.index_key("phone")?.term(b"+442079460000")?
    /// );
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::EmptyBundle`] for neither, [`Error::DuplicatePurpose`], [`Error::UnknownIndex`],
    /// [`KeyFileError::Invalid`] for a service name over 255 bytes or more than 255 purposes or
    /// indexes.
    pub fn export_bundle_with_indexes(
        &self,
        service: &str,
        purposes: &[DynPurpose],
        indexes: &[&str],
    ) -> Result<KeyBundle> {
        let names: Vec<&str> = purposes.iter().map(DynPurpose::name).collect();
        let detail = [
            ("service", Detail::Text(service)),
            ("indexes", Detail::Count(indexes.len() as u64)),
        ];
        let draft = crate::audit::Draft {
            purposes: Names::Strs(&names),
            key_version: Some(self.active_version()),
            detail: &detail,
            ..crate::audit::Draft::new(Operation::BundleExport)
        };
        let admin = crate::audit::hooks::admin(self.auditor());
        let built = self.bundle_keys(service, purposes, indexes);
        let (keys, audit) = match built {
            Ok(built) => built,
            Err(e) => return admin.record_draft(&draft, Err(e)).map(|()| unreachable!()),
        };
        // Recorded before the keyring records the export and the bundle is handed out.
        admin.record_draft(&draft, Ok(()))?;
        let created = SystemTime::now();
        self.record_export(BundleExport {
            service: service.to_owned(),
            purposes: purposes.to_vec(),
            exported: created,
            active_version: self.active_version(),
            versions: self.live_versions(),
            indexes: keys
                .index_keys()
                .map(|k| IndexExport {
                    index: k.name().to_owned(),
                    versions: k.versions(),
                })
                .collect(),
        });
        Ok(KeyBundle {
            keyring_id: self.id(),
            service: service.to_owned(),
            created,
            version_created: self.entries().map(|(v, _, c, _)| (v, c)).collect(),
            keys,
            audit,
        })
    }

    /// The keys of a bundle, checked: purposes, indexes, and the service's audit key if the
    /// keyring has one.
    fn bundle_keys(
        &self,
        service: &str,
        purposes: &[DynPurpose],
        indexes: &[&str],
    ) -> Result<(KeySet, Option<AuditKey>)> {
        if purposes.is_empty() && indexes.is_empty() {
            return Err(Error::EmptyBundle {
                service: service.to_owned(),
            });
        }
        for (i, p) in purposes.iter().enumerate() {
            if purposes[..i].contains(p) {
                return Err(Error::DuplicatePurpose {
                    purpose: p.name().to_owned(),
                });
            }
        }
        if service.len() > 255 || purposes.len() > 255 || indexes.len() > 255 {
            return Err(Error::BundleTooLarge {
                purposes: purposes.len(),
                indexes: indexes.len(),
                service_len: service.len(),
            });
        }
        let mut keys = KeySet::from_keyring(self, purposes);
        for name in indexes {
            if keys.insert_index(self.index_key(name)?).is_some() {
                return Err(Error::DuplicateIndex {
                    index: (*name).to_owned(),
                });
            }
        }
        let audit = if self.audit_versions().is_empty() {
            None
        } else {
            Some(self.audit_key(service)?)
        };
        Ok((keys, audit))
    }
}

impl KeyBundle {
    /// The id of the keyring the bundle was exported from.
    pub fn keyring_id(&self) -> KeyringId {
        self.keyring_id
    }

    /// The service the bundle was exported for.
    pub fn service(&self) -> &str {
        &self.service
    }

    /// Checks that the bundle was exported for `service`: a service given another service's
    /// bundle (under a shared passphrase, or from staging) would otherwise seal with the wrong
    /// keys without a word.
    ///
    /// ```
    /// use fieldseal::{DynPurpose, Keyring, Suite};
    /// fieldseal::purpose!(Marketing = "marketing");
    /// let keyring = Keyring::generate(Suite::default())?;
    /// let export = || keyring.export_bundle("newsletter", &[DynPurpose::of::<Marketing>()]);
    /// let keys = export()?.require_service("newsletter")?.into_key_set();
    /// assert!(keys.key::<Marketing>().is_some());
    /// assert!(export()?.require_service("warehouse").is_err());
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`KeyFileError::WrongService`] naming both services.
    pub fn require_service(self, service: &str) -> Result<Self> {
        if self.service == service {
            Ok(self)
        } else {
            Err(KeyFileError::WrongService {
                expected: service.to_owned(),
                found: self.service.clone(),
            }
            .into())
        }
    }

    /// Checks that the bundle was exported from the keyring `keyring`: a service given a bundle
    /// of another keyring (staging's, or an old keyring's) would otherwise seal values that the
    /// rest of the deployment cannot open, without a word. Give the id the keyring's
    /// administrator sees (`fieldseal status`), parsed with [`str::parse`].
    ///
    /// ```
    /// use fieldseal::{DynPurpose, Keyring, KeyringId, Suite};
    /// fieldseal::purpose!(Marketing = "marketing");
    /// let production = Keyring::generate(Suite::default())?;
    /// let staging = Keyring::generate(Suite::default())?;
    /// let expected: KeyringId = production.id().to_string().parse().unwrap(); // from config
    ///
    /// let bundle = production.export_bundle("newsletter", &[DynPurpose::of::<Marketing>()])?;
    /// assert!(bundle.require_keyring(expected).is_ok());
    /// let bundle = staging.export_bundle("newsletter", &[DynPurpose::of::<Marketing>()])?;
    /// assert!(bundle.require_keyring(expected).is_err());
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`KeyFileError::WrongKeyring`] naming both keyrings.
    pub fn require_keyring(self, keyring: KeyringId) -> Result<Self> {
        if self.keyring_id == keyring {
            Ok(self)
        } else {
            Err(KeyFileError::WrongKeyring {
                expected: keyring,
                found: self.keyring_id,
            }
            .into())
        }
    }

    /// When the bundle was exported.
    pub fn created(&self) -> SystemTime {
        self.created
    }

    /// The purposes the bundle holds keys for.
    pub fn purposes(&self) -> Vec<DynPurpose> {
        self.keys.purposes()
    }

    /// The key of one purpose.
    pub fn key(&self, purpose: &str) -> Option<&DynPurposeKey> {
        self.keys.get(purpose)
    }

    /// The names of the indexes the bundle holds keys for.
    pub fn indexes(&self) -> Vec<String> {
        self.keys.index_names()
    }

    /// The key of one index.
    pub fn index(&self, name: &str) -> Option<&IndexKey> {
        self.keys.index(name)
    }

    /// The service's audit key (FORMAT.md §18.1): what appends to and verifies its own audit log
    /// (`audit::FileSink`, feature `audit-log`) and computes its pseudonyms. `None` if the keyring
    /// had no audit key when the bundle was exported.
    pub fn audit_key(&self) -> Option<&AuditKey> {
        self.audit.as_ref()
    }

    /// The service's keys.
    pub fn key_set(&self) -> &KeySet {
        &self.keys
    }

    /// The service's keys, owned.
    pub fn into_key_set(self) -> KeySet {
        self.keys
    }

    /// Saves the bundle to `path`, atomically, readable by its owner only, encrypted under a file
    /// key wrapped by the service's own `protector`.
    ///
    /// Replaces an existing file only if it is a key bundle (of any keyring): a keyring file or
    /// any other file at `path` is refused, so that a mistyped path cannot destroy root keys.
    ///
    /// Needs no keyring lock: a bundle is written whole by one export. Two exports to one path
    /// from two keyrings are not ordered by their keyrings' locks: check what is at `path` and
    /// save under a lock of its own (the `fieldseal` tool holds `<path>.export.lock` from its
    /// checks to the save), or the later replaces the earlier unseen.
    ///
    /// # Errors
    /// [`KeyFileError::NotABundle`], and as [`Keyring::save`].
    pub fn save(&self, path: impl AsRef<Path>, protector: &dyn KeyProtector) -> Result<()> {
        let path = path.as_ref();
        let bytes = self.to_protected_bytes(protector)?;
        let existing = match atomic::read_if_exists(path) {
            Err(Error::KeyFile(KeyFileError::TooLarge { .. })) => {
                return Err(KeyFileError::NotABundle {
                    path: path.to_path_buf(),
                    found: "something larger than any key file",
                }
                .into());
            }
            other => other?,
        };
        if let Some(existing) = existing {
            let found = match container::parse(&existing) {
                Ok(c) if c.kind == Kind::Bundle => None,
                Ok(c) if c.kind == Kind::Keyring => Some("a keyring"),
                Ok(_) => Some("another kind of key file"),
                Err(_) => Some("something that is not a fieldseal key file"),
            };
            if let Some(found) = found {
                return Err(KeyFileError::NotABundle {
                    path: path.to_path_buf(),
                    found,
                }
                .into());
            }
        }
        atomic::write_atomic(path, &bytes)
    }

    /// Loads a bundle saved by [`save`](Self::save). Never changes the file.
    ///
    /// # Errors
    /// As [`Keyring::load`].
    pub fn load(path: impl AsRef<Path>, protector: &dyn KeyProtector) -> Result<Self> {
        Self::from_protected_bytes(&atomic::read(path.as_ref())?, protector)
    }

    /// The bundle file's bytes.
    ///
    /// # Errors
    /// As [`Keyring::to_protected_bytes`].
    pub fn to_protected_bytes(&self, protector: &dyn KeyProtector) -> Result<Vec<u8>> {
        let mut purposes = Vec::with_capacity(self.keys.iter().count());
        let mut suite = Suite::default();
        for key in self.keys.iter() {
            suite = key.suite();
            // In version order, into a vector of its final size: a reallocation would free key
            // bytes unwiped.
            let mut versions: Vec<u32> = key.versions();
            versions.extend(key.retired_versions());
            versions.sort_unstable();
            let mut entries: Vec<Entry> = Vec::with_capacity(versions.len());
            for v in versions {
                let state = if v == key.active_version() {
                    VersionState::Active
                } else if key.retired_versions().contains(&v) {
                    VersionState::Retired
                } else {
                    VersionState::DecryptOnly
                };
                let secret = match state {
                    VersionState::Retired => None,
                    _ => Some(key.dangerous_export_version(v)?),
                };
                let created = secs(self.version_time(v));
                entries.push(Entry::new(v, state, created, secret.as_deref()));
            }
            purposes.push(PurposeEntry {
                name: key.purpose().name().to_owned(),
                entries,
            });
        }
        let mut indexes = Vec::with_capacity(self.keys.index_keys().count());
        for key in self.keys.index_keys() {
            // Every version in use has its key: the export cannot fail past the first.
            key.versions()
                .into_iter()
                .try_for_each(|v| key.dangerous_export_version(v).map(drop))?;
            indexes.push(index_def(key.info(), |v| {
                key.dangerous_export_version(v).ok()
            }));
        }
        let audit = self.audit.as_ref().map_or_else(Vec::new, |key| {
            key.versions()
                .into_iter()
                .filter_map(|v| {
                    key.export_version(v)
                        .map(|k| crate::keyfile::audit_body::AuditKeyEntry {
                            version: v,
                            key: Zeroizing::new(*k),
                        })
                })
                .collect()
        });
        let body = BundleBody {
            keyring_id: *self.keyring_id.as_bytes(),
            suite: suite.id(),
            created: secs(self.created),
            service: self.service.clone(),
            purposes,
            indexes,
            audit,
        };
        seal_file(Kind::Bundle, &body.encode()?, protector)
    }

    fn version_time(&self, version: u32) -> SystemTime {
        self.version_created
            .get(&version)
            .copied()
            .unwrap_or(std::time::UNIX_EPOCH)
    }

    /// A bundle from bytes made by [`to_protected_bytes`](Self::to_protected_bytes).
    ///
    /// # Errors
    /// As [`Keyring::load`].
    pub fn from_protected_bytes(bytes: &[u8], protector: &dyn KeyProtector) -> Result<Self> {
        let body = BundleBody::decode(&open_file(bytes, Kind::Bundle, protector)?)?;
        let suite = Suite::from_id(body.suite)?;
        let mut keys = KeySet::new();
        let mut version_created = BTreeMap::new();
        for purpose in body.purposes {
            let name = DynPurpose::new(&purpose.name).map_err(|_| KeyFileError::Invalid {
                reason: "a purpose name is not valid".to_owned(),
            })?;
            let mut retired = Vec::new();
            let mut active = 0;
            for e in &purpose.entries {
                version_created.insert(e.version, time(e.created)?);
                if e.state == VersionState::Active {
                    active = e.version;
                }
                if e.key().is_none() {
                    retired.push(e.version);
                }
            }
            // Keys are copied out, never moved: the body's entries wipe theirs when dropped.
            let live = purpose
                .entries
                .iter()
                .filter_map(|e| e.key().map(|k| (e.version, Zeroizing::new(*k))));
            keys.insert(DynPurposeKey::from_trusted_versions(
                name, suite, live, active, retired,
            )?);
        }
        for def in &body.indexes {
            let info = index_info(def)?;
            // Keys are copied out, never moved: the body's entries wipe theirs when dropped.
            let key = IndexKey::new(info, |version| {
                def.entries
                    .iter()
                    .find(|e| e.version == version)
                    .and_then(|e| e.key())
                    .map(|k| SecretKey::from_bytes(Zeroizing::new(*k)))
                    .ok_or_else(|| {
                        KeyFileError::Invalid {
                            reason: format!("index `{}` version {version} has no key", def.name),
                        }
                        .into()
                    })
            })?;
            keys.insert_index(key);
        }
        // Keys are copied out, never moved: the body's entries wipe theirs when dropped.
        let audit = AuditKey::from_versions(
            &body.service,
            body.audit
                .iter()
                .map(|e| (e.version, SecretKey::from_bytes(Zeroizing::new(*e.key)))),
        );
        Ok(Self {
            keyring_id: KeyringId::from_bytes(body.keyring_id),
            service: body.service,
            created: time(body.created)?,
            version_created,
            keys,
            audit,
        })
    }
}

impl fmt::Debug for KeyBundle {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyBundle")
            .field("keyring_id", &self.keyring_id)
            .field("service", &self.service)
            .field("keys", &self.keys)
            .field("audit", &self.audit)
            .finish_non_exhaustive()
    }
}
