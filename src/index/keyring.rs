//! A keyring's blind indexes (FORMAT.md §16.4): defining, rotating and migrating them, and the
//! keys derived for them.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, KeyringError, Result};
use crate::index::definition::{IndexInfo, IndexVersionInfo, IndexVersionState};
use crate::index::key::IndexKey;
use crate::index::spec::{IndexSpec, validate_index_name};
use crate::kdf;
use crate::keyring::Keyring;

impl Keyring {
    /// Defines a blind index: version 1, current, its key derived from the active root version
    /// and pinned to it for good (FORMAT.md §16.1), so that a root rotation never changes a term.
    /// Recorded by the keyring's auditor (`index-add`), refusals included.
    ///
    /// # Errors
    /// [`KeyringError::IndexExists`]: an index's width and normalizer never change;
    /// [`Error::Audit`](crate::Error::Audit) if it cannot be recorded and the auditor fails
    /// closed (nothing changes then).
    pub fn add_index(&mut self, spec: IndexSpec) -> Result<()> {
        use crate::audit::{Detail, Operation};
        let check = if self.indexes.contains_key(spec.name()) {
            Err(KeyringError::IndexExists {
                index: spec.name().to_owned(),
            }
            .into())
        } else {
            Ok(())
        };
        let detail = [("index", Detail::Text(spec.name()))];
        crate::audit::hooks::admin(self.auditor.as_ref()).record(
            Operation::IndexAdd,
            &detail,
            check,
        )?;
        let info = IndexInfo::new(spec, self.active_version(), now());
        self.indexes.insert(info.name.clone(), info);
        Ok(())
    }

    /// Rotates an index's key: a new version, pinned to the active root version, writes new
    /// terms; the previous one stays live, so lookups ask for both and find every row. Returns
    /// the new version. Recompute stored terms with the new version (a row's term is stale when
    /// [`IndexKey::is_current`] says so), then
    /// [`finish_index_migration`](Self::finish_index_migration). Index keys and bundles taken
    /// before keep writing the old version: take them again, re-export bundles.
    ///
    /// # Errors
    /// [`Error::UnknownIndex`]; [`KeyringError::VersionsExhausted`].
    pub fn rotate_index(&mut self, name: &str) -> Result<u32> {
        use crate::audit::{Detail, Operation};
        let admin = crate::audit::hooks::admin(self.auditor.as_ref());
        let mut detail = [("index", Detail::Text(name)), ("version", Detail::Count(0))];
        let next = match self.index(name) {
            None => {
                return Err(admin.refused(
                    Operation::IndexRotate,
                    &detail,
                    self.unknown_index(name),
                ));
            }
            Some(info) => info.current_version().checked_add(1),
        };
        let check = next.map(|_| ()).ok_or_else(|| {
            let last = self.index(name).map_or(0, IndexInfo::current_version);
            KeyringError::VersionsExhausted { last }.into()
        });
        detail[1].1 = Detail::Count(u64::from(next.unwrap_or(0)));
        admin.record(Operation::IndexRotate, &detail, check)?;
        let active = self.active_version();
        self.index_mut(name)?.rotate(active, now())
    }

    /// Finishes an index's migration: every version but the current one is retired, its key
    /// gone, and lookups ask for current terms only. Rows whose terms are of a retired version
    /// are no longer found: recompute them first. Returns the versions retired (none if no
    /// migration was under way).
    ///
    /// # Errors
    /// [`Error::UnknownIndex`].
    pub fn finish_index_migration(&mut self, name: &str) -> Result<Vec<u32>> {
        use crate::audit::{Detail, Operation};
        let admin = crate::audit::hooks::admin(self.auditor.as_ref());
        let check = self
            .index(name)
            .map(|_| ())
            .ok_or_else(|| self.unknown_index(name));
        let detail = [("index", Detail::Text(name))];
        admin.record(Operation::IndexFinish, &detail, check)?;
        Ok(self.index_mut(name)?.finish_migration())
    }

    /// The key of an index: every version in use, each derived from the root version it is
    /// pinned to.
    ///
    /// # Errors
    /// [`Error::UnknownIndex`]; [`KeyringError::Retired`] if a root version an index version is
    /// pinned to was retired (which [`retire`](Self::retire) refuses).
    pub fn index_key(&self, name: &str) -> Result<IndexKey> {
        let info = self.index(name).ok_or_else(|| self.unknown_index(name))?;
        IndexKey::new(info.clone(), |version| {
            let root_version = info.version(version).map_or(0, |v| v.root_version);
            let root = self.dangerous_root_key(root_version)?;
            Ok(kdf::index_key(root, name, version))
        })
    }

    /// The indexes defined, by name.
    pub fn indexes(&self) -> Vec<IndexInfo> {
        self.indexes.values().cloned().collect()
    }

    /// One index's definition.
    pub fn index(&self, name: &str) -> Option<&IndexInfo> {
        self.indexes.get(name)
    }

    /// The index versions in use whose keys derive from root version `root_version`, as
    /// `index `name` version v`: what keeps it from being retired.
    pub(crate) fn index_versions_pinned_to(&self, root_version: u32) -> Vec<String> {
        self.indexes
            .values()
            .flat_map(|i| {
                i.pinned_to(root_version)
                    .map(move |v| format!("index `{}` version {v}", i.name))
            })
            .collect()
    }

    /// Records an index read from a key file: its name must be new, and the root version of each
    /// version in use live.
    pub(crate) fn insert_index(&mut self, info: IndexInfo) -> Result<()> {
        validate_index_name(&info.name)?;
        if self.indexes.contains_key(&info.name) {
            return Err(KeyringError::IndexExists { index: info.name }.into());
        }
        for v in in_use(&info) {
            self.dangerous_root_key(v.root_version)?;
        }
        self.indexes.insert(info.name.clone(), info);
        Ok(())
    }

    fn index_mut(&mut self, name: &str) -> Result<&mut IndexInfo> {
        let unknown = self.unknown_index(name);
        self.indexes.get_mut(name).ok_or(unknown)
    }

    fn unknown_index(&self, name: &str) -> Error {
        Error::UnknownIndex {
            index: name.to_owned(),
            held: self.indexes.keys().cloned().collect(),
        }
    }
}

/// The versions of `info` in use (current and live).
fn in_use(info: &IndexInfo) -> impl Iterator<Item = &IndexVersionInfo> {
    info.versions
        .iter()
        .filter(|v| v.state != IndexVersionState::Retired)
}

/// The time now, to the second: what a key file keeps (FORMAT.md §14.3), so that an index read
/// back equals the index written.
fn now() -> SystemTime {
    let secs = SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map_or(0, |d| d.as_secs());
    UNIX_EPOCH + Duration::from_secs(secs)
}
