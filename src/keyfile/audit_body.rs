//! FORMAT.md §14.3 and §14.4: the audit sections of keyring and bundle bodies (bytes only).
//!
//! ```text
//! keyring: ... [indexes ... index_exports ... [audits:u16be audit_version{audits}]]
//! audit_version = version:u32be root_version:u32be state:u8 created:u64be
//! state         = 1 current | 2 live | 3 retired
//! bundle:  ... [indexes:u8 bundle_index{indexes} [audit_keys:u8 (version:u32be key[32]){audit_keys}]]
//! ```
//! Versions ascend strictly from 1; in a keyring the last is current and no other; in a bundle
//! the last appends. A present section is never empty.

use zeroize::Zeroizing;

use crate::error::KeyFileError;
use crate::keyfile::body::{Reader, invalid};
use crate::secret::KEY_LEN;

const CURRENT: u8 = 1;
const LIVE: u8 = 2;
const RETIRED: u8 = 3;

/// One audit key version as a keyring file records it (no key).
#[derive(Clone, Debug, PartialEq, Eq)]
pub(crate) struct AuditVersionDef {
    pub(crate) version: u32,
    pub(crate) root_version: u32,
    pub(crate) retired: bool,
    pub(crate) created: u64,
}

/// One audit key version in a bundle: its `AK`.
pub(crate) struct AuditKeyEntry {
    pub(crate) version: u32,
    pub(crate) key: Zeroizing<[u8; KEY_LEN]>,
}

pub(crate) fn keyring_len(defs: &[AuditVersionDef]) -> usize {
    2 + 17 * defs.len()
}

pub(crate) fn put_keyring(out: &mut Vec<u8>, defs: &[AuditVersionDef]) -> Result<(), KeyFileError> {
    let count = u16::try_from(defs.len()).map_err(|_| invalid("too many audit key versions"))?;
    out.extend_from_slice(&count.to_be_bytes());
    for (i, d) in defs.iter().enumerate() {
        out.extend_from_slice(&d.version.to_be_bytes());
        out.extend_from_slice(&d.root_version.to_be_bytes());
        out.push(if i + 1 == defs.len() {
            CURRENT
        } else if d.retired {
            RETIRED
        } else {
            LIVE
        });
        out.extend_from_slice(&d.created.to_be_bytes());
    }
    Ok(())
}

pub(crate) fn read_keyring(r: &mut Reader<'_>) -> Result<Vec<AuditVersionDef>, KeyFileError> {
    let count = u16::from_be_bytes(r.array()?);
    if count == 0 {
        return Err(invalid("an audit section holds no audit key version"));
    }
    let mut defs: Vec<AuditVersionDef> = Vec::with_capacity(usize::from(count));
    for i in 0..count {
        let version = u32::from_be_bytes(r.array()?);
        let root_version = u32::from_be_bytes(r.array()?);
        let state = r.u8()?;
        let created = u64::from_be_bytes(r.array()?);
        let last = i + 1 == count;
        let retired = match (state, last) {
            (CURRENT, true) | (LIVE, false) => false,
            (RETIRED, false) => true,
            _ => return Err(invalid("audit key versions: the last is current, no other")),
        };
        if version == 0 || root_version == 0 || defs.last().is_some_and(|d| d.version >= version) {
            return Err(invalid(
                "audit key versions must ascend from 1, each on a root version",
            ));
        }
        defs.push(AuditVersionDef {
            version,
            root_version,
            retired,
            created,
        });
    }
    Ok(defs)
}

pub(crate) fn bundle_len(keys: &[AuditKeyEntry]) -> usize {
    1 + (4 + KEY_LEN) * keys.len()
}

pub(crate) fn put_bundle(out: &mut Vec<u8>, keys: &[AuditKeyEntry]) -> Result<(), KeyFileError> {
    let count = u8::try_from(keys.len()).map_err(|_| invalid("over 255 audit key versions"))?;
    out.push(count);
    for k in keys {
        out.extend_from_slice(&k.version.to_be_bytes());
        out.extend_from_slice(&*k.key);
    }
    Ok(())
}

pub(crate) fn read_bundle(r: &mut Reader<'_>) -> Result<Vec<AuditKeyEntry>, KeyFileError> {
    let count = r.u8()?;
    if count == 0 {
        return Err(invalid("an audit section holds no audit key"));
    }
    let mut keys: Vec<AuditKeyEntry> = Vec::with_capacity(usize::from(count));
    for _ in 0..count {
        let version = u32::from_be_bytes(r.array()?);
        let mut key = Zeroizing::new([0u8; KEY_LEN]);
        key.copy_from_slice(r.take(KEY_LEN)?);
        if version == 0 || keys.last().is_some_and(|k| k.version >= version) {
            return Err(invalid("audit key versions must ascend from 1"));
        }
        keys.push(AuditKeyEntry { version, key });
    }
    Ok(keys)
}
