//! The RustCrypto provider: pure Rust, the default when no other provider's feature is on.
//!
//! Each AEAD keeps two implementations and picks one per message by its length, because no one
//! RustCrypto configuration is fastest at every size on x86-64 (BENCHMARKS.md, "Providers"):
//! see [`aes`] and [`xchacha`] for the thresholds and why.

mod aes;
mod xchacha;

pub(crate) use aes::RustCryptoAes;
pub(crate) use xchacha::RustCryptoXChaCha;
