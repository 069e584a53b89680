//! FORMAT.md §14.3 and §14.4: the blind index sections of keyring and bundle bodies (bytes only).
//!
//! ```text
//! index        = name_len:u8 name width:u8 normalizer_len:u8 normalizer
//!                count:u32be index_entry{count}
//! index_entry  = index_version:u32be root_version:u32be state:u8 created:u64be [key[32]]
//! index_export = service_len:u8 service count:u8
//!                (name_len:u8 name versions:u32be version:u32be{versions}){count}
//! ```
//! A keyring's index entries hold no key; a bundle's hold the index key `IK` (FORMAT.md §16.1)
//! of every version but a retired one.

use zeroize::Zeroizing;

use crate::error::KeyFileError;
use crate::index::IndexVersionState;
use crate::keyfile::body::{Reader, invalid, put_name};
use crate::secret::KEY_LEN;

const STATE_CURRENT: u8 = 1;
const STATE_LIVE: u8 = 2;
const STATE_RETIRED: u8 = 3;
/// An index entry without its key.
const ENTRY_LEN: usize = 4 + 4 + 1 + 8;

/// One index version as stored.
pub(crate) struct IndexEntry {
    pub(crate) version: u32,
    pub(crate) root_version: u32,
    pub(crate) state: IndexVersionState,
    /// Seconds since the Unix epoch.
    pub(crate) created: u64,
    /// Zeros when there is none (see `Entry::key` in body.rs: not an `Option`).
    key: Zeroizing<[u8; KEY_LEN]>,
    has_key: bool,
}

impl IndexEntry {
    /// An entry; `key` is copied, and ignored for a retired version.
    pub(crate) fn new(
        version: u32,
        root_version: u32,
        state: IndexVersionState,
        created: u64,
        key: Option<&[u8; KEY_LEN]>,
    ) -> Self {
        let mut bytes = Zeroizing::new([0; KEY_LEN]);
        let has_key = matches!((key, state), (Some(_), s) if s != IndexVersionState::Retired);
        if let (Some(key), true) = (key, has_key) {
            bytes.copy_from_slice(key);
        }
        Self {
            version,
            root_version,
            state,
            created,
            key: bytes,
            has_key,
        }
    }

    /// The key, if the entry holds one.
    pub(crate) fn key(&self) -> Option<&[u8; KEY_LEN]> {
        self.has_key.then_some(&*self.key)
    }
}

/// One index as stored.
pub(crate) struct IndexDef {
    pub(crate) name: String,
    pub(crate) width: u8,
    pub(crate) normalizer: String,
    pub(crate) entries: Vec<IndexEntry>,
}

/// The index keys of one exported bundle, as a keyring records them (no key).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct IndexExportEntry {
    pub(crate) service: String,
    /// Index name and the versions held, ascending.
    pub(crate) indexes: Vec<(String, Vec<u32>)>,
}

/// Whether entries carry keys: a bundle's do (but a retired one's), a keyring's never.
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keys {
    Held,
    None,
}

pub(super) fn defs_len(defs: &[IndexDef], keys: Keys) -> usize {
    defs.iter()
        .map(|d| {
            let entries: usize = d
                .entries
                .iter()
                .map(|e| {
                    ENTRY_LEN
                        + if keys == Keys::Held && e.key().is_some() {
                            KEY_LEN
                        } else {
                            0
                        }
                })
                .sum();
            1 + d.name.len() + 1 + 1 + d.normalizer.len() + 4 + entries
        })
        .sum()
}

pub(super) fn put_defs(
    out: &mut Vec<u8>,
    defs: &[IndexDef],
    keys: Keys,
) -> Result<(), KeyFileError> {
    for def in defs {
        put_name(out, &def.name, "index name")?;
        out.push(def.width);
        put_name(out, &def.normalizer, "normalizer description")?;
        let count =
            u32::try_from(def.entries.len()).map_err(|_| invalid("too many index versions"))?;
        out.extend_from_slice(&count.to_be_bytes());
        for e in &def.entries {
            out.extend_from_slice(&e.version.to_be_bytes());
            out.extend_from_slice(&e.root_version.to_be_bytes());
            out.push(match e.state {
                IndexVersionState::Current => STATE_CURRENT,
                IndexVersionState::Live => STATE_LIVE,
                IndexVersionState::Retired => STATE_RETIRED,
            });
            out.extend_from_slice(&e.created.to_be_bytes());
            match (keys, e.key()) {
                (Keys::Held, Some(key)) => out.extend_from_slice(key),
                (Keys::Held, None) if e.state != IndexVersionState::Retired => {
                    return Err(invalid("a bundle's index version in use has no key"));
                }
                _ => {}
            }
        }
    }
    Ok(())
}

/// Reads one index: versions ascending from 1, the newest current and no other.
pub(super) fn read_def(r: &mut Reader<'_>, keys: Keys) -> Result<IndexDef, KeyFileError> {
    let name = r.name("index name")?;
    let width = r.u8()?;
    let normalizer = r.name("normalizer description")?;
    let count = u32::from_be_bytes(r.array()?) as usize;
    if count == 0 || count > r.remaining() / ENTRY_LEN {
        return Err(invalid(&format!(
            "index `{name}`: bad version count {count}"
        )));
    }
    let mut entries: Vec<IndexEntry> = Vec::with_capacity(count);
    for _ in 0..count {
        let version = u32::from_be_bytes(r.array()?);
        let root_version = u32::from_be_bytes(r.array()?);
        let state = match r.u8()? {
            STATE_CURRENT => IndexVersionState::Current,
            STATE_LIVE => IndexVersionState::Live,
            STATE_RETIRED => IndexVersionState::Retired,
            other => return Err(invalid(&format!("index `{name}`: unknown state {other}"))),
        };
        let created = u64::from_be_bytes(r.array()?);
        let key = if keys == Keys::Held && state != IndexVersionState::Retired {
            Some(<&[u8; KEY_LEN]>::try_from(r.take(KEY_LEN)?).expect("KEY_LEN bytes"))
        } else {
            None
        };
        if version == 0 || root_version == 0 || entries.last().is_some_and(|e| e.version >= version)
        {
            return Err(invalid(&format!(
                "index `{name}`: versions must ascend from 1 and name a root version, found \
                 {version} on root {root_version}"
            )));
        }
        entries.push(IndexEntry::new(version, root_version, state, created, key));
    }
    let current = entries
        .iter()
        .filter(|e| e.state == IndexVersionState::Current)
        .count();
    if current != 1 || entries.last().map(|e| e.state) != Some(IndexVersionState::Current) {
        return Err(invalid(&format!(
            "index `{name}`: its newest version, and no other, must be current"
        )));
    }
    Ok(IndexDef {
        name,
        width,
        normalizer,
        entries,
    })
}

pub(super) fn exports_len(exports: &[IndexExportEntry]) -> usize {
    exports
        .iter()
        .map(|e| {
            1 + e.service.len()
                + 1
                + e.indexes
                    .iter()
                    .map(|(name, versions)| 1 + name.len() + 4 + 4 * versions.len())
                    .sum::<usize>()
        })
        .sum()
}

pub(super) fn put_exports(
    out: &mut Vec<u8>,
    exports: &[IndexExportEntry],
) -> Result<(), KeyFileError> {
    for export in exports {
        put_name(out, &export.service, "service name")?;
        let count =
            u8::try_from(export.indexes.len()).map_err(|_| invalid("over 255 index keys"))?;
        out.push(count);
        for (name, versions) in &export.indexes {
            put_name(out, name, "index name")?;
            let n = u32::try_from(versions.len()).map_err(|_| invalid("too many versions"))?;
            out.extend_from_slice(&n.to_be_bytes());
            for v in versions {
                out.extend_from_slice(&v.to_be_bytes());
            }
        }
    }
    Ok(())
}

pub(super) fn read_export(r: &mut Reader<'_>) -> Result<IndexExportEntry, KeyFileError> {
    let service = r.name("service name")?;
    let mut indexes = Vec::new();
    for _ in 0..r.u8()? {
        let name = r.name("index name")?;
        let count = u32::from_be_bytes(r.array()?) as usize;
        if count > r.remaining() / 4 {
            return Err(invalid(
                "an index export lists more versions than the body holds",
            ));
        }
        let versions = (0..count)
            .map(|_| r.array().map(u32::from_be_bytes))
            .collect::<Result<Vec<_>, _>>()?;
        indexes.push((name, versions));
    }
    Ok(IndexExportEntry { service, indexes })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyfile::body::{BundleBody, Entry, ExportEntry, KeyringBody, PurposeEntry};
    use crate::keyring::VersionState;

    fn index(name: &str, states: &[IndexVersionState], keys: bool) -> IndexDef {
        IndexDef {
            name: name.into(),
            width: 16,
            normalizer: "email".into(),
            entries: states
                .iter()
                .enumerate()
                .map(|(i, &state)| {
                    let v = i as u32 + 1;
                    IndexEntry::new(v, v, state, 7, keys.then_some(&[v as u8; KEY_LEN]))
                })
                .collect(),
        }
    }

    fn root(version: u32, state: VersionState) -> Entry {
        Entry::new(version, state, 0, Some(&[9; KEY_LEN]))
    }

    fn keyring(indexes: Vec<IndexDef>, index_exports: Vec<IndexExportEntry>) -> KeyringBody {
        KeyringBody {
            keyring_id: [1; 16],
            suite: 1,
            entries: vec![
                root(1, VersionState::DecryptOnly),
                root(2, VersionState::Active),
            ],
            exports: vec![ExportEntry {
                service: "search".into(),
                exported: 3,
                active: 2,
                purposes: Vec::new(),
                versions: vec![1, 2],
            }],
            indexes,
            index_exports,
            audit: Vec::new(),
        }
    }

    fn bundle(indexes: Vec<IndexDef>) -> BundleBody {
        BundleBody {
            keyring_id: [1; 16],
            suite: 1,
            created: 3,
            service: "search".into(),
            purposes: Vec::<PurposeEntry>::new(),
            indexes,
            audit: Vec::new(),
        }
    }

    use IndexVersionState::{Current, Live, Retired};

    #[test]
    fn a_keyring_body_keeps_its_indexes_and_their_exports_and_no_index_key() {
        let body = keyring(
            vec![
                index("email", &[Retired, Live, Current], false),
                index("phone", &[Current], false),
            ],
            vec![IndexExportEntry {
                service: "search".into(),
                indexes: vec![("email".into(), vec![2, 3])],
            }],
        );
        let bytes = body.encode().unwrap();
        let back = KeyringBody::decode(&bytes).unwrap();
        assert_eq!(back.indexes.len(), 2);
        let email = &back.indexes[0];
        assert_eq!(
            (email.name.as_str(), email.width, email.normalizer.as_str()),
            ("email", 16, "email")
        );
        let states: Vec<_> = email
            .entries
            .iter()
            .map(|e| (e.version, e.root_version, e.state))
            .collect();
        assert_eq!(states, [(1, 1, Retired), (2, 2, Live), (3, 3, Current)]);
        assert!(email.entries.iter().all(|e| e.key().is_none()));
        assert_eq!(back.index_exports, body.index_exports);
        // Without an index, the body is what it was before indexes existed.
        let plain = keyring(Vec::new(), Vec::new()).encode().unwrap();
        assert_eq!(&bytes[..plain.len()], &plain[..]);
    }

    #[test]
    fn a_bundle_body_keeps_every_key_but_a_retired_ones() {
        let body = bundle(vec![index("email", &[Retired, Live, Current], true)]);
        let bytes = body.encode().unwrap();
        let back = BundleBody::decode(&bytes).unwrap();
        let keys: Vec<_> = back.indexes[0]
            .entries
            .iter()
            .map(|e| e.key().map(|k| k[0]))
            .collect();
        assert_eq!(keys, [None, Some(2), Some(3)]);
        assert!(
            BundleBody::decode(&bundle(Vec::new()).encode().unwrap())
                .unwrap()
                .indexes
                .is_empty()
        );
    }

    #[test]
    fn index_sections_are_strict_and_truncation_never_panics() {
        let good_ring = keyring(vec![index("email", &[Live, Current], false)], Vec::new());
        let good_bundle = bundle(vec![index("email", &[Live, Current], true)]);
        let bad_states: &[&[IndexVersionState]] = &[&[Current, Live], &[Current, Current], &[Live]];
        for states in bad_states {
            let ring = keyring(vec![index("email", states, false)], Vec::new());
            assert!(
                KeyringBody::decode(&ring.encode().unwrap()).is_err(),
                "{states:?}"
            );
            let b = bundle(vec![index("email", states, true)]);
            assert!(
                BundleBody::decode(&b.encode().unwrap()).is_err(),
                "{states:?}"
            );
        }
        let unordered = keyring(
            vec![
                index("phone", &[Current], false),
                index("email", &[Current], false),
            ],
            Vec::new(),
        );
        assert!(KeyringBody::decode(&unordered.encode().unwrap()).is_err());
        let twice = bundle(vec![
            index("email", &[Current], true),
            index("email", &[Current], true),
        ]);
        assert!(BundleBody::decode(&twice.encode().unwrap()).is_err());
        let foreign_export = keyring(
            vec![index("email", &[Current], false)],
            vec![IndexExportEntry {
                service: "nobody".into(),
                indexes: Vec::new(),
            }],
        );
        assert!(KeyringBody::decode(&foreign_export.encode().unwrap()).is_err());
        let ring = good_ring.encode().unwrap();
        let plain_len = keyring(Vec::new(), Vec::new()).encode().unwrap().len();
        // The export list is optional as well: a body may end after its root entries.
        let entries_end = 16 + 1 + 4 + 2 * (13 + KEY_LEN);
        for len in 0..ring.len() {
            let ok = len == plain_len || len == entries_end;
            assert_eq!(KeyringBody::decode(&ring[..len]).is_ok(), ok, "{len}");
        }
        let b = good_bundle.encode().unwrap();
        let plain_len = bundle(Vec::new()).encode().unwrap().len();
        for len in 0..b.len() {
            assert_eq!(
                BundleBody::decode(&b[..len]).is_ok(),
                len == plain_len,
                "{len}"
            );
        }
        // An index section that is present holds something.
        let mut empty = keyring(Vec::new(), Vec::new()).encode().unwrap().to_vec();
        empty.extend_from_slice(&[0, 0, 0, 0]);
        assert!(KeyringBody::decode(&empty).is_err());
        let mut empty = bundle(Vec::new()).encode().unwrap().to_vec();
        empty.push(0);
        assert!(BundleBody::decode(&empty).is_err());
    }
}
