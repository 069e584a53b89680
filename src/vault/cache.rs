//! The unwrapped data keys a process keeps: bounded, sharded, with a time to live (SECURITY.md,
//! "Key vault"). A key leaves the cache when it is evicted, when its entry is older than the time
//! to live, or at once when this process withdraws or forgets; its bytes and ciphers are zeroized
//! when the last user drops them.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::sync::{Arc, Mutex, PoisonError};
use std::time::{Duration, Instant};

use crate::format::MAX_ID_LEN;
use crate::keyring::KeyState;
use crate::purpose::MAX_NAME_LEN;
use crate::vault::records::Destruction;

/// What is known of one (subject, purpose).
#[derive(Clone)]
pub(crate) enum Cached {
    /// A live data key, unwrapped.
    Live {
        generation: u32,
        key: Arc<KeyState>,
        expires: Option<u64>,
        previous: Option<Destruction>,
    },
    /// The latest key was destroyed.
    Destroyed(Destruction),
    /// The purpose needs consent and none stands (no key is created without it).
    NoConsent,
    /// The subject was forgotten.
    Erased { at: u64 },
}

struct Entry {
    value: Cached,
    fetched: Instant,
    used: u64,
}

#[derive(Default)]
struct Shard {
    map: HashMap<Box<[u8]>, Entry>,
    clock: u64,
}

const SHARDS: usize = 16;

/// Entries looked at to choose one to evict: the least recently used of them goes.
const EVICTION_SAMPLE: usize = 8;

/// Room for a lookup key: `u16be(len(subject)) || subject || purpose`.
const KEY_ROOM: usize = 2 + MAX_ID_LEN + MAX_NAME_LEN;

pub(crate) struct DataKeyCache {
    shards: [Mutex<Shard>; SHARDS],
    per_shard: usize,
    ttl: Duration,
    hasher: RandomState,
}

impl DataKeyCache {
    /// A cache of at most `capacity` entries (at least one per shard), each trusted for `ttl`.
    pub(crate) fn new(capacity: usize, ttl: Duration) -> Self {
        Self {
            shards: Default::default(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
            ttl,
            hasher: RandomState::new(),
        }
    }

    /// Calls `f` with the lookup key of (subject, purpose), laid out on the stack.
    fn with_key<R>(subject: &[u8], purpose: &str, f: impl FnOnce(&[u8]) -> R) -> R {
        let mut buf = [0u8; KEY_ROOM];
        let len = 2 + subject.len() + purpose.len();
        let subject_len = u16::try_from(subject.len()).expect("subject ids are checked short");
        buf[..2].copy_from_slice(&subject_len.to_be_bytes());
        buf[2..2 + subject.len()].copy_from_slice(subject);
        buf[2 + subject.len()..len].copy_from_slice(purpose.as_bytes());
        f(&buf[..len])
    }

    fn shard(&self, key: &[u8]) -> &Mutex<Shard> {
        &self.shards[(self.hasher.hash_one(key) as usize) % SHARDS]
    }

    /// What is cached for (subject, purpose), if it is younger than the time to live.
    #[inline]
    pub(crate) fn get(&self, subject: &[u8], purpose: &str) -> Option<Cached> {
        Self::with_key(subject, purpose, |key| {
            let mut shard = self
                .shard(key)
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            shard.clock += 1;
            let clock = shard.clock;
            let entry = shard.map.get_mut(key)?;
            if entry.fetched.elapsed() >= self.ttl {
                return None;
            }
            entry.used = clock;
            Some(entry.value.clone())
        })
    }

    /// Remembers `value` for (subject, purpose), evicting an old entry if the shard is full.
    pub(crate) fn put(&self, subject: &[u8], purpose: &str, value: Cached) {
        Self::with_key(subject, purpose, |key| {
            let mut shard = self
                .shard(key)
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            shard.clock += 1;
            let used = shard.clock;
            if shard.map.len() >= self.per_shard && !shard.map.contains_key(key) {
                let victim = shard
                    .map
                    .iter()
                    .take(EVICTION_SAMPLE)
                    .min_by_key(|(_, e)| e.used)
                    .map(|(k, _)| k.clone());
                if let Some(victim) = victim {
                    shard.map.remove(&victim);
                }
            }
            let entry = Entry {
                value,
                fetched: Instant::now(),
                used,
            };
            shard.map.insert(key.into(), entry);
        });
    }

    /// Forgets (subject, purpose).
    pub(crate) fn remove(&self, subject: &[u8], purpose: &str) {
        Self::with_key(subject, purpose, |key| {
            let mut shard = self
                .shard(key)
                .lock()
                .unwrap_or_else(PoisonError::into_inner);
            shard.map.remove(key);
        });
    }

    /// Entries held, for tests.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|s| s.lock().unwrap_or_else(PoisonError::into_inner).map.len())
            .sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::vault::records::DestroyReason;

    fn destroyed(generation: u32) -> Cached {
        Cached::Destroyed(Destruction {
            generation,
            reason: DestroyReason::Withdrawn,
            at: 1,
        })
    }

    #[test]
    fn entries_are_found_by_subject_and_purpose_and_never_across() {
        let cache = DataKeyCache::new(100, Duration::from_secs(60));
        cache.put(b"ab", "c", destroyed(1));
        cache.put(b"a", "bc", destroyed(2));
        let generation = |s: &[u8], p| match cache.get(s, p) {
            Some(Cached::Destroyed(d)) => Some(d.generation),
            _ => None,
        };
        assert_eq!(generation(b"ab", "c"), Some(1));
        assert_eq!(generation(b"a", "bc"), Some(2));
        assert_eq!(generation(b"abc", ""), None);
        cache.remove(b"ab", "c");
        assert_eq!(generation(b"ab", "c"), None);
        assert_eq!(generation(b"a", "bc"), Some(2));
    }

    #[test]
    fn the_cache_stays_bounded_and_keeps_what_is_used() {
        let cache = DataKeyCache::new(SHARDS * 4, Duration::from_secs(60));
        for i in 0..10_000u32 {
            cache.put(&i.to_be_bytes(), "marketing", destroyed(i));
            // One entry in constant use survives the flood.
            cache.put(b"hot", "marketing", destroyed(7));
            assert!(cache.get(b"hot", "marketing").is_some());
        }
        assert!(cache.len() <= SHARDS * 4, "{}", cache.len());
    }

    #[test]
    fn entries_older_than_the_time_to_live_are_not_trusted() {
        let cache = DataKeyCache::new(10, Duration::ZERO);
        cache.put(b"s", "p", destroyed(1));
        assert!(cache.get(b"s", "p").is_none());
    }
}
