//! The unwrapped data keys a process keeps: bounded, set-associative, with a time to live
//! (SECURITY.md, "Key vault"). A key leaves the cache when it is evicted, when its entry is older than the time
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
    /// Ticks once per [`invalidate`](Self::invalidate): see [`fill`](Self::fill).
    invalidations: AtomicU64,
}

/// A moment in a cache's invalidations (see [`DataKeyCache::fill`]).
#[derive(Clone, Copy, PartialEq, Eq)]
pub(crate) struct Ticket(u64);

/// The most sets a cache has: a capacity above `MAX_SETS * WAYS` (67 million entries) is taken
/// as that. The list of pages is made up front (8 bytes a page); `usize::MAX` used to mean "no
/// bound" and must not ask for all of memory.
const MAX_SETS: usize = 1 << 24;

impl DataKeyCache {
    /// A cache of at most `capacity` entries (rounded up to whole sets of [`WAYS`], at most
    /// [`MAX_SETS`] of them), each trusted for `ttl`.
    pub(crate) fn new(capacity: usize, ttl: Duration) -> Self {
        let sets = capacity.div_ceil(WAYS).clamp(1, MAX_SETS);
        Self {
            pages: (0..sets.div_ceil(PAGE)).map(|_| OnceLock::new()).collect(),
            sets,
            ttl,
            hasher: RandomState::new(),
            clock: AtomicU64::new(0),
            invalidations: AtomicU64::new(0),
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

    /// Until when an answer about (subject, purpose) that a caller just took from this cache (or
    /// from the vault, through it) may be trusted: when the cached entry was fetched (now, if
    /// none is cached), plus the time to live. `None`: for ever (a time to live past any clock).
    pub(crate) fn trusted_until(&self, subject: &[u8], purpose: &str) -> Option<Instant> {
        let fetched = Self::with_key(subject, purpose, |key| {
            self.set(key)?.iter().find_map(|way| {
                let held = way.load();
                held.as_deref()
                    .filter(|e| *e.key == *key)
                    .map(|e| e.fetched)
            })
        });
        fetched.unwrap_or_else(Instant::now).checked_add(self.ttl)
    }

    /// Remembers `value` for (subject, purpose): in the way that holds it already, else an empty
    /// one, else in place of the way least recently used. For what cannot go stale (an erasure,
    /// a destroyed generation); what the vault answered about a live key or consent goes through
    /// [`fill`](Self::fill).
    pub(crate) fn put(&self, subject: &[u8], purpose: &str, value: Cached) {
        Self::with_key(subject, purpose, |key| {
            self.store(key, value);
        });
    }

    /// Stores `value` under `key` and returns its way and entry. Two threads filling one set
    /// at once can each pick a different way for one key; the other ways holding `key` are
    /// emptied, so a lookup (which stops at the first match) never finds an older copy behind
    /// this one.
    fn store(&self, key: &[u8], value: Cached) -> (&ArcSwapOption<Entry>, Arc<Entry>) {
        let used = self.clock.fetch_add(1, Ordering::Relaxed) + 1;
        let set = self.set_to_write(key);
        let mut victim = None;
        let mut oldest = (u64::MAX, 0);
        for (i, way) in set.iter().enumerate() {
            let age = match way.load().as_deref() {
                Some(entry) if *entry.key == *key => {
                    victim = Some(i);
                    break;
                }
                Some(entry) => entry.used.load(Ordering::Relaxed),
                None => 0,
            };
            if age < oldest.0 {
                oldest = (age, i);
            }
        }
        let at = victim.unwrap_or(oldest.1);
        let entry = Arc::new(Entry {
            key: key.into(),
            value,
            fetched: Instant::now(),
            used: AtomicU64::new(used),
        });
        set[at].store(Some(Arc::clone(&entry)));
        for (i, way) in set.iter().enumerate() {
            let held = way.load();
            if i != at && held.as_deref().is_some_and(|e| *e.key == *key) {
                way.compare_and_swap(&held, None);
            }
        }
        (&set[at], entry)
    }

    /// The cache's count of invalidations, to take before reading the vault and give to
    /// [`fill`](Self::fill) with the answer.
    pub(crate) fn ticket(&self) -> Ticket {
        Ticket(self.invalidations.load(Ordering::SeqCst))
    }

    /// Remembers what the vault answered about (subject, purpose) after `ticket` was taken,
    /// unless this process changed a subject's consent or erased one since: then the answer may
    /// predate the change, and it is dropped again (the next lookup asks the vault). Without
    /// this, an open that read a key just before a withdrawal could put it back just after the
    /// withdrawal emptied the cache, and it would open values here for the time to live.
    pub(crate) fn fill(&self, ticket: Ticket, subject: &[u8], purpose: &str, value: Cached) {
        Self::with_key(subject, purpose, |key| {
            let (way, entry) = self.store(key, value);
            // Stored first, checked after: an invalidation either came before the check (seen
            // here) or after the store (and its removal finds this entry).
            if self.invalidations.load(Ordering::SeqCst) != ticket.0 {
                let held = way.load();
                if held.as_ref().is_some_and(|e| Arc::ptr_eq(e, &entry)) {
                    way.compare_and_swap(&held, None);
                }
            }
        });
    }

    /// This process changed what the vault says of (subject, purpose) (a grant, a withdrawal,
    /// an erasure, a destruction), and the change is committed: answers read before it are
    /// dropped, then `now` is remembered in their place, or nothing.
    pub(crate) fn invalidate(&self, subject: &[u8], purpose: &str, now: Option<Cached>) {
        self.invalidations.fetch_add(1, Ordering::SeqCst);
        match now {
            Some(value) => self.put(subject, purpose, value),
            None => self.remove(subject, purpose),
        }
    }

    /// Forgets (subject, purpose).
    pub(crate) fn remove(&self, subject: &[u8], purpose: &str) {
        // Nothing longer than a subject id and a purpose name is ever cached (and would not fit
        // the lookup key): a backend's row can name anything.
        if subject.len() > MAX_ID_LEN || purpose.len() > MAX_NAME_LEN {
            return;
        }
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

    /// An open that read the vault before this process withdrew (or erased) and fills the cache
    /// after the withdrawal emptied it: its answer is dropped, not kept for the time to live.
    #[test]
    fn an_answer_read_before_an_invalidation_is_not_kept() {
        let cache = DataKeyCache::new(64, Duration::from_secs(60));
        let before = cache.ticket();
        cache.invalidate(b"s", "p", None);
        cache.fill(before, b"s", "p", destroyed(1));
        assert!(cache.get(b"s", "p").is_none());
        // Read after the invalidation: kept.
        let after = cache.ticket();
        cache.fill(after, b"s", "p", destroyed(2));
        assert!(cache.get(b"s", "p").is_some());
        // An erasure replaces what was there, and an older answer does not come back over it.
        let stale = cache.ticket();
        cache.invalidate(b"s", "p", Some(Cached::Erased { at: 9 }));
        cache.fill(stale, b"s", "p", destroyed(3));
        assert!(matches!(
            cache.get(b"s", "p"),
            None | Some(Cached::Erased { at: 9 })
        ));
        assert!(!matches!(cache.get(b"s", "p"), Some(Cached::Destroyed(_))));
    }

    /// Two threads filling one set can each pick a way for one key; a store leaves one copy,
    /// so a lookup never finds an older copy that a later eviction uncovered.
    #[test]
    fn a_key_is_held_in_one_way_only() {
        let cache = DataKeyCache::new(WAYS, Duration::from_secs(60));
        cache.put(b"s", "p", destroyed(1));
        // Plant an older copy in another way, as a racing store could have left it.
        DataKeyCache::with_key(b"s", "p", |key| {
            let set = cache.set(key).unwrap();
            let at = set.iter().position(|w| w.load().is_none()).unwrap();
            set[at].store(Some(Arc::new(Entry {
                key: key.into(),
                value: destroyed(0),
                fetched: Instant::now(),
                used: AtomicU64::new(0),
            })));
        });
        assert_eq!(cache.len(), 2);
        cache.put(b"s", "p", destroyed(2));
        assert_eq!(cache.len(), 1);
        assert!(matches!(
            cache.get(b"s", "p"),
            Some(Cached::Destroyed(d)) if d.generation == 2
        ));
    }

    #[test]
    fn a_capacity_past_the_largest_is_taken_as_the_largest() {
        let cache = DataKeyCache::new(usize::MAX, Duration::from_secs(60));
        assert_eq!(cache.sets, MAX_SETS);
        cache.put(b"s", "p", destroyed(1));
        assert!(cache.get(b"s", "p").is_some());
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
