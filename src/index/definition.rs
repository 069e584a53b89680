//! What a keyring records of each blind index (FORMAT.md §16.4): its name, width and normalizer,
//! and its versions, each pinned to a root version and in one of three states. Bookkeeping only:
//! no key is held here.

use std::fmt;
use std::time::SystemTime;

use crate::error::{Error, KeyringError, Result};
use crate::index::spec::{IndexSpec, check_normalizer, check_width, validate_index_name};

/// The state of one index version (FORMAT.md §16.4).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum IndexVersionState {
    /// New terms are written with it. Exactly one version of an index is current, the newest.
    Current,
    /// An older version still queried: a lookup asks for its terms too, until the migration to
    /// the current version is finished.
    Live,
    /// Its migration is finished and its key gone; only the number is kept.
    Retired,
}

impl IndexVersionState {
    /// The name used in key files' descriptions, `status` output and messages.
    pub fn name(self) -> &'static str {
        match self {
            Self::Current => "current",
            Self::Live => "live",
            Self::Retired => "retired",
        }
    }
}

impl fmt::Display for IndexVersionState {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.name())
    }
}

/// One version of an index, as a keyring or bundle records it (no key).
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexVersionInfo {
    /// The index version, from 1.
    pub version: u32,
    /// The root key version its key is derived from, fixed when it was created (FORMAT.md
    /// §16.1): a root rotation never changes a term.
    pub root_version: u32,
    /// When it was created.
    pub created: SystemTime,
    /// Its state.
    pub state: IndexVersionState,
}

/// A blind index as a keyring or bundle records it: name, width, normalizer, versions. Holds no
/// key.
#[derive(Clone, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub struct IndexInfo {
    /// The index name.
    pub name: String,
    /// The width of its terms' HMAC, in bytes.
    pub width: u8,
    /// Its normalizer description, empty if none was recorded.
    pub normalizer: String,
    /// Its versions, ascending; the last is the current one.
    pub versions: Vec<IndexVersionInfo>,
}

impl IndexInfo {
    /// A new index: version 1, current, pinned to `root_version`.
    pub(crate) fn new(spec: IndexSpec, root_version: u32, created: SystemTime) -> Self {
        Self {
            name: spec.name,
            width: spec.width,
            normalizer: spec.normalizer,
            versions: vec![IndexVersionInfo {
                version: 1,
                root_version,
                created,
                state: IndexVersionState::Current,
            }],
        }
    }

    /// An index read from storage, checked: a valid name, width and normalizer, versions
    /// ascending from 1 up, the last current and no other.
    pub(crate) fn checked(
        name: String,
        width: u8,
        normalizer: String,
        versions: Vec<IndexVersionInfo>,
    ) -> Result<Self> {
        validate_index_name(&name)?;
        check_width(&name, width)?;
        check_normalizer(&name, &normalizer)?;
        let bad = |reason: &str| Error::InvalidIndexSpec {
            index: name.clone(),
            reason: reason.to_owned(),
        };
        if versions.first().is_none_or(|v| v.version == 0) {
            return Err(bad("it has no version, or a version 0"));
        }
        if versions.windows(2).any(|w| w[0].version >= w[1].version) {
            return Err(bad("its versions do not ascend"));
        }
        let current = versions
            .iter()
            .filter(|v| v.state == IndexVersionState::Current)
            .count();
        if current != 1 || versions.last().map(|v| v.state) != Some(IndexVersionState::Current) {
            return Err(bad("its newest version, and no other, must be current"));
        }
        Ok(Self {
            name,
            width,
            normalizer,
            versions,
        })
    }

    /// The version new terms are written with.
    ///
    /// # Panics
    /// Never: an index always has a current version, its newest.
    pub fn current_version(&self) -> u32 {
        self.versions.last().expect("never empty").version
    }

    /// The versions whose terms a lookup asks for, current first, then the live ones from the
    /// newest down.
    pub fn lookup_versions(&self) -> Vec<u32> {
        self.versions
            .iter()
            .rev()
            .filter(|v| v.state != IndexVersionState::Retired)
            .map(|v| v.version)
            .collect()
    }

    /// The retired versions, ascending.
    pub fn retired_versions(&self) -> Vec<u32> {
        self.versions
            .iter()
            .filter(|v| v.state == IndexVersionState::Retired)
            .map(|v| v.version)
            .collect()
    }

    /// Whether a migration is under way: a live version besides the current one.
    pub fn is_migrating(&self) -> bool {
        self.versions
            .iter()
            .any(|v| v.state == IndexVersionState::Live)
    }

    /// One version.
    pub fn version(&self, version: u32) -> Option<&IndexVersionInfo> {
        self.versions.iter().find(|v| v.version == version)
    }

    /// A new current version pinned to `root_version`; the current one becomes live.
    pub(crate) fn rotate(&mut self, root_version: u32, created: SystemTime) -> Result<u32> {
        let last = self.current_version();
        let version = last
            .checked_add(1)
            .ok_or(KeyringError::VersionsExhausted { last })?;
        for v in &mut self.versions {
            if v.state == IndexVersionState::Current {
                v.state = IndexVersionState::Live;
            }
        }
        self.versions.push(IndexVersionInfo {
            version,
            root_version,
            created,
            state: IndexVersionState::Current,
        });
        Ok(version)
    }

    /// Retires every live version; returns them.
    pub(crate) fn finish_migration(&mut self) -> Vec<u32> {
        let mut retired = Vec::new();
        for v in &mut self.versions {
            if v.state == IndexVersionState::Live {
                v.state = IndexVersionState::Retired;
                retired.push(v.version);
            }
        }
        retired
    }

    /// The versions in use (current or live) whose keys derive from `root_version`.
    pub(crate) fn pinned_to(&self, root_version: u32) -> impl Iterator<Item = u32> + '_ {
        self.versions
            .iter()
            .filter(move |v| {
                v.root_version == root_version && v.state != IndexVersionState::Retired
            })
            .map(|v| v.version)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn info() -> IndexInfo {
        IndexInfo::new(IndexSpec::new("email").unwrap(), 1, SystemTime::UNIX_EPOCH)
    }

    #[test]
    fn rotation_and_migration_move_states_in_order() {
        let mut index = info();
        assert_eq!(index.lookup_versions(), vec![1]);
        assert_eq!(index.rotate(2, SystemTime::UNIX_EPOCH).unwrap(), 2);
        assert_eq!(index.rotate(2, SystemTime::UNIX_EPOCH).unwrap(), 3);
        assert_eq!(index.lookup_versions(), vec![3, 2, 1]);
        assert!(index.is_migrating());
        assert_eq!(index.pinned_to(1).collect::<Vec<_>>(), vec![1]);
        assert_eq!(index.finish_migration(), vec![1, 2]);
        assert_eq!(index.lookup_versions(), vec![3]);
        assert_eq!(index.retired_versions(), vec![1, 2]);
        assert_eq!(index.pinned_to(1).count(), 0);
        assert!(
            index.finish_migration().is_empty(),
            "a second finish does nothing"
        );
    }

    #[test]
    fn stored_definitions_are_checked() {
        let v = |version, state| IndexVersionInfo {
            version,
            root_version: 1,
            created: SystemTime::UNIX_EPOCH,
            state,
        };
        let check = |versions| IndexInfo::checked("email".into(), 16, String::new(), versions);
        assert!(
            check(vec![
                v(1, IndexVersionState::Live),
                v(2, IndexVersionState::Current)
            ])
            .is_ok()
        );
        for bad in [
            vec![],
            vec![v(0, IndexVersionState::Current)],
            vec![
                v(2, IndexVersionState::Current),
                v(1, IndexVersionState::Live),
            ],
            vec![
                v(1, IndexVersionState::Current),
                v(2, IndexVersionState::Live),
            ],
            vec![
                v(1, IndexVersionState::Current),
                v(2, IndexVersionState::Current),
            ],
            vec![v(1, IndexVersionState::Live)],
        ] {
            assert!(
                matches!(check(bad.clone()), Err(Error::InvalidIndexSpec { .. })),
                "{bad:?}"
            );
        }
        assert!(
            IndexInfo::checked(
                "Email".into(),
                16,
                String::new(),
                vec![v(1, IndexVersionState::Current)]
            )
            .is_err()
        );
        assert!(
            IndexInfo::checked(
                "email".into(),
                1,
                String::new(),
                vec![v(1, IndexVersionState::Current)]
            )
            .is_err()
        );
        assert!(
            IndexInfo::checked(
                "email".into(),
                16,
                "a\n".into(),
                vec![v(1, IndexVersionState::Current)]
            )
            .is_err()
        );
    }
}
