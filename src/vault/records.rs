//! What a key vault stores and answers: wrapped data keys, consents, erasures, disclosures
//! (FORMAT.md §15). Plain data, for the storage backends; no key material in the clear.

use std::fmt;

/// Bytes of a wrapped data key: a 12-byte nonce, the 32-byte key encrypted, a 16-byte tag
/// (FORMAT.md §15.2).
pub const WRAPPED_LEN: usize = 60;

/// One subject's data key for one purpose, as the vault stores it: wrapped under a purpose key
/// version, and bound (as the wrap's associated data) to every other field here and to the
/// keyring's id (FORMAT.md §15.2). A dump of these reveals no key.
#[derive(Clone, PartialEq, Eq)]
pub struct StoredKey {
    /// The subject's id bytes.
    pub subject: Vec<u8>,
    /// The purpose name.
    pub purpose: String,
    /// The key's generation for this (subject, purpose): 1 for the first key, one more after each
    /// destruction. Values name it in their parts (`key_version`, FORMAT.md §15.1).
    pub generation: u32,
    /// The root key version of the purpose key that wraps it (changes on rewrap).
    pub key_version: u32,
    /// When the key was created, in seconds since the Unix epoch.
    pub created: u64,
    /// When its retention ends (seconds since the Unix epoch), if its purpose has a retention
    /// period.
    pub expires: Option<u64>,
    /// The wrapped key.
    pub wrapped: [u8; WRAPPED_LEN],
}

impl fmt::Debug for StoredKey {
    /// The subject's id length, not the id; the wrapped key's length, not its bytes.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("StoredKey")
            .field("subject_len", &self.subject.len())
            .field("purpose", &self.purpose)
            .field("generation", &self.generation)
            .field("key_version", &self.key_version)
            .field("created", &self.created)
            .field("expires", &self.expires)
            .finish_non_exhaustive()
    }
}

/// Why a data key was destroyed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
#[non_exhaustive]
pub enum DestroyReason {
    /// The subject withdrew consent for the purpose.
    Withdrawn,
    /// The purpose's retention period ended (`sweep`).
    Expired,
}

impl DestroyReason {
    /// The name a backend stores (`withdrawn`, `expired`).
    pub const fn as_str(self) -> &'static str {
        match self {
            Self::Withdrawn => "withdrawn",
            Self::Expired => "expired",
        }
    }

    /// The reason of a stored name.
    pub fn from_name(name: &str) -> Option<Self> {
        match name {
            "withdrawn" => Some(Self::Withdrawn),
            "expired" => Some(Self::Expired),
            _ => None,
        }
    }
}

/// The most recent destruction of a (subject, purpose)'s data key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Destruction {
    /// The generation destroyed: it and every earlier one are gone.
    pub generation: u32,
    /// Why.
    pub reason: DestroyReason,
    /// When, in seconds since the Unix epoch.
    pub at: u64,
}

/// Where a (subject, purpose) stands in the vault.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum KeySlot {
    /// No data key was ever created.
    Empty,
    /// A live data key, and the latest destruction before it, if any.
    Live {
        /// The key.
        key: StoredKey,
        /// The destruction of the generation before it, if there was one.
        previous: Option<Destruction>,
    },
    /// The latest data key was destroyed; none is live.
    Destroyed(Destruction),
}

impl KeySlot {
    /// The last generation ever created (0 for none).
    pub fn last_generation(&self) -> u32 {
        match self {
            Self::Empty => 0,
            Self::Live { key, .. } => key.generation,
            Self::Destroyed(d) => d.generation,
        }
    }
}

/// A subject's consent to one purpose: who recorded it, when, from where.
#[derive(Clone, PartialEq, Eq)]
pub struct ConsentRecord {
    /// The subject's id bytes.
    pub subject: Vec<u8>,
    /// The purpose consented to.
    pub purpose: String,
    /// When it was given, in seconds since the Unix epoch.
    pub granted: u64,
    /// Where it was given (a sign-up form, the loyalty app, a till), as the application says.
    pub source: String,
    /// A reference to the text consented to (a version of the privacy notice), if any.
    pub reference: Option<String>,
    /// When it was withdrawn, if it was.
    pub withdrawn: Option<u64>,
}

impl ConsentRecord {
    /// Whether the consent stands (given and not withdrawn).
    pub fn is_active(&self) -> bool {
        self.withdrawn.is_none()
    }
}

/// Whether a (subject, purpose) data key may not be made, nor a copy handed over for the
/// purpose: its consent is needed (`needs_consent`) and none stands, or the pair has a consent
/// record that no longer stands, whatever `needs_consent` (a withdrawal binds every writer,
/// FORMAT.md §15.3). `record`: the pair's consent record, if any.
pub(crate) fn consent_refuses(needs_consent: bool, record: Option<&ConsentRecord>) -> bool {
    (needs_consent || record.is_some()) && !record.is_some_and(ConsentRecord::is_active)
}

impl fmt::Debug for ConsentRecord {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ConsentRecord")
            .field("subject_len", &self.subject.len())
            .field("purpose", &self.purpose)
            .field("granted", &self.granted)
            .field("source", &self.source)
            .field("reference", &self.reference)
            .field("withdrawn", &self.withdrawn)
            .finish()
    }
}

/// What the vault holds for one subject, for some purposes: read in one round trip.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SubjectState {
    /// When the subject was forgotten, if it was: then nothing else is held.
    pub erased: Option<u64>,
    /// The slot of each purpose asked for, in the order asked.
    pub slots: Vec<(String, KeySlot)>,
    /// The consent records of the purposes asked for (those that have one).
    pub consents: Vec<ConsentRecord>,
}

/// What [`create`](super::KeyVault::create) did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Created {
    /// The key given was stored: it is the live key now.
    Inserted,
    /// Another key was live already (a racing sealer created it first): use that one.
    Existing(StoredKey),
    /// Nothing was stored.
    Refused(Refusal),
}

/// Why [`create`](super::KeyVault::create) stored nothing.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Refusal {
    /// The purpose needs consent, and none stands for this subject.
    NoConsent,
    /// The subject was forgotten, at this time.
    Erased {
        /// When.
        at: u64,
    },
    /// The key's generation is not the next one: the slot changed since it was read (a withdrawal
    /// and a new grant, say). Read again and retry.
    GenerationMoved {
        /// The last generation the vault has.
        last: u32,
    },
    /// The key is wrapped under a root key version the vault was told is retired
    /// ([`retire_version`](super::KeyVault::retire_version)): once its root key is destroyed, no
    /// current keyring could unwrap it. The sealer holds keys from before a rotation.
    VersionRetired {
        /// The retired version the key was wrapped under.
        version: u32,
    },
}

/// What [`retire_version`](super::KeyVault::retire_version) did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum VersionRetirement {
    /// No live data key was wrapped under the version, and the vault now refuses any new one
    /// (it may have been recorded already): the root key version can be destroyed.
    Retired,
    /// Live data keys are still wrapped under the version: nothing was recorded. Rewrap them
    /// first.
    InUse {
        /// How many, over every purpose.
        keys: u64,
    },
}

/// What [`withdraw`](super::KeyVault::withdraw) did.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Withdrawal {
    /// The generation of the data key destroyed, if one was live.
    pub destroyed: Option<u32>,
    /// Whether a consent stood until now.
    pub consent_was_active: bool,
    /// When.
    pub at: u64,
}

/// The receipt of forgetting a subject: what the erasure log keeps (FORMAT.md §15.3).
#[derive(Clone, PartialEq, Eq)]
pub struct ErasureReceipt {
    /// The subject's id bytes.
    pub subject: Vec<u8>,
    /// When, in seconds since the Unix epoch.
    pub at: u64,
    /// The purposes whose data keys were destroyed.
    pub purposes: Vec<String>,
    /// The vault entries removed: data keys and consent records.
    pub entries_removed: u64,
}

impl fmt::Debug for ErasureReceipt {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ErasureReceipt")
            .field("subject_len", &self.subject.len())
            .field("at", &self.at)
            .field("purposes", &self.purposes)
            .field("entries_removed", &self.entries_removed)
            .finish()
    }
}

/// A data key destroyed by a retention sweep.
#[derive(Clone, PartialEq, Eq)]
pub struct ExpiredKey {
    /// The subject's id bytes.
    pub subject: Vec<u8>,
    /// The purpose.
    pub purpose: String,
    /// The generation destroyed.
    pub generation: u32,
    /// When its retention ended.
    pub expires: u64,
}

impl fmt::Debug for ExpiredKey {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ExpiredKey")
            .field("subject_len", &self.subject.len())
            .field("purpose", &self.purpose)
            .field("generation", &self.generation)
            .field("expires", &self.expires)
            .finish()
    }
}

/// One subject in a disclosure: the consent the disclosure relied on.
#[derive(Clone, PartialEq, Eq)]
pub struct DisclosedSubject {
    /// The subject's id bytes.
    pub subject: Vec<u8>,
    /// The consent relied on, as it stood.
    pub consent: ConsentRecord,
}

impl fmt::Debug for DisclosedSubject {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("DisclosedSubject")
            .field("subject_len", &self.subject.len())
            .field("consent", &self.consent)
            .finish()
    }
}

/// A hand-over of records to a third party, as the disclosure log keeps it (FORMAT.md §15.3).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DisclosureRecord {
    /// The partner's purpose (`third-party:<partner>`).
    pub partner: String,
    /// When, in seconds since the Unix epoch.
    pub at: u64,
    /// The fields handed over.
    pub fields: Vec<String>,
    /// The subjects whose records were handed over, each with the consent relied on.
    pub subjects: Vec<DisclosedSubject>,
    /// How many subjects asked for were left out for want of consent.
    pub withheld: u64,
}

impl DisclosureRecord {
    /// The record as a vault logs it ([`log_disclosure`](super::KeyVault::log_disclosure)): each
    /// subject with the consent to the partner that `standing` says stands now, in the order
    /// given; a subject without one (withdrawn since, or erased) left out and counted in
    /// `withheld`. For backends, which call it inside the transaction that appends the record.
    ///
    /// # Errors
    /// What `standing` returns.
    pub fn confirm<E>(
        &self,
        mut standing: impl FnMut(&[u8], &str) -> Result<Option<ConsentRecord>, E>,
    ) -> Result<Self, E> {
        let mut subjects = Vec::with_capacity(self.subjects.len());
        let mut withheld = self.withheld;
        for disclosed in &self.subjects {
            match standing(&disclosed.subject, &self.partner)?.filter(ConsentRecord::is_active) {
                Some(consent) => subjects.push(DisclosedSubject {
                    subject: disclosed.subject.clone(),
                    consent,
                }),
                None => withheld += 1,
            }
        }
        Ok(Self {
            subjects,
            withheld,
            ..self.clone()
        })
    }
}

/// How many live data keys a purpose key version wraps.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VersionCount {
    /// The purpose.
    pub purpose: String,
    /// The root key version of the purpose key that wraps them.
    pub key_version: u32,
    /// How many.
    pub keys: u64,
}

/// Where a rewrap (or any scan of live keys) stands: the last (subject, purpose) seen.
#[derive(Clone, PartialEq, Eq)]
pub struct KeyCursor {
    /// The subject's id bytes.
    pub subject: Vec<u8>,
    /// The purpose.
    pub purpose: String,
}

impl fmt::Debug for KeyCursor {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("KeyCursor")
            .field("subject_len", &self.subject.len())
            .field("purpose", &self.purpose)
            .finish()
    }
}

/// What a vault holds, counted.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct VaultStats {
    /// Subjects with a live data key or a consent record.
    pub subjects: u64,
    /// Live data keys.
    pub live_keys: u64,
    /// Data keys destroyed (withdrawn or expired) whose slot is kept.
    pub destroyed_keys: u64,
    /// Consent records standing.
    pub active_consents: u64,
    /// Subjects forgotten (the erasure log).
    pub erased_subjects: u64,
    /// Disclosures logged.
    pub disclosures: u64,
}
