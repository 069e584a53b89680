//! Nonces: a fast, thread-local, fork-safe CSPRNG.
//!
//! Asking the kernel for every nonce costs a system call (about 370-600 ns here, see
//! shared/MEASURED.md), more than the AEAD itself. So each thread keeps a ChaCha12 generator seeded
//! from the OS.
//!
//! A plain userspace generator repeats itself in a forked child: parent and child hold the same
//! state and would draw the same nonces. rand 0.8's `ReseedingRng` registers `pthread_atfork`
//! handlers that bump a process-wide fork counter (before the fork, and after it on both sides),
//! and checks that counter each time it produces a new block, reseeding from the OS when it moved.
//! Its protection covers whole blocks only, so [`NonceCore`] makes one block exactly one draw
//! ([`NONCE_WORDS`] words) and every draw asks for exactly one block: no nonce is ever served from
//! a block generated before a fork. The check is one relaxed atomic load per nonce; `getpid` would
//! be a system call (about 230 ns here). `tests/fork.rs` forks a real child and compares.
//!
//! What this does not cover, and SECURITY.md says so: a process cloned with a raw `clone` system
//! call that skips libc's fork handlers, and a virtual machine restored twice from one snapshot.

use std::cell::RefCell;
use std::sync::atomic::{AtomicU32, AtomicU64, Ordering};

use rand::SeedableRng;
use rand::rngs::OsRng;
use rand::rngs::adapter::ReseedingRng;
use rand_chacha::ChaCha12Core;
use rand_core::RngCore;
use rand_core::block::BlockRngCore;

/// Words (of 4 bytes) in one block, and so in one draw: 12 bytes, the AES-GCM nonce. The 24-byte
/// XChaCha20 nonce is two draws, each checked for a fork.
const NONCE_WORDS: usize = 3;

/// Bytes in one draw.
pub(crate) const DRAW_LEN: usize = NONCE_WORDS * 4;

/// `ReseedingRng` threshold: 0 turns periodic reseeding off, leaving only the reseed after a fork.
/// Nonces need uniqueness, not secrecy, and a ChaCha12 stream does not repeat.
const NO_PERIODIC_RESEED: u64 = 0;

/// Moves each time a generator is seeded in a process other than the one that last seeded one
/// (see [`fork_generation`]).
static FORK_GENERATION: AtomicU64 = AtomicU64::new(0);

/// The process id of the last seeding.
static SEEDED_IN: AtomicU32 = AtomicU32::new(0);

/// Called at every seeding: the first on a thread, and every reseed, which rand 0.8 does after a
/// fork. rand's fork counter moves in the parent too (its `pthread_atfork` handler runs on both
/// sides), and a thread created after any fork reseeds on its first draw; so a reseed alone does
/// not say "this is a forked child". A changed process id does. One `getpid` per seeding, none per
/// nonce.
fn note_seeding() {
    let pid = std::process::id();
    if SEEDED_IN.load(Ordering::Acquire) != pid {
        // Move the generation before recording the pid: a thread that sees this pid recorded
        // also sees the new generation. Two threads racing here both move it: one epoch more.
        FORK_GENERATION.fetch_add(1, Ordering::AcqRel);
        SEEDED_IN.store(pid, Ordering::Release);
    }
}

/// A number that changes in a forked child as soon as the child has drawn its first nonce, and
/// stays put in the parent.
///
/// Caches of nonce state above this module (the AES-256-GCM epochs) compare it, after drawing a
/// nonce, with the value they were created under, and start afresh when it moved: a child never
/// keeps counting in its parent's epoch.
#[inline]
pub(crate) fn fork_generation() -> u64 {
    FORK_GENERATION.load(Ordering::Acquire)
}

/// One block = one draw. The ChaCha12 buffer lives inside the core, so a reseed (which replaces
/// the core) discards every word generated before it.
struct NonceCore {
    chacha: ChaCha12Core,
    buf: <ChaCha12Core as BlockRngCore>::Results,
    used: usize,
}

impl NonceCore {
    fn new(chacha: ChaCha12Core) -> Self {
        let buf = <ChaCha12Core as BlockRngCore>::Results::default();
        let used = buf.as_ref().len();
        Self { chacha, buf, used }
    }

    /// The first seeding of a thread's generator.
    fn first() -> Result<Self, rand_core::Error> {
        note_seeding();
        ChaCha12Core::from_rng(OsRng).map(Self::new)
    }
}

impl BlockRngCore for NonceCore {
    type Item = u32;
    type Results = [u32; NONCE_WORDS];

    fn generate(&mut self, results: &mut Self::Results) {
        if self.used + NONCE_WORDS > self.buf.as_ref().len() {
            self.chacha.generate(&mut self.buf);
            self.used = 0;
        }
        results.copy_from_slice(&self.buf.as_ref()[self.used..self.used + NONCE_WORDS]);
        self.used += NONCE_WORDS;
    }
}

impl SeedableRng for NonceCore {
    type Seed = <ChaCha12Core as SeedableRng>::Seed;

    /// Only `ReseedingRng` calls this, and with periodic reseeding off only after a fork (in the
    /// child, in the parent, or in a thread created after one).
    fn from_seed(seed: Self::Seed) -> Self {
        note_seeding();
        Self::new(ChaCha12Core::from_seed(seed))
    }
}

type NonceRng = ReseedingRng<NonceCore, OsRng>;

thread_local! {
    static NONCES: RefCell<Option<NonceRng>> = const { RefCell::new(None) };
}

/// Draws 12 fresh random bytes; callers use the first `n` they need.
///
/// # Errors
/// `Err(())` when the generator cannot be seeded from the OS the first time on this thread.
pub(crate) fn nonce_block() -> Result<[u8; DRAW_LEN], ()> {
    let mut out = [0u8; DRAW_LEN];
    draw_into(&mut out)?;
    Ok(out)
}

/// Draws 12 fresh random bytes into `out`, where the caller keeps them: returning the array
/// by value put it in a result one byte in, and copying it out again stalled on the stores
/// that had just written it (perf, 24 B seals).
///
/// # Errors
/// As [`nonce_block`].
#[inline]
pub(crate) fn draw_into(out: &mut [u8; DRAW_LEN]) -> Result<(), ()> {
    NONCES.with(|cell| {
        let mut slot = cell.borrow_mut();
        if slot.is_none() {
            let core = NonceCore::first().map_err(|_| ())?;
            *slot = Some(ReseedingRng::new(core, NO_PERIODIC_RESEED, OsRng));
        }
        let rng = slot.as_mut().ok_or(())?;
        // Exactly one block per call, so every draw passes the fork check: this thread's only
        // reads are this u64 + u32 pair, which keeps the 3-word blocks aligned (a block is
        // generated on the u64 read, and the u32 read takes its last word).
        let head = rng.next_u64().to_le_bytes();
        let tail = rng.next_u32().to_le_bytes();
        out[..8].copy_from_slice(&head);
        out[8..].copy_from_slice(&tail);
        Ok(())
    })
}

/// Fills `out` straight from the operating system, for one-off secrets and ids (file keys,
/// salts, keyring ids); per-value nonces come from [`nonce_block`] instead.
pub(crate) fn os_random(out: &mut [u8]) -> crate::error::Result<()> {
    OsRng
        .try_fill_bytes(out)
        .map_err(|_| crate::error::Error::Rng)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draws_differ() {
        let a = nonce_block().unwrap();
        let b = nonce_block().unwrap();
        assert_ne!(a, b);
        assert_ne!(a, [0; DRAW_LEN]);
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
