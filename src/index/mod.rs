//! Blind indexes (FORMAT.md §16): equality lookups over sealed fields without decrypting them.
//!
//! A term is a truncated HMAC-SHA256 of an already-normalized value (one part, or several for a
//! compound index), keyed with an index key derived from the root key the index version is pinned
//! to. A writer stores the [`IndexKey::term`] of a value beside its sealed form; a lookup asks
//! for the [`IndexKey::terms`] of the value it looks for, one per index version in use, so an
//! index rotation never breaks a lookup:
//!
//! 1. [`Keyring::rotate_index`](crate::Keyring::rotate_index): a new current version writes; the
//!    old one is live and still queried.
//! 2. Recompute stored terms with the current version (those [`IndexKey::is_current`] refuses).
//! 3. [`Keyring::finish_index_migration`](crate::Keyring::finish_index_migration): old versions
//!    are retired and no longer queried.
//!
//! A root rotation changes no term: each index version keeps the root version it was created
//! under, which cannot be retired while the index version is in use.
//!
//! Holding an index key is the capability to compute terms, not to open values: a service that
//! searches by phone number holds the phone index's key and no purpose key
//! ([`KeySet::with_index`](crate::KeySet::with_index), bundles with `--index`).

mod definition;
mod encode;
mod key;
mod keyring;
mod serde;
mod spec;
mod term;

pub use definition::{IndexInfo, IndexVersionInfo, IndexVersionState};
pub use encode::MAX_PARTS;
pub use key::IndexKey;
pub use spec::{DEFAULT_WIDTH, IndexSpec, MAX_NORMALIZER_LEN, MAX_WIDTH, MIN_WIDTH};
pub use term::{IndexTerm, MAX_TERM_LEN, MIN_TERM_LEN};
