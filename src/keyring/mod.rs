//! The keyring: versioned root keys, held by key administration and ingest only.
//!
//! A root key never encrypts data. Each purpose's key is derived from it (FORMAT.md §4.1), once per
//! purpose and version, and cached here so that every handle shares one set of ciphers.

mod purpose_key;
mod version_key;

use std::collections::{BTreeMap, HashMap};
use std::fmt;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::SystemTime;

pub(crate) use purpose_key::KeyState;
pub use purpose_key::{DynPurposeKey, PurposeKey};
pub(crate) use version_key::VersionKey;

use crate::aead::Suite;
use crate::error::{KeyringError, Result};
use crate::kdf;
use crate::purpose::{DynPurpose, Purpose};
use crate::secret::SecretKey;

/// One root key version.
struct RootVersion {
    key: SecretKey,
    created: SystemTime,
}

/// Versioned 256-bit root keys, exactly one of them active.
///
/// ```
/// use fieldseal::{Keyring, Suite};
/// fieldseal::purpose!(Marketing = "marketing");
///
/// let mut keyring = Keyring::generate(Suite::default())?;
/// assert_eq!(keyring.active_version(), 1);
/// let v2 = keyring.add_version()?;
/// keyring.set_active(v2)?;
/// let key = keyring.purpose_key::<Marketing>();
/// assert_eq!(key.as_dyn().versions(), vec![1, 2]);
/// # Ok::<(), fieldseal::Error>(())
/// ```
pub struct Keyring {
    suite: Suite,
    roots: BTreeMap<u32, RootVersion>,
    active: u32,
    derived: RwLock<HashMap<(DynPurpose, u32), Arc<VersionKey>>>,
}

impl Keyring {
    /// A new keyring with one random root key, version 1, active.
    ///
    /// # Errors
    /// [`Error::Rng`](crate::Error::Rng) if the OS cannot supply randomness.
    pub fn generate(suite: Suite) -> Result<Self> {
        Self::with_root(suite, 1, SecretKey::generate()?, SystemTime::now())
    }

    /// A keyring with one given root key, active: for loading a keyring from storage, one
    /// [`insert_version`](Self::insert_version) per further version.
    ///
    /// # Errors
    /// [`KeyringError::ZeroVersion`] for version 0.
    pub fn with_root(
        suite: Suite,
        version: u32,
        key: SecretKey,
        created: SystemTime,
    ) -> Result<Self> {
        if version == 0 {
            return Err(KeyringError::ZeroVersion.into());
        }
        let mut roots = BTreeMap::new();
        roots.insert(version, RootVersion { key, created });
        Ok(Self {
            suite,
            roots,
            active: version,
            derived: RwLock::default(),
        })
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
        self.roots.insert(version, RootVersion { key, created });
        Ok(())
    }

    /// Makes `version` the one new values are sealed under. Purpose keys taken from the keyring
    /// before the change keep sealing under the old version: take them again.
    ///
    /// # Errors
    /// [`KeyringError::NoSuchVersion`] listing the versions present.
    pub fn set_active(&mut self, version: u32) -> Result<()> {
        self.root(version)?;
        self.active = version;
        Ok(())
    }

    /// The version new values are sealed under.
    pub fn active_version(&self) -> u32 {
        self.active
    }

    /// All versions, ascending.
    pub fn versions(&self) -> Vec<u32> {
        self.roots.keys().copied().collect()
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
    /// [`KeyringError::NoSuchVersion`].
    pub fn dangerous_root_key(&self, version: u32) -> Result<&SecretKey> {
        Ok(&self.root(version)?.key)
    }

    fn root(&self, version: u32) -> Result<&RootVersion, KeyringError> {
        self.roots
            .get(&version)
            .ok_or_else(|| KeyringError::NoSuchVersion {
                version,
                present: self.versions(),
            })
    }

    /// The key of purpose `P`, every version, sealing under the active one.
    pub fn purpose_key<P: Purpose>(&self) -> PurposeKey<P> {
        PurposeKey::from_dyn_unchecked(self.dyn_purpose_key(&DynPurpose::of::<P>()))
    }

    /// The key of a run-time purpose, every version, sealing under the active one.
    ///
    /// # Panics
    /// Never: the active version is always one of the keyring's versions.
    pub fn dyn_purpose_key(&self, purpose: &DynPurpose) -> DynPurposeKey {
        let versions = self
            .roots
            .keys()
            .map(|&v| self.version_key(purpose, v))
            .collect();
        let state = KeyState::new(purpose.clone(), self.suite, versions, self.active)
            .expect("the active version is always present");
        DynPurposeKey {
            state: Arc::new(state),
        }
    }

    /// The derived key of one purpose and version, derived on first use and cached.
    fn version_key(&self, purpose: &DynPurpose, version: u32) -> Arc<VersionKey> {
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
            let root = &self.roots[&version].key;
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
            .field("suite", &self.suite)
            .field("versions", &self.versions())
            .field("active", &self.active)
            .field("root_keys", &"[REDACTED]")
            .finish_non_exhaustive()
    }
}
