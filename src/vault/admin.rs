//! What changes a subject's keys rather than using them: consent, withdrawal, erasure, the
//! retention sweep, rewrapping after a rotation, and disclosure to third parties.

use std::collections::HashMap;

use crate::audit::{Detail, Draft, Names, Operation};
use crate::error::{Error, Result};
use crate::purpose::{DynPurpose, is_third_party};
use crate::vault::keys::SubjectKeys;
use crate::vault::records::{
    ConsentRecord, DisclosedSubject, DisclosureRecord, ErasureReceipt, ExpiredKey, KeyCursor,
    StoredKey, VersionCount, VersionRetirement, Withdrawal,
};
use crate::vault::store::{AsyncKeyVault, Blocking, KeyVault, run_ready};
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

impl<V> SubjectKeys<V> {
    /// Refuses to retire in the vault a version new keys are wrapped under: the active version of
    /// a purpose key held. Right after a rotation no key is under it yet, so the vault alone would
    /// take it, and refuse every new customer from then on.
    fn check_not_active(&self, version: u32) -> Result<()> {
        let keys = self.keys();
        let active = keys
            .purposes()
            .iter()
            .filter_map(|p| keys.get_unrecorded(p.name()))
            .any(|key| key.active_version() == version);
        if active {
            return Err(crate::KeyringError::RetireActive { version }.into());
        }
        Ok(())
    }

    /// As [`grant`](SubjectKeys::grant), over `vault`.
    async fn grant_run<A: AsyncKeyVault>(
        &self,
        vault: &A,
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
        // Whatever becomes of this future (answered, failed, or dropped while the vault's answer
        // was awaited, after the vault may have committed), this process forgets what it knew.
        let _invalidate = OnDrop::new(|| self.changed(subject.as_bytes(), purpose.name(), None));
        if !vault.grant(&consent).await? {
            let at = vault
                .read(subject.as_bytes(), &[])
                .await?
                .erased
                .unwrap_or(0);
            return Err(Error::SubjectErased { at });
        }
        Ok(consent)
    }

    /// As [`withdraw`](SubjectKeys::withdraw), over `vault`.
    async fn withdraw_run<A: AsyncKeyVault>(
        &self,
        vault: &A,
        subject: &Subject<'_>,
        purpose: &DynPurpose,
    ) -> Result<Withdrawal> {
        subject.check()?;
        // Invalidated when this future ends, also if it is dropped while the vault's answer is
        // awaited: the withdrawal may stand in the vault, and no key of it may stay cached here.
        let _invalidate = OnDrop::new(|| self.changed(subject.as_bytes(), purpose.name(), None));
        vault
            .withdraw(subject.as_bytes(), purpose.name(), self.now())
            .await
    }

    /// As [`consents`](SubjectKeys::consents), over `vault`.
    pub(crate) async fn consents_in<A: AsyncKeyVault>(
        &self,
        vault: &A,
        subject: &Subject<'_>,
    ) -> Result<Vec<ConsentRecord>> {
        subject.check()?;
        vault.consents(subject.as_bytes()).await
    }

    /// As [`forget`](SubjectKeys::forget), over `vault`.
    async fn forget_run<A: AsyncKeyVault>(
        &self,
        vault: &A,
        subject: &Subject<'_>,
    ) -> Result<ErasureReceipt> {
        subject.check()?;
        // If this future fails or is dropped before the vault answers, the erasure may still
        // stand there: this process forgets every key of the subject it holds all the same.
        let mut unknown = OnDrop::new(|| self.forgotten(subject.as_bytes(), None));
        let receipt = vault.forget(subject.as_bytes(), self.now()).await?;
        unknown.disarm();
        self.forgotten(subject.as_bytes(), Some(receipt.at));
        Ok(receipt)
    }

    /// As [`sweep`](SubjectKeys::sweep), over `vault`.
    /// `destroyed` holds the keys destroyed so far, also when a later batch fails.
    async fn sweep_run<A: AsyncKeyVault>(
        &self,
        vault: &A,
        at: u64,
        destroyed: &mut Vec<ExpiredKey>,
    ) -> Result<()> {
        loop {
            let batch = vault.expire(at, SWEEP_BATCH).await?;
            let done = batch.len() < SWEEP_BATCH;
            for key in &batch {
                self.changed(&key.subject, &key.purpose, None);
            }
            destroyed.extend(batch);
            if done {
                return Ok(());
            }
        }
    }

    /// As [`rewrap`](SubjectKeys::rewrap), over `vault`.
    pub(crate) async fn rewrap_in<A: AsyncKeyVault>(
        &self,
        vault: &A,
        after: Option<&KeyCursor>,
        batch: usize,
    ) -> Result<RewrapProgress> {
        let keys = vault.keys_after(after, batch.max(1)).await?;
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
            if vault.rewrap(old, &new).await? {
                progress.rewrapped += 1;
            } else {
                progress.skipped += 1;
            }
        }
        Ok(progress)
    }

    /// As [`key_versions`](SubjectKeys::key_versions), over `vault`.
    pub(crate) async fn key_versions_in<A: AsyncKeyVault>(
        &self,
        vault: &A,
    ) -> Result<Vec<VersionCount>> {
        vault.key_versions().await
    }

    /// As [`disclose`](SubjectKeys::disclose), over `vault`.
    async fn disclose_run<R, A: AsyncKeyVault>(
        &self,
        vault: &A,
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
        // The consent that stands for `subject` now, if any.
        let standing = async |subject: &[u8]| -> Result<Option<ConsentRecord>> {
            let state = vault.read(subject, &[partner.name()]).await?;
            Ok(state
                .consents
                .into_iter()
                .find(|c| c.purpose == partner.name() && c.is_active())
                .filter(|_| state.erased.is_none()))
        };
        let mut records = Vec::new();
        let mut disclosed = Vec::new();
        let mut withheld = 0;
        for subject in subjects {
            subject.check()?;
            let Some(consent) = standing(subject.as_bytes()).await? else {
                withheld += 1;
                continue;
            };
            match hand_over(subject) {
                Ok(made) => records.push(made),
                // Withdrawn (or erased) since the look above: her record is not made, and she is
                // counted as withheld, as the log's last check would have done.
                Err(Error::ConsentNeeded { .. } | Error::SubjectErased { .. }) => {
                    withheld += 1;
                    continue;
                }
                Err(e) => return Err(e),
            }
            disclosed.push(DisclosedSubject {
                subject: subject.as_bytes().to_vec(),
                consent,
            });
        }
        let asked = DisclosureRecord {
            partner: partner.name().to_owned(),
            at: self.now(),
            fields: fields.iter().map(|f| (*f).to_owned()).collect(),
            subjects: disclosed,
            withheld,
        };
        // The vault asks again as it logs, in one step: a customer who withdrew (or was erased)
        // while the records were made, by this process or another, is left out of the log, and
        // her record is not handed over.
        let record = vault.log_disclosure(&asked).await?;
        // Each subject logged, as many times as logged, in whatever order the backend keeps.
        let mut logged: HashMap<&[u8], usize> = HashMap::new();
        for kept in &record.subjects {
            *logged.entry(&kept.subject).or_default() += 1;
        }
        let records = records
            .into_iter()
            .zip(&asked.subjects)
            .filter(|(_, subject)| match logged.get_mut(&subject.subject[..]) {
                Some(left) if *left > 0 => {
                    *left -= 1;
                    true
                }
                _ => false,
            })
            .map(|(made, _)| made)
            .collect();
        Ok(Disclosure { records, record })
    }

    /// As [`disclosures`](SubjectKeys::disclosures), over `vault`.
    pub(crate) async fn disclosures_in<A: AsyncKeyVault>(
        &self,
        vault: &A,
        partner: Option<&DynPurpose>,
    ) -> Result<Vec<DisclosureRecord>> {
        vault.disclosures(partner.map(DynPurpose::name)).await
    }

    /// As [`erasures`](SubjectKeys::erasures), over `vault`.
    pub(crate) async fn erasures_in<A: AsyncKeyVault>(
        &self,
        vault: &A,
    ) -> Result<Vec<ErasureReceipt>> {
        vault.erasures().await
    }
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
        run_ready(self.grant_in(&Blocking(self.vault()), subject, purpose, source, reference))
    }

    /// Withdraws `subject`'s consent to `purpose` and destroys their data key for it: every copy
    /// of their data sealed for `purpose`, wherever it is stored, stops opening for `purpose`,
    /// while their other purposes keep working. Takes effect in this process at once, and in
    /// others once their cached key is older than its time to live.
    ///
    /// # Errors
    /// A vault error.
    pub fn withdraw(&self, subject: &Subject<'_>, purpose: &DynPurpose) -> Result<Withdrawal> {
        run_ready(self.withdraw_in(&Blocking(self.vault()), subject, purpose))
    }

    /// The consent records of `subject`.
    ///
    /// # Errors
    /// A vault error.
    pub fn consents(&self, subject: &Subject<'_>) -> Result<Vec<ConsentRecord>> {
        run_ready(self.consents_in(&Blocking(self.vault()), subject))
    }

    /// Forgets `subject` (right to erasure): destroys all their data keys and consent records.
    /// Nothing of theirs opens any more, from any copy, and nothing can be sealed for them again.
    /// Returns the receipt the erasure log keeps.
    ///
    /// # Errors
    /// A vault error.
    pub fn forget(&self, subject: &Subject<'_>) -> Result<ErasureReceipt> {
        run_ready(self.forget_in(&Blocking(self.vault()), subject))
    }

    /// Destroys every data key whose retention period has passed, now (the clock's time), and
    /// reports each.
    ///
    /// # Errors
    /// A vault error; keys destroyed before it stay destroyed.
    pub fn sweep(&self) -> Result<SweepReport> {
        run_ready(self.sweep_in(&Blocking(self.vault())))
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
        run_ready(self.rewrap_in(&Blocking(self.vault()), after, batch))
    }

    /// How many live data keys each purpose key version wraps: a root version can be retired
    /// once no purpose has a key under it.
    ///
    /// # Errors
    /// A vault error.
    pub fn key_versions(&self) -> Result<Vec<VersionCount>> {
        run_ready(self.key_versions_in(&Blocking(self.vault())))
    }

    /// Retires root key version `version` in the vault, if no live data key is wrapped under it
    /// (it counts and records in one step): from then on the vault refuses a key wrapped under it,
    /// so that a service still on keys from before the rotation gets
    /// [`VaultError::VersionRetired`](crate::VaultError::VersionRetired) instead of making a key
    /// that no one else could unwrap once the version's root key is destroyed. Call it after
    /// [`rewrap`](Self::rewrap), and destroy the root key
    /// ([`Keyring::retire`](crate::Keyring::retire)) only once it answers
    /// [`VersionRetirement::Retired`] (`fieldseal retire --vault` does both).
    ///
    /// ```
    /// use fieldseal::vault::{MemoryVault, SubjectKeys, VersionRetirement};
    /// use fieldseal::{KeySet, Keyring, Suite};
    ///
    /// let mut keyring = Keyring::generate(Suite::default())?;
    /// let keys = SubjectKeys::new(MemoryVault::new(), KeySet::new(), keyring.id())?;
    /// keyring.rotate()?;
    /// assert_eq!(keys.retire_version(1)?, VersionRetirement::Retired);
    /// keyring.retire(1)?;
    /// assert_eq!(keys.retired_versions()?, [1]);
    /// # Ok::<(), fieldseal::Error>(())
    /// ```
    ///
    /// # Errors
    /// [`KeyringError::RetireActive`](crate::KeyringError::RetireActive) if `version` is the
    /// active version of a purpose key held (nothing is recorded: there is no taking a
    /// retirement back); a vault error.
    pub fn retire_version(&self, version: u32) -> Result<VersionRetirement> {
        self.check_not_active(version)?;
        self.vault().retire_version(version)
    }

    /// The root key versions retired in the vault ([`retire_version`](Self::retire_version)),
    /// ascending.
    ///
    /// # Errors
    /// A vault error.
    pub fn retired_versions(&self) -> Result<Vec<u32>> {
        self.vault().retired_versions()
    }

    /// Hands records to the third party of `partner` (a `third-party:` purpose): for each subject
    /// whose consent to `partner` stands, `hand_over(subject)` makes the partner's record (for
    /// example: open the fields the partner may see and seal them in direct mode under the
    /// partner's purpose key, which the partner holds in its bundle); subjects without consent are
    /// left out. Once every record is made, the vault logs the disclosure, asking each subject's
    /// consent again in the same step: the records of those who withdrew (or were erased)
    /// meanwhile are dropped, and the log does not name them. What is returned is what may be
    /// handed over now. The disclosure log records the partner, `fields`, the time,
    /// each subject with the consent relied on, and how many were left out.
    ///
    /// A hand-over cannot be taken back: hand the records over at once. A withdrawal afterwards
    /// stops further disclosures, not what the partner already has.
    ///
    /// # Errors
    /// [`Error::InvalidPurposeName`] if `partner` is not a third-party purpose; what `hand_over`
    /// returns (nothing is logged then); a vault error.
    pub fn disclose<R>(
        &self,
        partner: &DynPurpose,
        fields: &[&str],
        subjects: &[Subject<'_>],
        hand_over: impl FnMut(&Subject<'_>) -> Result<R>,
    ) -> Result<Disclosure<R>> {
        run_ready(self.disclose_in(
            &Blocking(self.vault()),
            partner,
            fields,
            subjects,
            hand_over,
        ))
    }

    /// The disclosure log; of one partner, if given.
    ///
    /// # Errors
    /// A vault error.
    pub fn disclosures(&self, partner: Option<&DynPurpose>) -> Result<Vec<DisclosureRecord>> {
        run_ready(self.disclosures_in(&Blocking(self.vault()), partner))
    }

    /// The erasure log.
    ///
    /// # Errors
    /// A vault error.
    pub fn erasures(&self) -> Result<Vec<ErasureReceipt>> {
        run_ready(self.erasures_in(&Blocking(self.vault())))
    }
}

impl<V: AsyncKeyVault> SubjectKeys<V> {
    /// As [`grant`](Self::grant), for async callers.
    ///
    /// # Errors
    /// As [`grant`](Self::grant).
    pub async fn grant_async(
        &self,
        subject: &Subject<'_>,
        purpose: &DynPurpose,
        source: &str,
        reference: Option<&str>,
    ) -> Result<ConsentRecord> {
        self.grant_in(self.vault(), subject, purpose, source, reference)
            .await
    }

    /// As [`withdraw`](Self::withdraw), for async callers.
    ///
    /// # Errors
    /// As [`withdraw`](Self::withdraw).
    pub async fn withdraw_async(
        &self,
        subject: &Subject<'_>,
        purpose: &DynPurpose,
    ) -> Result<Withdrawal> {
        self.withdraw_in(self.vault(), subject, purpose).await
    }

    /// As [`consents`](Self::consents), for async callers.
    ///
    /// # Errors
    /// As [`consents`](Self::consents).
    pub async fn consents_async(&self, subject: &Subject<'_>) -> Result<Vec<ConsentRecord>> {
        self.consents_in(self.vault(), subject).await
    }

    /// As [`forget`](Self::forget), for async callers.
    ///
    /// # Errors
    /// As [`forget`](Self::forget).
    pub async fn forget_async(&self, subject: &Subject<'_>) -> Result<ErasureReceipt> {
        self.forget_in(self.vault(), subject).await
    }

    /// As [`sweep`](Self::sweep), for async callers.
    ///
    /// # Errors
    /// As [`sweep`](Self::sweep).
    pub async fn sweep_async(&self) -> Result<SweepReport> {
        self.sweep_in(self.vault()).await
    }

    /// As [`rewrap`](Self::rewrap), for async callers.
    ///
    /// # Errors
    /// As [`rewrap`](Self::rewrap).
    pub async fn rewrap_async(
        &self,
        after: Option<&KeyCursor>,
        batch: usize,
    ) -> Result<RewrapProgress> {
        self.rewrap_in(self.vault(), after, batch).await
    }

    /// As [`key_versions`](Self::key_versions), for async callers.
    ///
    /// # Errors
    /// As [`key_versions`](Self::key_versions).
    pub async fn key_versions_async(&self) -> Result<Vec<VersionCount>> {
        self.key_versions_in(self.vault()).await
    }

    /// As [`retire_version`](Self::retire_version), for async callers.
    ///
    /// # Errors
    /// As [`retire_version`](Self::retire_version).
    pub async fn retire_version_async(&self, version: u32) -> Result<VersionRetirement> {
        self.check_not_active(version)?;
        AsyncKeyVault::retire_version(self.vault(), version).await
    }

    /// As [`disclose`](Self::disclose), for async callers.
    ///
    /// # Errors
    /// As [`disclose`](Self::disclose).
    pub async fn disclose_async<R>(
        &self,
        partner: &DynPurpose,
        fields: &[&str],
        subjects: &[Subject<'_>],
        hand_over: impl FnMut(&Subject<'_>) -> Result<R>,
    ) -> Result<Disclosure<R>> {
        self.disclose_in(self.vault(), partner, fields, subjects, hand_over)
            .await
    }

    /// As [`disclosures`](Self::disclosures), for async callers.
    ///
    /// # Errors
    /// As [`disclosures`](Self::disclosures).
    pub async fn disclosures_async(
        &self,
        partner: Option<&DynPurpose>,
    ) -> Result<Vec<DisclosureRecord>> {
        self.disclosures_in(self.vault(), partner).await
    }

    /// As [`erasures`](Self::erasures), for async callers.
    ///
    /// # Errors
    /// As [`erasures`](Self::erasures).
    pub async fn erasures_async(&self) -> Result<Vec<ErasureReceipt>> {
        self.erasures_in(self.vault()).await
    }
}

impl<V> SubjectKeys<V> {
    /// The auditor of this service's key set, which records subject administration.
    fn admin_auditor(&self) -> Option<&crate::audit::Auditor> {
        self.keys().auditor()
    }

    /// As [`grant`](SubjectKeys::grant), over `vault`; recorded (`grant`) once done.
    pub(crate) async fn grant_in<A: AsyncKeyVault>(
        &self,
        vault: &A,
        subject: &Subject<'_>,
        purpose: &DynPurpose,
        source: &str,
        reference: Option<&str>,
    ) -> Result<ConsentRecord> {
        let result = self
            .grant_run(vault, subject, purpose, source, reference)
            .await;
        let detail = [("source", Detail::Text(source))];
        self.recorded(Operation::Grant, subject, purpose, &detail, result)
    }

    /// As [`withdraw`](SubjectKeys::withdraw), over `vault`; recorded (`withdraw`) once done.
    pub(crate) async fn withdraw_in<A: AsyncKeyVault>(
        &self,
        vault: &A,
        subject: &Subject<'_>,
        purpose: &DynPurpose,
    ) -> Result<Withdrawal> {
        let result = self.withdraw_run(vault, subject, purpose).await;
        self.recorded(Operation::Withdraw, subject, purpose, &[], result)
    }

    /// As [`forget`](SubjectKeys::forget), over `vault`; recorded (`forget`) once done.
    pub(crate) async fn forget_in<A: AsyncKeyVault>(
        &self,
        vault: &A,
        subject: &Subject<'_>,
    ) -> Result<ErasureReceipt> {
        let result = self.forget_run(vault, subject).await;
        let Some(auditor) = self.admin_auditor() else {
            return result;
        };
        let count = result.as_ref().map_or(0, |r| r.entries_removed);
        let detail = [("entries_removed", Detail::Count(count))];
        let draft = Draft {
            subject: subject.as_bytes(),
            detail: &detail,
            ..Draft::new(Operation::Forget)
        };
        finish(auditor, &draft, result)
    }

    /// As [`sweep`](SubjectKeys::sweep), over `vault`; recorded (`sweep`, with the count) once
    /// done.
    pub(crate) async fn sweep_in<A: AsyncKeyVault>(&self, vault: &A) -> Result<SweepReport> {
        let at = self.now();
        let mut destroyed = Vec::new();
        let run = self.sweep_run(vault, at, &mut destroyed).await;
        // Keys destroyed before a failing batch stay destroyed: the event counts them either way.
        let count = destroyed.len() as u64;
        let result = run.map(|()| SweepReport { at, destroyed });
        let Some(auditor) = self.admin_auditor() else {
            return result;
        };
        let detail = [("destroyed", Detail::Count(count))];
        let draft = Draft {
            detail: &detail,
            ..Draft::new(Operation::Sweep)
        };
        finish(auditor, &draft, result)
    }

    /// As [`disclose`](SubjectKeys::disclose), over `vault`; recorded (`disclose`: the partner,
    /// the fields, how many subjects were disclosed and withheld) once done.
    pub(crate) async fn disclose_in<R, A: AsyncKeyVault>(
        &self,
        vault: &A,
        partner: &DynPurpose,
        fields: &[&str],
        subjects: &[Subject<'_>],
        hand_over: impl FnMut(&Subject<'_>) -> Result<R>,
    ) -> Result<Disclosure<R>> {
        let result = self
            .disclose_run(vault, partner, fields, subjects, hand_over)
            .await;
        let Some(auditor) = self.admin_auditor() else {
            return result;
        };
        let (disclosed, withheld) = result.as_ref().map_or((0, 0), |d| {
            (d.record.subjects.len() as u64, d.record.withheld)
        });
        let detail = [
            ("partner", Detail::Text(partner.name())),
            ("disclosed", Detail::Count(disclosed)),
            ("withheld", Detail::Count(withheld)),
        ];
        let purposes = [partner.name()];
        let draft = Draft {
            purposes: Names::Strs(&purposes),
            fields: Names::Strs(fields),
            detail: &detail,
            ..Draft::new(Operation::Disclose)
        };
        finish(auditor, &draft, result)
    }

    /// Records a consent change of `subject` for `purpose`.
    fn recorded<R>(
        &self,
        operation: Operation,
        subject: &Subject<'_>,
        purpose: &DynPurpose,
        detail: &[(&'static str, Detail<'_>)],
        result: Result<R>,
    ) -> Result<R> {
        let Some(auditor) = self.admin_auditor() else {
            return result;
        };
        let purposes = [purpose.name()];
        let draft = Draft {
            purposes: Names::Strs(&purposes),
            subject: subject.as_bytes(),
            detail,
            ..Draft::new(operation)
        };
        finish(auditor, &draft, result)
    }
}

/// Runs a closure when dropped, unless disarmed: what an async administration owes this process's
/// caches even when its future is dropped mid-way.
struct OnDrop<F: FnOnce()>(Option<F>);

impl<F: FnOnce()> OnDrop<F> {
    fn new(f: F) -> Self {
        Self(Some(f))
    }

    fn disarm(&mut self) {
        self.0 = None;
    }
}

impl<F: FnOnce()> Drop for OnDrop<F> {
    fn drop(&mut self) {
        if let Some(f) = self.0.take() {
            f();
        }
    }
}

/// Records a subject administration that was carried out (or failed): the vault changed before
/// the event could be written, so an event that cannot be recorded (failing closed) fails the
/// call after the change, which stands. The caller sees the audit error and should not retry
/// blindly: the change is in the vault's own logs (consents, erasures, disclosures).
fn finish<R>(auditor: &crate::audit::Auditor, draft: &Draft<'_>, result: Result<R>) -> Result<R> {
    auditor.around(draft, || result)
}
