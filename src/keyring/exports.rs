//! What a keyring remembers of the bundles exported from it: which service holds which
//! purposes at which versions, so that `status` can say which purposes are in use and which
//! bundles a rotation left stale.

use std::time::SystemTime;

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
}

impl BundleExport {
    /// Whether the bundle lags the keyring: another active version, or keys for versions since
    /// added or retired. Export it again.
    pub fn is_stale(&self, active_version: u32, live_versions: &[u32]) -> bool {
        self.active_version != active_version || self.versions != live_versions
    }
}
