#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod aead;
mod error;
pub mod format;
mod kdf;
#[cfg(test)]
mod kdf_wycheproof_tests;
mod keyring;
mod keyset;
pub mod purpose;
mod rng;
mod sealed;
mod secret;

pub use kdf::{AES_EPOCH_LABEL, PURPOSE_KEY_LABEL, ROOT_SALT, XCHACHA_KEY_LABEL};

// The public interface is:
pub use aead::Suite;
pub use error::{Error, KeyringError, Malformed, Result};
pub use keyring::{DynPurposeKey, Keyring, PurposeKey};
pub use keyset::KeySet;
pub use purpose::{AnyPurposes, DynPurpose, Includes, Purpose, PurposeSet, Purposes};
pub use sealed::{AsPlaintext, Context, Json, Plaintext, Sealed, SealingKeys};
pub use secret::{KEY_LEN, SecretKey};
