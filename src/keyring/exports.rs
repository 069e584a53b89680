//! What a keyring remembers of the bundles exported from it: which service holds which
//! purposes at which versions, and which index keys, so that `status` can say which purposes are
//! in use and which bundles a rotation left stale.

use std::time::SystemTime;

use crate::keyring::Keyring;
use crate::purpose::DynPurpose;

/// One service's bundle, as recorded by the keyring that exported it (the latest export per
/// service). Saved with the keyring (FORMAT.md §14.3); holds no key.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct BundleExport {
    /// The service the bundle was made for.
    pub service: String,
    /// Its purposes.
    pub purposes: Vec<DynPurpose>,
    /// When it was exported.
    pub exported: SystemTime,
    /// The version it seals with.
    pub active_version: u32,
    /// The versions whose keys it holds, ascending.
    pub versions: Vec<u32>,
    /// Its index keys (FORMAT.md §16.4), by name.
    pub indexes: Vec<IndexExport>,
}

/// The key of one blind index in a bundle, as the keyring recorded its export.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct IndexExport {
    /// The index.
    pub index: String,
    /// The index versions whose keys the bundle holds (current and live), ascending: the last
    /// is the one it writes terms with.
    pub versions: Vec<u32>,
}

impl BundleExport {
    /// Whether the bundle's purpose keys lag the keyring: another active version, or keys for
    /// versions since added or retired. Export it again. A bundle without purpose keys never
    /// lags a root rotation.
    pub fn is_stale(&self, active_version: u32, live_versions: &[u32]) -> bool {
        !self.purposes.is_empty()
            && (self.active_version != active_version || self.versions != live_versions)
    }

    /// Whether any of the bundle's keys lag `keyring`: its purpose keys ([`is_stale`]), or an
    /// index key whose versions in use have changed since (a rotation, whose new version the
    /// bundle would not write terms with, or a finished migration). Export it again.
    ///
    /// [`is_stale`]: Self::is_stale
    pub fn is_stale_in(&self, keyring: &Keyring) -> bool {
        self.is_stale(keyring.active_version(), &keyring.live_versions())
            || self.indexes.iter().any(|held| {
                keyring.index(&held.index).is_none_or(|info| {
                    let mut in_use = info.lookup_versions();
                    in_use.sort_unstable();
                    in_use != held.versions
                })
            })
    }
}
