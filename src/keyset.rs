//! A key set: the purpose keys and index keys one service holds, and nothing else.

use std::fmt;

use crate::audit::{Auditor, Detail, Draft, Names, Operation};
use crate::error::{Error, Result};
use crate::format::MAX_PARTS;
use crate::index::IndexKey;
use crate::keyring::{DynPurposeKey, KeyState, Keyring, PurposeKey};
use crate::purpose::{AnyPurposes, DynPurpose, Purpose, PurposeSet, Purposes};
use crate::sealed::{AsPlaintext, Context, Plaintext, Sealed};

/// The purpose keys of one service. Built from purpose keys alone, it holds no root key: it seals
/// and opens exactly what its keys allow.
///
/// ```
/// use fieldseal::{Context, KeySet, Keyring, Sealed, Suite};
/// fieldseal::purpose!(Fulfillment = "fulfillment");
/// fieldseal::purpose!(Marketing = "marketing");
///
/// let keyring = Keyring::generate(Suite::default())?;
/// let ingest = KeySet::new()
///     .with(keyring.purpose_key::<Fulfillment>())
///     .with(keyring.purpose_key::<Marketing>());
/// let marketing_service = KeySet::new().with(keyring.purpose_key::<Marketing>());
/// drop(keyring); // services never see a root key
///
/// let ctx = Context::new("customer", "email").with_id_int(7);
/// let email = ingest.seal::<(Fulfillment, Marketing), String>("ada@example.com", &ctx)?;
/// assert_eq!(email.open_with::<Marketing, _>(&marketing_service, &ctx)?, "ada@example.com");
/// assert!(email.open_with::<Fulfillment, _>(&marketing_service, &ctx).is_err());
/// # Ok::<(), fieldseal::Error>(())
/// ```
///
/// It may also hold index keys ([`with_index`](Self::with_index)), kept apart from purpose keys:
/// an index key computes the terms of one blind index (FORMAT.md §16) and opens nothing, so a
/// service that searches customers by phone number can hold the phone index's key alone.
#[derive(Default)]
pub struct KeySet {
    /// Few purposes per service: a scan beats hashing. Without an auditor: the set's own paths
    /// record through the set (`find`).
    keys: Vec<DynPurposeKey>,
    /// The same keys as lent out ([`get`](Self::get), [`iter`](Self::iter)): each records
    /// through the set's auditor. Empty while the set has none.
    lent: Vec<DynPurposeKey>,
    /// Index keys, by name; never consulted to seal or open.
    indexes: Vec<IndexKey>,
    /// Records every seal and open through this key set (src/audit/).
    auditor: Option<Auditor>,
}

impl KeySet {
    /// An empty key set.
    pub fn new() -> Self {
        Self::default()
    }

    /// The key set holding one run-time purpose key per name, derived from a keyring.
    pub fn from_keyring(keyring: &Keyring, purposes: &[DynPurpose]) -> Self {
        let mut set = Self::new();
        for purpose in purposes {
            set.insert(keyring.dyn_purpose_key(purpose));
        }
        set
    }

    /// Adds (or replaces) the key of purpose `P`.
    #[must_use]
    pub fn with<P: Purpose>(mut self, key: PurposeKey<P>) -> Self {
        self.insert(key.into_dyn());
        self
    }

    /// Adds a run-time purpose key, returning the key it replaces. The key returned records
    /// through this set's auditor, if the set has one, as a key taken out of it does.
    pub fn insert(&mut self, key: DynPurposeKey) -> Option<DynPurposeKey> {
        // The set records through its own auditor: the key's goes to the set if it has none (no
        // key-set-load event then: `with_auditor` records that). A set has one auditor; the
        // auditor of a key added to a set that has one is not used.
        let (key, auditor) = key.take_auditor();
        if self.auditor.is_none() {
            self.auditor = auditor;
        }
        let replaced =
            if let Some(slot) = self.keys.iter_mut().find(|k| k.purpose() == key.purpose()) {
                Some(std::mem::replace(slot, key))
            } else {
                self.keys.push(key);
                None
            };
        self.lend();
        // Handed back as a key taken out of the set: recording through its auditor.
        replaced.map(|old| match &self.auditor {
            Some(auditor) => old.with_auditor(auditor.clone()),
            None => old,
        })
    }

    /// Rebuilds the keys lent out, each recording through the set's auditor.
    fn lend(&mut self) {
        self.lent = match &self.auditor {
            Some(auditor) => self
                .keys
                .iter()
                .map(|k| k.share().with_auditor(auditor.clone()))
                .collect(),
            None => Vec::new(),
        };
    }

    /// Adds (or replaces) the key of a blind index.
    ///
    /// ```
    /// use fieldseal::{Context, Error, IndexSpec, KeySet, Keyring, Sealed, Suite};
    /// fieldseal::purpose!(Support = "support");
    ///
    /// let mut keyring = Keyring::generate(Suite::default())?;
    /// keyring.add_index(IndexSpec::new("phone")?.with_normalizer("phone:GB")?)?;
    /// let ctx = Context::new("customer", "phone").with_id_int(7);
    /// let phone: Sealed<String, Support> =
    ///     Sealed::seal("+442079460000", &ctx, &keyring.purpose_key::<Support>())?;
    ///
    /// // A search service: it finds the row, and cannot read it.
    /// let search = KeySet::new().with_index(keyring.index_key("phone")?);
    /// let terms = search.require_index("phone")?.terms(b"+442079460000")?;
    /// assert!(!terms.is_empty());
    /// assert!(matches!(
    ///     phone.open_with::<Support, _>(&search, &ctx),
    ///     Err(Error::NoKeyForPurpose { .. })
    /// ));
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    #[must_use]
    pub fn with_index(mut self, key: IndexKey) -> Self {
        self.insert_index(key);
        self
    }

    /// Adds an index key, returning the key of the same index it replaces.
    pub fn insert_index(&mut self, key: IndexKey) -> Option<IndexKey> {
        if let Some(slot) = self.indexes.iter_mut().find(|k| k.name() == key.name()) {
            return Some(std::mem::replace(slot, key));
        }
        self.indexes.push(key);
        None
    }

    /// Records every seal, open and re-seal through this key set with `auditor`: single values
    /// ([`seal`](Self::seal), [`Sealed::open_with`], [`open_dyn`](Self::open_dyn),
    /// [`reseal`](Self::reseal), ...), derived records (one event per record, listing its
    /// fields), subject mode built on this key set, and bulk re-seal runs (one event per run).
    /// Attaching it records a [`key-set-load`](Operation::KeySetLoad) event naming the purposes
    /// held and counting the indexes held.
    ///
    /// A key taken out of the set ([`key`](Self::key), [`require`](Self::require)) or borrowed
    /// from it ([`get`](Self::get), [`iter`](Self::iter)) records through the same auditor.
    ///
    /// # Errors
    /// [`Error::Audit`] if the load cannot be recorded and the auditor fails closed.
    pub fn with_auditor(mut self, auditor: Auditor) -> Result<Self> {
        let purposes: Vec<&str> = self.keys.iter().map(|k| k.purpose().name()).collect();
        let indexes = self.indexes.len() as u64;
        let detail = [("indexes", Detail::Count(indexes))];
        let draft = Draft {
            purposes: Names::Strs(&purposes),
            key_version: self.keys.first().map(DynPurposeKey::active_version),
            detail: &detail,
            ..Draft::new(Operation::KeySetLoad)
        };
        auditor.record(&draft, crate::audit::Outcome::Ok)?;
        drop(purposes);
        self.auditor = Some(auditor);
        self.lend();
        Ok(self)
    }

    /// Another handle on the same keys (purpose and index keys), recording through no auditor:
    /// for a reloadable key set given one after it was loaded.
    #[cfg(feature = "tokio")]
    pub(crate) fn share_keys(&self) -> Self {
        Self {
            keys: self
                .keys
                .iter()
                .map(|key| DynPurposeKey {
                    state: std::sync::Arc::clone(&key.state),
                    auditor: None,
                })
                .collect(),
            lent: Vec::new(),
            indexes: self.indexes.iter().map(IndexKey::share).collect(),
            auditor: None,
        }
    }

    /// The auditor recording this key set's operations, if any.
    pub fn auditor(&self) -> Option<&Auditor> {
        self.auditor.as_ref()
    }

    /// The key of a blind index.
    pub fn index(&self, name: &str) -> Option<&IndexKey> {
        self.indexes.iter().find(|k| k.name() == name)
    }

    /// The key of a blind index, or an error naming it and the indexes held.
    ///
    /// # Errors
    /// [`Error::UnknownIndex`].
    pub fn require_index(&self, name: &str) -> Result<&IndexKey> {
        self.index(name).ok_or_else(|| Error::UnknownIndex {
            index: name.to_owned(),
            held: self.index_names(),
        })
    }

    /// The names of the indexes whose keys are held.
    pub fn index_names(&self) -> Vec<String> {
        self.indexes.iter().map(|k| k.name().to_owned()).collect()
    }

    /// The index keys held.
    pub fn index_keys(&self) -> impl Iterator<Item = &IndexKey> {
        self.indexes.iter()
    }

    /// The purposes held.
    pub fn purposes(&self) -> Vec<DynPurpose> {
        self.keys.iter().map(|k| k.purpose().clone()).collect()
    }

    /// The keys held. Each records through this set's auditor, if the set has one, as
    /// [`get`](Self::get)'s does.
    pub fn iter(&self) -> impl Iterator<Item = &DynPurposeKey> {
        self.lent_keys().iter()
    }

    /// The key of a run-time purpose, borrowed. It records through this set's auditor, if the set
    /// has one: what is sealed and opened with it is recorded as what goes through the set is.
    ///
    /// ```
    /// use std::sync::Arc;
    /// use fieldseal::audit::{Auditor, MemorySink};
    /// use fieldseal::{Context, KeySet, Keyring, Sealed, Suite};
    /// fieldseal::purpose!(Support = "support");
    /// let keyring = Keyring::generate(Suite::default())?;
    /// let sink = Arc::new(MemorySink::new());
    /// let keys = KeySet::new()
    ///     .with(keyring.purpose_key::<Support>())
    ///     .with_auditor(Auditor::new(Arc::clone(&sink), "support-desk"))?;
    /// let ctx = Context::new("customer", "phone").with_id_int(1001);
    /// let phone: Sealed<String, Support> = keys.seal("+44 20 7946 0000", &ctx)?;
    ///
    /// let key = keys.get("support").expect("the set holds it");
    /// assert_eq!(phone.open_dyn(key, &ctx)?, "+44 20 7946 0000");
    /// let lines = sink.lines(); // the load, the seal, and the open with the borrowed key
    /// assert!(lines[2].contains(r#""op":"open""#));
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    pub fn get(&self, purpose: &str) -> Option<&DynPurposeKey> {
        self.lent_keys()
            .iter()
            .find(|k| k.purpose().name() == purpose)
    }

    /// The keys [`get`](Self::get) and [`iter`](Self::iter) lend.
    fn lent_keys(&self) -> &[DynPurposeKey] {
        if self.auditor.is_some() {
            &self.lent
        } else {
            &self.keys
        }
    }

    /// The key of a run-time purpose, recording nothing: for the set's own paths and the code
    /// `#[derive(Seal)]` generates, which record through the set. Not for services.
    #[doc(hidden)]
    pub fn get_unrecorded(&self, purpose: &str) -> Option<&DynPurposeKey> {
        self.keys.iter().find(|k| k.purpose().name() == purpose)
    }

    /// The key of purpose `P`, as another handle on the same key. It records through this set's
    /// auditor, if the set has one: what is sealed and opened with it alone is recorded as what
    /// goes through the set is.
    pub fn key<P: Purpose>(&self) -> Option<PurposeKey<P>> {
        self.get_unrecorded(P::NAME).map(|k| {
            let key = match &self.auditor {
                Some(auditor) => k.share().with_auditor(auditor.clone()),
                None => k.share(),
            };
            PurposeKey::from_dyn_unchecked(key)
        })
    }

    /// The key of purpose `P`, or an error naming it and the purposes held. It records through
    /// this set's auditor, as [`key`](Self::key)'s does.
    ///
    /// # Errors
    /// [`Error::NoKeyForPurpose`].
    pub fn require<P: Purpose>(&self) -> Result<PurposeKey<P>> {
        self.key::<P>().ok_or_else(|| self.missing(P::NAME))
    }

    /// [`require`](Self::require), recording nothing: for the set's own recorded paths (a derived
    /// record's `open_with`, which the set records as one event). Not for services.
    ///
    /// # Errors
    /// [`Error::NoKeyForPurpose`].
    #[doc(hidden)]
    pub fn require_unrecorded<P: Purpose>(&self) -> Result<PurposeKey<P>> {
        self.get_unrecorded(P::NAME)
            .map(|k| PurposeKey::from_dyn_unchecked(k.share()))
            .ok_or_else(|| self.missing(P::NAME))
    }

    /// [`require`](Self::require), borrowed: what `#[derive(Seal)]` seals a record's fields with.
    ///
    /// # Errors
    /// [`Error::NoKeyForPurpose`].
    #[doc(hidden)]
    pub fn require_ref<P: Purpose>(&self) -> Result<crate::sealed::KeyRef<'_, P>> {
        self.get_unrecorded(P::NAME)
            .map(crate::sealed::KeyRef::new)
            .ok_or_else(|| self.missing(P::NAME))
    }

    /// Seals `value` for the purposes `Ps`; every one must be held.
    ///
    /// # Errors
    /// [`Error::NoKeyForPurpose`] naming the first missing purpose, and as [`Sealed::seal`].
    pub fn seal<Ps: PurposeSet, T: Plaintext>(
        &self,
        value: &(impl AsPlaintext<T> + ?Sized),
        ctx: &Context<'_>,
    ) -> Result<Sealed<T, Ps>> {
        Sealed::seal(value, ctx, self)
    }

    /// Seals `value` for purposes named at run time; every one must be held.
    ///
    /// # Errors
    /// [`Error::NoKeyForPurpose`] naming the first missing purpose, [`Error::DuplicatePurpose`],
    /// and as [`Sealed::seal`].
    pub fn seal_dyn<T: Plaintext>(
        &self,
        purposes: &[DynPurpose],
        value: &(impl AsPlaintext<T> + ?Sized),
        ctx: &Context<'_>,
    ) -> Result<Sealed<T, AnyPurposes>> {
        let names: Vec<&str> = purposes.iter().map(DynPurpose::name).collect();
        let version = || {
            names
                .first()
                .and_then(|n| self.get_unrecorded(n))
                .map(DynPurposeKey::active_version)
        };
        let bytes = crate::audit::hooks::value(
            self.auditor(),
            Operation::Seal,
            Names::Purposes(purposes),
            ctx,
            &[],
            version,
            || {
                self.with_states(&names, |states| {
                    crate::sealed::seal_states(states, value, ctx)
                })
            },
        )?;
        Sealed::from_bytes(bytes)
    }

    /// Opens `sealed` with the key of a run-time purpose.
    ///
    /// # Errors
    /// [`Error::NoKeyForPurpose`], [`Error::NotSealedFor`], and as [`Sealed::open`].
    pub fn open_dyn<T: Plaintext, Ps: Purposes>(
        &self,
        sealed: &Sealed<T, Ps>,
        purpose: &DynPurpose,
        ctx: &Context<'_>,
    ) -> Result<T> {
        crate::audit::hooks::value(
            self.auditor(),
            Operation::Open,
            Names::Strs(&[purpose.name()]),
            ctx,
            &[],
            || crate::audit::hooks::part_version(sealed.as_bytes(), purpose.name()),
            || {
                let key = self
                    .get_unrecorded(purpose.name())
                    .ok_or_else(|| self.missing(purpose.name()))?;
                sealed.open_dyn(key, ctx)
            },
        )
    }

    /// Re-seals a value under the active key version of each of its purposes, for after a
    /// rotation: `Ok(None)` if it is already current (so a rerun is cheap and changes nothing),
    /// otherwise the new value, with the same plaintext, purposes and context. The key set must
    /// hold every purpose the value is sealed for.
    ///
    /// ```
    /// use fieldseal::{Context, KeySet, Keyring, Sealed, Suite};
    /// fieldseal::purpose!(Marketing = "marketing");
    ///
    /// let mut keyring = Keyring::generate(Suite::default())?;
    /// let ctx = Context::new("customer", "email").with_id_int(7);
    /// let old: Sealed<String, Marketing> =
    ///     Sealed::seal("ada@example.com", &ctx, &keyring.purpose_key::<Marketing>())?;
    ///
    /// keyring.rotate()?;
    /// let keys = KeySet::new().with(keyring.purpose_key::<Marketing>());
    /// let new = keys.reseal(&old, &ctx)?.expect("sealed under version 1, now 2");
    /// assert_eq!(new.key_versions()[0].1, 2);
    /// assert!(keys.reseal(&new, &ctx)?.is_none(), "already current");
    ///
    /// keyring.retire(1)?; // nothing is left under version 1
    /// let keys = KeySet::new().with(keyring.purpose_key::<Marketing>());
    /// assert_eq!(new.open_with::<Marketing, _>(&keys, &ctx)?, "ada@example.com");
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`Error::NoKeyForPurpose`] for a purpose not held, and as [`Sealed::open`] (the value
    /// is opened with every purpose's key, and every copy must agree).
    pub fn reseal<T, Ps>(
        &self,
        sealed: &Sealed<T, Ps>,
        ctx: &Context<'_>,
    ) -> Result<Option<Sealed<T, Ps>>> {
        Ok(self
            .reseal_bytes(sealed.as_bytes(), ctx)?
            .map(Sealed::from_trusted))
    }

    /// [`reseal`](Self::reseal) on a value's binary form (FORMAT.md §2), whatever its type.
    ///
    /// # Errors
    /// As [`reseal`](Self::reseal), and [`Error::Malformed`] for bytes that are not a value.
    pub fn reseal_bytes(&self, bytes: &[u8], ctx: &Context<'_>) -> Result<Option<Vec<u8>>> {
        let Some(auditor) = self.auditor() else {
            return self.reseal_bytes_quiet(bytes, ctx);
        };
        let names: Vec<&str> = crate::format::parse(bytes).map_or_else(|_| Vec::new(), |p| p.1);
        let field = [ctx.field()];
        let draft = Draft {
            purposes: Names::Strs(&names),
            record: Some(ctx.record()),
            fields: Names::Strs(&field),
            id: ctx.id(),
            key_version: names
                .first()
                .and_then(|n| self.get_unrecorded(n))
                .map(DynPurposeKey::active_version),
            ..Draft::new(Operation::Reseal)
        };
        auditor.around(&draft, || self.reseal_bytes_quiet(bytes, ctx))
    }

    /// [`reseal_bytes`](Self::reseal_bytes) without an event: for bulk runs and derived records,
    /// which record one event for the whole run or record.
    pub(crate) fn reseal_bytes_quiet(
        &self,
        bytes: &[u8],
        ctx: &Context<'_>,
    ) -> Result<Option<Vec<u8>>> {
        let (_, names) = crate::format::parse(bytes)?;
        self.with_states(&names, |states| crate::sealed::reseal(states, bytes, ctx))
    }

    /// [`reseal_text`](Self::reseal_text) without an event (bulk runs).
    pub(crate) fn reseal_text_quiet(
        &self,
        text: &str,
        ctx: &Context<'_>,
    ) -> Result<Option<String>> {
        let bytes = crate::format::decode_text(text)?;
        Ok(self
            .reseal_bytes_quiet(&bytes, ctx)?
            .map(|b| crate::format::encode_text(&b)))
    }

    /// [`reseal`](Self::reseal) on a value's text form (`fs1:...`, FORMAT.md §7).
    ///
    /// # Errors
    /// As [`reseal_bytes`](Self::reseal_bytes).
    pub fn reseal_text(&self, text: &str, ctx: &Context<'_>) -> Result<Option<String>> {
        let bytes = crate::format::decode_text(text)?;
        Ok(self
            .reseal_bytes(&bytes, ctx)?
            .map(|b| crate::format::encode_text(&b)))
    }

    fn missing(&self, purpose: &str) -> Error {
        Error::NoKeyForPurpose {
            purpose: purpose.to_owned(),
            held: self
                .keys
                .iter()
                .map(|k| k.purpose().name().to_owned())
                .collect(),
        }
    }

    /// Runs `f` with the key state of each named purpose, in order.
    pub(crate) fn with_states<R>(
        &self,
        names: &[&str],
        f: impl FnOnce(&[&KeyState]) -> Result<R>,
    ) -> Result<R> {
        if names.is_empty() {
            return Err(Error::NoPurpose);
        }
        if names.len() > MAX_PARTS {
            return Err(Error::TooManyPurposes {
                count: names.len(),
                max: MAX_PARTS,
            });
        }
        let mut found: [Option<&KeyState>; MAX_PARTS] = [None; MAX_PARTS];
        for (slot, name) in found.iter_mut().zip(names) {
            let key = self
                .get_unrecorded(name)
                .ok_or_else(|| self.missing(name))?;
            *slot = Some(&*key.state);
        }
        let mut states: [&KeyState; MAX_PARTS] = [found[0].expect("at least one name"); MAX_PARTS];
        for (state, found) in states.iter_mut().zip(found.iter().take(names.len())) {
            *state = found.expect("filled above");
        }
        f(&states[..names.len()])
    }
}

impl fmt::Debug for KeySet {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list()
            .entries(&self.keys)
            .entries(&self.indexes)
            .entries(&self.auditor)
            .finish()
    }
}
