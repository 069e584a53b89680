//! The data-key caches of this process, by keyring: how a grant, a withdrawal, an erasure or a
//! retention sweep made through one [`SubjectKeys`](super::SubjectKeys) reaches every other one
//! of the process at once. An administrator without purpose keys beside a service (as
//! [`KeyVault::keyring`](super::KeyVault::keyring) recommends) changes what the vault says; the
//! service's cache would otherwise go on answering from before the change for its time to live.
//!
//! Each cache is held weakly, with the keyring and the purposes of its `SubjectKeys`. A change
//! empties the entry in every other cache of the same keyring (the cache that made it records
//! what it knows instead); an erasure empties every purpose the cache may hold. A cache over
//! another vault of the same keyring loses an entry it did not need to: it asks its vault again,
//! which costs a read, never a wrong answer. Registration and changes take one process-wide lock;
//! seals and opens never touch it.

use std::sync::{Arc, Mutex, PoisonError, Weak};

use crate::keyring::KeyringId;
use crate::vault::cache::DataKeyCache;

/// One cache of the process.
struct Held {
    keyring: KeyringId,
    cache: Weak<DataKeyCache>,
    /// The purposes its `SubjectKeys` holds keys of: what an erasure empties.
    purposes: Arc<[String]>,
}

static CACHES: Mutex<Vec<Held>> = Mutex::new(Vec::new());

/// Keeps `cache`, of keyring `keyring` and the purposes `purposes`, among the caches that hear
/// of this process's changes.
pub(crate) fn register(keyring: KeyringId, cache: &Arc<DataKeyCache>, purposes: Vec<String>) {
    let mut held = CACHES.lock().unwrap_or_else(PoisonError::into_inner);
    held.retain(|h| h.cache.strong_count() > 0);
    held.push(Held {
        keyring,
        cache: Arc::downgrade(cache),
        purposes: purposes.into(),
    });
}

/// Calls `f` with every other live cache of keyring `keyring` than `this`, and the purposes its
/// `SubjectKeys` holds. The caches are collected first and `f` runs without the lock.
pub(crate) fn for_others(
    keyring: KeyringId,
    this: &Arc<DataKeyCache>,
    mut f: impl FnMut(&DataKeyCache, &[String]),
) {
    let others: Vec<(Arc<DataKeyCache>, Arc<[String]>)> = {
        let mut held = CACHES.lock().unwrap_or_else(PoisonError::into_inner);
        held.retain(|h| h.cache.strong_count() > 0);
        held.iter()
            .filter(|h| h.keyring == keyring)
            .filter_map(|h| Some((h.cache.upgrade()?, Arc::clone(&h.purposes))))
            .filter(|(cache, _)| !Arc::ptr_eq(cache, this))
            .collect()
    };
    for (cache, purposes) in &others {
        f(cache, purposes);
    }
}

/// Caches held, dropped ones included until the next registration or change, for tests.
#[cfg(test)]
pub(crate) fn held(keyring: KeyringId) -> usize {
    CACHES
        .lock()
        .unwrap()
        .iter()
        .filter(|h| h.keyring == keyring && h.cache.strong_count() > 0)
        .count()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::keyset::KeySet;
    use crate::vault::{MemoryVault, SubjectKeys};
    use crate::{DynPurpose, Keyring, Suite};

    #[test]
    fn a_cache_is_heard_while_its_subject_keys_live_and_replaced_by_with_cache() {
        let keyring = Keyring::generate(Suite::default()).unwrap();
        let keys = || KeySet::from_keyring(&keyring, &[DynPurpose::new("support").unwrap()]);
        let one = SubjectKeys::new(MemoryVault::new(), keys(), keyring.id()).unwrap();
        assert_eq!(held(keyring.id()), 1);
        let two = SubjectKeys::new(MemoryVault::new(), keys(), keyring.id())
            .unwrap()
            .with_cache(10, std::time::Duration::from_secs(1));
        assert_eq!(
            held(keyring.id()),
            2,
            "the cache with_cache replaced is not heard"
        );
        let mut others = Vec::new();
        for_others(keyring.id(), &one.cache, |_, purposes| {
            others.push(purposes.to_vec());
        });
        assert_eq!(others, [["support"]]);
        drop(two);
        assert_eq!(held(keyring.id()), 1);
        drop(one);
        assert_eq!(held(keyring.id()), 0);
        let stranger = Keyring::generate(Suite::default()).unwrap();
        assert_eq!(held(stranger.id()), 0);
    }
}
