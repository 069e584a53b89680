//! The unwrapped data keys a process keeps: bounded, set-associative, with a time to live (SECURITY.md,
//! "Key vault"). A key leaves the cache when it is evicted, when its entry is older than the time
//! to live, or at once when this process withdraws or forgets; its bytes and ciphers are zeroized
//! when the last user drops them.

use std::hash::{BuildHasher, RandomState};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, OnceLock};
use std::time::{Duration, Instant};

use arc_swap::ArcSwapOption;

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
    /// `u16be(len(subject)) || subject || purpose`.
    key: Box<[u8]>,
    value: Cached,
    fetched: Instant,
    /// The cache's [`clock`](DataKeyCache::clock) when this entry was last put or found.
    used: AtomicU64,
}

/// Entries per set: a key can sit in any of the ways of the one set its hash names.
const WAYS: usize = 4;

/// One set of ways.
type Set = [ArcSwapOption<Entry>; WAYS];

/// Sets per page.
const PAGE: usize = 64;

/// Room for a lookup key: `u16be(len(subject)) || subject || purpose`.
const KEY_ROOM: usize = 2 + MAX_ID_LEN + MAX_NAME_LEN;

/// A set-associative cache whose lookups write nothing that other threads read: each way is an
/// `ArcSwapOption`, which a reader loads without a lock (arc-swap keeps its bookkeeping per
/// thread). A cache behind a few mutexes made every hit a write to a lock's cache line, and two
/// threads opening values of many subjects ran at 1.24-1.37x of one (BENCHMARKS.md, "Subject
/// mode"). Writes (a miss filled, an eviction, a withdrawal) replace one way.
pub(crate) struct DataKeyCache {
    /// The sets, [`PAGE`] to a page, each page made on the first write into it: a cache of the
    /// default capacity holds 25,000 sets, which a process that caches a few subjects should not
    /// build (nor drop: dropping a way asks arc-swap whether a reader still holds it).
    pages: Box<[OnceLock<Box<[Set]>>]>,
    sets: usize,
    ttl: Duration,
    hasher: RandomState,
    /// Ticks once per `put`: what a way's `used` is measured against when one is evicted. A hit
    /// stores it into its entry only when it moved, so a cache that is only read is only read.
    clock: AtomicU64,
}

impl DataKeyCache {
    /// A cache of at most `capacity` entries (rounded up to whole sets of [`WAYS`]), each trusted
    /// for `ttl`.
    pub(crate) fn new(capacity: usize, ttl: Duration) -> Self {
        let sets = capacity.div_ceil(WAYS).max(1);
        Self {
            pages: (0..sets.div_ceil(PAGE)).map(|_| OnceLock::new()).collect(),
            sets,
            ttl,
            hasher: RandomState::new(),
            clock: AtomicU64::new(0),
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

    /// The page and the index in it of `key`'s set.
    fn locate(&self, key: &[u8]) -> (&OnceLock<Box<[Set]>>, usize) {
        // The remainder of a 64-bit hash: `usize` is at most 64 bits on every target we build for.
        let at = self.hasher.hash_one(key) % self.sets as u64;
        let at = usize::try_from(at).expect("less than the number of sets");
        (&self.pages[at / PAGE], at % PAGE)
    }

    /// `key`'s set, if its page was ever written.
    fn set(&self, key: &[u8]) -> Option<&Set> {
        let (page, at) = self.locate(key);
        page.get().map(|sets| &sets[at])
    }

    /// `key`'s set, its page made if need be.
    fn set_to_write(&self, key: &[u8]) -> &Set {
        let (page, at) = self.locate(key);
        &page.get_or_init(|| (0..PAGE).map(|_| Set::default()).collect())[at]
    }

    /// What is cached for (subject, purpose), if it is younger than the time to live.
    #[inline]
    pub(crate) fn get(&self, subject: &[u8], purpose: &str) -> Option<Cached> {
        self.with(subject, purpose, Cached::clone)
    }

    /// Calls `f` with what is cached for (subject, purpose), borrowed where it lies, if it is
    /// younger than the time to live: a caller that only needs the key for a moment (an open)
    /// takes no reference to it, whose count two threads would otherwise write in turn.
    #[inline]
    pub(crate) fn with<R>(
        &self,
        subject: &[u8],
        purpose: &str,
        f: impl FnOnce(&Cached) -> R,
    ) -> Option<R> {
        Self::with_key(subject, purpose, |key| {
            for way in self.set(key)? {
                let held = way.load();
                let Some(entry) = held.as_deref().filter(|e| *e.key == *key) else {
                    continue;
                };
                if entry.fetched.elapsed() >= self.ttl {
                    return None;
                }
                let now = self.clock.load(Ordering::Relaxed);
                if entry.used.load(Ordering::Relaxed) != now {
                    entry.used.store(now, Ordering::Relaxed);
                }
                return Some(f(&entry.value));
            }
            None
        })
    }

    /// Remembers `value` for (subject, purpose): in the way that holds it already, else an empty
    /// one, else in place of the way least recently used. Two threads filling one set at once
    /// may evict each other's entry early: a later lookup misses and asks the vault.
    pub(crate) fn put(&self, subject: &[u8], purpose: &str, value: Cached) {
        Self::with_key(subject, purpose, |key| {
            let used = self.clock.fetch_add(1, Ordering::Relaxed) + 1;
            let set = self.set_to_write(key);
            let mut victim = 0;
            let mut oldest = u64::MAX;
            for (i, way) in set.iter().enumerate() {
                let age = match way.load().as_deref() {
                    Some(entry) if *entry.key == *key => {
                        victim = i;
                        break;
                    }
                    Some(entry) => entry.used.load(Ordering::Relaxed),
                    None => 0,
                };
                if age < oldest {
                    (victim, oldest) = (i, age);
                }
            }
            set[victim].store(Some(Arc::new(Entry {
                key: key.into(),
                value,
                fetched: Instant::now(),
                used: AtomicU64::new(used),
            })));
        });
    }

    /// Forgets (subject, purpose).
    pub(crate) fn remove(&self, subject: &[u8], purpose: &str) {
        Self::with_key(subject, purpose, |key| {
            for way in self.set(key).into_iter().flatten() {
                let held = way.load();
                if held.as_deref().is_some_and(|e| *e.key == *key) {
                    // Only if the way still holds what was looked at: an entry another thread
                    // put there since is not this one.
                    way.compare_and_swap(&held, None);
                }
            }
        });
    }

    /// Entries held, for tests.
    #[cfg(test)]
    pub(crate) fn len(&self) -> usize {
        self.pages
            .iter()
            .filter_map(OnceLock::get)
            .flat_map(|sets| sets.iter().flatten())
            .filter(|way| way.load().is_some())
            .count()
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
        let cache = DataKeyCache::new(4 * WAYS, Duration::from_secs(60));
        cache.put(b"hot", "marketing", destroyed(7));
        for i in 0..10_000u32 {
            cache.put(&i.to_be_bytes(), "marketing", destroyed(i));
            // One entry in constant use survives the flood, found rather than put again.
            assert!(cache.get(b"hot", "marketing").is_some(), "evicted at {i}");
        }
        assert_eq!(cache.len(), 4 * WAYS);
        // A capacity that is not whole sets rounds up; zero still holds one set.
        assert_eq!(DataKeyCache::new(5, Duration::ZERO).sets, 2);
        assert_eq!(DataKeyCache::new(0, Duration::ZERO).sets, 1);
        // Pages are made as they are written.
        let big = DataKeyCache::new(1_000_000, Duration::from_secs(60));
        assert_eq!(big.pages.len(), 1_000_000 / WAYS / PAGE + 1);
        big.put(b"s", "p", destroyed(1));
        assert_eq!(big.pages.iter().filter(|p| p.get().is_some()).count(), 1);
        assert!(big.get(b"s", "p").is_some() && big.get(b"t", "p").is_none());
    }

    /// A hit writes nothing shared while no entry was put since: threads opening values under
    /// cached keys only read the cache (two of them ran at 1.24-1.37x of one while every hit
    /// took a shard's lock and ticked its clock).
    #[test]
    fn hits_write_nothing_while_nothing_is_put() {
        let cache = DataKeyCache::new(64, Duration::from_secs(60));
        cache.put(b"a", "p", destroyed(1));
        cache.put(b"b", "p", destroyed(2));
        let clock = cache.clock.load(Ordering::Relaxed);
        let used = |subject: &[u8]| {
            DataKeyCache::with_key(subject, "p", |key| {
                cache
                    .set(key)
                    .unwrap()
                    .iter()
                    .find_map(|w| {
                        w.load()
                            .as_deref()
                            .filter(|e| *e.key == *key)
                            .map(|e| e.used.load(Ordering::Relaxed))
                    })
                    .unwrap()
            })
        };
        // `a` was put before the clock last moved: its first hit brings it up to date, once.
        assert_eq!((used(b"a"), used(b"b")), (clock - 1, clock));
        for _ in 0..3 {
            assert!(cache.get(b"a", "p").is_some());
            assert!(cache.get(b"b", "p").is_some());
        }
        assert_eq!((used(b"a"), used(b"b")), (clock, clock));
        assert_eq!(cache.clock.load(Ordering::Relaxed), clock);
    }

    #[test]
    fn a_value_put_again_replaces_the_old_one_in_place() {
        let cache = DataKeyCache::new(WAYS, Duration::from_secs(60));
        for generation in 0..10 {
            cache.put(b"s", "p", destroyed(generation));
        }
        assert_eq!(cache.len(), 1);
        assert!(matches!(
            cache.get(b"s", "p"),
            Some(Cached::Destroyed(d)) if d.generation == 9
        ));
    }

    /// Threads putting, finding and removing keys of one small cache at once: no panic, a
    /// removed key is gone for the thread that removed it, and the bound holds.
    #[test]
    fn threads_share_one_cache() {
        let cache = DataKeyCache::new(2 * WAYS, Duration::from_secs(60));
        std::thread::scope(|s| {
            for t in 0..4u32 {
                let cache = &cache;
                s.spawn(move || {
                    for i in 0..2_000u32 {
                        let subject = (t * 10_000 + i % 16).to_be_bytes();
                        cache.put(&subject, "p", destroyed(i));
                        if let Some(Cached::Destroyed(d)) = cache.get(&subject, "p") {
                            assert!(d.generation <= i);
                        }
                        cache.remove(&subject, "p");
                        assert!(cache.get(&subject, "p").is_none());
                    }
                });
            }
        });
        assert!(cache.len() <= 2 * WAYS);
    }

    #[test]
    fn entries_older_than_the_time_to_live_are_not_trusted() {
        let cache = DataKeyCache::new(10, Duration::ZERO);
        cache.put(b"s", "p", destroyed(1));
        assert!(cache.get(b"s", "p").is_none());
    }
}
