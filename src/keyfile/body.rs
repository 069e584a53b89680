//! FORMAT.md §14.3 and §14.4: the plaintext bodies of keyring files and key bundles (bytes only).
//!
//! ```text
//! keyring = keyring_id[16] suite:u8 count:u32be entry{count}
//!           [exports:u16be export{exports}
//!            [indexes:u16be index{indexes} index_exports:u16be index_export{index_exports}]]
//! export  = service_len:u8 service exported:u64be active:u32be
//!           purposes:u8 (name_len:u8 name){purposes} versions:u32be version:u32be{versions}
//! bundle  = keyring_id[16] suite:u8 created:u64be service_len:u8 service[service_len]
//!           purposes:u8 (name_len:u8 name count:u32be entry{count}){purposes}
//!           [indexes:u8 index{indexes}]
//! entry   = version:u32be state:u8 created:u64be key[32]   (no key when state = retired)
//! ```
//! Entries ascend by version; exactly one per list is active. The index sections (`index`,
//! `index_export`: src/keyfile/index_body.rs) are optional, written only when there is an index,
//! and never empty when present. Bodies hold keys: they are built and read in [`Zeroizing`]
//! buffers only.

use zeroize::Zeroizing;

use crate::error::KeyFileError;
use crate::keyfile::audit_body::{self, AuditKeyEntry, AuditVersionDef};
use crate::keyfile::index_body::{self, IndexDef, IndexExportEntry, Keys};
use crate::keyring::VersionState;
use crate::secret::KEY_LEN;

const STATE_ACTIVE: u8 = 1;
const STATE_DECRYPT_ONLY: u8 = 2;
const STATE_RETIRED: u8 = 3;

/// One key version as stored.
pub(crate) struct Entry {
    pub(crate) version: u32,
    pub(crate) state: VersionState,
    /// Seconds since the Unix epoch.
    pub(crate) created: u64,
    /// Zeros when retired. Not an `Option`: the payload bytes of a `None` are never wiped, and
    /// they can hold a stale copy of another entry's key from the stack.
    key: Zeroizing<[u8; KEY_LEN]>,
}

impl Entry {
    /// An entry; `key` is copied, and ignored for a retired version.
    pub(crate) fn new(
        version: u32,
        state: VersionState,
        created: u64,
        key: Option<&[u8; KEY_LEN]>,
    ) -> Self {
        let mut bytes = Zeroizing::new([0; KEY_LEN]);
        if let (Some(key), false) = (key, state == VersionState::Retired) {
            bytes.copy_from_slice(key);
        }
        Self {
            version,
            state,
            created,
            key: bytes,
        }
    }

    /// The key, `None` when retired.
    pub(crate) fn key(&self) -> Option<&[u8; KEY_LEN]> {
        (self.state != VersionState::Retired).then_some(&*self.key)
    }
}

/// A keyring file's body.
pub(crate) struct KeyringBody {
    pub(crate) keyring_id: [u8; 16],
    pub(crate) suite: u8,
    pub(crate) entries: Vec<Entry>,
    pub(crate) exports: Vec<ExportEntry>,
    /// The blind indexes defined (FORMAT.md §16.4), ascending by name; their entries hold no key.
    pub(crate) indexes: Vec<IndexDef>,
    /// The index keys of exported bundles, by service.
    pub(crate) index_exports: Vec<IndexExportEntry>,
    /// The audit key versions (FORMAT.md §18.1); after the index section, which is then present.
    pub(crate) audit: Vec<AuditVersionDef>,
}

/// A bundle export the keyring remembers (no key).
#[derive(Debug, PartialEq, Eq)]
pub(crate) struct ExportEntry {
    pub(crate) service: String,
    pub(crate) exported: u64,
    pub(crate) active: u32,
    pub(crate) purposes: Vec<String>,
    pub(crate) versions: Vec<u32>,
}

/// One purpose's keys in a bundle.
pub(crate) struct PurposeEntry {
    pub(crate) name: String,
    pub(crate) entries: Vec<Entry>,
}

/// A key bundle's body.
pub(crate) struct BundleBody {
    pub(crate) keyring_id: [u8; 16],
    pub(crate) suite: u8,
    pub(crate) created: u64,
    pub(crate) service: String,
    pub(crate) purposes: Vec<PurposeEntry>,
    /// The index keys (FORMAT.md §16.1), each version's `IK`.
    pub(crate) indexes: Vec<IndexDef>,
    /// The service's audit key versions (FORMAT.md §18.1), each version's `AK`; after the index
    /// section, which is then present (with 0 indexes if need be).
    pub(crate) audit: Vec<AuditKeyEntry>,
}

/// Bytes of a version list: its count and entries.
fn entries_len(entries: &[Entry]) -> usize {
    4 + entries
        .iter()
        .map(|e| 13 + if e.key().is_some() { KEY_LEN } else { 0 })
        .sum::<usize>()
}

impl KeyringBody {
    /// The exact encoded length: the buffer is allocated once, since a reallocation would free
    /// key bytes unwiped.
    fn len(&self) -> usize {
        let exports: usize = self
            .exports
            .iter()
            .map(|e| {
                1 + e.service.len()
                    + 8
                    + 4
                    + 1
                    + e.purposes.iter().map(|p| 1 + p.len()).sum::<usize>()
                    + 4
                    + 4 * e.versions.len()
            })
            .sum();
        let indexes = if self.has_index_section() {
            2 + index_body::defs_len(&self.indexes, Keys::None)
                + 2
                + index_body::exports_len(&self.index_exports)
        } else {
            0
        };
        let audit = if self.audit.is_empty() {
            0
        } else {
            audit_body::keyring_len(&self.audit)
        };
        16 + 1 + entries_len(&self.entries) + 2 + exports + indexes + audit
    }

    fn has_index_section(&self) -> bool {
        !self.indexes.is_empty() || !self.index_exports.is_empty() || !self.audit.is_empty()
    }

    pub(crate) fn encode(&self) -> Result<Zeroizing<Vec<u8>>, KeyFileError> {
        let mut out = Zeroizing::new(Vec::with_capacity(self.len()));
        out.extend_from_slice(&self.keyring_id);
        out.push(self.suite);
        put_entries(&mut out, &self.entries)?;
        let count = u16::try_from(self.exports.len()).map_err(|_| invalid("too many exports"))?;
        out.extend_from_slice(&count.to_be_bytes());
        for export in &self.exports {
            put_name(&mut out, &export.service, "service name")?;
            out.extend_from_slice(&export.exported.to_be_bytes());
            out.extend_from_slice(&export.active.to_be_bytes());
            let purposes =
                u8::try_from(export.purposes.len()).map_err(|_| invalid("over 255 purposes"))?;
            out.push(purposes);
            for name in &export.purposes {
                put_name(&mut out, name, "purpose name")?;
            }
            let versions =
                u32::try_from(export.versions.len()).map_err(|_| invalid("too many versions"))?;
            out.extend_from_slice(&versions.to_be_bytes());
            for v in &export.versions {
                out.extend_from_slice(&v.to_be_bytes());
            }
        }
        if self.has_index_section() {
            let count =
                u16::try_from(self.indexes.len()).map_err(|_| invalid("too many indexes"))?;
            out.extend_from_slice(&count.to_be_bytes());
            index_body::put_defs(&mut out, &self.indexes, Keys::None)?;
            let count = u16::try_from(self.index_exports.len())
                .map_err(|_| invalid("too many index exports"))?;
            out.extend_from_slice(&count.to_be_bytes());
            index_body::put_exports(&mut out, &self.index_exports)?;
        }
        if !self.audit.is_empty() {
            audit_body::put_keyring(&mut out, &self.audit)?;
        }
        debug_assert_eq!(out.len(), out.capacity(), "allocated once");
        Ok(out)
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, KeyFileError> {
        let mut r = Reader { bytes, pos: 0 };
        let keyring_id = r.array()?;
        let suite = r.u8()?;
        let entries = r.entries("keyring")?;
        // The export list is optional: bodies written before it existed end here.
        let count = if r.pos == r.bytes.len() {
            0
        } else {
            u16::from_be_bytes(r.array()?)
        };
        let mut exports = Vec::new();
        for _ in 0..count {
            let service = r.name("service name")?;
            let exported = u64::from_be_bytes(r.array()?);
            let active = u32::from_be_bytes(r.array()?);
            let purposes = (0..r.u8()?)
                .map(|_| r.name("purpose name"))
                .collect::<Result<Vec<_>, _>>()?;
            let versions = u32::from_be_bytes(r.array()?) as usize;
            if versions > (r.bytes.len() - r.pos) / 4 {
                return Err(invalid("an export lists more versions than the body holds"));
            }
            let versions = (0..versions)
                .map(|_| r.array().map(u32::from_be_bytes))
                .collect::<Result<Vec<_>, _>>()?;
            exports.push(ExportEntry {
                service,
                exported,
                active,
                purposes,
                versions,
            });
        }
        // The index section is optional too: bodies without an index end here.
        let (mut indexes, mut index_exports) = (Vec::new(), Vec::new());
        if r.pos < r.bytes.len() {
            for _ in 0..u16::from_be_bytes(r.array()?) {
                let def = index_body::read_def(&mut r, Keys::None)?;
                if indexes
                    .last()
                    .is_some_and(|d: &IndexDef| d.name >= def.name)
                {
                    return Err(invalid("indexes must ascend by name, each once"));
                }
                indexes.push(def);
            }
            for _ in 0..u16::from_be_bytes(r.array()?) {
                let export = index_body::read_export(&mut r)?;
                if !exports.iter().any(|e| e.service == export.service)
                    || index_exports
                        .iter()
                        .any(|e: &IndexExportEntry| e.service == export.service)
                {
                    return Err(invalid(
                        "an index export names a service with no export, or twice",
                    ));
                }
                index_exports.push(export);
            }
            // An empty index section is there only to be followed by the audit section.
            if indexes.is_empty() && index_exports.is_empty() && r.pos == r.bytes.len() {
                return Err(invalid("an index section holds no index"));
            }
        }
        let audit = if r.pos < r.bytes.len() {
            audit_body::read_keyring(&mut r)?
        } else {
            Vec::new()
        };
        r.end()?;
        Ok(Self {
            keyring_id,
            suite,
            entries,
            exports,
            indexes,
            index_exports,
            audit,
        })
    }
}

impl BundleBody {
    /// The exact encoded length (see [`KeyringBody::len`]).
    fn len(&self) -> usize {
        let purposes: usize = self
            .purposes
            .iter()
            .map(|p| 1 + p.name.len() + entries_len(&p.entries))
            .sum();
        let indexes = if self.indexes.is_empty() && self.audit.is_empty() {
            0
        } else {
            1 + index_body::defs_len(&self.indexes, Keys::Held)
        };
        let audit = if self.audit.is_empty() {
            0
        } else {
            audit_body::bundle_len(&self.audit)
        };
        16 + 1 + 8 + 1 + self.service.len() + 1 + purposes + indexes + audit
    }

    pub(crate) fn encode(&self) -> Result<Zeroizing<Vec<u8>>, KeyFileError> {
        let mut out = Zeroizing::new(Vec::with_capacity(self.len()));
        out.extend_from_slice(&self.keyring_id);
        out.push(self.suite);
        out.extend_from_slice(&self.created.to_be_bytes());
        put_name(&mut out, &self.service, "service name")?;
        let count = u8::try_from(self.purposes.len()).map_err(|_| invalid("over 255 purposes"))?;
        out.push(count);
        for purpose in &self.purposes {
            put_name(&mut out, &purpose.name, "purpose name")?;
            put_entries(&mut out, &purpose.entries)?;
        }
        if !self.indexes.is_empty() || !self.audit.is_empty() {
            let count =
                u8::try_from(self.indexes.len()).map_err(|_| invalid("over 255 index keys"))?;
            out.push(count);
            index_body::put_defs(&mut out, &self.indexes, Keys::Held)?;
        }
        if !self.audit.is_empty() {
            audit_body::put_bundle(&mut out, &self.audit)?;
        }
        debug_assert_eq!(out.len(), out.capacity(), "allocated once");
        Ok(out)
    }

    pub(crate) fn decode(bytes: &[u8]) -> Result<Self, KeyFileError> {
        let mut r = Reader { bytes, pos: 0 };
        let keyring_id = r.array()?;
        let suite = r.u8()?;
        let created = u64::from_be_bytes(r.array()?);
        let service = r.name("service name")?;
        let count = r.u8()?;
        let mut purposes: Vec<PurposeEntry> = Vec::with_capacity(usize::from(count));
        for _ in 0..count {
            let name = r.name("purpose name")?;
            if purposes.iter().any(|p| p.name == name) {
                return Err(invalid(&format!("purpose `{name}` appears twice")));
            }
            let entries = r.entries(&name)?;
            purposes.push(PurposeEntry { name, entries });
        }
        // The index keys are optional: bundles without them end here.
        let mut indexes: Vec<IndexDef> = Vec::new();
        if r.pos < r.bytes.len() {
            let count = r.u8()?;
            // An empty index section is there only to be followed by the audit section.
            if count == 0 && r.pos == r.bytes.len() {
                return Err(invalid("an index section holds no index"));
            }
            for _ in 0..count {
                let def = index_body::read_def(&mut r, Keys::Held)?;
                if indexes.iter().any(|d| d.name == def.name) {
                    return Err(invalid(&format!("index `{}` appears twice", def.name)));
                }
                indexes.push(def);
            }
        }
        let audit = if r.pos < r.bytes.len() {
            audit_body::read_bundle(&mut r)?
        } else {
            Vec::new()
        };
        r.end()?;
        Ok(Self {
            keyring_id,
            suite,
            created,
            service,
            purposes,
            indexes,
            audit,
        })
    }
}

pub(crate) fn invalid(reason: &str) -> KeyFileError {
    KeyFileError::Invalid {
        reason: reason.to_owned(),
    }
}

pub(super) fn put_name(out: &mut Vec<u8>, name: &str, what: &str) -> Result<(), KeyFileError> {
    let len = u8::try_from(name.len()).map_err(|_| invalid(&format!("{what} over 255 bytes")))?;
    out.push(len);
    out.extend_from_slice(name.as_bytes());
    Ok(())
}

fn put_entries(out: &mut Vec<u8>, entries: &[Entry]) -> Result<(), KeyFileError> {
    let count = u32::try_from(entries.len()).map_err(|_| invalid("too many versions"))?;
    out.extend_from_slice(&count.to_be_bytes());
    for entry in entries {
        out.extend_from_slice(&entry.version.to_be_bytes());
        out.push(match entry.state {
            VersionState::Active => STATE_ACTIVE,
            VersionState::DecryptOnly => STATE_DECRYPT_ONLY,
            VersionState::Retired => STATE_RETIRED,
        });
        out.extend_from_slice(&entry.created.to_be_bytes());
        if let Some(key) = entry.key() {
            out.extend_from_slice(key);
        }
    }
    Ok(())
}

pub(crate) struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub(crate) fn remaining(&self) -> usize {
        self.bytes.len() - self.pos
    }

    pub(crate) fn take(&mut self, n: usize) -> Result<&'a [u8], KeyFileError> {
        if self.bytes.len() - self.pos < n {
            return Err(invalid("the body ends early"));
        }
        let out = &self.bytes[self.pos..self.pos + n];
        self.pos += n;
        Ok(out)
    }

    pub(crate) fn u8(&mut self) -> Result<u8, KeyFileError> {
        Ok(self.take(1)?[0])
    }

    pub(super) fn array<const N: usize>(&mut self) -> Result<[u8; N], KeyFileError> {
        Ok(self.take(N)?.try_into().expect("N bytes"))
    }

    pub(crate) fn name(&mut self, what: &str) -> Result<String, KeyFileError> {
        let len = self.u8()?;
        let bytes = self.take(usize::from(len))?;
        String::from_utf8(bytes.to_vec()).map_err(|_| invalid(&format!("a {what} is not UTF-8")))
    }

    /// A version list: ascending, at least one, exactly one active.
    fn entries(&mut self, owner: &str) -> Result<Vec<Entry>, KeyFileError> {
        let count = u32::from_be_bytes(self.array()?) as usize;
        // Each entry is at least 13 bytes: refuse a count the body cannot hold before allocating.
        if count == 0 || count > (self.bytes.len() - self.pos) / 13 {
            return Err(invalid(&format!("{owner}: bad version count {count}")));
        }
        let mut entries: Vec<Entry> = Vec::with_capacity(count);
        for _ in 0..count {
            let version = u32::from_be_bytes(self.array()?);
            let state = match self.u8()? {
                STATE_ACTIVE => VersionState::Active,
                STATE_DECRYPT_ONLY => VersionState::DecryptOnly,
                STATE_RETIRED => VersionState::Retired,
                other => return Err(invalid(&format!("{owner}: unknown key state {other}"))),
            };
            let created = u64::from_be_bytes(self.array()?);
            let key = if state == VersionState::Retired {
                None
            } else {
                let bytes: &[u8; KEY_LEN] = self.take(KEY_LEN)?.try_into().expect("KEY_LEN bytes");
                Some(bytes)
            };
            if version == 0 || entries.last().is_some_and(|e| e.version >= version) {
                return Err(invalid(&format!(
                    "{owner}: versions must ascend from 1, found {version}"
                )));
            }
            entries.push(Entry::new(version, state, created, key));
        }
        let active = entries
            .iter()
            .filter(|e| e.state == VersionState::Active)
            .count();
        if active != 1 {
            return Err(invalid(&format!(
                "{owner}: {active} active versions, exactly one needed"
            )));
        }
        Ok(entries)
    }

    fn end(&self) -> Result<(), KeyFileError> {
        if self.pos == self.bytes.len() {
            Ok(())
        } else {
            Err(invalid("bytes follow the body"))
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(version: u32, state: VersionState) -> Entry {
        Entry::new(
            version,
            state,
            1_700_000_000 + u64::from(version),
            Some(&[version as u8; KEY_LEN]),
        )
    }

    #[test]
    fn keyring_body_round_trips_and_retired_versions_carry_no_key() {
        let export = ExportEntry {
            service: "newsletter".into(),
            exported: 99,
            active: 3,
            purposes: vec!["marketing".into(), "analytics".into()],
            versions: vec![2, 3],
        };
        let body = KeyringBody {
            audit: Vec::new(),
            keyring_id: [5; 16],
            suite: 1,
            entries: vec![
                entry(1, VersionState::Retired),
                entry(2, VersionState::DecryptOnly),
                entry(3, VersionState::Active),
            ],
            exports: vec![export],
            indexes: Vec::new(),
            index_exports: Vec::new(),
        };
        let bytes = body.encode().unwrap();
        let export_len = 1 + 10 + 8 + 4 + 1 + (1 + 9) + (1 + 9) + 4 + 8;
        assert_eq!(
            bytes.len(),
            16 + 1 + 4 + 13 + 2 * (13 + KEY_LEN) + 2 + export_len
        );
        let back = KeyringBody::decode(&bytes).unwrap();
        assert_eq!(back.keyring_id, [5; 16]);
        let states: Vec<_> = back.entries.iter().map(|e| (e.version, e.state)).collect();
        assert_eq!(
            states,
            [
                (1, VersionState::Retired),
                (2, VersionState::DecryptOnly),
                (3, VersionState::Active)
            ]
        );
        assert!(back.entries[0].key().is_none());
        assert_eq!(back.entries[2].key().unwrap(), &[3; KEY_LEN]);
        assert_eq!(back.exports, body.exports);
    }

    #[test]
    fn a_keyring_body_without_an_export_list_reads_as_none_exported() {
        let body = KeyringBody {
            audit: Vec::new(),
            keyring_id: [5; 16],
            suite: 1,
            entries: vec![entry(1, VersionState::Active)],
            exports: Vec::new(),
            indexes: Vec::new(),
            index_exports: Vec::new(),
        };
        let bytes = body.encode().unwrap();
        let back = KeyringBody::decode(&bytes[..bytes.len() - 2]).unwrap();
        assert!(back.exports.is_empty());
        assert!(KeyringBody::decode(&bytes[..bytes.len() - 1]).is_err());
    }

    #[test]
    fn bundle_body_round_trips() {
        let body = BundleBody {
            keyring_id: [1; 16],
            suite: 2,
            created: 42,
            service: "newsletter".into(),
            purposes: vec![PurposeEntry {
                name: "marketing".into(),
                entries: vec![
                    entry(1, VersionState::DecryptOnly),
                    entry(2, VersionState::Active),
                ],
            }],
            indexes: Vec::new(),
            audit: Vec::new(),
        };
        let back = BundleBody::decode(&body.encode().unwrap()).unwrap();
        assert_eq!(back.service, "newsletter");
        assert_eq!(back.created, 42);
        assert_eq!(back.purposes[0].name, "marketing");
        assert_eq!(back.purposes[0].entries.len(), 2);
    }

    #[test]
    fn refuses_bad_lists_and_never_panics_on_truncation() {
        let two_active = KeyringBody {
            audit: Vec::new(),
            keyring_id: [0; 16],
            suite: 1,
            entries: vec![
                entry(1, VersionState::Active),
                entry(2, VersionState::Active),
            ],
            exports: Vec::new(),
            indexes: Vec::new(),
            index_exports: Vec::new(),
        };
        let bytes = two_active.encode().unwrap();
        assert!(matches!(
            KeyringBody::decode(&bytes),
            Err(KeyFileError::Invalid { reason }) if reason.contains("2 active versions")
        ));
        let descending = KeyringBody {
            audit: Vec::new(),
            keyring_id: [0; 16],
            suite: 1,
            entries: vec![
                entry(2, VersionState::Active),
                entry(1, VersionState::DecryptOnly),
            ],
            exports: Vec::new(),
            indexes: Vec::new(),
            index_exports: Vec::new(),
        };
        assert!(KeyringBody::decode(&descending.encode().unwrap()).is_err());
        let good = KeyringBody {
            audit: Vec::new(),
            keyring_id: [0; 16],
            suite: 1,
            entries: vec![entry(1, VersionState::Active)],
            exports: Vec::new(),
            indexes: Vec::new(),
            index_exports: Vec::new(),
        }
        .encode()
        .unwrap();
        for len in 0..good.len() {
            // Without its (empty) export list the body is complete: the list is optional.
            let optional_end = len == good.len() - 2;
            assert_eq!(
                KeyringBody::decode(&good[..len]).is_ok(),
                optional_end,
                "length {len}"
            );
        }
        let mut huge_count = good.to_vec();
        huge_count[17..21].copy_from_slice(&u32::MAX.to_be_bytes());
        assert!(KeyringBody::decode(&huge_count).is_err());
    }
}
