//! The storage trait behind subject mode: a narrow set of operations, each atomic in the backend,
//! so that many processes on many machines can share one vault database (FORMAT.md §15,
//! SECURITY.md "Key vault").

use crate::error::Result;
use crate::keyring::KeyringId;
use crate::vault::records::{
    ConsentRecord, Created, DisclosureRecord, ErasureReceipt, ExpiredKey, KeyCursor, StoredKey,
    SubjectState, VaultStats, VersionCount, VersionRetirement, Withdrawal,
};

/// Where subjects' wrapped data keys, consents and logs are stored: an in-memory vault
/// ([`MemoryVault`](super::MemoryVault)), SQLite (`SqliteVault`, feature `sqlite`), or your own.
///
/// A backend stores and answers; it never sees a key in the clear (every key it holds is wrapped,
/// FORMAT.md §15.2) and does no cryptography. What it must guarantee is atomicity: each method is
/// one transaction, so that two processes sealing for the same subject at once end with one data
/// key, and a withdrawal racing a seal never leaves a key live after the consent is gone. Rows are
/// keyed by (subject, purpose); times are seconds since the Unix epoch, given by the caller (so a
/// test can set the clock).
///
/// A write is durable when the method returns. Each call is expected to be one short round trip:
/// [`SubjectKeys`](super::SubjectKeys) calls only [`read`](Self::read) and
/// [`create`](Self::create) on its sealing and opening paths, and only on a cache miss.
///
/// # What a shared backend must guarantee
///
/// Atomicity is not enough: two transactions that each read, then write, can both succeed on a
/// database that does not serialize them (PostgreSQL's default `READ COMMITTED`, for one), and
/// then a key is lost or outlives a consent. `MemoryVault` and `SqliteVault` serialize every
/// write (a lock, SQLite's one writer); a backend that does not must make these hold itself:
///
/// - **One writer per subject.** Every write that concerns a subject ([`create`](Self::create),
///   [`grant`](Self::grant), [`withdraw`](Self::withdraw), [`forget`](Self::forget), the
///   destruction of one of its keys by [`expire`](Self::expire), [`rewrap`](Self::rewrap))
///   behaves as if run before or after every other write to that subject, never interleaved,
///   including writes to rows that do not exist yet. Keying rows by (subject, purpose) does not
///   give that: lock a per-subject row (insert it if missing, then `SELECT .. FOR UPDATE`), or
///   run at `SERIALIZABLE` and retry.
/// - **`create` never replaces a live key.** Of two racing creates for one (subject, purpose),
///   one stores its key ([`Created::Inserted`]) and the other gets that key back
///   ([`Created::Existing`]): an upsert that overwrites the wrapped key loses every value the
///   first sealer sealed. Its consent and erasure checks read what the last committed
///   [`withdraw`](Self::withdraw) or [`forget`](Self::forget) wrote, under the subject's lock, not
///   a snapshot taken before it.
/// - **[`log_disclosure`](Self::log_disclosure) reads consents under the subjects' locks.** A
///   withdrawal or erasure either commits before the log's consent check (and the subject is left
///   out) or after the disclosure is logged.
/// - **After [`forget`](Self::forget) commits, nothing of the subject is created or granted**, and
///   a key created just before is among those it destroys. Two racing forgets both return the
///   first receipt.
/// - **[`expire`](Self::expire) destroys only what it found expired:** the same generation, still
///   expired at `now` (a compare-and-swap, as [`rewrap`](Self::rewrap)'s), never a generation a
///   racing create made after destroying the expired one itself.
/// - **[`retire_version`](Self::retire_version) and [`create`](Self::create) exclude each
///   other.** A key wrapped under a version either commits before the version's retirement (and is
///   counted, so the retirement is refused) or is refused after it: a create whose check ran
///   before the retirement committed must not commit after its count. Have `create` hold a shared
///   lock on the version until it commits and `retire_version` an exclusive one while it counts
///   and records (PostgreSQL: `pg_advisory_xact_lock_shared` and `pg_advisory_xact_lock` on the
///   version), or run both at `SERIALIZABLE`.
/// - **Serialization failures and deadlocks are retried inside the backend.** Callers retry only
///   [`Refusal::GenerationMoved`](super::Refusal); anything else fails the seal, withdrawal or
///   erasure it belongs to. After retrying, report [`VaultError::Busy`](crate::VaultError::Busy).
/// - **Times come from the caller's clock.** Hosts sharing a vault must agree on the time (NTP):
///   one whose clock runs ahead destroys expired keys early.
pub trait KeyVault: Send + Sync {
    /// Binds the vault to a keyring on first use and returns the keyring it belongs to: `id` if
    /// it was unbound, its own otherwise (the caller refuses a vault of another keyring).
    ///
    /// # Errors
    /// A backend error.
    fn bind_keyring(&self, id: KeyringId) -> Result<KeyringId>;

    /// The keyring the vault is bound to, or `None` if it is not bound yet. Unlike
    /// [`bind_keyring`](Self::bind_keyring) it binds nothing (and so works on a read-only vault):
    /// administration that holds no purpose key (consent, withdrawal, erasure, the retention
    /// sweep, the logs) takes the vault's own keyring id from it,
    /// `SubjectKeys::new(vault, KeySet::new(), bound)`.
    ///
    /// # Errors
    /// A backend error; [`VaultError::Corrupt`](crate::VaultError::Corrupt) for a binding that
    /// does not read back.
    fn keyring(&self) -> Result<Option<KeyringId>>;

    /// What the vault holds for `subject` and `purposes`: whether it was erased, the key slot of
    /// each purpose (in the order asked) and their consent records.
    ///
    /// # Errors
    /// A backend error; [`VaultError::Corrupt`](crate::VaultError::Corrupt) for a row that does
    /// not read back.
    fn read(&self, subject: &[u8], purposes: &[&str]) -> Result<SubjectState>;

    /// Stores `key` as the live data key of its (subject, purpose), atomically with these checks,
    /// in this order: the subject was not forgotten ([`Refusal::Erased`](super::Refusal)); a live
    /// key whose `expires` is at or before `now` is destroyed first (as a retention sweep would);
    /// a live key already there is returned instead ([`Created::Existing`]); a consent stands for
    /// the pair if `requires_consent`, and whatever `requires_consent` if the pair has a consent
    /// record at all ([`Refusal::NoConsent`](super::Refusal): a withdrawn consent is the subject's
    /// decision, and binds a caller whose purpose lacks the `consent` policy, such as a service
    /// on a key bundle, which does not carry policies);
    /// `key.generation` is one more than the last generation of the pair
    /// ([`Refusal::GenerationMoved`](super::Refusal)); `key.key_version` was not retired
    /// ([`Refusal::VersionRetired`](super::Refusal)).
    ///
    /// # Errors
    /// A backend error.
    fn create(&self, key: &StoredKey, requires_consent: bool, now: u64) -> Result<Created>;

    /// Records (or renews) a subject's consent to a purpose; a record withdrawn before is
    /// replaced. Refused for a forgotten subject: returns `false` then, `true` when recorded.
    ///
    /// # Errors
    /// A backend error.
    fn grant(&self, consent: &ConsentRecord) -> Result<bool>;

    /// Withdraws a subject's consent to a purpose, atomically: marks the consent record
    /// withdrawn at `at` and destroys the live data key, if any (keeping its generation, so that
    /// a later key gets a higher one, and the reason, so that opening says why).
    ///
    /// # Errors
    /// A backend error.
    fn withdraw(&self, subject: &[u8], purpose: &str, at: u64) -> Result<Withdrawal>;

    /// Forgets a subject, atomically: removes every data key slot and consent record of it,
    /// appends the receipt to the erasure log and keeps the subject marked as erased (so that
    /// opening says so, and nothing can be sealed for it again). Forgetting a subject twice
    /// returns the first receipt.
    ///
    /// # Errors
    /// A backend error.
    fn forget(&self, subject: &[u8], at: u64) -> Result<ErasureReceipt>;

    /// Destroys (as expired) up to `limit` live data keys whose `expires` is at or before `now`,
    /// and returns them. Called until it returns fewer than `limit`.
    ///
    /// # Errors
    /// A backend error.
    fn expire(&self, now: u64, limit: usize) -> Result<Vec<ExpiredKey>>;

    /// Up to `limit` live data keys after `after` (in (subject, purpose) order; from the start
    /// when `None`): how a rewrap walks the vault, resumably.
    ///
    /// # Errors
    /// A backend error.
    fn keys_after(&self, after: Option<&KeyCursor>, limit: usize) -> Result<Vec<StoredKey>>;

    /// Replaces the wrap of a live key, if it is still `old` (same generation and key version):
    /// returns whether it was replaced. `new` differs from `old` only in `key_version` and
    /// `wrapped`.
    ///
    /// # Errors
    /// [`VaultError::VersionRetired`](crate::VaultError::VersionRetired) if `new.key_version` was
    /// retired (nothing is replaced); a backend error.
    fn rewrap(&self, old: &StoredKey, new: &StoredKey) -> Result<bool>;

    /// How many live data keys each purpose key version wraps.
    ///
    /// # Errors
    /// A backend error.
    fn key_versions(&self) -> Result<Vec<VersionCount>>;

    /// Retires root key version `version` in the vault, atomically with a count of the live data
    /// keys wrapped under it. With none, the version is recorded as retired
    /// ([`VersionRetirement::Retired`]; again, if it was already), and from then on
    /// [`create`](Self::create) refuses a key wrapped under it and [`rewrap`](Self::rewrap) a
    /// wrap under it. With some, nothing is recorded ([`VersionRetirement::InUse`]).
    ///
    /// Call it before destroying the version's root key
    /// ([`Keyring::retire`](crate::Keyring::retire)): a service still holding keys from before
    /// the rotation (an old bundle) would otherwise go on wrapping new subjects' keys under the
    /// version, and those keys, with every value sealed under them, would be lost to every other
    /// service at its retirement.
    ///
    /// # Errors
    /// A backend error.
    fn retire_version(&self, version: u32) -> Result<VersionRetirement>;

    /// The root key versions retired in the vault ([`retire_version`](Self::retire_version)),
    /// ascending.
    ///
    /// # Errors
    /// A backend error.
    fn retired_versions(&self) -> Result<Vec<u32>>;

    /// The consent records of one subject.
    ///
    /// # Errors
    /// A backend error.
    fn consents(&self, subject: &[u8]) -> Result<Vec<ConsentRecord>>;

    /// Appends a disclosure to the disclosure log, atomically with its consent checks: a subject
    /// whose consent to `disclosure.partner` no longer stands (withdrawn since it was read, or the
    /// subject forgotten) is left out of the record and counted in `withheld`, and each subject
    /// kept is logged with the consent record that stands now
    /// ([`DisclosureRecord::confirm`](super::DisclosureRecord::confirm) does this, given the
    /// reads). Returns the record as logged: only its subjects may be handed over.
    ///
    /// # Errors
    /// A backend error.
    fn log_disclosure(&self, disclosure: &DisclosureRecord) -> Result<DisclosureRecord>;

    /// The disclosure log, oldest first; of one partner purpose only, if given.
    ///
    /// # Errors
    /// A backend error.
    fn disclosures(&self, partner: Option<&str>) -> Result<Vec<DisclosureRecord>>;

    /// The erasure log, oldest first.
    ///
    /// # Errors
    /// A backend error.
    fn erasures(&self) -> Result<Vec<ErasureReceipt>>;

    /// What the vault holds, counted.
    ///
    /// # Errors
    /// A backend error.
    fn stats(&self) -> Result<VaultStats>;
}

/// A shared vault: several [`SubjectKeys`](super::SubjectKeys) (for example one per service in a
/// process, or in tests) over one backend.
impl<V: KeyVault + ?Sized> KeyVault for std::sync::Arc<V> {
    fn bind_keyring(&self, id: KeyringId) -> Result<KeyringId> {
        (**self).bind_keyring(id)
    }
    fn keyring(&self) -> Result<Option<KeyringId>> {
        (**self).keyring()
    }
    fn read(&self, subject: &[u8], purposes: &[&str]) -> Result<SubjectState> {
        (**self).read(subject, purposes)
    }
    fn create(&self, key: &StoredKey, requires_consent: bool, now: u64) -> Result<Created> {
        (**self).create(key, requires_consent, now)
    }
    fn grant(&self, consent: &ConsentRecord) -> Result<bool> {
        (**self).grant(consent)
    }
    fn withdraw(&self, subject: &[u8], purpose: &str, at: u64) -> Result<Withdrawal> {
        (**self).withdraw(subject, purpose, at)
    }
    fn forget(&self, subject: &[u8], at: u64) -> Result<ErasureReceipt> {
        (**self).forget(subject, at)
    }
    fn expire(&self, now: u64, limit: usize) -> Result<Vec<ExpiredKey>> {
        (**self).expire(now, limit)
    }
    fn keys_after(&self, after: Option<&KeyCursor>, limit: usize) -> Result<Vec<StoredKey>> {
        (**self).keys_after(after, limit)
    }
    fn rewrap(&self, old: &StoredKey, new: &StoredKey) -> Result<bool> {
        (**self).rewrap(old, new)
    }
    fn key_versions(&self) -> Result<Vec<VersionCount>> {
        (**self).key_versions()
    }
    fn retire_version(&self, version: u32) -> Result<VersionRetirement> {
        (**self).retire_version(version)
    }
    fn retired_versions(&self) -> Result<Vec<u32>> {
        (**self).retired_versions()
    }
    fn consents(&self, subject: &[u8]) -> Result<Vec<ConsentRecord>> {
        (**self).consents(subject)
    }
    fn log_disclosure(&self, disclosure: &DisclosureRecord) -> Result<DisclosureRecord> {
        (**self).log_disclosure(disclosure)
    }
    fn disclosures(&self, partner: Option<&str>) -> Result<Vec<DisclosureRecord>> {
        (**self).disclosures(partner)
    }
    fn erasures(&self) -> Result<Vec<ErasureReceipt>> {
        (**self).erasures()
    }
    fn stats(&self) -> Result<VaultStats> {
        (**self).stats()
    }
}

/// A vault for async callers: the operations of [`KeyVault`], as futures (`Send`, so that they
/// run on a multi-threaded runtime). A backend on an async database driver (PostgreSQL through
/// `tokio-postgres`, say) implements this; [`SubjectKeys`](super::SubjectKeys)'s `_async`
/// methods use it. A synchronous [`KeyVault`] is used from async code through [`Blocking`].
#[allow(
    missing_docs,
    reason = "each method is documented on KeyVault, under the same name"
)]
pub trait AsyncKeyVault: Send + Sync {
    fn bind_keyring(&self, id: KeyringId) -> impl Future<Output = Result<KeyringId>> + Send;
    fn keyring(&self) -> impl Future<Output = Result<Option<KeyringId>>> + Send;
    fn read(
        &self,
        subject: &[u8],
        purposes: &[&str],
    ) -> impl Future<Output = Result<SubjectState>> + Send;
    fn create(
        &self,
        key: &StoredKey,
        requires_consent: bool,
        now: u64,
    ) -> impl Future<Output = Result<Created>> + Send;
    fn grant(&self, consent: &ConsentRecord) -> impl Future<Output = Result<bool>> + Send;
    fn withdraw(
        &self,
        subject: &[u8],
        purpose: &str,
        at: u64,
    ) -> impl Future<Output = Result<Withdrawal>> + Send;
    fn forget(
        &self,
        subject: &[u8],
        at: u64,
    ) -> impl Future<Output = Result<ErasureReceipt>> + Send;
    fn expire(
        &self,
        now: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<ExpiredKey>>> + Send;
    fn keys_after(
        &self,
        after: Option<&KeyCursor>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<StoredKey>>> + Send;
    fn rewrap(&self, old: &StoredKey, new: &StoredKey)
    -> impl Future<Output = Result<bool>> + Send;
    fn key_versions(&self) -> impl Future<Output = Result<Vec<VersionCount>>> + Send;
    fn retire_version(
        &self,
        version: u32,
    ) -> impl Future<Output = Result<VersionRetirement>> + Send;
    fn retired_versions(&self) -> impl Future<Output = Result<Vec<u32>>> + Send;
    fn consents(&self, subject: &[u8]) -> impl Future<Output = Result<Vec<ConsentRecord>>> + Send;
    fn log_disclosure(
        &self,
        disclosure: &DisclosureRecord,
    ) -> impl Future<Output = Result<DisclosureRecord>> + Send;
    fn disclosures(
        &self,
        partner: Option<&str>,
    ) -> impl Future<Output = Result<Vec<DisclosureRecord>>> + Send;
    fn erasures(&self) -> impl Future<Output = Result<Vec<ErasureReceipt>>> + Send;
    fn stats(&self) -> impl Future<Output = Result<VaultStats>> + Send;
}

/// A synchronous vault used by async code: each call runs on the calling task, to completion.
/// Right for vaults whose calls are short (SQLite on a local file, the in-memory vault); a vault
/// whose calls can wait long belongs on a blocking thread pool, or behind a native
/// [`AsyncKeyVault`].
#[derive(Debug, Default)]
pub struct Blocking<V>(pub V);

impl<V: KeyVault> AsyncKeyVault for Blocking<V> {
    fn bind_keyring(&self, id: KeyringId) -> impl Future<Output = Result<KeyringId>> + Send {
        std::future::ready(self.0.bind_keyring(id))
    }
    fn keyring(&self) -> impl Future<Output = Result<Option<KeyringId>>> + Send {
        std::future::ready(self.0.keyring())
    }
    fn read(
        &self,
        subject: &[u8],
        purposes: &[&str],
    ) -> impl Future<Output = Result<SubjectState>> + Send {
        std::future::ready(self.0.read(subject, purposes))
    }
    fn create(
        &self,
        key: &StoredKey,
        requires_consent: bool,
        now: u64,
    ) -> impl Future<Output = Result<Created>> + Send {
        std::future::ready(self.0.create(key, requires_consent, now))
    }
    fn grant(&self, consent: &ConsentRecord) -> impl Future<Output = Result<bool>> + Send {
        std::future::ready(self.0.grant(consent))
    }
    fn withdraw(
        &self,
        subject: &[u8],
        purpose: &str,
        at: u64,
    ) -> impl Future<Output = Result<Withdrawal>> + Send {
        std::future::ready(self.0.withdraw(subject, purpose, at))
    }
    fn forget(
        &self,
        subject: &[u8],
        at: u64,
    ) -> impl Future<Output = Result<ErasureReceipt>> + Send {
        std::future::ready(self.0.forget(subject, at))
    }
    fn expire(
        &self,
        now: u64,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<ExpiredKey>>> + Send {
        std::future::ready(self.0.expire(now, limit))
    }
    fn keys_after(
        &self,
        after: Option<&KeyCursor>,
        limit: usize,
    ) -> impl Future<Output = Result<Vec<StoredKey>>> + Send {
        std::future::ready(self.0.keys_after(after, limit))
    }
    fn rewrap(
        &self,
        old: &StoredKey,
        new: &StoredKey,
    ) -> impl Future<Output = Result<bool>> + Send {
        std::future::ready(self.0.rewrap(old, new))
    }
    fn key_versions(&self) -> impl Future<Output = Result<Vec<VersionCount>>> + Send {
        std::future::ready(self.0.key_versions())
    }
    fn retire_version(
        &self,
        version: u32,
    ) -> impl Future<Output = Result<VersionRetirement>> + Send {
        std::future::ready(self.0.retire_version(version))
    }
    fn retired_versions(&self) -> impl Future<Output = Result<Vec<u32>>> + Send {
        std::future::ready(self.0.retired_versions())
    }
    fn consents(&self, subject: &[u8]) -> impl Future<Output = Result<Vec<ConsentRecord>>> + Send {
        std::future::ready(self.0.consents(subject))
    }
    fn log_disclosure(
        &self,
        disclosure: &DisclosureRecord,
    ) -> impl Future<Output = Result<DisclosureRecord>> + Send {
        std::future::ready(self.0.log_disclosure(disclosure))
    }
    fn disclosures(
        &self,
        partner: Option<&str>,
    ) -> impl Future<Output = Result<Vec<DisclosureRecord>>> + Send {
        std::future::ready(self.0.disclosures(partner))
    }
    fn erasures(&self) -> impl Future<Output = Result<Vec<ErasureReceipt>>> + Send {
        std::future::ready(self.0.erasures())
    }
    fn stats(&self) -> impl Future<Output = Result<VaultStats>> + Send {
        std::future::ready(self.0.stats())
    }
}

/// The synchronous operations of the wrapped vault, unchanged.
impl<V: KeyVault> KeyVault for Blocking<V> {
    fn bind_keyring(&self, id: KeyringId) -> Result<KeyringId> {
        self.0.bind_keyring(id)
    }
    fn keyring(&self) -> Result<Option<KeyringId>> {
        self.0.keyring()
    }
    fn read(&self, subject: &[u8], purposes: &[&str]) -> Result<SubjectState> {
        self.0.read(subject, purposes)
    }
    fn create(&self, key: &StoredKey, requires_consent: bool, now: u64) -> Result<Created> {
        self.0.create(key, requires_consent, now)
    }
    fn grant(&self, consent: &ConsentRecord) -> Result<bool> {
        self.0.grant(consent)
    }
    fn withdraw(&self, subject: &[u8], purpose: &str, at: u64) -> Result<Withdrawal> {
        self.0.withdraw(subject, purpose, at)
    }
    fn forget(&self, subject: &[u8], at: u64) -> Result<ErasureReceipt> {
        self.0.forget(subject, at)
    }
    fn expire(&self, now: u64, limit: usize) -> Result<Vec<ExpiredKey>> {
        self.0.expire(now, limit)
    }
    fn keys_after(&self, after: Option<&KeyCursor>, limit: usize) -> Result<Vec<StoredKey>> {
        self.0.keys_after(after, limit)
    }
    fn rewrap(&self, old: &StoredKey, new: &StoredKey) -> Result<bool> {
        self.0.rewrap(old, new)
    }
    fn key_versions(&self) -> Result<Vec<VersionCount>> {
        self.0.key_versions()
    }
    fn retire_version(&self, version: u32) -> Result<VersionRetirement> {
        self.0.retire_version(version)
    }
    fn retired_versions(&self) -> Result<Vec<u32>> {
        self.0.retired_versions()
    }
    fn consents(&self, subject: &[u8]) -> Result<Vec<ConsentRecord>> {
        self.0.consents(subject)
    }
    fn log_disclosure(&self, disclosure: &DisclosureRecord) -> Result<DisclosureRecord> {
        self.0.log_disclosure(disclosure)
    }
    fn disclosures(&self, partner: Option<&str>) -> Result<Vec<DisclosureRecord>> {
        self.0.disclosures(partner)
    }
    fn erasures(&self) -> Result<Vec<ErasureReceipt>> {
        self.0.erasures()
    }
    fn stats(&self) -> Result<VaultStats> {
        self.0.stats()
    }
}

/// Any reference to a vault is a vault (several `SubjectKeys` over one backend, borrowed).
impl<V: KeyVault + ?Sized> KeyVault for &V {
    fn bind_keyring(&self, id: KeyringId) -> Result<KeyringId> {
        (**self).bind_keyring(id)
    }
    fn keyring(&self) -> Result<Option<KeyringId>> {
        (**self).keyring()
    }
    fn read(&self, subject: &[u8], purposes: &[&str]) -> Result<SubjectState> {
        (**self).read(subject, purposes)
    }
    fn create(&self, key: &StoredKey, requires_consent: bool, now: u64) -> Result<Created> {
        (**self).create(key, requires_consent, now)
    }
    fn grant(&self, consent: &ConsentRecord) -> Result<bool> {
        (**self).grant(consent)
    }
    fn withdraw(&self, subject: &[u8], purpose: &str, at: u64) -> Result<Withdrawal> {
        (**self).withdraw(subject, purpose, at)
    }
    fn forget(&self, subject: &[u8], at: u64) -> Result<ErasureReceipt> {
        (**self).forget(subject, at)
    }
    fn expire(&self, now: u64, limit: usize) -> Result<Vec<ExpiredKey>> {
        (**self).expire(now, limit)
    }
    fn keys_after(&self, after: Option<&KeyCursor>, limit: usize) -> Result<Vec<StoredKey>> {
        (**self).keys_after(after, limit)
    }
    fn rewrap(&self, old: &StoredKey, new: &StoredKey) -> Result<bool> {
        (**self).rewrap(old, new)
    }
    fn key_versions(&self) -> Result<Vec<VersionCount>> {
        (**self).key_versions()
    }
    fn retire_version(&self, version: u32) -> Result<VersionRetirement> {
        (**self).retire_version(version)
    }
    fn retired_versions(&self) -> Result<Vec<u32>> {
        (**self).retired_versions()
    }
    fn consents(&self, subject: &[u8]) -> Result<Vec<ConsentRecord>> {
        (**self).consents(subject)
    }
    fn log_disclosure(&self, disclosure: &DisclosureRecord) -> Result<DisclosureRecord> {
        (**self).log_disclosure(disclosure)
    }
    fn disclosures(&self, partner: Option<&str>) -> Result<Vec<DisclosureRecord>> {
        (**self).disclosures(partner)
    }
    fn erasures(&self) -> Result<Vec<ErasureReceipt>> {
        (**self).erasures()
    }
    fn stats(&self) -> Result<VaultStats> {
        (**self).stats()
    }
}

/// Runs a future whose every await is on a [`Blocking`] vault: it is ready at its first poll.
pub(crate) fn run_ready<F: Future>(future: F) -> F::Output {
    let mut future = std::pin::pin!(future);
    let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
    match future.as_mut().poll(&mut cx) {
        std::task::Poll::Ready(output) => output,
        // Every await point of the futures this runs is a `Blocking` vault's ready future.
        std::task::Poll::Pending => unreachable!("a blocking vault's operations complete at once"),
    }
}
