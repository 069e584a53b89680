//! The keyring: versioned root keys, held by key administration and ingest only.
//!
//! A root key never encrypts data. Each purpose's key is derived from it (FORMAT.md §4.1), once per
//! purpose and version, and cached here so that every handle shares one set of ciphers.
//!
//! Each version is in one of three states ([`VersionState`]): the one *active* version seals and
//! opens; *decrypt-only* versions open what they sealed; a *retired* version has had its key bytes
//! destroyed and is kept as a number only, so that opening its data says "retired" rather than
//! "cannot open".

mod exports;
mod id;
mod purpose_key;
mod version_key;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, Mutex, PoisonError, RwLock};
use std::time::SystemTime;

pub use exports::{BundleExport, IndexExport};
pub use id::{KeyringId, ParseKeyringIdError};
pub(crate) use purpose_key::KeyState;
pub use purpose_key::{DynPurposeKey, KeyCheck, PurposeKey};
pub(crate) use version_key::VersionKey;

use crate::aead::Suite;
use crate::error::{KeyringError, Result};
use crate::index::IndexInfo;
use crate::kdf;
use crate::purpose::{DynPurpose, Purpose};
use crate::secret::SecretKey;

/// The state of one root key version.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum VersionState {
    /// Seals new values and opens old ones. Exactly one version is active.
    Active,
    /// Opens the values sealed under it; seals nothing new. A rotation leaves the previous active
    /// version here until its data is re-sealed.
    DecryptOnly,
    /// Key bytes destroyed; only the number is kept. The keyring, and every key taken or bundle
    /// exported from it since, can no longer open its data. Bundles exported before the
    /// retirement still hold its purpose keys, and open its data, until they are re-exported and
    /// their old copies destroyed.
    Retired,
}

impl VersionState {
    /// The name used in key files, `status` output and messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Active => "active",
            Self::DecryptOnly => "decrypt-only",
            Self::Retired => "retired",
        }
    }
}

impl fmt::Display for VersionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One root key version. `key` is `None` once retired. Boxed: the versions live in a B-tree whose
/// nodes move entries (a split copies half of a node into a new one, leaving the old bytes where
/// they were, never wiped); a box moves only its pointer, and wipes its key when dropped.
struct RootVersion {
    key: Option<Box<SecretKey>>,
    created: SystemTime,
}

/// Versioned 256-bit root keys, exactly one of them active.
///
/// ```
/// use fieldseal::{Keyring, Suite, VersionState};
/// fieldseal::purpose!(Marketing = "marketing");
///
/// let mut keyring = Keyring::generate(Suite::default())?;
/// assert_eq!(keyring.active_version(), 1);
/// let v2 = keyring.rotate()?; // v2 seals from now on; v1 still opens
/// assert_eq!(keyring.state(1), Some(VersionState::DecryptOnly));
/// let key = keyring.purpose_key::<Marketing>();
/// assert_eq!(key.as_dyn().versions(), vec![1, 2]);
///
/// keyring.retire(1)?; // once nothing is left under v1: its key bytes are destroyed
/// assert_eq!(keyring.state(1), Some(VersionState::Retired));
/// assert!(keyring.retire(v2).is_err(), "the active version cannot be retired");
/// # Ok::<(), fieldseal::Error>(())
/// ```
pub struct Keyring {
    id: KeyringId,
    suite: Suite,
    roots: BTreeMap<u32, RootVersion>,
    active: u32,
    derived: RwLock<HashMap<(DynPurpose, u32), Arc<VersionKey>>>,
    /// The checksum of the key file this keyring was last loaded from or saved to: a save
    /// refuses to replace any other file (src/keyfile/keyring_file.rs).
    pub(crate) file_checksum: Mutex<Option<[u8; 32]>>,
    /// The latest bundle exported for each service.
    exports: Mutex<Vec<BundleExport>>,
    /// The blind indexes defined, by name (FORMAT.md §16.4; src/index/keyring.rs).
    pub(crate) indexes: BTreeMap<String, IndexInfo>,
    /// The audit key versions, ascending (FORMAT.md §18.1; src/audit/keyring.rs).
    pub(crate) audit: Vec<crate::audit::AuditVersion>,
    /// Records administration (src/audit/).
    pub(crate) auditor: Option<crate::audit::Auditor>,
}

impl Keyring {
    /// A new keyring with one random root key, version 1, active, and a random id.
    ///
    /// # Errors
    /// [`Error::Rng`](crate::Error::Rng) if the OS cannot supply randomness.
    pub fn generate(suite: Suite) -> Result<Self> {
        Self::with_root(suite, 1, SecretKey::generate()?, SystemTime::now())
    }

    /// A keyring with a random id and one given root key, active, for importing root keys kept
    /// elsewhere: one [`insert_version`](Self::insert_version) per further version. A keyring
    /// saved with [`save`](Self::save) keeps its id.
    ///
    /// # Errors
    /// [`KeyringError::ZeroVersion`] for version 0; [`Error::Rng`](crate::Error::Rng).
    pub fn with_root(
        suite: Suite,
        version: u32,
        key: SecretKey,
        created: SystemTime,
    ) -> Result<Self> {
        let mut keyring = Self::empty(KeyringId::generate()?, suite);
        keyring.insert_version(version, key, created)?;
        keyring.active = version;
        Ok(keyring)
    }

    /// A keyring with no version yet (`active` 0), for the key file reader, which inserts the
    /// versions and then calls [`set_active`](Self::set_active).
    pub(crate) fn empty(id: KeyringId, suite: Suite) -> Self {
        Self {
            id,
            suite,
            roots: BTreeMap::new(),
            active: 0,
            derived: RwLock::default(),
            file_checksum: Mutex::new(None),
            exports: Mutex::new(Vec::new()),
            indexes: BTreeMap::new(),
            audit: Vec::new(),
            auditor: None,
        }
    }

    /// Records administration with `auditor` from now on: [`rotate`](Self::rotate),
    /// [`retire`](Self::retire), bundle exports, index rotations and finished migrations, audit
    /// key rotations and retirements, and bulk re-seal runs through this keyring. Each is
    /// recorded before it is carried out: one that cannot be recorded (failing closed) is not
    /// carried out, and a refused one is recorded as failed. `None` stops recording.
    pub fn set_auditor(&mut self, auditor: Option<crate::audit::Auditor>) {
        self.auditor = auditor;
    }

    /// The auditor recording administration, if any.
    pub fn auditor(&self) -> Option<&crate::audit::Auditor> {
        self.auditor.as_ref()
    }

    /// Every version in order: number, state, creation time and key (`None` once retired), for
    /// the key file writer.
    pub(crate) fn entries(
        &self,
    ) -> impl Iterator<Item = (u32, VersionState, SystemTime, Option<&SecretKey>)> {
        self.roots.iter().map(|(&v, r)| {
            let state = self.state(v).expect("present");
            (v, state, r.created, r.key.as_deref())
        })
    }

    /// The keyring's id: random, fixed for its life, carried by its key files and bundles.
    pub fn id(&self) -> KeyringId {
        self.id
    }

    /// Adds a random root key under the next version number, not active yet; returns its version.
    /// Make it active with [`set_active`](Self::set_active) once every service can open its data.
    ///
    /// # Errors
    /// [`Error::Rng`](crate::Error::Rng), or [`KeyringError::VersionsExhausted`].
    pub fn add_version(&mut self) -> Result<u32> {
        let last = self.roots.keys().next_back().copied().unwrap_or(0);
        let version = last
            .checked_add(1)
            .ok_or(KeyringError::VersionsExhausted { last })?;
        self.insert_version(version, SecretKey::generate()?, SystemTime::now())?;
        Ok(version)
    }

    /// Adds a given root key under a given version, for loading a keyring from storage.
    ///
    /// # Errors
    /// [`KeyringError::VersionExists`] or [`KeyringError::ZeroVersion`].
    pub fn insert_version(
        &mut self,
        version: u32,
        key: SecretKey,
        created: SystemTime,
    ) -> Result<()> {
        if version == 0 {
            return Err(KeyringError::ZeroVersion.into());
        }
        if self.roots.contains_key(&version) {
            return Err(KeyringError::VersionExists { version }.into());
        }
        self.roots.insert(
            version,
            RootVersion {
                key: Some(Box::new(key)),
                created,
            },
        );
        Ok(())
    }

    /// Records a retired version (its number and creation time, no key), for loading a keyring
    /// from storage.
    ///
    /// # Errors
    /// [`KeyringError::VersionExists`] or [`KeyringError::ZeroVersion`].
    pub fn insert_retired(&mut self, version: u32, created: SystemTime) -> Result<()> {
        if version == 0 {
            return Err(KeyringError::ZeroVersion.into());
        }
        if self.roots.contains_key(&version) {
            return Err(KeyringError::VersionExists { version }.into());
        }
        self.roots
            .insert(version, RootVersion { key: None, created });
        Ok(())
    }

    /// Makes `version` the one new values are sealed under; the version active before becomes
    /// decrypt-only. Purpose keys and bundles taken before the change keep sealing under the old
    /// version (which still opens): take them again, re-export bundles. The second half of a
    /// staged rotation ([`add_version`](Self::add_version) first): recorded by the keyring's
    /// auditor as a `rotate`, as [`rotate`](Self::rotate) is, refusals included.
    ///
    /// # Errors
    /// [`KeyringError::NoSuchVersion`] listing the versions present; [`KeyringError::Retired`];
    /// [`Error::Audit`](crate::Error::Audit) if it cannot be recorded and the auditor fails
    /// closed (nothing changes then).
    pub fn set_active(&mut self, version: u32) -> Result<()> {
        use crate::audit::{Detail, Operation};
        if version == self.active {
            return Ok(());
        }
        let detail = [
            ("from", Detail::Count(u64::from(self.active))),
            ("to", Detail::Count(u64::from(version))),
        ];
        let check = self.live_root(version).map(|_| ()).map_err(Into::into);
        crate::audit::hooks::admin(self.auditor.as_ref()).record(
            Operation::Rotate,
            &detail,
            check,
        )?;
        self.active = version;
        Ok(())
    }

    /// Rotates: adds a random root key under the next version and makes it active; the previous
    /// active version becomes decrypt-only, so everything sealed so far keeps opening. Returns the
    /// new version. Re-seal old data ([`KeySet::reseal`](crate::KeySet::reseal)) and then
    /// [`retire`](Self::retire) the old version when nothing is left under it.
    ///
    /// # Errors
    /// [`Error::Rng`](crate::Error::Rng), or [`KeyringError::VersionsExhausted`].
    pub fn rotate(&mut self) -> Result<u32> {
        use crate::audit::{Detail, Operation};
        let admin = crate::audit::hooks::admin(self.auditor.as_ref());
        let from = [("from", Detail::Count(u64::from(self.active)))];
        let last = self.roots.keys().next_back().copied().unwrap_or(0);
        let prepared = last
            .checked_add(1)
            .ok_or_else(|| KeyringError::VersionsExhausted { last }.into())
            .and_then(|v| Ok((v, SecretKey::generate()?)));
        let (version, key) = prepared.map_err(|e| admin.refused(Operation::Rotate, &from, e))?;
        let detail = [from[0], ("to", Detail::Count(u64::from(version)))];
        admin.record(Operation::Rotate, &detail, Ok(()))?;
        self.insert_version(version, key, SystemTime::now())?;
        self.active = version;
        Ok(version)
    }

    /// Retires a version: destroys its key bytes (zeroized) and keeps only its number, so that
    /// opening its data reports [`Error::RetiredKeyVersion`](crate::Error::RetiredKeyVersion).
    /// Whatever is still sealed under it becomes unreadable for good. Retiring a retired version
    /// does nothing. Purpose key handles taken before keep their copy until they are dropped.
    ///
    /// A version that the key of an index version in use derives from (FORMAT.md §16.1) cannot
    /// be retired: rotate the index, recompute its terms, finish its migration
    /// ([`finish_index_migration`](Self::finish_index_migration)), then retire.
    ///
    /// A key vault of subject mode (FORMAT.md §15.2) wraps customers' data keys under purpose
    /// keys of a version; the keyring cannot see it. Rewrap it first
    /// ([`SubjectKeys::rewrap`](crate::vault::SubjectKeys::rewrap)), then retire the version in the
    /// vault ([`SubjectKeys::retire_version`](crate::vault::SubjectKeys::retire_version), which
    /// refuses while a key is left under it and stops services on old bundles from wrapping new
    /// ones), and only then here (`fieldseal retire --vault` does both steps), or those keys
    /// and all they sealed are lost.
    ///
    /// # Errors
    /// As [`check_retire`](Self::check_retire).
    pub fn retire(&mut self, version: u32) -> Result<()> {
        let detail = [("version", crate::audit::Detail::Count(u64::from(version)))];
        crate::audit::hooks::admin(self.auditor.as_ref()).record(
            crate::audit::Operation::Retire,
            &detail,
            self.check_retire(version),
        )?;
        if let Some(root) = self.roots.get_mut(&version) {
            root.key = None; // SecretKey zeroizes on drop
        }
        self.derived
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner)
            .retain(|(_, v), _| *v != version);
        Ok(())
    }

    /// Whether [`retire`](Self::retire) would retire `version`, changing nothing: `Ok` for a
    /// decrypt-only version that no index version in use is pinned to, and for a retired one.
    ///
    /// # Errors
    /// [`KeyringError::RetireActive`] for the active version; [`KeyringError::NoSuchVersion`];
    /// [`KeyringError::RootPinnedByIndex`] naming the index versions whose keys derive from it.
    pub fn check_retire(&self, version: u32) -> Result<()> {
        if version == self.active {
            return Err(KeyringError::RetireActive { version }.into());
        }
        if !self.roots.contains_key(&version) {
            let present = self.versions();
            return Err(KeyringError::NoSuchVersion { version, present }.into());
        }
        let pinned = self.index_versions_pinned_to(version);
        if !pinned.is_empty() {
            return Err(KeyringError::RootPinnedByIndex { version, pinned }.into());
        }
        let pinned = self.audit_versions_pinned_to(version);
        if !pinned.is_empty() && self.state(version) != Some(VersionState::Retired) {
            return Err(KeyringError::RootPinnedByAudit { version, pinned }.into());
        }
        Ok(())
    }

    /// The bundles exported from this keyring, the latest per service, in the order first
    /// exported.
    pub fn bundle_exports(&self) -> Vec<BundleExport> {
        self.exports
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .clone()
    }

    /// The purposes of every recorded bundle export, sorted: the purposes in use.
    pub fn exported_purposes(&self) -> Vec<DynPurpose> {
        let mut all: Vec<DynPurpose> = self
            .bundle_exports()
            .into_iter()
            .flat_map(|e| e.purposes)
            .collect();
        all.sort_by(|a, b| a.name().cmp(b.name()));
        all.dedup();
        all
    }

    /// Records a bundle export, replacing the service's previous record.
    pub(crate) fn record_export(&self, export: BundleExport) {
        let mut exports = self.exports.lock().unwrap_or_else(PoisonError::into_inner);
        match exports.iter_mut().find(|e| e.service == export.service) {
            Some(slot) => *slot = export,
            None => exports.push(export),
        }
    }

    /// Forgets the bundle record of a decommissioned service; `false` if there was none. (Its
    /// bundle file still opens: delete it, and rotate if it may have leaked.)
    pub fn forget_bundle_export(&mut self, service: &str) -> bool {
        let exports = self
            .exports
            .get_mut()
            .unwrap_or_else(PoisonError::into_inner);
        let before = exports.len();
        exports.retain(|e| e.service != service);
        exports.len() != before
    }

    /// The state of a version, `None` if there is no such version.
    pub fn state(&self, version: u32) -> Option<VersionState> {
        let root = self.roots.get(&version)?;
        Some(if version == self.active {
            VersionState::Active
        } else if root.key.is_some() {
            VersionState::DecryptOnly
        } else {
            VersionState::Retired
        })
    }

    /// The version new values are sealed under.
    pub fn active_version(&self) -> u32 {
        self.active
    }

    /// All versions, retired ones included, ascending.
    pub fn versions(&self) -> Vec<u32> {
        self.roots.keys().copied().collect()
    }

    /// The versions whose key is kept (active and decrypt-only), ascending.
    pub fn live_versions(&self) -> Vec<u32> {
        self.live().map(|(&v, _)| v).collect()
    }

    /// The retired versions, ascending.
    pub fn retired_versions(&self) -> Vec<u32> {
        self.roots
            .iter()
            .filter(|(_, r)| r.key.is_none())
            .map(|(&v, _)| v)
            .collect()
    }

    fn live(&self) -> impl Iterator<Item = (&u32, &SecretKey)> {
        self.roots
            .iter()
            .filter_map(|(v, r)| r.key.as_deref().map(|k| (v, k)))
    }

    /// When a version was created.
    pub fn created(&self, version: u32) -> Option<SystemTime> {
        self.roots.get(&version).map(|r| r.created)
    }

    /// The suite new values are sealed with.
    pub fn suite(&self) -> Suite {
        self.suite
    }

    /// Chooses the suite new values are sealed with; values of either suite keep opening.
    pub fn set_suite(&mut self, suite: Suite) {
        self.suite = suite;
    }

    /// A root key, for writing the keyring to protected storage. Whoever holds it can derive
    /// every purpose key of that version.
    ///
    /// # Errors
    /// [`KeyringError::NoSuchVersion`]; [`KeyringError::Retired`].
    pub fn dangerous_root_key(&self, version: u32) -> Result<&SecretKey> {
        Ok(self.live_root(version)?)
    }

    fn live_root(&self, version: u32) -> Result<&SecretKey, KeyringError> {
        let root = self
            .roots
            .get(&version)
            .ok_or_else(|| KeyringError::NoSuchVersion {
                version,
                present: self.versions(),
            })?;
        root.key.as_deref().ok_or(KeyringError::Retired { version })
    }

    /// The key of purpose `P`, every version, sealing under the active one.
    pub fn purpose_key<P: Purpose>(&self) -> PurposeKey<P> {
        PurposeKey::from_dyn_unchecked(self.dyn_purpose_key(&DynPurpose::of::<P>()))
    }

    /// The key of a run-time purpose: every live version, sealing under the active one, and the
    /// numbers of the retired ones.
    ///
    /// # Panics
    /// Never: the active version is always one of the keyring's live versions.
    pub fn dyn_purpose_key(&self, purpose: &DynPurpose) -> DynPurposeKey {
        let versions = self
            .live()
            .map(|(&v, root)| self.version_key(purpose, v, root))
            .collect();
        let state = KeyState::new(purpose.clone(), self.suite, versions, self.active)
            .expect("the active version is always live")
            .with_retired(self.retired_versions());
        DynPurposeKey {
            state: Arc::new(state),
            auditor: None,
        }
    }

    /// The derived key of one purpose and version, derived on first use and cached.
    fn version_key(&self, purpose: &DynPurpose, version: u32, root: &SecretKey) -> Arc<VersionKey> {
        let slot = (purpose.clone(), version);
        if let Some(found) = self
            .derived
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&slot)
        {
            return Arc::clone(found);
        }
        let mut derived = self.derived.write().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(derived.entry(slot).or_insert_with(|| {
            Arc::new(VersionKey::new(
                version,
                kdf::purpose_key(root, purpose.name(), version),
            ))
        }))
    }
}

impl fmt::Debug for Keyring {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Keyring")
            .field("id", &self.id)
            .field("suite", &self.suite)
            .field("versions", &self.versions())
            .field("retired", &self.retired_versions())
            .field("active", &self.active)
            .field("indexes", &self.indexes.keys().collect::<Vec<_>>())
            .field("audit_versions", &self.audit.len())
            .field("auditor", &self.auditor)
            .field("root_keys", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}
