//! Secret key bytes: one audited way in and out.
//!
//! A [`SecretKey`] zeroizes its bytes when dropped, prints `[REDACTED]` in `Debug`, is not `Clone`
//! and not `Serialize`, and compares in constant time. The only way to read it is
//! [`SecretKey::expose_secret`], a name that shows up in review.

use std::fmt;

use subtle::ConstantTimeEq;
use zeroize::{Zeroize, ZeroizeOnDrop, Zeroizing};

use crate::error::{Error, Result};

/// Length in bytes of every key fieldseal holds (root keys, purpose keys, AEAD keys).
pub const KEY_LEN: usize = 32;

/// 256 bits of secret key material.
#[derive(Zeroize, ZeroizeOnDrop)]
pub struct SecretKey {
    bytes: [u8; KEY_LEN],
}

impl SecretKey {
    /// Fresh random key bytes from the operating system's random number generator.
    ///
    /// # Errors
    /// [`Error::Rng`] if the operating system cannot supply randomness.
    pub fn generate() -> Result<Self> {
        use rand::RngCore as _;
        let mut key = Self {
            bytes: [0; KEY_LEN],
        };
        rand::rngs::OsRng
            .try_fill_bytes(&mut key.bytes)
            .map_err(|_| Error::Rng)?;
        Ok(key)
    }

    /// Takes ownership of key bytes, for loading keys from storage. The argument is zeroized when
    /// dropped, so no copy is left behind.
    // By value on purpose: taking the caller's `Zeroizing` is what wipes their copy.
    #[allow(clippy::needless_pass_by_value)]
    pub fn from_bytes(bytes: Zeroizing<[u8; KEY_LEN]>) -> Self {
        Self { bytes: *bytes }
    }

    /// The raw key bytes. Every call is a place where a secret leaves its wrapper: keep the result
    /// short-lived and never log it.
    pub fn expose_secret(&self) -> &[u8; KEY_LEN] {
        &self.bytes
    }
}

impl fmt::Debug for SecretKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("SecretKey([REDACTED])")
    }
}

impl PartialEq for SecretKey {
    fn eq(&self, other: &Self) -> bool {
        self.bytes.ct_eq(&other.bytes).into()
    }
}

impl Eq for SecretKey {}

/// How much of the stack [`with_stack_wiped`] overwrites: more than building any cipher takes,
/// which is deepest in unoptimised builds (under 29 KiB for ring's AES-256-GCM, the most).
const STACK_WIPE_LEN: usize = 32 * 1024;

/// Runs `f`, then overwrites the stack it ran on. Building a cipher leaves copies of its key and
/// key schedule in the stack frames `f` has returned from: ring and RustCrypto build their key
/// types by value, and every move copies them. No one frees a stack, but a later call that
/// moves uninitialised bytes (padding, `MaybeUninit`) from those frames into a heap allocation
/// carries them there, to be freed unwiped with memory that holds no key of its own
/// (tests/zeroize.rs found one in a `thread_local` bucket under ring). `f` must return no key
/// bytes of its own: a pointer (`Arc`), or a reference to where the cipher was stored.
pub(crate) fn with_stack_wiped<R>(f: impl FnOnce() -> R) -> R {
    /// `f` runs in frames below this one's, where `wipe_stack`'s frame then lies.
    #[inline(never)]
    fn run<R>(f: impl FnOnce() -> R) -> R {
        f()
    }
    #[inline(never)]
    #[allow(
        clippy::large_stack_arrays,
        reason = "on the stack on purpose: it overwrites the frames `run` left"
    )]
    fn wipe_stack() {
        let mut stack = [0u64; STACK_WIPE_LEN / 8];
        stack.as_mut_slice().zeroize();
    }
    let result = run(f);
    wipe_stack();
    result
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn debug_is_redacted() {
        let key = SecretKey::from_bytes(Zeroizing::new([0xAB; KEY_LEN]));
        let shown = format!("{key:?}");
        assert_eq!(shown, "SecretKey([REDACTED])");
        assert!(!shown.contains("ab") && !shown.contains("171"));
    }

    #[test]
    fn generated_keys_differ_and_compare() {
        let a = SecretKey::generate().unwrap();
        let b = SecretKey::generate().unwrap();
        assert_ne!(a, b);
        assert_eq!(a, SecretKey::from_bytes(Zeroizing::new(*a.expose_secret())));
    }
}
