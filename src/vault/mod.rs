//! Subject mode: each customer's own data keys, kept in a key vault (FORMAT.md §15).
//!
//! In direct mode a purpose key opens every customer's copy for its purpose. In subject mode
//! every (customer, purpose) has its own random data key, created on first use and stored in a
//! [`KeyVault`] wrapped under the purpose key, so that a customer's choices become key
//! operations, O(1) per customer and reaching every copy of their data, backups included:
//!
//! - **consent**: a purpose declared with `consent` gets a copy only while the customer's consent
//!   stands ([`SubjectKeys::grant`]); withdrawing it ([`SubjectKeys::withdraw`]) destroys that
//!   data key, and every copy sealed under it stops opening for that purpose;
//! - **erasure**: [`SubjectKeys::forget`] destroys all of a customer's data keys and returns a
//!   receipt for the erasure log;
//! - **retention**: a purpose declared with `retention_days` has its keys destroyed by
//!   [`SubjectKeys::sweep`] once the period has passed;
//! - **third parties**: a `third-party:` purpose always needs consent, and
//!   [`SubjectKeys::disclose`] hands records over for consenting customers only, logging each
//!   hand-over ([`SubjectKeys::reseal_direct`] makes a partner's copy of a field);
//! - **rotation** rewraps the vault's keys ([`SubjectKeys::rewrap`]) and never touches field data.
//!
//! Backends: [`MemoryVault`], and `SqliteVault` (feature `sqlite`), the embedded default.

mod admin;
mod asynchronous;
mod cache;
mod caches;
mod handover;
mod keys;
mod memory;
mod records;
mod session;
#[cfg(feature = "sqlite")]
mod sqlite;
mod store;
mod subject;
mod wrap;

pub use admin::{Disclosure, RewrapProgress, SweepReport};
pub use keys::{DEFAULT_CACHE_CAPACITY, DEFAULT_CACHE_TTL, SubjectKeys};
pub use memory::MemoryVault;
pub use records::{
    ConsentRecord, Created, DestroyReason, Destruction, DisclosedSubject, DisclosureRecord,
    ErasureReceipt, ExpiredKey, KeyCursor, KeySlot, Refusal, StoredKey, SubjectState, VaultStats,
    VersionCount, VersionRetirement, WRAPPED_LEN, Withdrawal,
};
pub use session::SubjectSession;
#[cfg(feature = "sqlite")]
pub use sqlite::{DEFAULT_BUSY_TIMEOUT, SqliteOptions, SqliteVault};
pub use store::{AsyncKeyVault, Blocking, KeyVault};
pub use subject::Subject;

pub(crate) use crate::sealed::seal_empty;
