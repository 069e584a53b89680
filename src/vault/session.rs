//! `SubjectSession`: one subject's data keys, resolved once for a whole record, so that sealing or
//! opening its fields costs no more vault or cache lookups than it has purposes.

use std::fmt;
use std::sync::{Arc, Mutex, PoisonError};
use std::time::Instant;

use crate::error::{Error, Result};
use crate::format;
use crate::format::MAX_PARTS;
use crate::keyring::KeyState;
use crate::purpose::{DynPurpose, Includes, Purpose, PurposePolicy, PurposeSet, Purposes};
use crate::sealed::{AsPlaintext, Context, Plaintext, Sealed};
use crate::vault::cache::Ticket;
use crate::vault::keys::{SubjectKeys, part_generation, precheck};
use crate::vault::store::{AsyncKeyVault, KeyVault};
use crate::vault::subject::Subject;

/// A data key resolved for opening: (purpose, generation, key, trusted until; `None`: for ever).
type OpeningKey = (Box<str>, u32, Arc<KeyState>, Option<Instant>);

/// Per purpose, the data key to seal with (`None`: no copy, for want of consent).
type SealingKeys = Vec<Option<Arc<KeyState>>>;

/// Resolves a subject's sealing keys through the vault: [`SubjectKeys::sealing_keys`], kept as a
/// function so that sessions, which do not require a blocking vault, can call it when they have one.
type Resolve<V> = fn(&SubjectKeys<V>, &Subject<'_>, &[DynPurpose]) -> Result<SealingKeys>;

/// A subject's data keys for some purposes, resolved once: what a record's sealing and opening go
/// through (`#[derive(Seal)]` with `#[seal(subject = ..)]` uses one per record).
///
/// Sealing resolves every purpose up front (creating keys as needed, leaving out purposes without
/// consent); opening resolves each (purpose, generation) on first use and keeps it for the
/// session. Not shared between threads: make one per record, or per request.
///
/// A session follows this process's withdrawals, erasures and sweeps at once: any made since
/// (through any `SubjectKeys` of the process) sends the next open back to the cache, and the next
/// seal too, so that it seals as a session made then would. Changes made by other processes reach
/// a session as they reach the cache: a key the cache would no longer trust (older than its time
/// to live) is resolved again before the session uses it. A session made by `session_async`
/// seals without awaiting with [`seal`](Self::seal): when the cache no longer answers for all its
/// keys, that refuses with [`VaultError::SessionOutdated`](crate::VaultError::SessionOutdated);
/// [`seal_async`](Self::seal_async) asks the vault instead.
///
/// ```
/// use fieldseal::vault::{MemoryVault, Subject, SubjectKeys};
/// use fieldseal::{Context, DynPurpose, KeySet, Keyring, Sealed, Suite};
/// fieldseal::purpose!(Fulfillment = "fulfillment");
///
/// let keyring = Keyring::generate(Suite::default())?;
/// let keys = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
/// let subjects = SubjectKeys::new(MemoryVault::new(), keys, keyring.id())?;
/// let ada = Subject::int(7);
/// let session = subjects.session(&ada, &[Fulfillment.into()])?;
/// let ctx = Context::new("customer", "name").with_id_int(7);
/// let name: Sealed<String, Fulfillment> = session.seal("Ada", &ctx)?;
/// assert_eq!(session.open::<Fulfillment, _, _, _>(&name, &ctx)?, "Ada");
/// # Ok::<(), fieldseal::Error>(())
/// ```
pub struct SubjectSession<'k, V> {
    keys: &'k SubjectKeys<V>,
    subject: Vec<u8>,
    purposes: Vec<DynPurpose>,
    /// Per purpose, the key to seal with (`None`: no consent, or not resolved for sealing).
    sealing: Vec<Option<Arc<KeyState>>>,
    /// The invalidations of the keys' cache before `sealing` was resolved: once they moved, a
    /// seal resolves its keys again (see [`fresh_sealing`](Self::fresh_sealing)).
    sealed_at: Ticket,
    /// Until when the cache trusts the sealing keys' answers (the oldest of them, plus its time
    /// to live; `None`: for ever): past it, a seal resolves its keys again, so that a change made
    /// by another process reaches the session as it reaches the cache.
    sealing_until: Option<Instant>,
    /// How to resolve the sealing keys from the vault: a session made by the blocking
    /// [`session`](SubjectKeys::session) can; one made by `session_async` seals without
    /// awaiting, and cannot.
    resolve: Option<Resolve<V>>,
    /// Keys resolved for opening, with the invalidations of the keys' cache when they were last
    /// known good: a withdrawal, an erasure or a sweep anywhere in the process since empties
    /// them. A mutex (uncontended: a session serves one request) rather than a `RefCell`, so
    /// that the session is `Sync` and `open_async`'s future is `Send`.
    opening: Mutex<(Ticket, Vec<OpeningKey>)>,
    /// Records no event of its own: a derived record records one for all its fields. Such a
    /// session lives for one record's seal or open, one call: its keys are trusted for the whole
    /// of it, as the keys a plain seal resolves are for the whole of that value (a time to live
    /// of 0 still asks the vault once per record, not once per field).
    quiet: bool,
}

impl<V: KeyVault> SubjectKeys<V> {
    /// A session for `subject` and `purposes`, ready to seal: the data key of each purpose is
    /// looked up (and created where needed and allowed) now, in one vault round trip at most.
    ///
    /// # Errors
    /// As [`seal`](Self::seal).
    pub fn session(
        &self,
        subject: &Subject<'_>,
        purposes: &[DynPurpose],
    ) -> Result<SubjectSession<'_, V>> {
        let at = self.cache.ticket();
        let sealing = self.sealing_keys(subject, purposes)?;
        let mut session = SubjectSession::resolved(self, subject, purposes, sealing, at);
        session.resolve = Some(Self::sealing_keys);
        Ok(session)
    }
}

impl<V> SubjectKeys<V> {
    /// A session for `subject` that only opens: nothing is looked up until a value is opened.
    ///
    /// # Errors
    /// The subject id's length (1 to 256 bytes).
    pub fn opening_session(&self, subject: &Subject<'_>) -> Result<SubjectSession<'_, V>> {
        subject.check()?;
        Ok(SubjectSession {
            keys: self,
            subject: subject.as_bytes().to_vec(),
            purposes: Vec::new(),
            sealing: Vec::new(),
            sealed_at: self.cache.ticket(),
            sealing_until: None,
            resolve: None,
            opening: Mutex::new((self.cache.ticket(), Vec::new())),
            quiet: false,
        })
    }
}

impl<'k, V> SubjectSession<'k, V> {
    /// A session whose sealing keys were resolved after the keys' cache gave the ticket `at`; it
    /// cannot resolve them again (see [`SubjectKeys::session`], which can).
    pub(crate) fn resolved(
        keys: &'k SubjectKeys<V>,
        subject: &Subject<'_>,
        purposes: &[DynPurpose],
        sealing: SealingKeys,
        at: Ticket,
    ) -> Self {
        Self {
            keys,
            subject: subject.as_bytes().to_vec(),
            purposes: purposes.to_vec(),
            sealing,
            sealed_at: at,
            sealing_until: purposes
                .iter()
                .map(|p| keys.cache.trusted_until(subject.as_bytes(), p.name()))
                .reduce(earliest)
                .flatten(),
            resolve: None,
            opening: Mutex::new((keys.cache.ticket(), Vec::new())),
            quiet: false,
        }
    }

    /// The same session, recording no audit event per value and trusting its keys whatever
    /// their age (changes this process makes still reach it): for `#[derive(Seal)]`'s
    /// subject-mode entry points, which use it for one record, in one call, and record one event
    /// for the whole record.
    #[doc(hidden)]
    #[must_use]
    pub fn quiet(mut self) -> Self {
        self.quiet = true;
        self
    }
}

impl<V> SubjectSession<'_, V> {
    /// The subject keys the session belongs to.
    pub fn keys(&self) -> &SubjectKeys<V> {
        self.keys
    }

    /// The subject.
    pub fn subject(&self) -> Subject<'_> {
        Subject::bytes(&self.subject)
    }

    /// The auditor of the session's key set, unless the session is quiet.
    fn auditor(&self) -> Option<&crate::audit::Auditor> {
        if self.quiet {
            None
        } else {
            self.keys.keys().auditor()
        }
    }

    /// Seals `value` for the purposes `Ps`, each of which the session was made for; a purpose
    /// without consent gets no copy (as [`SubjectKeys::seal`]).
    ///
    /// # Errors
    /// [`Error::NoKeyForPurpose`] for a purpose the session was not made for, and as
    /// [`SubjectKeys::seal`].
    pub fn seal<T: Plaintext, Ps: PurposeSet>(
        &self,
        value: &(impl AsPlaintext<T> + ?Sized),
        ctx: &Context<'_>,
    ) -> Result<Sealed<T, Ps>> {
        self.recorded_seal::<T, Ps>(ctx, || self.seal_quiet(value, ctx))
    }

    /// `seal`, recorded as one seal event for `Ps` (unless the session is quiet).
    fn recorded_seal<T: Plaintext, Ps: PurposeSet>(
        &self,
        ctx: &Context<'_>,
        seal: impl FnOnce() -> Result<Sealed<T, Ps>>,
    ) -> Result<Sealed<T, Ps>> {
        crate::audit::hooks::value(
            self.auditor(),
            crate::audit::Operation::Seal,
            crate::audit::Names::Strs(Ps::NAMES),
            ctx,
            &self.subject,
            || None,
            seal,
        )
    }

    fn seal_quiet<T: Plaintext, Ps: PurposeSet>(
        &self,
        value: &(impl AsPlaintext<T> + ?Sized),
        ctx: &Context<'_>,
    ) -> Result<Sealed<T, Ps>> {
        if self.sealing_is_stale() {
            let fresh = self.fresh_sealing()?;
            return self.seal_with(&fresh, value, ctx);
        }
        self.seal_with(&self.sealing, value, ctx)
    }

    /// Whether the sealing keys must be resolved again: this process withdrew, erased or swept
    /// since they were (its cache's ticket moved), or the cache would no longer trust them (a
    /// change by another process may have been made).
    fn sealing_is_stale(&self) -> bool {
        self.keys.cache.ticket() != self.sealed_at
            || (!self.quiet
                && self
                    .sealing_until
                    .is_some_and(|until| Instant::now() >= until))
            // A key whose retention period ended since: a seal makes the next generation, as a
            // plain seal would (FORMAT.md §15.4), rather than sealing data under a dead key.
            || self
                .sealing
                .iter()
                .flatten()
                .any(|key| key.expired_at(|| self.keys.now()))
    }

    /// Seals with `sealing`, the key of each of the session's purposes (or none).
    fn seal_with<T: Plaintext, Ps: PurposeSet>(
        &self,
        sealing: &[Option<Arc<KeyState>>],
        value: &(impl AsPlaintext<T> + ?Sized),
        ctx: &Context<'_>,
    ) -> Result<Sealed<T, Ps>> {
        // No allocation per field: the states are borrowed from the session. A first pass checks
        // every purpose is in the session and finds the first copy to make.
        let mut first = None;
        for name in Ps::NAMES {
            let i = self.index_of(name)?;
            if first.is_none() {
                first = sealing[i].as_deref();
            }
        }
        let Some(first) = first else {
            let suite = self
                .keys
                .keys()
                .get_unrecorded(Ps::NAMES[0])
                .map_or_else(Default::default, crate::DynPurposeKey::suite);
            return crate::sealed::seal_empty::<T>(suite, ctx).map(Sealed::from_trusted);
        };
        let mut states: [&KeyState; MAX_PARTS] = [first; MAX_PARTS];
        let mut count = 0;
        for name in Ps::NAMES {
            if let Some(state) = sealing[self.index_of(name)?].as_deref() {
                states[count] = state;
                count += 1;
            }
        }
        crate::sealed::seal_states(&states[..count], value, ctx).map(Sealed::from_trusted)
    }

    /// The sealing keys as they stand now: from the keys' cache where it holds every purpose's
    /// answer, else from the vault (a blocking session), else refused.
    #[cold]
    fn fresh_sealing(&self) -> Result<SealingKeys> {
        let subject = self.subject();
        let (cached, misses, _) = self.keys.cached_sealing_keys(&subject, &self.purposes)?;
        if misses.is_empty() {
            return Ok(cached);
        }
        match self.resolve {
            Some(resolve) => resolve(self.keys, &subject, &self.purposes),
            None => Err(crate::error::VaultError::SessionOutdated.into()),
        }
    }

    /// Where `name` is among the session's purposes.
    fn index_of(&self, name: &str) -> Result<usize> {
        self.purposes
            .iter()
            .position(|p| p.name() == name)
            .ok_or_else(|| self.not_in_session(name))
    }

    #[cold]
    fn not_in_session(&self, name: &str) -> Error {
        Error::NoKeyForPurpose {
            purpose: name.to_owned(),
            held: self.purposes.iter().map(ToString::to_string).collect(),
        }
    }
}

impl<V: KeyVault> SubjectSession<'_, V> {
    /// Opens `sealed`'s copy for `P`.
    ///
    /// # Errors
    /// As [`SubjectKeys::open`].
    pub fn open<P: Purpose, T: Plaintext, Ps: Purposes + Includes<P, I>, I>(
        &self,
        sealed: &Sealed<T, Ps>,
        ctx: &Context<'_>,
    ) -> Result<T> {
        self.open_as(sealed.as_bytes(), P::NAME, P::POLICY, ctx)
    }

    /// Opens `sealed`'s copy for a purpose known at run time.
    ///
    /// # Errors
    /// As [`SubjectKeys::open_dyn`].
    pub fn open_dyn<T: Plaintext, Ps: Purposes>(
        &self,
        sealed: &Sealed<T, Ps>,
        purpose: &DynPurpose,
        ctx: &Context<'_>,
    ) -> Result<T> {
        self.open_as(sealed.as_bytes(), purpose.name(), purpose.policy(), ctx)
    }

    fn open_as<T: Plaintext>(
        &self,
        bytes: &[u8],
        purpose: &str,
        policy: PurposePolicy,
        ctx: &Context<'_>,
    ) -> Result<T> {
        crate::audit::hooks::value(
            self.auditor(),
            crate::audit::Operation::Open,
            crate::audit::Names::Strs(&[purpose]),
            ctx,
            &self.subject,
            || crate::audit::hooks::part_version(bytes, purpose),
            || self.open_quiet(bytes, purpose, policy, ctx),
        )
    }

    fn open_quiet<T: Plaintext>(
        &self,
        bytes: &[u8],
        purpose: &str,
        policy: PurposePolicy,
        ctx: &Context<'_>,
    ) -> Result<T> {
        precheck(bytes, &self.subject(), ctx)?;
        let Some((header, part)) = format::find_part(bytes, purpose) else {
            // The reasons (malformed, no consent copy, not sealed for), as the keys say them.
            let purpose = DynPurpose::new(purpose)?.with_policy(policy);
            return self
                .keys
                .open_bytes_quiet(bytes, &purpose, &self.subject(), ctx);
        };
        let generation = part.key_version;
        let key = if let Some(key) = self.known(purpose, generation) {
            key
        } else {
            let at = self.keys.cache.ticket();
            let key = self
                .keys
                .opening_key(&self.subject(), purpose, generation)?;
            self.learn(purpose, generation, &key, at);
            key
        };
        crate::sealed::open_found(&key, &header, &part, ctx)
    }
}

impl<V: AsyncKeyVault> SubjectSession<'_, V> {
    /// As [`seal`](Self::seal), for async callers: keys the session may no longer trust (past
    /// the cache's time to live, or after a withdrawal, erasure or sweep in this process) are
    /// resolved again through the vault, awaited, where a session made by `session_async` would
    /// refuse to [`seal`](Self::seal) ([`VaultError::SessionOutdated`](crate::VaultError)).
    ///
    /// # Errors
    /// As [`seal`](Self::seal).
    pub async fn seal_async<T: Plaintext, Ps: PurposeSet>(
        &self,
        value: &(impl AsPlaintext<T> + ?Sized + Sync),
        ctx: &Context<'_>,
    ) -> Result<Sealed<T, Ps>> {
        let fresh: Result<Option<SealingKeys>> = async {
            if !self.sealing_is_stale() {
                return Ok(None);
            }
            let subject = self.subject();
            let (mut keys, misses, now) =
                self.keys.cached_sealing_keys(&subject, &self.purposes)?;
            if !misses.is_empty() {
                self.keys
                    .fill_sealing_keys(
                        self.keys.vault(),
                        &subject,
                        &self.purposes,
                        &mut keys,
                        &misses,
                        now,
                    )
                    .await?;
            }
            Ok(Some(keys))
        }
        .await;
        self.recorded_seal::<T, Ps>(ctx, || {
            let fresh = fresh?;
            self.seal_with(fresh.as_deref().unwrap_or(&self.sealing), value, ctx)
        })
    }

    /// As [`open`](Self::open), for async callers.
    ///
    /// # Errors
    /// As [`SubjectKeys::open`].
    pub async fn open_async<P: Purpose, T: Plaintext, Ps: Purposes + Includes<P, I>, I>(
        &self,
        sealed: &Sealed<T, Ps>,
        ctx: &Context<'_>,
    ) -> Result<T> {
        let bytes = sealed.as_bytes();
        let purpose = DynPurpose::of::<P>();
        let subject = self.subject();
        let opened = async {
            precheck(bytes, &subject, ctx)?;
            let generation = match part_generation(bytes, &purpose) {
                Err(Error::NoConsentCopy { .. }) => {
                    return Err(self
                        .keys
                        .why_no_copy(self.keys.vault(), &subject, &purpose)
                        .await);
                }
                other => other?,
            };
            let key = if let Some(key) = self.known(purpose.name(), generation) {
                key
            } else {
                let at = self.keys.cache.ticket();
                let key = self
                    .keys
                    .opening_key_in(self.keys.vault(), &subject, purpose.name(), generation)
                    .await?;
                self.learn(purpose.name(), generation, &key, at);
                key
            };
            crate::sealed::open_state(&key, bytes, ctx)
        }
        .await;
        // Recorded as the blocking open is, once the outcome is known.
        crate::audit::hooks::value(
            self.auditor(),
            crate::audit::Operation::Open,
            crate::audit::Names::Strs(&[purpose.name()]),
            ctx,
            subject.as_bytes(),
            || crate::audit::hooks::part_version(bytes, purpose.name()),
            || opened,
        )
    }
}

impl<V> SubjectSession<'_, V> {
    /// The key of (purpose, generation) this session resolved already, if any.
    fn known(&self, purpose: &str, generation: u32) -> Option<Arc<KeyState>> {
        let now = self.keys.cache.ticket();
        let mut opening = self.opening.lock().unwrap_or_else(PoisonError::into_inner);
        let (seen, keys) = &mut *opening;
        if *seen != now {
            // This process changed some subject's keys since: ask the keys' cache again.
            keys.clear();
            *seen = now;
        }
        let at = keys
            .iter()
            .position(|(p, g, _, _)| *g == generation && p.as_ref() == purpose)?;
        if !self.quiet && keys[at].3.is_some_and(|until| Instant::now() >= until) {
            // Older than the cache would trust it: another process may have destroyed it.
            keys.swap_remove(at);
            return None;
        }
        if keys[at].2.expired_at(|| self.keys.now()) {
            // Its retention period ended since: the keys refuse it (FORMAT.md §15.1), and so
            // does the session.
            keys.swap_remove(at);
            return None;
        }
        Some(Arc::clone(&keys[at].2))
    }

    /// Keeps the key of (purpose, generation), just resolved through the keys' cache after it
    /// gave the ticket `at`, for as long as the cache trusts its answer about the pair. Not kept
    /// if this process withdrew, erased or swept since `at`: an open awaiting the vault while a
    /// withdrawal committed would otherwise keep the withdrawn key for the session's life.
    fn learn(&self, purpose: &str, generation: u32, key: &Arc<KeyState>, at: Ticket) {
        let until = self.keys.cache.trusted_until(&self.subject, purpose);
        let mut opening = self.opening.lock().unwrap_or_else(PoisonError::into_inner);
        if opening.0 != at || self.keys.cache.ticket() != at {
            return;
        }
        opening
            .1
            .push((purpose.into(), generation, Arc::clone(key), until));
    }
}

/// The earlier of two deadlines (`None`: none).
fn earliest(a: Option<Instant>, b: Option<Instant>) -> Option<Instant> {
    match (a, b) {
        (Some(a), Some(b)) => Some(a.min(b)),
        (a, None) => a,
        (None, b) => b,
    }
}

impl<V> fmt::Debug for SubjectSession<'_, V> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SubjectSession")
            .field("subject_len", &self.subject.len())
            .field("purposes", &self.purposes)
            .finish_non_exhaustive()
    }
}
