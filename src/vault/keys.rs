//! `SubjectKeys`: sealing and opening in subject mode, each value under its subject's own data key
//! for each purpose, the keys kept wrapped in a [`KeyVault`] (FORMAT.md §15).

use std::fmt;
use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use crate::error::{Error, Result, VaultError};
use crate::format::{self, MODE_SUBJECT};
use crate::keyring::{DynPurposeKey, KeyState, KeyringId, VersionKey};
use crate::keyset::KeySet;
use crate::purpose::{
    AnyPurposes, DynPurpose, Includes, Purpose, PurposePolicy, PurposeSet, Purposes,
};
use crate::rng;
use crate::sealed::{AsPlaintext, Context, Plaintext, Sealed};
use crate::secret::{KEY_LEN, SecretKey};
use crate::vault::cache::{Cached, DataKeyCache, Ticket};
use crate::vault::caches;
use crate::vault::records::{
    Created, DestroyReason, Destruction, KeySlot, Refusal, StoredKey, SubjectState, WRAPPED_LEN,
    consent_refuses,
};
use crate::vault::store::{AsyncKeyVault, Blocking, KeyVault, run_ready};
use crate::vault::subject::Subject;
use crate::vault::{seal_empty, wrap};

/// Cache entries kept by default: about 1 KiB each (a key and its ciphers).
pub const DEFAULT_CACHE_CAPACITY: usize = 100_000;

/// How long a cached data key (or a cached "withdrawn", "erased") is trusted by default before the
/// vault is asked again: what other processes' withdrawals and erasures wait for, at most.
pub const DEFAULT_CACHE_TTL: Duration = Duration::from_secs(60);

/// The source of the current time, injectable for tests of retention.
type Clock = Arc<dyn Fn() -> SystemTime + Send + Sync>;

/// Subject mode: a service's purpose keys, a key vault, and the data keys it has unwrapped.
///
/// Every (subject, purpose) gets its own random 256-bit data key, created on first use and kept in
/// the vault wrapped under the purpose key (FORMAT.md §15). So withdrawing a customer's consent to
/// one purpose, or forgetting the customer, is deleting keys: every copy of their data for it, in
/// any database, cache, export or backup, stops opening at once.
///
/// ```
/// use fieldseal::vault::{MemoryVault, Subject, SubjectKeys};
/// use fieldseal::{Context, Error, KeySet, Keyring, Sealed, Suite};
/// fieldseal::purpose!(Fulfillment = "fulfillment");
/// fieldseal::purpose!(Marketing = "marketing", consent);
///
/// let keyring = Keyring::generate(Suite::default())?;
/// let keys = KeySet::new()
///     .with(keyring.purpose_key::<Fulfillment>())
///     .with(keyring.purpose_key::<Marketing>());
/// let subjects = SubjectKeys::new(MemoryVault::new(), keys, keyring.id())?;
///
/// let ada = Subject::int(1001);
/// let ctx = Context::new("customer", "email").with_id_int(1001);
/// subjects.grant(&ada, &Marketing.into(), "signup form", Some("privacy notice v3"))?;
/// let email: Sealed<String, (Fulfillment, Marketing)> =
///     subjects.seal(&ada, "ada@example.com", &ctx)?;
/// assert_eq!(subjects.open::<Marketing, _, _, _>(&email, &ada, &ctx)?, "ada@example.com");
///
/// // Withdrawn: marketing's copy no longer opens; fulfillment's still does.
/// subjects.withdraw(&ada, &Marketing.into())?;
/// assert!(matches!(
///     subjects.open::<Marketing, _, _, _>(&email, &ada, &ctx),
///     Err(Error::ConsentWithdrawn { .. })
/// ));
/// assert_eq!(subjects.open::<Fulfillment, _, _, _>(&email, &ada, &ctx)?, "ada@example.com");
/// # Ok::<(), fieldseal::Error>(())
/// ```
pub struct SubjectKeys<V> {
    vault: V,
    keys: KeySet,
    keyring: KeyringId,
    /// Shared with the process's list of caches (src/vault/caches.rs), which holds it weakly.
    pub(super) cache: Arc<DataKeyCache>,
    clock: Clock,
}

impl<V: KeyVault> SubjectKeys<V> {
    /// Subject mode over `vault`, with the purpose keys `keys` of keyring `keyring` (a bundle's
    /// `keyring_id()`, or `Keyring::id`). The vault is bound to that keyring on first use.
    ///
    /// # Errors
    /// [`VaultError::WrongKeyring`] if the vault belongs to another keyring; a backend error.
    pub fn new(vault: V, keys: KeySet, keyring: KeyringId) -> Result<Self> {
        let bound = vault.bind_keyring(keyring)?;
        Self::assemble(vault, keys, keyring, bound)
    }

    /// Seals `value` for `subject` and every purpose of `Ps`, each under the subject's data key
    /// for it (created on first use; this service must hold every purpose's key). A purpose that
    /// needs consent gets a copy only if the subject's consent stands; without, its copy is left
    /// out (check with [`Sealed::purposes`]), and a value none of whose purposes had consent
    /// holds no copy at all.
    ///
    /// # Errors
    /// [`Error::SubjectErased`] for a forgotten subject, [`Error::NoKeyForPurpose`], a vault
    /// error, and as [`Sealed::seal`].
    pub fn seal<T: Plaintext, Ps: PurposeSet>(
        &self,
        subject: &Subject<'_>,
        value: &(impl AsPlaintext<T> + ?Sized),
        ctx: &Context<'_>,
    ) -> Result<Sealed<T, Ps>> {
        let purposes = purposes_of::<Ps>()?;
        let bytes = self.seal_bytes(subject, &purposes, value, ctx)?;
        Ok(Sealed::from_trusted(bytes))
    }

    /// As [`seal`](Self::seal), for purposes known at run time (their policies as the
    /// [`DynPurpose`]s say).
    ///
    /// # Errors
    /// As [`seal`](Self::seal).
    pub fn seal_dyn<T: Plaintext>(
        &self,
        subject: &Subject<'_>,
        purposes: &[DynPurpose],
        value: &(impl AsPlaintext<T> + ?Sized),
        ctx: &Context<'_>,
    ) -> Result<Sealed<T, AnyPurposes>> {
        self.seal_bytes(subject, purposes, value, ctx)
            .map(Sealed::from_trusted)
    }

    fn seal_bytes<T: Plaintext>(
        &self,
        subject: &Subject<'_>,
        purposes: &[DynPurpose],
        value: &(impl AsPlaintext<T> + ?Sized),
        ctx: &Context<'_>,
    ) -> Result<Vec<u8>> {
        crate::audit::hooks::value(
            self.keys().auditor(),
            crate::audit::Operation::Seal,
            crate::audit::Names::Purposes(purposes),
            ctx,
            subject.as_bytes(),
            || None,
            || {
                let states = self.sealing_keys(subject, purposes)?;
                seal_with(&states, purposes, value, ctx, self.suite_of(purposes))
            },
        )
    }

    /// Opens `sealed`'s copy for purpose `P`, for `subject`, under `ctx`.
    ///
    /// # Errors
    /// [`Error::NoConsentCopy`] if the value holds no copy for `P` (it needs consent, and had none
    /// when sealed), [`Error::ConsentWithdrawn`], [`Error::RetentionExpired`],
    /// [`Error::SubjectErased`], [`Error::UnknownDataKey`], [`Error::NoKeyForPurpose`], a vault
    /// error, and as [`Sealed::open`].
    pub fn open<P: Purpose, T: Plaintext, Ps: Purposes + Includes<P, I>, I>(
        &self,
        sealed: &Sealed<T, Ps>,
        subject: &Subject<'_>,
        ctx: &Context<'_>,
    ) -> Result<T> {
        self.open_bytes(sealed.as_bytes(), &DynPurpose::of::<P>(), subject, ctx)
    }

    /// Opens `sealed`'s copy for a purpose known at run time.
    ///
    /// # Errors
    /// As [`open`](Self::open), and [`Error::NotSealedFor`] for a purpose the value is not sealed
    /// for and that needs no consent.
    pub fn open_dyn<T: Plaintext, Ps: Purposes>(
        &self,
        sealed: &Sealed<T, Ps>,
        purpose: &DynPurpose,
        subject: &Subject<'_>,
        ctx: &Context<'_>,
    ) -> Result<T> {
        self.open_bytes(sealed.as_bytes(), purpose, subject, ctx)
    }

    pub(crate) fn open_bytes<T: Plaintext>(
        &self,
        bytes: &[u8],
        purpose: &DynPurpose,
        subject: &Subject<'_>,
        ctx: &Context<'_>,
    ) -> Result<T> {
        crate::audit::hooks::value(
            self.keys().auditor(),
            crate::audit::Operation::Open,
            crate::audit::Names::Strs(&[purpose.name()]),
            ctx,
            subject.as_bytes(),
            || None,
            || self.open_bytes_quiet(bytes, purpose, subject, ctx),
        )
    }

    /// [`open_bytes`](Self::open_bytes) without an event: for a caller that records its own.
    pub(crate) fn open_bytes_quiet<T: Plaintext>(
        &self,
        bytes: &[u8],
        purpose: &DynPurpose,
        subject: &Subject<'_>,
        ctx: &Context<'_>,
    ) -> Result<T> {
        precheck(bytes, subject, ctx)?;
        let generation = self.generation_to_open(bytes, purpose, subject)?;
        if let Some(opened) = self.open_cached(bytes, purpose.name(), subject, ctx, generation) {
            return opened;
        }
        let key = self.opening_key(subject, purpose.name(), generation)?;
        crate::sealed::open_state(&key, bytes, ctx)
    }

    /// The generation of `bytes`' part for `purpose` (FORMAT.md §9 step 5), or why there is no
    /// copy for it.
    fn generation_to_open(
        &self,
        bytes: &[u8],
        purpose: &DynPurpose,
        subject: &Subject<'_>,
    ) -> Result<u32> {
        match part_generation(bytes, purpose) {
            Err(Error::NoConsentCopy { .. }) => Err(run_ready(self.why_no_copy(
                &Blocking(&self.vault),
                subject,
                purpose,
            ))),
            other => other,
        }
    }

    /// The data key that opens `bytes`' copy for `purpose`, for `subject`, after the checks of
    /// FORMAT.md §9 steps 5 and 6.
    pub(crate) fn key_to_open(
        &self,
        bytes: &[u8],
        purpose: &DynPurpose,
        subject: &Subject<'_>,
        ctx: &Context<'_>,
    ) -> Result<Arc<KeyState>> {
        precheck(bytes, subject, ctx)?;
        let generation = self.generation_to_open(bytes, purpose, subject)?;
        self.opening_key(subject, purpose.name(), generation)
    }

    /// The data keys to seal with, one per purpose, `None` where consent is wanting.
    pub(crate) fn sealing_keys(
        &self,
        subject: &Subject<'_>,
        purposes: &[DynPurpose],
    ) -> Result<Vec<Option<Arc<KeyState>>>> {
        let (mut out, misses, now) = self.cached_sealing_keys(subject, purposes)?;
        if !misses.is_empty() {
            run_ready(self.fill_sealing_keys(
                &Blocking(&self.vault),
                subject,
                purposes,
                &mut out,
                &misses,
                now,
            ))?;
        }
        Ok(out)
    }

    /// The data key of generation `generation` of (subject, purpose), to open with.
    pub(crate) fn opening_key(
        &self,
        subject: &Subject<'_>,
        purpose: &str,
        generation: u32,
    ) -> Result<Arc<KeyState>> {
        run_ready(self.opening_key_in(&Blocking(&self.vault), subject, purpose, generation))
    }
}

impl<V> SubjectKeys<V> {
    /// Opens `bytes` with the live data key of generation `generation` the cache holds, where it
    /// lies: no reference to the key is taken, whose count threads opening the same subjects'
    /// values would write in turn. `None` when the cache cannot answer (ask the vault).
    pub(crate) fn open_cached<T: Plaintext>(
        &self,
        bytes: &[u8],
        purpose: &str,
        subject: &Subject<'_>,
        ctx: &Context<'_>,
        generation: u32,
    ) -> Option<Result<T>> {
        let now = self.now();
        self.cache
            .with(subject.as_bytes(), purpose, |cached| match cached {
                Cached::Live {
                    generation: live,
                    key,
                    expires,
                    ..
                } if *live == generation && expires.is_none_or(|e| e > now) => {
                    Some(crate::sealed::open_state(key, bytes, ctx))
                }
                _ => None,
            })
            .flatten()
    }

    /// Subject keys over a vault bound to keyring `bound`, refused unless it is `keyring`.
    pub(crate) fn assemble(
        vault: V,
        keys: KeySet,
        keyring: KeyringId,
        bound: KeyringId,
    ) -> Result<Self> {
        if bound != keyring {
            return Err(VaultError::WrongKeyring {
                vault: bound,
                given: keyring,
            }
            .into());
        }
        let cache = Self::registered(keyring, &keys, DEFAULT_CACHE_CAPACITY, DEFAULT_CACHE_TTL);
        Ok(Self {
            vault,
            keys,
            keyring,
            cache,
            clock: Arc::new(SystemTime::now),
        })
    }

    /// A new cache, among those that hear of this process's changes to keyring `keyring`.
    fn registered(
        keyring: KeyringId,
        keys: &KeySet,
        capacity: usize,
        ttl: Duration,
    ) -> Arc<DataKeyCache> {
        let cache = Arc::new(DataKeyCache::new(capacity, ttl));
        let purposes = keys.iter().map(|k| k.purpose().name().to_owned()).collect();
        caches::register(keyring, &cache, purposes);
        cache
    }

    /// The suite a value of these purposes is sealed with: the first purpose key's.
    pub(crate) fn suite_of(&self, purposes: &[DynPurpose]) -> crate::aead::Suite {
        purposes
            .first()
            .and_then(|p| self.keys.get_unrecorded(p.name()))
            .map_or_else(Default::default, DynPurposeKey::suite)
    }

    /// Keeps at most `capacity` unwrapped data keys (and negative answers), each trusted for
    /// `ttl`: the longest another process's withdrawal or erasure can go unnoticed here.
    #[must_use]
    pub fn with_cache(mut self, capacity: usize, ttl: Duration) -> Self {
        self.cache = Self::registered(self.keyring, &self.keys, capacity, ttl);
        self
    }

    /// Takes the current time from `clock` (retention periods, consent and erasure times): for
    /// tests, and for jobs that run as of a given time.
    #[must_use]
    pub fn with_clock(mut self, clock: impl Fn() -> SystemTime + Send + Sync + 'static) -> Self {
        self.clock = Arc::new(clock);
        self
    }

    /// The vault.
    pub fn vault(&self) -> &V {
        &self.vault
    }

    /// The purpose keys.
    pub fn keys(&self) -> &KeySet {
        &self.keys
    }

    /// The keyring the keys and the vault belong to.
    pub fn keyring_id(&self) -> KeyringId {
        self.keyring
    }

    /// The current time, in seconds since the Unix epoch.
    pub(crate) fn now(&self) -> u64 {
        (self.clock)()
            .duration_since(UNIX_EPOCH)
            .map_or(0, |d| d.as_secs())
    }

    /// This process changed what the vault says of (subject, purpose) (a grant, a withdrawal, a
    /// destruction), and the change is committed: this cache remembers `now` in place of what it
    /// held (or nothing), and every other cache of the keyring in the process forgets the pair.
    pub(crate) fn changed(&self, subject: &[u8], purpose: &str, now: Option<Cached>) {
        self.cache.invalidate(subject, purpose, now);
        caches::for_others(self.keyring, &self.cache, |cache, _| {
            cache.invalidate(subject, purpose, None);
        });
    }

    /// This process forgot `subject` at `at`: this cache remembers it erased for every purpose
    /// held here, and every other cache of the keyring forgets every purpose it holds keys of.
    /// `None`: the erasure may or may not have been committed (its call failed or was dropped):
    /// this cache forgets those purposes too.
    pub(crate) fn forgotten(&self, subject: &[u8], at: Option<u64>) {
        for purpose in self.keys.purposes() {
            let now = at.map(|at| Cached::Erased { at });
            self.cache.invalidate(subject, purpose.name(), now);
        }
        caches::for_others(self.keyring, &self.cache, |cache, purposes| {
            for purpose in purposes {
                cache.invalidate(subject, purpose, None);
            }
        });
    }

    /// The purpose key of `purpose`.
    pub(crate) fn purpose_key(&self, purpose: &str) -> Result<&DynPurposeKey> {
        self.keys
            .get_unrecorded(purpose)
            .ok_or_else(|| Error::NoKeyForPurpose {
                purpose: purpose.to_owned(),
                held: self
                    .keys
                    .purposes()
                    .iter()
                    .map(ToString::to_string)
                    .collect(),
            })
    }

    /// The data keys of `purposes` the cache holds; the indexes of the others; the time.
    pub(crate) fn cached_sealing_keys(
        &self,
        subject: &Subject<'_>,
        purposes: &[DynPurpose],
    ) -> Result<CachedKeys> {
        subject.check()?;
        // Every purpose's key is held, whatever the subject's consent: a purpose left out for
        // want of consent must not hide a service that could never seal for it.
        for purpose in purposes {
            self.purpose_key(purpose.name())?;
        }
        let id = subject.as_bytes();
        let now = self.now();
        let mut out = vec![None; purposes.len()];
        let mut misses = Vec::new();
        for (i, purpose) in purposes.iter().enumerate() {
            match self.cache.get(id, purpose.name()) {
                Some(Cached::Live { key, expires, .. }) if expires.is_none_or(|e| e > now) => {
                    out[i] = Some(key);
                }
                Some(Cached::NoConsent) if purpose.policy().needs_consent() => {}
                // A withdrawn consent (this service's own refusal, cached): no copy may be made,
                // and its values always hold one.
                Some(Cached::NoConsent) => return Err(undeclared_consent(purpose)),
                Some(Cached::Erased { at }) => return Err(Error::SubjectErased { at }),
                _ => misses.push(i),
            }
        }
        Ok((out, misses, now))
    }

    /// Fills in `out` the keys of the purposes at `misses`, from the vault (creating them where
    /// needed and allowed).
    pub(crate) async fn fill_sealing_keys<A: AsyncKeyVault>(
        &self,
        vault: &A,
        subject: &Subject<'_>,
        purposes: &[DynPurpose],
        out: &mut [Option<Arc<KeyState>>],
        misses: &[usize],
        now: u64,
    ) -> Result<()> {
        let id = subject.as_bytes();
        let names: Vec<&str> = misses.iter().map(|&i| purposes[i].name()).collect();
        let ticket = self.cache.ticket();
        let state = vault.read(id, &names).await?;
        self.refuse_erased(id, &state, purposes)?;
        for (&i, (_, slot)) in misses.iter().zip(&state.slots) {
            out[i] = self
                .key_for_sealing(vault, subject, &purposes[i], slot, &state, now, ticket)
                .await?;
        }
        Ok(())
    }

    /// Fails for a subject the vault says was forgotten, remembering it.
    fn refuse_erased(
        &self,
        id: &[u8],
        state: &SubjectState,
        purposes: &[DynPurpose],
    ) -> Result<()> {
        if let Some(at) = state.erased {
            for purpose in purposes {
                self.cache.put(id, purpose.name(), Cached::Erased { at });
            }
            return Err(Error::SubjectErased { at });
        }
        Ok(())
    }

    /// The live data key of one (subject, purpose) to seal with, created if none is live.
    /// `ticket` was taken before `state` was read.
    #[allow(clippy::too_many_arguments, reason = "what was read, and when")]
    async fn key_for_sealing<A: AsyncKeyVault>(
        &self,
        vault: &A,
        subject: &Subject<'_>,
        purpose: &DynPurpose,
        slot: &KeySlot,
        state: &SubjectState,
        now: u64,
        ticket: Ticket,
    ) -> Result<Option<Arc<KeyState>>> {
        let id = subject.as_bytes();
        if let KeySlot::Live { key, previous } = slot {
            if key.expires.is_none_or(|e| e > now) {
                return self.unwrap_live(key, *previous, ticket).map(Some);
            }
        }
        let policy = purpose.policy();
        // As the vault's `create` decides.
        let record = state.consents.iter().find(|c| c.purpose == purpose.name());
        if consent_refuses(policy.needs_consent(), record) {
            self.cache
                .fill(ticket, id, purpose.name(), Cached::NoConsent);
            return if policy.needs_consent() {
                Ok(None)
            } else {
                Err(undeclared_consent(purpose))
            };
        }
        let mut last = slot.last_generation();
        let previous = match slot {
            KeySlot::Destroyed(d) => Some(*d),
            // A live key past its retention: `create` destroys it first, as expired.
            KeySlot::Live { key, .. } => Some(Destruction {
                generation: key.generation,
                reason: DestroyReason::Expired,
                at: now,
            }),
            KeySlot::Empty => None,
        };
        // A racing withdrawal and grant can move the generation between read and create: try
        // again with the vault's last generation, a bounded number of times.
        for _ in 0..4 {
            match self
                .create(vault, id, purpose, policy, last, previous, now, ticket)
                .await?
            {
                CreateOutcome::Key(key) => return Ok(Some(key)),
                CreateOutcome::NoConsent => {
                    self.cache
                        .fill(ticket, id, purpose.name(), Cached::NoConsent);
                    return if policy.needs_consent() {
                        Ok(None)
                    } else {
                        Err(undeclared_consent(purpose))
                    };
                }
                CreateOutcome::Moved(moved) => last = moved,
            }
        }
        Err(VaultError::Busy {
            action: "create a data key (the slot kept changing)",
        }
        .into())
    }

    /// Creates generation `last + 1` of (subject, purpose), or takes the key a racing sealer
    /// created first.
    #[allow(clippy::too_many_arguments, reason = "one key's every coordinate")]
    async fn create<A: AsyncKeyVault>(
        &self,
        vault: &A,
        id: &[u8],
        purpose: &DynPurpose,
        policy: PurposePolicy,
        last: u32,
        previous: Option<Destruction>,
        now: u64,
        ticket: Ticket,
    ) -> Result<CreateOutcome> {
        let purpose_key = self.purpose_key(purpose.name())?;
        let active = purpose_key.state.active();
        let generation = last.checked_add(1).ok_or(VaultError::Corrupt {
            reason: format!("purpose `{purpose}` has no data key generation left"),
        })?;
        let mut key = StoredKey {
            subject: id.to_vec(),
            purpose: purpose.name().to_owned(),
            generation,
            key_version: active.version,
            created: now,
            expires: policy.retention().map(|r| now.saturating_add(r.as_secs())),
            wrapped: [0; WRAPPED_LEN],
        };
        let mut dek = zeroize::Zeroizing::new([0u8; KEY_LEN]);
        rng::os_random(dek.as_mut())?;
        let dek = SecretKey::from_bytes(dek);
        wrap::wrap(self.keyring, active, &mut key, &dek)?;
        match vault.create(&key, policy.needs_consent(), now).await? {
            Created::Inserted => {
                let state = self.data_key_state(&key, dek)?;
                self.remember(&key, previous, &state, ticket);
                Ok(CreateOutcome::Key(state))
            }
            Created::Existing(winner) => {
                // `previous` is not known here; an open that needs it reads the vault.
                self.unwrap_live(&winner, None, ticket)
                    .map(CreateOutcome::Key)
            }
            Created::Refused(Refusal::NoConsent) => Ok(CreateOutcome::NoConsent),
            Created::Refused(Refusal::Erased { at }) => {
                self.cache.put(id, purpose.name(), Cached::Erased { at });
                Err(Error::SubjectErased { at })
            }
            Created::Refused(Refusal::GenerationMoved { last }) => Ok(CreateOutcome::Moved(last)),
            Created::Refused(Refusal::VersionRetired { version }) => {
                Err(VaultError::VersionRetired { version }.into())
            }
        }
    }

    /// Unwraps a live stored key and remembers it (read from the vault after `ticket`).
    fn unwrap_live(
        &self,
        key: &StoredKey,
        previous: Option<Destruction>,
        ticket: Ticket,
    ) -> Result<Arc<KeyState>> {
        let purpose_key = self.purpose_key(&key.purpose)?;
        let version: &VersionKey = purpose_key.state.version(key.key_version)?;
        let dek = wrap::unwrap(self.keyring, version, key)?;
        let state = self.data_key_state(key, dek)?;
        self.remember(key, previous, &state, ticket);
        Ok(state)
    }

    /// The key state of a subject's data key: the key plays the purpose key's part (FORMAT.md
    /// §15.1), its generation the key version's.
    fn data_key_state(&self, key: &StoredKey, dek: SecretKey) -> Result<Arc<KeyState>> {
        let purpose_key = self.purpose_key(&key.purpose)?;
        let purpose = purpose_key.purpose().clone();
        let version = Arc::new(VersionKey::new(key.generation, dek));
        let state = KeyState::new(purpose, purpose_key.suite(), vec![version], key.generation)?;
        Ok(Arc::new(
            state.with_mode(MODE_SUBJECT).with_expires(key.expires),
        ))
    }

    fn remember(
        &self,
        key: &StoredKey,
        previous: Option<Destruction>,
        state: &Arc<KeyState>,
        ticket: Ticket,
    ) {
        self.cache.fill(
            ticket,
            &key.subject,
            &key.purpose,
            Cached::Live {
                generation: key.generation,
                key: Arc::clone(state),
                expires: key.expires,
                previous,
            },
        );
    }

    /// Why a value holds no copy for `purpose`, which needs consent: the subject was forgotten
    /// since (every answer about a forgotten subject is that it was), or there was no consent.
    pub(crate) async fn why_no_copy<A: AsyncKeyVault>(
        &self,
        vault: &A,
        subject: &Subject<'_>,
        purpose: &DynPurpose,
    ) -> Error {
        let id = subject.as_bytes();
        if let Some(Cached::Erased { at }) = self.cache.get(id, purpose.name()) {
            return Error::SubjectErased { at };
        }
        match vault.read(id, &[]).await {
            Ok(SubjectState {
                erased: Some(at), ..
            }) => {
                self.cache.put(id, purpose.name(), Cached::Erased { at });
                Error::SubjectErased { at }
            }
            Ok(_) => Error::NoConsentCopy {
                purpose: purpose.name().to_owned(),
            },
            Err(e) => e,
        }
    }

    /// The data key of generation `generation` of (subject, purpose), to open with.
    pub(crate) async fn opening_key_in<A: AsyncKeyVault>(
        &self,
        vault: &A,
        subject: &Subject<'_>,
        purpose: &str,
        generation: u32,
    ) -> Result<Arc<KeyState>> {
        let id = subject.as_bytes();
        let now = self.now();
        if let Some(cached) = self.cache.get(id, purpose) {
            if let Some(answer) = answer(cached, purpose, generation, now) {
                return answer;
            }
        }
        let ticket = self.cache.ticket();
        let state = vault.read(id, &[purpose]).await?;
        if let Some(at) = state.erased {
            self.cache.put(id, purpose, Cached::Erased { at });
            return Err(Error::SubjectErased { at });
        }
        let slot = state.slots.into_iter().next().map(|(_, s)| s);
        let cached = match slot {
            Some(KeySlot::Live { key, previous }) => {
                let state = self.unwrap_live(&key, previous, ticket)?;
                Cached::Live {
                    generation: key.generation,
                    key: state,
                    expires: key.expires,
                    previous,
                }
            }
            Some(KeySlot::Destroyed(d)) => {
                // Through the ticket: an erasure since the read answers "erased", not this. And
                // only for a purpose of the key set: an erasure elsewhere in the process empties
                // those alone (src/vault/caches.rs).
                if self.keys.get_unrecorded(purpose).is_some() {
                    self.cache.fill(ticket, id, purpose, Cached::Destroyed(d));
                }
                Cached::Destroyed(d)
            }
            Some(KeySlot::Empty) | None => {
                return Err(Error::UnknownDataKey {
                    purpose: purpose.to_owned(),
                    generation,
                });
            }
        };
        answer(cached, purpose, generation, now).unwrap_or_else(|| {
            Err(Error::UnknownDataKey {
                purpose: purpose.to_owned(),
                generation,
            })
        })
    }
}

/// What a cached slot says about opening generation `generation`: `None` when it cannot tell
/// (a generation newer than the cached one: ask the vault).
fn answer(
    cached: Cached,
    purpose: &str,
    generation: u32,
    now: u64,
) -> Option<Result<Arc<KeyState>>> {
    let destroyed = |d: Destruction| match d.reason {
        DestroyReason::Withdrawn => Error::ConsentWithdrawn {
            purpose: purpose.to_owned(),
            at: d.at,
        },
        DestroyReason::Expired => Error::RetentionExpired {
            purpose: purpose.to_owned(),
            at: d.at,
        },
    };
    match cached {
        Cached::Erased { at } => Some(Err(Error::SubjectErased { at })),
        Cached::Live {
            generation: live,
            key,
            expires,
            previous,
        } => {
            if generation == live {
                if let Some(at) = expires.filter(|&e| e <= now) {
                    return Some(Err(Error::RetentionExpired {
                        purpose: purpose.to_owned(),
                        at,
                    }));
                }
                Some(Ok(key))
            } else {
                // An older generation: destroyed, if the cache knows why; else ask the vault.
                previous
                    .filter(|d| generation <= d.generation)
                    .map(|d| Err(destroyed(d)))
            }
        }
        Cached::Destroyed(d) if generation <= d.generation => Some(Err(destroyed(d))),
        Cached::Destroyed(_) | Cached::NoConsent => None,
    }
}

enum CreateOutcome {
    Key(Arc<KeyState>),
    NoConsent,
    Moved(u32),
}

/// What the cache gave for sealing: a key per purpose (`None`: not cached, or no consent), the
/// indexes of the purposes to look up in the vault, and the time.
pub(crate) type CachedKeys = (Vec<Option<Arc<KeyState>>>, Vec<usize>, u64);

/// The purposes of `Ps`, with their policies.
pub(crate) fn purposes_of<Ps: PurposeSet>() -> Result<Vec<DynPurpose>> {
    Ps::NAMES
        .iter()
        .zip(Ps::POLICIES)
        .map(|(name, policy)| DynPurpose::new(name).map(|p| p.with_policy(*policy)))
        .collect()
}

/// FORMAT.md §9 steps 5 and 6, before anything is asked of the vault: the context limits, the
/// subject id's (1 to 256 bytes), and the value's mode (a direct-mode value is refused by name).
pub(crate) fn precheck(bytes: &[u8], subject: &Subject<'_>, ctx: &Context<'_>) -> Result<()> {
    ctx.check()?;
    subject.check()?;
    match bytes.get(2) {
        Some(&mode) if mode != MODE_SUBJECT && format::is_known_mode(mode) => {
            Err(Error::WrongMode {
                found: mode,
                expected: MODE_SUBJECT,
            })
        }
        _ => Ok(()),
    }
}

/// The generation the part of `purpose` in `bytes` names, or why there is no such part.
pub(crate) fn part_generation(bytes: &[u8], purpose: &DynPurpose) -> Result<u32> {
    if let Some((_, part)) = format::find_part(bytes, purpose.name()) {
        return Ok(part.key_version);
    }
    // No such part: malformed (the exact error), withheld for want of consent, or not sealed for.
    let mut sealed_for = Vec::new();
    let header = format::for_each_part(bytes, |p| sealed_for.push(p.purpose_name().to_owned()))?;
    if header.mode == MODE_SUBJECT && purpose.policy().needs_consent() {
        return Err(Error::NoConsentCopy {
            purpose: purpose.name().to_owned(),
        });
    }
    Err(Error::NotSealedFor {
        purpose: purpose.name().to_owned(),
        sealed_for,
    })
}

/// Seals with the keys found (`None`: left out for want of consent); a value with no key at all
/// holds no copy (FORMAT.md §15.1).
pub(crate) fn seal_with<T: Plaintext>(
    states: &[Option<Arc<KeyState>>],
    purposes: &[DynPurpose],
    value: &(impl AsPlaintext<T> + ?Sized),
    ctx: &Context<'_>,
    suite: crate::aead::Suite,
) -> Result<Vec<u8>> {
    debug_assert_eq!(states.len(), purposes.len());
    let present: Vec<&KeyState> = states.iter().flatten().map(|s| &**s).collect();
    if present.is_empty() {
        if purposes.is_empty() {
            return Err(Error::NoPurpose);
        }
        return seal_empty::<T>(suite, ctx);
    }
    crate::sealed::seal_states(&present, value, ctx)
}

impl<V> fmt::Debug for SubjectKeys<V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubjectKeys")
            .field("keyring", &self.keyring)
            .field("keys", &self.keys)
            .finish_non_exhaustive()
    }
}

/// Why a purpose declared without `consent` gets no key: its subject withdrew a consent the
/// vault holds (KeyVault::create), and its values may not lack a copy.
#[cold]
fn undeclared_consent(purpose: &DynPurpose) -> Error {
    Error::UndeclaredConsent {
        purpose: purpose.name().to_owned(),
    }
}
