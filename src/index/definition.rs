//! What a keyring records of each blind index (FORMAT.md §16.4): its name, width and normalizer,
//! and its versions, each pinned to a root version and in one of three states. Bookkeeping only:
//! no key is held here.

use std::fmt;
use std::time::SystemTime;

use crate::error::{Error, KeyringError, Result};

/// The width of a term's truncated HMAC when none is chosen, in bytes (FORMAT.md §16.2).
pub const DEFAULT_WIDTH: u8 = 16;
/// The narrowest width: 2 bytes, where collisions are wanted to blunt frequency analysis.
pub const MIN_WIDTH: u8 = 2;
/// The widest width: the whole HMAC-SHA256 output.
pub const MAX_WIDTH: u8 = 32;
/// The longest normalizer description, in bytes.
pub const MAX_NORMALIZER_LEN: usize = 64;

/// A blind index to define in a keyring ([`Keyring::add_index`](crate::Keyring::add_index)):
/// its name, the width of its terms and the description of its normalizer.
///
/// ```
/// use fieldseal::IndexSpec;
/// let spec = IndexSpec::new("phone")?.with_width(8)?.with_normalizer("phone:GB")?;
/// assert_eq!((spec.name(), spec.width(), spec.normalizer()), ("phone", 8, "phone:GB"));
/// assert!(IndexSpec::new("Phone").is_err());
/// assert!(IndexSpec::new("phone")?.with_width(40).is_err());
/// # Ok::<(), fieldseal::Error>(())
/// ```
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexSpec {
    name: String,
    width: u8,
    normalizer: String,
}

impl IndexSpec {
    /// An index of this name, [`DEFAULT_WIDTH`] bytes wide, with no normalizer recorded.
    ///
    /// # Errors
    /// [`Error::InvalidIndexName`]: an index name follows the rules of purpose names (FORMAT.md
    /// §4.1), in a namespace of its own.
    pub fn new(name: &str) -> Result<Self> {
        validate_index_name(name)?;
        Ok(Self {
            name: name.to_owned(),
            width: DEFAULT_WIDTH,
            normalizer: String::new(),
        })
    }

    /// The width of its terms' HMAC, in bytes: [`MIN_WIDTH`] to [`MAX_WIDTH`]. Narrower terms
    /// collide more often, which hides how often a value occurs, and every collision is a
    /// candidate row to open and compare.
    ///
    /// # Errors
    /// [`Error::InvalidIndexSpec`] for a width outside 2 to 32.
    pub fn with_width(mut self, width: u8) -> Result<Self> {
        check_width(&self.name, width)?;
        self.width = width;
        Ok(self)
    }

    /// The description of the normalizer its values go through before a term is computed (such
    /// as `email` or `phone:GB`), recorded so that every service computes the same terms. The
    /// library does not interpret it here.
    ///
    /// # Errors
    /// [`Error::InvalidIndexSpec`] for more than 64 bytes or a control character.
    pub fn with_normalizer(mut self, description: &str) -> Result<Self> {
        check_normalizer(&self.name, description)?;
        description.clone_into(&mut self.normalizer);
        Ok(self)
    }

    /// Its name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// Its width, in bytes.
    pub fn width(&self) -> u8 {
        self.width
    }

    /// Its normalizer description, empty if none was recorded.
    pub fn normalizer(&self) -> &str {
        &self.normalizer
    }
}

/// Checks an index name (the rules of FORMAT.md §4.1).
pub(crate) fn validate_index_name(name: &str) -> Result<()> {
    match crate::purpose::rule_broken(name) {
        None => Ok(()),
        Some(reason) => Err(Error::InvalidIndexName {
            name: name.chars().take(80).collect(),
            reason,
        }),
    }
}

pub(crate) fn check_width(index: &str, width: u8) -> Result<()> {
    if (MIN_WIDTH..=MAX_WIDTH).contains(&width) {
        return Ok(());
    }
    Err(Error::InvalidIndexSpec {
        index: index.to_owned(),
        reason: format!(
            "width {width} is outside {MIN_WIDTH} to {MAX_WIDTH} bytes; choose {DEFAULT_WIDTH} \
             (the default) unless collisions are wanted"
        ),
    })
}

pub(crate) fn check_normalizer(index: &str, description: &str) -> Result<()> {
    let reason = if description.len() > MAX_NORMALIZER_LEN {
        format!(
            "its normalizer description is {} bytes, more than {MAX_NORMALIZER_LEN}; name the \
             normalizer briefly, as `email` or `phone:GB`",
            description.len()
        )
    } else if description.chars().any(char::is_control) {
        "its normalizer description holds a control character; name the normalizer in plain \
         text, as `email` or `phone:GB`"
            .to_owned()
    } else {
        return Ok(());
    };
    Err(Error::InvalidIndexSpec {
        index: index.to_owned(),
        reason,
    })
}

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

    #[test]
    fn specs_refuse_bad_widths_and_descriptions() {
        let spec = IndexSpec::new("email").unwrap();
        for width in [0, 1, 33, 255] {
            assert!(spec.clone().with_width(width).is_err(), "{width}");
        }
        for width in [2, 16, 32] {
            assert_eq!(spec.clone().with_width(width).unwrap().width(), width);
        }
        assert!(spec.clone().with_normalizer(&"x".repeat(64)).is_ok());
        assert!(spec.clone().with_normalizer(&"x".repeat(65)).is_err());
        assert!(spec.clone().with_normalizer("tab\there").is_err());
        assert_eq!(
            spec.with_normalizer("phone:GB").unwrap().normalizer(),
            "phone:GB"
        );
    }
}
