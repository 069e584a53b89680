//! Nonces: a fast, thread-local, fork-safe CSPRNG.
//!
//! Asking the kernel for every nonce costs a system call (about 370-600 ns here, see
//! shared/MEASURED.md), more than the AEAD itself. So each thread keeps a ChaCha12 generator seeded
//! from the OS.
//!
//! A plain userspace generator repeats itself in a forked child: parent and child hold the same
//! state and would draw the same nonces. rand 0.8's `ReseedingRng` registers a `pthread_atfork`
//! child handler that bumps a process-wide fork counter, and checks that counter each time it
//! produces a new block, reseeding from the OS when it moved. Its protection covers whole blocks
//! only, so [`NonceCore`] makes one block exactly one nonce ([`NONCE_WORDS`] words, the largest
//! nonce of any suite) and every draw asks for exactly one block: no nonce is ever served from a
//! block generated before a fork. The check is one relaxed atomic load per nonce; `getpid` would be
//! a system call (about 230 ns here). `tests/fork.rs` forks a real child and compares.
//!
//! What this does not cover, and SECURITY.md says so: a process cloned with a raw `clone` system
//! call that skips libc's fork handlers, and a virtual machine restored twice from one snapshot.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU64, Ordering};

use rand::SeedableRng;
use rand::rngs::OsRng;
use rand::rngs::adapter::ReseedingRng;
use rand_chacha::ChaCha12Rng;
use rand_core::RngCore;
use rand_core::block::BlockRngCore;

/// Words (of 4 bytes) in one block, and so in one draw: 24 bytes, the XChaCha20 nonce.
const NONCE_WORDS: usize = 6;

/// `ReseedingRng` threshold: 0 turns periodic reseeding off, leaving only the reseed after a fork.
/// Nonces need uniqueness, not secrecy, and a ChaCha12 stream does not repeat; a reseed that is
/// always a fork makes [`fork_generation`] exact.
const NO_PERIODIC_RESEED: u64 = 0;

/// Counts reseeds after a fork in this process (see [`fork_generation`]).
static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);

/// A number that changes in a forked child as soon as the child has drawn its first nonce.
///
/// Caches of nonce state above this module (the AES-256-GCM epochs) compare it, after drawing a
/// nonce, with the value they were created under, and start afresh when it moved: a child never
/// keeps counting in its parent's epoch.
pub(crate) fn fork_generation() -> u64 {
    FORK_GENERATION.load(Ordering::Acquire)
}

/// One block = one nonce. The inner generator is replaced, buffer and all, on every reseed.
struct NonceCore(ChaCha12Rng);

impl NonceCore {
    /// The first seeding of a thread's generator: not a fork, so the generation stays.
    fn first() -> Result<Self, rand_core::Error> {
        ChaCha12Rng::from_rng(OsRng).map(Self)
    }
}

impl BlockRngCore for NonceCore {
    type Item = u32;
    type Results = [u32; NONCE_WORDS];

    fn generate(&mut self, results: &mut Self::Results) {
        for word in results.iter_mut() {
            *word = self.0.next_u32();
        }
    }
}

impl SeedableRng for NonceCore {
    type Seed = <ChaCha12Rng as SeedableRng>::Seed;

    /// Only `ReseedingRng` calls this, and with periodic reseeding off only after a fork.
    fn from_seed(seed: Self::Seed) -> Self {
        FORK_GENERATION.fetch_add(1, Ordering::AcqRel);
        Self(ChaCha12Rng::from_seed(seed))
    }
}

type NonceRng = ReseedingRng<NonceCore, OsRng>;

thread_local! {
    static NONCES: RefCell<Option<NonceRng>> = const { RefCell::new(None) };
}

/// Draws 24 fresh random bytes; callers use the first `n` they need.
///
/// # Errors
/// `Err(())` when the generator cannot be seeded from the OS the first time on this thread.
pub(crate) fn nonce_block() -> Result<[u8; NONCE_WORDS * 4], ()> {
    NONCES.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let core = NonceCore::first().map_err(|_| ())?;
            *slot = Some(ReseedingRng::new(core, NO_PERIODIC_RESEED, OsRng));
        }
        let rng = slot.as_mut().ok_or(())?;
        let mut out = [0u8; NONCE_WORDS * 4];
        // Exactly one block per call: see the module documentation.
        rng.fill_bytes(&mut out);
        Ok(out)
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_differ() {
        let a = nonce_block().unwrap();
        let b = nonce_block().unwrap();
        assert_ne!(a, b);
        assert_ne!(a, [0; 24]);
    }

    #[test]
    fn threads_draw_different_nonces() {
        let handles: Vec<_> = (0..4)
            .map(|_| std::thread::spawn(|| nonce_block().unwrap()))
            .collect();
        let mut seen: Vec<_> = handles.into_iter().map(|h| h.join().unwrap()).collect();
        seen.sort_unstable();
        seen.dedup();
        assert_eq!(seen.len(), 4);
    }
}
