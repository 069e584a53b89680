//! What subject mode's administration relies on, and what it refuses whatever the backend: a
//! backend may return a logged disclosure's subjects in its own order; the active version of the
//! keys held is never retired in the vault.

use fieldseal::vault::{
    ConsentRecord, Created, DisclosureRecord, ErasureReceipt, ExpiredKey, KeyCursor, KeyVault,
    MemoryVault, StoredKey, Subject, SubjectKeys, SubjectState, VaultStats, VersionCount,
    VersionRetirement, Withdrawal,
};
use fieldseal::{Context, Error, KeySet, Keyring, KeyringError, KeyringId, Sealed, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Acme = "third-party:acme");

/// A backend that logs as MemoryVault does but returns the logged record's subjects in another
/// order (e.g. a database backend reading them back by subject). The trait only says "returns the
/// record as logged: only its subjects may be handed over".
struct Reordering(MemoryVault);

impl KeyVault for Reordering {
    fn bind_keyring(&self, id: KeyringId) -> fieldseal::Result<KeyringId> {
        self.0.bind_keyring(id)
    }
    fn keyring(&self) -> fieldseal::Result<Option<KeyringId>> {
        self.0.keyring()
    }
    fn read(&self, subject: &[u8], purposes: &[&str]) -> fieldseal::Result<SubjectState> {
        self.0.read(subject, purposes)
    }
    fn create(&self, key: &StoredKey, consent: bool, now: u64) -> fieldseal::Result<Created> {
        self.0.create(key, consent, now)
    }
    fn grant(&self, consent: &ConsentRecord) -> fieldseal::Result<bool> {
        self.0.grant(consent)
    }
    fn withdraw(&self, subject: &[u8], purpose: &str, at: u64) -> fieldseal::Result<Withdrawal> {
        self.0.withdraw(subject, purpose, at)
    }
    fn forget(&self, subject: &[u8], at: u64) -> fieldseal::Result<ErasureReceipt> {
        self.0.forget(subject, at)
    }
    fn expire(&self, now: u64, limit: usize) -> fieldseal::Result<Vec<ExpiredKey>> {
        self.0.expire(now, limit)
    }
    fn keys_after(&self, a: Option<&KeyCursor>, l: usize) -> fieldseal::Result<Vec<StoredKey>> {
        self.0.keys_after(a, l)
    }
    fn rewrap(&self, old: &StoredKey, new: &StoredKey) -> fieldseal::Result<bool> {
        self.0.rewrap(old, new)
    }
    fn key_versions(&self) -> fieldseal::Result<Vec<VersionCount>> {
        self.0.key_versions()
    }
    fn retire_version(&self, v: u32) -> fieldseal::Result<VersionRetirement> {
        self.0.retire_version(v)
    }
    fn retired_versions(&self) -> fieldseal::Result<Vec<u32>> {
        self.0.retired_versions()
    }
    fn consents(&self, subject: &[u8]) -> fieldseal::Result<Vec<ConsentRecord>> {
        self.0.consents(subject)
    }
    fn log_disclosure(&self, d: &DisclosureRecord) -> fieldseal::Result<DisclosureRecord> {
        let mut logged = self.0.log_disclosure(d)?;
        logged.subjects.reverse();
        Ok(logged)
    }
    fn disclosures(&self, p: Option<&str>) -> fieldseal::Result<Vec<DisclosureRecord>> {
        self.0.disclosures(p)
    }
    fn erasures(&self) -> fieldseal::Result<Vec<ErasureReceipt>> {
        self.0.erasures()
    }
    fn stats(&self) -> fieldseal::Result<VaultStats> {
        self.0.stats()
    }
}

/// Every subject the returned record (and the log) names has its record handed over.
#[test]
fn disclose_hands_over_every_subject_the_log_names_whatever_the_order() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let admin =
        SubjectKeys::new(Reordering(MemoryVault::new()), KeySet::new(), keyring.id()).unwrap();
    let (ada, bob) = (Subject::int(1), Subject::int(2));
    for s in [&ada, &bob] {
        admin.grant(s, &Acme.into(), "checkout", None).unwrap();
    }
    let disclosure = admin
        .disclose(&Acme.into(), &["email"], &[ada, bob], |s| {
            Ok(s.as_bytes().to_vec())
        })
        .unwrap();
    let mut named: Vec<Vec<u8>> = disclosure
        .record
        .subjects
        .iter()
        .map(|d| d.subject.clone())
        .collect();
    named.sort();
    let mut handed = disclosure.records.clone();
    handed.sort();
    assert_eq!(
        handed, named,
        "records handed over vs subjects the log names"
    );
}

/// `SubjectKeys::retire_version` refuses the active version of the keys it holds: right after a
/// rotation no key is under it yet, so the vault alone would take it, refuse every new customer
/// from then on, and nothing takes a retirement in the vault back. The version before it is taken.
#[test]
fn retire_version_refuses_the_active_version_of_the_keys_held() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring.rotate().unwrap();
    let keys = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
    let subjects = SubjectKeys::new(MemoryVault::new(), keys, keyring.id()).unwrap();
    let answer = subjects.retire_version(keyring.active_version());
    assert!(
        matches!(
            answer,
            Err(Error::Keyring(KeyringError::RetireActive { version: 2 }))
        ),
        "{answer:?}"
    );
    assert_eq!(subjects.retired_versions().unwrap(), Vec::<u32>::new());
    let ctx = Context::new("customer", "email").with_id_int(1);
    let sealed: Sealed<String, Fulfillment> = subjects
        .seal(&Subject::int(1), "ada@example.com", &ctx)
        .unwrap();
    assert_eq!(
        sealed.key_versions()[0].1,
        1,
        "the customer's first data key"
    );
    assert_eq!(
        subjects.retire_version(1).unwrap(),
        VersionRetirement::Retired
    );
}
