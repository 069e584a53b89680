//! AES-256-GCM epochs: how one purpose key seals far more than 2^32 values safely and cheaply.
//!
//! Random 96-bit nonces under one key collide with probability about n^2 / 2^97: too high past
//! 2^32 values. Deriving a fresh key per value would fix that but costs an HKDF and an AES key
//! set-up (about 300 ns) per value. So a sealer derives one key per *epoch*: an 8-byte random epoch
//! id, `K_epoch = HKDF-Expand(PK, AES_EPOCH_LABEL || epoch)`, used for at most [`EPOCH_LIMIT`]
//! values and then replaced. Every value carries its epoch id beside its nonce; openers keep the
//! epoch ciphers they have built in a bounded cache: a few lock-free slots in front of a map.
//! FORMAT.md §5 has the arithmetic: at 2^48 values per purpose key version the chance of any nonce
//! repeating under any epoch key stays below 2^-32.
//!
//! Each sealing thread has its own current epoch (a [`ThreadLocal`] per purpose key version): the
//! sealing path takes no lock and touches no counter that another thread writes, so threads
//! sealing under one key never contend for a cache line. FORMAT.md §5's bound depends on the
//! values per epoch and in all, not on how many epochs there are, so more epochs cost nothing in
//! safety. The per-thread epochs are dropped, and their keys zeroized, with the purpose key version.
//!
//! A forked child must not go on counting in its parent's epoch (both would fill it to the limit):
//! an epoch remembers the [`rng::fork_generation`] it was created under, and a seal that sees the
//! generation moved starts a new epoch.

use std::cell::RefCell;
use std::collections::HashMap;
use std::hash::{BuildHasher, Hasher, RandomState};
use std::sync::{Arc, OnceLock, PoisonError, RwLock};

use thread_local::ThreadLocal;

use crate::aead::raw::{AES_NONCE_LEN, AesGcm};
use crate::aead::suite::TAG_LEN;
use crate::error::{Error, Result};
use crate::kdf::{self, AES_EPOCH_LABEL};
use crate::padded::Padded;
use crate::rng;
use crate::secret::{self, SecretKey};

/// FORMAT.md §5: values sealed under one epoch key, at most.
pub const EPOCH_LIMIT: u64 = 1 << 16;

/// Length of an epoch id.
pub(crate) const EPOCH_ID_LEN: usize = 8;

/// Epoch ciphers an opener keeps in its map per purpose key version before it starts over.
const OPEN_CACHE_MAX: usize = 1024;

/// Lock-free slots in front of the map, per purpose key version. An open that finds its epoch
/// here takes no lock and does no hashing: two atomic read-modify-writes and a map probe less
/// (about 40 instructions, callgrind).
const SLOTS: usize = 16;

/// Epoch ciphers each opening thread keeps beside the slots: the epochs it opened last that no
/// slot holds. A long-lived process starts an epoch per 2^16 values per sealing thread, and once
/// the slots are taken every later epoch lives in the map, whose read lock is an atomic
/// read-modify-write on a line every opening thread shares: two threads opened recent values no
/// faster than one (BENCHMARKS.md, "Providers"). A thread finds them here instead, writing only
/// its own cache lines.
const RECENT: usize = 4;

/// One thread's most recently opened epochs that no slot holds, replaced in turn.
#[derive(Default)]
struct Recent {
    epochs: [Option<(u64, Arc<AesGcm>)>; RECENT],
    next: usize,
}

impl Recent {
    #[inline]
    fn get(&self, key: u64) -> Option<&AesGcm> {
        self.epochs
            .iter()
            .flatten()
            .find(|(held, _)| *held == key)
            .map(|(_, cipher)| &**cipher)
    }

    /// Whether any epoch is kept, for tests.
    #[cfg(test)]
    fn is_empty(&self) -> bool {
        self.epochs.iter().all(Option::is_none)
    }

    fn put(&mut self, key: u64, cipher: Arc<AesGcm>) {
        self.epochs[self.next] = Some((key, cipher));
        self.next = (self.next + 1) % RECENT;
    }
}

/// A value of each thread, on cache lines of its own, the whole made on first use.
type PerThread<T> = OnceLock<Box<ThreadLocal<Padded<RefCell<T>>>>>;

/// One thread's current epoch.
struct Epoch {
    id: [u8; EPOCH_ID_LEN],
    cipher: Arc<AesGcm>,
    used: u64,
    generation: u64,
}

/// The epoch state of one purpose key version.
#[derive(Default)]
pub(crate) struct AesEpochs {
    /// Each sealing thread's current epoch, `None` before its first seal. Made on the first seal:
    /// a `ThreadLocal` is 512 bytes before it holds anything, and a subject's data key is often
    /// only opened in a process (100,000 cached data keys carried 50 MB of them).
    current: PerThread<Option<Epoch>>,
    /// Slot `id % SLOTS` holds, for good, the first epoch with such an id to be remembered: one
    /// this process sealed under, or one whose value authenticated. So no forged id ever fills
    /// a slot; a writer to the database can still choose which genuine epochs come first (by
    /// replaying old values), which only sends later epochs to the map: slower, never wrong.
    slots: [OnceLock<(u64, Arc<AesGcm>)>; SLOTS],
    /// Each opening thread's [`Recent`] epochs, consulted after the slots and before the map.
    /// Made on the first open past the slots: a `ThreadLocal` is half a kilobyte, and most keys
    /// (a subject's data key above all) never see more epochs than there are slots.
    recent: PerThread<Recent>,
    opened: RwLock<HashMap<u64, Arc<AesGcm>, EpochIdHasher>>,
    /// How many opens looked in the map, for tests.
    #[cfg(test)]
    map_lookups: std::sync::atomic::AtomicUsize,
}

/// The slot an epoch id may occupy.
#[inline]
fn slot_of(key: u64) -> usize {
    // Ids are uniformly random; the remainder keeps the low bits.
    (key % SLOTS as u64) as usize
}

/// Epoch ids are random, but a writer to the database can choose them: hash them with a secret
/// per-map key (a folded multiply, as foldhash does) so that nobody can aim at one bucket. SipHash
/// would cost more than the AEAD on a small field.
#[derive(Clone)]
struct EpochIdHasher {
    k0: u64,
    k1: u64,
}

impl Default for EpochIdHasher {
    fn default() -> Self {
        let seed = RandomState::new();
        Self {
            k0: seed.hash_one(0x5eed_u64),
            k1: seed.hash_one(0x5eed_u64 + 1) | 1,
        }
    }
}

impl BuildHasher for EpochIdHasher {
    type Hasher = FoldedMultiply;

    fn build_hasher(&self) -> FoldedMultiply {
        FoldedMultiply {
            k0: self.k0,
            k1: self.k1,
            hash: 0,
        }
    }
}

struct FoldedMultiply {
    k0: u64,
    k1: u64,
    hash: u64,
}

impl Hasher for FoldedMultiply {
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut word = [0u8; 8];
            word[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(word));
        }
    }

    fn write_u64(&mut self, x: u64) {
        let full = u128::from(x ^ self.k0 ^ self.hash) * u128::from(self.k1);
        self.hash = (full as u64) ^ ((full >> 64) as u64);
    }

    fn finish(&self) -> u64 {
        self.hash
    }
}

/// The cipher of epoch `id` (FORMAT.md §4.2), with the stack it was built on wiped.
fn epoch_cipher(pk: &SecretKey, id: [u8; EPOCH_ID_LEN]) -> Arc<AesGcm> {
    secret::with_stack_wiped(|| Arc::new(AesGcm::new(&kdf::suite_key(pk, AES_EPOCH_LABEL, &id))))
}

impl AesEpochs {
    /// Seals `sealed` (a plaintext and a tag slot) in place under this thread's current epoch
    /// with the value's `iv`, writing the epoch id into `epoch_out`. `generation` is
    /// [`rng::fork_generation`] read after the value's nonce was drawn: in a forked child the draw
    /// itself moves it, and a new epoch starts.
    #[inline]
    pub(crate) fn seal(
        &self,
        pk: &SecretKey,
        generation: u64,
        iv: &[u8; AES_NONCE_LEN],
        epoch_out: &mut [u8; EPOCH_ID_LEN],
        aad: &[u8],
        sealed: &mut [u8],
    ) -> Result<()> {
        // This thread's alone: nothing called below seals again, so the borrow never clashes.
        let threads = self.current.get_or_init(Box::default);
        let mut current = threads.get_or(Padded::default).0.borrow_mut();
        let epoch = match current.as_mut() {
            Some(epoch) if epoch.generation == generation && epoch.used < EPOCH_LIMIT => epoch,
            _ => current.insert(self.new_epoch(pk, generation)?),
        };
        epoch.used += 1;
        *epoch_out = epoch.id;
        epoch.cipher.seal(iv, aad, sealed);
        Ok(())
    }

    /// A fresh epoch for this thread, remembered for opening.
    #[cold]
    fn new_epoch(&self, pk: &SecretKey, generation: u64) -> Result<Epoch> {
        let block = rng::nonce_block().map_err(|()| Error::Rng)?;
        let mut id = [0u8; EPOCH_ID_LEN];
        id.copy_from_slice(&block[..EPOCH_ID_LEN]);
        let cipher = epoch_cipher(pk, id);
        self.remember(id, Arc::clone(&cipher));
        Ok(Epoch {
            id,
            cipher,
            used: 0,
            generation,
        })
    }

    /// Opens `buf` in place under the epoch `epoch` (the part's 8-byte id) with the value's `iv`.
    /// `Err(())` on authentication failure.
    #[inline]
    pub(crate) fn open(
        &self,
        pk: &SecretKey,
        epoch: &[u8],
        iv: &[u8; AES_NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        let id: [u8; EPOCH_ID_LEN] = epoch.try_into().map_err(|_| ())?;
        let key = u64::from_le_bytes(id);
        if let Some((held, cipher)) = self.slots[slot_of(key)].get() {
            if *held == key {
                return cipher.open(iv, aad, buf, tag);
            }
        }
        // This thread's alone, and nothing called below opens again: the borrows never clash.
        // Looked up only: it is made when an authenticated epoch goes into it, below, so that
        // neither a first open (slots still free) nor a forged id costs its memory.
        if let Some(mine) = self.recent.get().and_then(|all| all.get()) {
            if let Some(cipher) = mine.0.borrow().get(key) {
                return cipher.open(iv, aad, buf, tag);
            }
        }
        #[cfg(test)]
        self.map_lookups
            .fetch_add(1, std::sync::atomic::Ordering::Relaxed);
        let found = self
            .opened
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .get(&key)
            .cloned();
        if let Some(cipher) = found {
            // Authenticated when it was remembered: this thread keeps it at hand.
            self.keep_recent(key, Arc::clone(&cipher));
            return cipher.open(iv, aad, buf, tag);
        }
        // Not cached: derive, and keep the cipher only if the value authenticates, so that forged
        // epoch ids cannot flush the cache of real ones.
        let cipher = epoch_cipher(pk, id);
        cipher.open(iv, aad, buf, tag)?;
        if self.remember(id, Arc::clone(&cipher)) {
            self.keep_recent(key, cipher);
        }
        Ok(())
    }

    /// Keeps an authenticated epoch `key` past the slots among this thread's [`Recent`] ones.
    fn keep_recent(&self, key: u64, cipher: Arc<AesGcm>) {
        let all = self.recent.get_or_init(Box::default);
        all.get_or(Padded::default).0.borrow_mut().put(key, cipher);
    }

    /// Keeps `cipher` for opening: in its slot if that is free, else in the map. Returns whether
    /// it went to the map.
    fn remember(&self, id: [u8; EPOCH_ID_LEN], cipher: Arc<AesGcm>) -> bool {
        let key = u64::from_le_bytes(id);
        let Err((_, cipher)) = self.slots[slot_of(key)].set((key, cipher)) else {
            return false;
        };
        let mut opened = self.opened.write().unwrap_or_else(PoisonError::into_inner);
        if opened.len() >= OPEN_CACHE_MAX {
            // Bounded memory under a flood of epochs (or of forged ids): start over.
            opened.clear();
        }
        opened.insert(key, cipher);
        true
    }

    #[cfg(test)]
    pub(crate) fn epochs_cached(&self) -> usize {
        let slotted = self.slots.iter().filter(|s| s.get().is_some()).count();
        slotted + self.opened.read().unwrap().len()
    }
}

#[cfg(test)]
mod tests {
    use zeroize::Zeroizing;

    use super::*;
    use crate::secret::KEY_LEN;

    fn pk() -> SecretKey {
        SecretKey::from_bytes(Zeroizing::new([9; KEY_LEN]))
    }

    /// [`AesEpochs::seal`] with the tag handed back instead of written after `buf`.
    fn seal_detached(
        epochs: &AesEpochs,
        pk: &SecretKey,
        generation: u64,
        iv: &[u8; AES_NONCE_LEN],
        epoch: &mut [u8],
        aad: &[u8],
        buf: &mut [u8],
    ) -> Result<[u8; TAG_LEN]> {
        let epoch: &mut [u8; EPOCH_ID_LEN] = epoch.try_into().unwrap();
        let (sealed, tag) = crate::aead::seal_detached_with(buf, |sealed| {
            epochs.seal(pk, generation, iv, epoch, aad, sealed)
        });
        sealed.map(|()| tag)
    }

    /// Seals as a process whose fork generation is `generation` (0 in these tests, whatever the
    /// real generation is); returns the epoch id and the IV.
    fn seal_in(epochs: &AesEpochs, pk: &SecretKey, generation: u64) -> [u8; 20] {
        let mut out = [0u8; 20];
        let mut buf = *b"value";
        let (epoch, iv) = out.split_at_mut(EPOCH_ID_LEN);
        iv.fill(1);
        let iv: [u8; AES_NONCE_LEN] = (&*iv).try_into().unwrap();
        seal_detached(epochs, pk, generation, &iv, epoch, b"aad", &mut buf).unwrap();
        out
    }

    /// Seals `buf` with a fresh random IV in the current generation: (epoch id || IV, tag).
    fn seal_random(
        epochs: &AesEpochs,
        pk: &SecretKey,
        buf: &mut [u8],
    ) -> ([u8; 20], [u8; TAG_LEN]) {
        let mut nonce = [0u8; 20];
        let block = rng::nonce_block().unwrap();
        nonce[EPOCH_ID_LEN..].copy_from_slice(&block);
        let iv: [u8; AES_NONCE_LEN] = block;
        let tag = seal_detached(
            epochs,
            pk,
            rng::fork_generation(),
            &iv,
            &mut nonce[..EPOCH_ID_LEN],
            b"aad",
            buf,
        )
        .unwrap();
        (nonce, tag)
    }

    /// Opens with `nonce` = epoch id || IV.
    fn open_split(
        epochs: &AesEpochs,
        pk: &SecretKey,
        nonce: &[u8; 20],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        let iv: [u8; AES_NONCE_LEN] = nonce[EPOCH_ID_LEN..].try_into().unwrap();
        epochs.open(pk, &nonce[..EPOCH_ID_LEN], &iv, aad, buf, tag)
    }

    fn seal_one(epochs: &AesEpochs, pk: &SecretKey) -> [u8; 20] {
        seal_in(epochs, pk, 0)
    }

    #[test]
    fn an_epoch_seals_at_most_its_limit_then_a_new_one_starts() {
        let (pk, epochs) = (pk(), AesEpochs::default());
        let first = seal_one(&epochs, &pk);
        for _ in 1..EPOCH_LIMIT {
            assert_eq!(
                seal_one(&epochs, &pk)[..EPOCH_ID_LEN],
                first[..EPOCH_ID_LEN]
            );
        }
        let next = seal_one(&epochs, &pk);
        assert_ne!(next[..EPOCH_ID_LEN], first[..EPOCH_ID_LEN]);
        assert_eq!(epochs.epochs_cached(), 2);
    }

    #[test]
    fn each_thread_seals_in_an_epoch_of_its_own_and_every_value_opens() {
        let (pk, sealer, opener) = (pk(), AesEpochs::default(), AesEpochs::default());
        // All three threads live until each has sealed: a thread that exits hands its slot, and
        // so its epoch, to the next thread started (one after the other, never at once).
        let all_sealed = std::sync::Barrier::new(3);
        let by_thread: Vec<Vec<_>> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..3)
                .map(|_| {
                    s.spawn(|| {
                        let values: Vec<_> = (0..5)
                            .map(|_| {
                                let mut buf = *b"value";
                                let (nonce, tag) = seal_random(&sealer, &pk, &mut buf);
                                (nonce, buf, tag)
                            })
                            .collect();
                        all_sealed.wait();
                        values
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let mut epochs: Vec<_> = by_thread
            .iter()
            .map(|values| {
                let id = &values[0].0[..EPOCH_ID_LEN];
                assert!(
                    values
                        .iter()
                        .all(|(nonce, ..)| &nonce[..EPOCH_ID_LEN] == id)
                );
                id.to_vec()
            })
            .collect();
        epochs.sort();
        epochs.dedup();
        assert_eq!(epochs.len(), 3, "one epoch per thread");
        for (nonce, buf, tag) in by_thread.iter().flatten() {
            let mut copy = *buf;
            open_split(&opener, &pk, nonce, b"aad", &mut copy, tag).unwrap();
            assert_eq!(&copy, b"value");
        }
        assert_eq!(sealer.epochs_cached(), 3);
    }

    #[test]
    fn a_fork_starts_a_new_epoch() {
        let (pk, epochs) = (pk(), AesEpochs::default());
        let before = seal_one(&epochs, &pk);
        assert_eq!(
            seal_one(&epochs, &pk)[..EPOCH_ID_LEN],
            before[..EPOCH_ID_LEN]
        );
        let after = seal_in(&epochs, &pk, 1);
        assert_ne!(after[..EPOCH_ID_LEN], before[..EPOCH_ID_LEN]);
    }

    #[test]
    fn opens_values_of_any_cached_or_new_epoch() {
        let (pk, sealer, opener) = (pk(), AesEpochs::default(), AesEpochs::default());
        let mut buf = *b"value";
        let (nonce, tag) = seal_random(&sealer, &pk, &mut buf);
        // A fresh opener derives the epoch key from the id, then caches it.
        let mut copy = buf;
        open_split(&opener, &pk, &nonce, b"aad", &mut copy, &tag).unwrap();
        assert_eq!(&copy, b"value");
        assert_eq!(opener.epochs_cached(), 1);
        let mut copy = buf;
        assert!(open_split(&opener, &pk, &nonce, b"other", &mut copy, &tag).is_err());
        for byte in [0, EPOCH_ID_LEN] {
            // A changed epoch id (another key) or IV does not open.
            let mut forged = nonce;
            forged[byte] ^= 1;
            let mut copy = buf;
            assert!(open_split(&opener, &pk, &forged, b"aad", &mut copy, &tag).is_err());
        }
    }

    #[test]
    fn forged_epoch_ids_are_not_cached() {
        let (pk, epochs) = (pk(), AesEpochs::default());
        let mut buf = *b"v";
        let tag = [0u8; TAG_LEN];
        for i in 0..100u64 {
            let mut nonce = [0u8; 20];
            nonce[..8].copy_from_slice(&i.to_le_bytes());
            assert!(open_split(&epochs, &pk, &nonce, b"", &mut buf, &tag).is_err());
        }
        assert_eq!(epochs.epochs_cached(), 0);
    }

    /// Seals one value under a new epoch of `sealer` (`generation` must be new to it).
    fn seal_in_new_epoch(
        sealer: &AesEpochs,
        pk: &SecretKey,
        generation: u64,
    ) -> ([u8; 20], [u8; 1], [u8; TAG_LEN]) {
        let mut nonce = [2u8; 20];
        let mut buf = *b"v";
        let tag = seal_detached(
            sealer,
            pk,
            generation,
            &[2; AES_NONCE_LEN],
            &mut nonce[..EPOCH_ID_LEN],
            b"",
            &mut buf,
        )
        .unwrap();
        (nonce, buf, tag)
    }

    /// Once the slots are taken (any long-lived process: an epoch per 2^16 values per sealing
    /// thread), the values of later epochs are found in the map. A thread opening them again
    /// looks there once per epoch, not once per value: the map's read lock is a write to a
    /// cache line every opening thread shares (two threads opened no faster than one).
    #[test]
    fn a_thread_opens_an_epoch_past_the_slots_without_the_map_after_the_first_time() {
        let (pk, sealer, opener) = (pk(), AesEpochs::default(), AesEpochs::default());
        let mut generation = 0;
        let value = loop {
            let (nonce, buf, tag) = seal_in_new_epoch(&sealer, &pk, generation);
            generation += 1;
            let mut copy = buf;
            open_split(&opener, &pk, &nonce, b"", &mut copy, &tag).unwrap();
            let key = u64::from_le_bytes(nonce[..EPOCH_ID_LEN].try_into().unwrap());
            if opener.slots[slot_of(key)]
                .get()
                .is_some_and(|(k, _)| *k != key)
            {
                break (nonce, buf, tag);
            }
        };
        let (nonce, buf, tag) = value;
        let before = opener
            .map_lookups
            .load(std::sync::atomic::Ordering::Relaxed);
        for _ in 0..10 {
            let mut copy = buf;
            open_split(&opener, &pk, &nonce, b"", &mut copy, &tag).unwrap();
            assert_eq!(&copy, b"v");
        }
        assert_eq!(
            opener
                .map_lookups
                .load(std::sync::atomic::Ordering::Relaxed),
            before,
            "the epoch was derived and kept by this thread when it first opened"
        );
        // Another thread looks in the map once, then keeps the epoch too; a forged tag under
        // the kept epoch still fails.
        std::thread::scope(|s| {
            s.spawn(|| {
                for _ in 0..10 {
                    let mut copy = buf;
                    open_split(&opener, &pk, &nonce, b"", &mut copy, &tag).unwrap();
                }
                let mut copy = buf;
                let forged = [0u8; TAG_LEN];
                assert!(open_split(&opener, &pk, &nonce, b"", &mut copy, &forged).is_err());
            });
        });
        assert_eq!(
            opener
                .map_lookups
                .load(std::sync::atomic::Ordering::Relaxed),
            before + 1
        );
    }

    /// The per-thread store is made only when an authenticated epoch past the slots goes into
    /// it: not by a first open into a free slot, not by forged ids.
    #[test]
    fn neither_a_first_open_nor_a_forged_id_makes_the_per_thread_store() {
        let (pk, sealer, opener) = (pk(), AesEpochs::default(), AesEpochs::default());
        let (nonce, buf, tag) = seal_in_new_epoch(&sealer, &pk, 0);
        let mut copy = buf;
        open_split(&opener, &pk, &nonce, b"", &mut copy, &tag).unwrap();
        for i in 0..100u64 {
            let mut forged = [0u8; 20];
            forged[..8].copy_from_slice(&i.to_le_bytes());
            let mut copy = buf;
            assert!(open_split(&opener, &pk, &forged, b"", &mut copy, &tag).is_err());
        }
        assert!(opener.recent.get().is_none());
        // An epoch past the slots does make it, holding that epoch.
        let mut generation = 1;
        loop {
            let (nonce, buf, tag) = seal_in_new_epoch(&sealer, &pk, generation);
            generation += 1;
            let mut copy = buf;
            open_split(&opener, &pk, &nonce, b"", &mut copy, &tag).unwrap();
            if let Some(all) = opener.recent.get() {
                assert!(!all.get().unwrap().0.borrow().is_empty());
                break;
            }
        }
    }

    /// More epochs past the slots than a thread keeps: each still opens, from the map.
    #[test]
    fn epochs_beyond_a_threads_recent_ones_open_from_the_map() {
        let (pk, sealer, opener) = (pk(), AesEpochs::default(), AesEpochs::default());
        let values: Vec<_> = (0..(SLOTS + 4 * RECENT) as u64)
            .map(|generation| seal_in_new_epoch(&sealer, &pk, generation))
            .collect();
        for _ in 0..3 {
            for (nonce, buf, tag) in &values {
                let mut copy = *buf;
                open_split(&opener, &pk, nonce, b"", &mut copy, tag).unwrap();
                assert_eq!(&copy, b"v");
            }
        }
        assert_eq!(opener.epochs_cached(), values.len());
    }

    #[test]
    fn the_open_cache_stays_bounded() {
        let pk = pk();
        let (sealer, opener) = (AesEpochs::default(), AesEpochs::default());
        for generation in 0..(OPEN_CACHE_MAX as u64 + 10) {
            // A new generation is a new epoch: every value below has its own epoch id.
            let (nonce, mut buf, tag) = seal_in_new_epoch(&sealer, &pk, generation);
            open_split(&opener, &pk, &nonce, b"", &mut buf, &tag).unwrap();
            assert!(opener.epochs_cached() <= SLOTS + OPEN_CACHE_MAX);
        }
        assert!(opener.epochs_cached() >= 10);
    }
}
