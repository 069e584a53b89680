//! What changes a subject's keys rather than using them: consent, withdrawal, erasure, the
//! retention sweep, rewrapping after a rotation, and disclosure to third parties.

use crate::error::{Error, Result};
use crate::purpose::{DynPurpose, is_third_party};
use crate::vault::cache::Cached;
use crate::vault::keys::SubjectKeys;
use crate::vault::records::{
    ConsentRecord, DisclosedSubject, DisclosureRecord, ErasureReceipt, ExpiredKey, KeyCursor,
    StoredKey, VersionCount, Withdrawal,
};
use crate::vault::store::KeyVault;
use crate::vault::subject::Subject;
use crate::vault::wrap;

/// Keys destroyed per call of the backend's `expire` during a sweep.
const SWEEP_BATCH: usize = 1_000;

/// What a retention sweep destroyed.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct SweepReport {
    /// When the sweep ran, in seconds since the Unix epoch.
    pub at: u64,
    /// The data keys destroyed, each with its subject, purpose and generation.
    pub destroyed: Vec<ExpiredKey>,
}

/// Where a rewrap stands after one batch.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct RewrapProgress {
    /// Keys moved to the active purpose key version in this batch.
    pub rewrapped: u64,
    /// Keys already under it.
    pub current: u64,
    /// Keys that changed under the rewrap (withdrawn, rewrapped by another job): left to them.
    pub skipped: u64,
    /// Where to go on from; `None` once the vault has been walked to its end.
    pub next: Option<KeyCursor>,
}

/// The outcome of a disclosure: what the partner gets, and the log entry written.
#[derive(Debug)]
pub struct Disclosure<R> {
    /// The records handed over, for consenting subjects only, in the order asked.
    pub records: Vec<R>,
    /// What the disclosure log now holds about it.
    pub record: DisclosureRecord,
}

impl<V: KeyVault> SubjectKeys<V> {
    /// Records `subject`'s consent to `purpose`, given through `source` (a form, an app), with a
    /// reference to the text consented to. Sealing for `purpose` gives a copy from then on (in
    /// this process at once; in others once their cached answer is older than its time to live).
    /// After a withdrawal, a new grant makes a new data key: what was sealed before stays
    /// unreadable for `purpose`.
    ///
    /// # Errors
    /// [`Error::SubjectErased`] for a forgotten subject; a vault error.
    pub fn grant(
        &self,
        subject: &Subject<'_>,
        purpose: &DynPurpose,
        source: &str,
        reference: Option<&str>,
    ) -> Result<ConsentRecord> {
        subject.check()?;
        let consent = ConsentRecord {
            subject: subject.as_bytes().to_vec(),
            purpose: purpose.name().to_owned(),
            granted: self.now(),
            source: source.to_owned(),
            reference: reference.map(str::to_owned),
            withdrawn: None,
        };
        if !self.vault().grant(&consent)? {
            let at = self
                .vault()
                .read(subject.as_bytes(), &[])?
                .erased
                .unwrap_or(0);
            return Err(Error::SubjectErased { at });
        }
        self.cache().remove(subject.as_bytes(), purpose.name());
        Ok(consent)
    }

    /// Withdraws `subject`'s consent to `purpose` and destroys their data key for it: every copy
    /// of their data sealed for `purpose`, wherever it is stored, stops opening for `purpose`,
    /// while their other purposes keep working. Takes effect in this process at once, and in
    /// others once their cached key is older than its time to live.
    ///
    /// # Errors
    /// A vault error.
    pub fn withdraw(&self, subject: &Subject<'_>, purpose: &DynPurpose) -> Result<Withdrawal> {
        subject.check()?;
        let withdrawal = self
            .vault()
            .withdraw(subject.as_bytes(), purpose.name(), self.now())?;
        self.cache().remove(subject.as_bytes(), purpose.name());
        Ok(withdrawal)
    }

    /// The consent records of `subject`.
    ///
    /// # Errors
    /// A vault error.
    pub fn consents(&self, subject: &Subject<'_>) -> Result<Vec<ConsentRecord>> {
        subject.check()?;
        self.vault().consents(subject.as_bytes())
    }

    /// Forgets `subject` (right to erasure): destroys all their data keys and consent records.
    /// Nothing of theirs opens any more, from any copy, and nothing can be sealed for them again.
    /// Returns the receipt the erasure log keeps.
    ///
    /// # Errors
    /// A vault error.
    pub fn forget(&self, subject: &Subject<'_>) -> Result<ErasureReceipt> {
        subject.check()?;
        let receipt = self.vault().forget(subject.as_bytes(), self.now())?;
        for purpose in self.keys().purposes() {
            self.cache().put(
                subject.as_bytes(),
                purpose.name(),
                Cached::Erased { at: receipt.at },
            );
        }
        Ok(receipt)
    }

    /// Destroys every data key whose retention period has passed, now (the clock's time), and
    /// reports each.
    ///
    /// # Errors
    /// A vault error; keys destroyed before it stay destroyed.
    pub fn sweep(&self) -> Result<SweepReport> {
        let at = self.now();
        let mut destroyed = Vec::new();
        loop {
            let batch = self.vault().expire(at, SWEEP_BATCH)?;
            let done = batch.len() < SWEEP_BATCH;
            for key in &batch {
                self.cache().remove(&key.subject, &key.purpose);
            }
            destroyed.extend(batch);
            if done {
                return Ok(SweepReport { at, destroyed });
            }
        }
    }

    /// Rewraps up to `batch` live data keys after `after` under the active version of their
    /// purpose key (after a root rotation), and says where to go on from. Field data is never
    /// touched: only the vault's wrapped keys change. Run it until `next` is `None`; it can stop
    /// and resume at any point (or start over: current keys are skipped), and several jobs may
    /// share the work.
    ///
    /// # Errors
    /// [`Error::NoKeyForPurpose`] for a key of a purpose this key set lacks; a vault error.
    pub fn rewrap(&self, after: Option<&KeyCursor>, batch: usize) -> Result<RewrapProgress> {
        let keys = self.vault().keys_after(after, batch.max(1))?;
        let mut progress = RewrapProgress {
            next: keys.last().map(|k| KeyCursor {
                subject: k.subject.clone(),
                purpose: k.purpose.clone(),
            }),
            ..RewrapProgress::default()
        };
        if keys.len() < batch.max(1) {
            progress.next = None;
        }
        for old in &keys {
            let purpose_key = self.purpose_key(&old.purpose)?;
            let active = purpose_key.state.active();
            if old.key_version == active.version {
                progress.current += 1;
                continue;
            }
            let version = purpose_key.state.version(old.key_version)?;
            let dek = wrap::unwrap(self.keyring_id(), version, old)?;
            let mut new = StoredKey {
                key_version: active.version,
                ..old.clone()
            };
            wrap::wrap(self.keyring_id(), active, &mut new, &dek)?;
            if self.vault().rewrap(old, &new)? {
                progress.rewrapped += 1;
            } else {
                progress.skipped += 1;
            }
        }
        Ok(progress)
    }

    /// How many live data keys each purpose key version wraps: a root version can be retired
    /// once no purpose has a key under it.
    ///
    /// # Errors
    /// A vault error.
    pub fn key_versions(&self) -> Result<Vec<VersionCount>> {
        self.vault().key_versions()
    }

    /// Hands records to the third party of `partner` (a `third-party:` purpose): for each subject
    /// whose consent to `partner` stands, `hand_over(subject)` makes the partner's record (for
    /// example: open the fields the partner may see and seal them in direct mode under the
    /// partner's purpose key, which the partner holds in its bundle); subjects without consent are
    /// left out. The disclosure log records the partner, `fields`, the time, each subject with the
    /// consent relied on, and how many were left out.
    ///
    /// A hand-over cannot be taken back: a withdrawal afterwards stops further disclosures, not
    /// what the partner already has.
    ///
    /// # Errors
    /// [`Error::InvalidPurposeName`] if `partner` is not a third-party purpose; what `hand_over`
    /// returns (nothing is logged then); a vault error.
    pub fn disclose<R>(
        &self,
        partner: &DynPurpose,
        fields: &[&str],
        subjects: &[Subject<'_>],
        mut hand_over: impl FnMut(&Subject<'_>) -> Result<R>,
    ) -> Result<Disclosure<R>> {
        if !is_third_party(partner.name()) {
            return Err(Error::InvalidPurposeName {
                name: partner.name().to_owned(),
                reason: "a disclosure goes to a `third-party:` purpose",
            });
        }
        let mut records = Vec::new();
        let mut disclosed = Vec::new();
        let mut withheld = 0;
        for subject in subjects {
            subject.check()?;
            let state = self.vault().read(subject.as_bytes(), &[partner.name()])?;
            let consent = state
                .consents
                .into_iter()
                .find(|c| c.purpose == partner.name() && c.is_active());
            let (Some(consent), None) = (consent, state.erased) else {
                withheld += 1;
                continue;
            };
            records.push(hand_over(subject)?);
            disclosed.push(DisclosedSubject {
                subject: subject.as_bytes().to_vec(),
                consent,
            });
        }
        let record = DisclosureRecord {
            partner: partner.name().to_owned(),
            at: self.now(),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            subjects: disclosed,
            withheld,
        };
        self.vault().log_disclosure(&record)?;
        Ok(Disclosure { records, record })
    }

    /// The disclosure log; of one partner, if given.
    ///
    /// # Errors
    /// A vault error.
    pub fn disclosures(&self, partner: Option<&DynPurpose>) -> Result<Vec<DisclosureRecord>> {
        self.vault().disclosures(partner.map(DynPurpose::name))
    }

    /// The erasure log.
    ///
    /// # Errors
    /// A vault error.
    pub fn erasures(&self) -> Result<Vec<ErasureReceipt>> {
        self.vault().erasures()
    }
}
