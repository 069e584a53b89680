//! The behaviour every key vault backend must show (FORMAT.md §15), as functions over a factory of
//! fresh vaults: `tests/subject.rs` runs them over `MemoryVault`, `tests/sqlite_vault.rs` over
//! `SqliteVault`.

#![allow(dead_code)] // each test binary uses what it needs

use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Arc, Barrier};
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use fieldseal::vault::{KeyVault, Subject, SubjectKeys, VersionRetirement};
use fieldseal::{Context, DynPurpose, Error, KeySet, Keyring, Sealed, Suite, VaultError};

fieldseal::purpose!(pub(crate) Fulfillment = "fulfillment");
fieldseal::purpose!(pub(crate) Marketing = "marketing", consent);
fieldseal::purpose!(pub(crate) Analytics = "analytics", retention_days = 30);
fieldseal::purpose!(pub(crate) Acme = "third-party:acme");

pub(crate) const EMAIL: &str = "ada@example.com";

/// A clock the test moves by hand, starting on 2026-11-29.
#[derive(Clone)]
pub(crate) struct Clock(Arc<AtomicU64>);

impl Clock {
    pub(crate) fn new() -> Self {
        Self(Arc::new(AtomicU64::new(1_796_083_200)))
    }

    pub(crate) fn advance_days(&self, days: u64) {
        self.0.fetch_add(days * 86_400, Ordering::SeqCst);
    }

    pub(crate) fn now(&self) -> SystemTime {
        UNIX_EPOCH + Duration::from_secs(self.0.load(Ordering::SeqCst))
    }
}

/// Everything a test needs: a keyring, subject keys over a shared vault, a clock.
pub(crate) struct World<V: KeyVault> {
    pub(crate) keyring: Keyring,
    pub(crate) vault: Arc<V>,
    pub(crate) subjects: SubjectKeys<Arc<V>>,
    pub(crate) clock: Clock,
}

pub(crate) fn all_purposes() -> Vec<DynPurpose> {
    vec![
        Fulfillment.into(),
        Marketing.into(),
        Analytics.into(),
        Acme.into(),
    ]
}

impl<V: KeyVault> World<V> {
    pub(crate) fn new(vault: V, suite: Suite) -> Self {
        let keyring = Keyring::generate(suite).unwrap();
        Self::with_keyring(keyring, Arc::new(vault))
    }

    pub(crate) fn with_keyring(keyring: Keyring, vault: Arc<V>) -> Self {
        let clock = Clock::new();
        let subjects = subject_keys(
            &keyring,
            Arc::clone(&vault),
            &clock,
            Duration::from_secs(60),
        );
        Self {
            keyring,
            vault,
            subjects,
            clock,
        }
    }

    /// Another process's view of the same vault: its own cache, with time to live `ttl`.
    pub(crate) fn another_process(&self, ttl: Duration) -> SubjectKeys<Arc<V>> {
        subject_keys(&self.keyring, Arc::clone(&self.vault), &self.clock, ttl)
    }
}

pub(crate) fn subject_keys<V: KeyVault>(
    keyring: &Keyring,
    vault: Arc<V>,
    clock: &Clock,
    ttl: Duration,
) -> SubjectKeys<Arc<V>> {
    let keys = KeySet::from_keyring(keyring, &all_purposes());
    let clock = clock.clone();
    SubjectKeys::new(vault, keys, keyring.id())
        .unwrap()
        .with_clock(move || clock.now())
        .with_cache(1_000, ttl)
}

pub(crate) fn ctx(id: u64) -> Context<'static> {
    Context::new("customer", "email").with_id_int(id)
}

type Email = Sealed<String, (Fulfillment, Marketing)>;

fn seal_email<V: KeyVault>(subjects: &SubjectKeys<V>, id: u64) -> Email {
    subjects.seal(&Subject::int(id), EMAIL, &ctx(id)).unwrap()
}

fn open_as<P: fieldseal::Purpose, V: KeyVault, I>(
    subjects: &SubjectKeys<V>,
    email: &Email,
    id: u64,
) -> fieldseal::Result<String>
where
    (Fulfillment, Marketing): fieldseal::Includes<P, I>,
{
    subjects.open::<P, _, _, _>(email, &Subject::int(id), &ctx(id))
}

fn names(email: &Email) -> Vec<String> {
    email.purposes().iter().map(ToString::to_string).collect()
}

/// Sealing and opening round trip under each subject's own key; a value of one subject does not
/// open as another's, nor in another context, nor with a direct purpose key.
pub(crate) fn round_trip<V: KeyVault>(make: impl Fn() -> V) {
    for suite in Suite::ALL {
        let w = World::new(make(), suite);
        let email = seal_email(&w.subjects, 7);
        assert_eq!(names(&email), ["fulfillment"], "no marketing consent yet");
        assert_eq!(
            open_as::<Fulfillment, _, _>(&w.subjects, &email, 7).unwrap(),
            EMAIL
        );
        let other = Subject::int(8);
        let ctx8 = ctx(7); // the right context, another subject's key
        seal_email(&w.subjects, 8);
        assert!(matches!(
            w.subjects
                .open::<Fulfillment, _, _, _>(&email, &other, &ctx8),
            Err(Error::CannotOpen { .. })
        ));
        assert!(matches!(
            w.subjects
                .open::<Fulfillment, _, _, _>(&email, &Subject::int(7), &ctx(9)),
            Err(Error::CannotOpen { .. })
        ));
        // A subject the vault has never seen: no data key, said so (not a failed decryption).
        match w
            .subjects
            .open::<Fulfillment, _, _, _>(&email, &Subject::int(99), &ctx(7))
        {
            Err(Error::UnknownDataKey {
                purpose,
                generation: 1,
            }) => assert_eq!(purpose, "fulfillment"),
            other => panic!("{other:?}"),
        }
        // A direct purpose key refuses a subject-mode value by its mode, not as tampering.
        let direct = w.keyring.purpose_key::<Fulfillment>();
        assert!(matches!(
            email.open(&direct, &ctx(7)),
            Err(Error::WrongMode {
                found: 2,
                expected: 1
            })
        ));
        // And the text form travels.
        let back = Email::from_text(&email.to_text()).unwrap();
        assert_eq!(
            open_as::<Fulfillment, _, _>(&w.subjects, &back, 7).unwrap(),
            EMAIL
        );
    }
}

/// Consent: no copy without it, a copy with it, nothing readable after a withdrawal, a new key
/// after a new grant (old data stays unreadable), the other purposes untouched throughout.
pub(crate) fn consent_lifecycle<V: KeyVault>(make: impl Fn() -> V) {
    let w = World::new(make(), Suite::default());
    let ada = Subject::int(7);
    let before = seal_email(&w.subjects, 7);
    assert!(matches!(
        open_as::<Marketing, _, _>(&w.subjects, &before, 7),
        Err(Error::NoConsentCopy { .. })
    ));

    let consent = w
        .subjects
        .grant(&ada, &Marketing.into(), "signup form", Some("notice v3"))
        .unwrap();
    assert_eq!(consent.source, "signup form");
    let with = seal_email(&w.subjects, 7);
    assert_eq!(names(&with), ["fulfillment", "marketing"]);
    assert_eq!(
        open_as::<Marketing, _, _>(&w.subjects, &with, 7).unwrap(),
        EMAIL
    );

    let withdrawal = w.subjects.withdraw(&ada, &Marketing.into()).unwrap();
    assert_eq!(withdrawal.destroyed, Some(1));
    assert!(withdrawal.consent_was_active);
    assert!(matches!(
        open_as::<Marketing, _, _>(&w.subjects, &with, 7),
        Err(Error::ConsentWithdrawn { .. })
    ));
    assert_eq!(
        open_as::<Fulfillment, _, _>(&w.subjects, &with, 7).unwrap(),
        EMAIL
    );
    let after = seal_email(&w.subjects, 7);
    assert_eq!(names(&after), ["fulfillment"]);
    // Even with a fresh cache, the vault says why.
    let fresh = w.another_process(Duration::from_secs(60));
    assert!(matches!(
        fresh.open::<Marketing, _, _, _>(&with, &ada, &ctx(7)),
        Err(Error::ConsentWithdrawn { .. })
    ));

    w.subjects
        .grant(&ada, &Marketing.into(), "loyalty app", None)
        .unwrap();
    let again = seal_email(&w.subjects, 7);
    assert_eq!(names(&again), ["fulfillment", "marketing"]);
    assert_eq!(again.key_versions()[1].1, 2, "a new generation of the key");
    assert_eq!(
        open_as::<Marketing, _, _>(&w.subjects, &again, 7).unwrap(),
        EMAIL
    );
    for subjects in [&w.subjects, &fresh] {
        assert!(matches!(
            open_as::<Marketing, _, _>(subjects, &with, 7),
            Err(Error::ConsentWithdrawn { .. })
        ));
    }
    let consents = w.subjects.consents(&ada).unwrap();
    assert_eq!(consents.len(), 1);
    assert_eq!(consents[0].source, "loyalty app");
    assert!(consents[0].is_active());
}

/// A field sealed for purposes that all need consent, without any: a value with no copy, which
/// parses as its type and opens to "no consent".
pub(crate) fn no_copy_without_consent<V: KeyVault>(make: impl Fn() -> V) {
    let w = World::new(make(), Suite::default());
    let ada = Subject::int(7);
    let only: Sealed<String, Marketing> = w.subjects.seal(&ada, EMAIL, &ctx(7)).unwrap();
    assert!(only.purposes().is_empty());
    let back = Sealed::<String, Marketing>::from_text(&only.to_text()).unwrap();
    assert!(matches!(
        w.subjects.open::<Marketing, _, _, _>(&back, &ada, &ctx(7)),
        Err(Error::NoConsentCopy { .. })
    ));
    // Not a value for a set that needs a copy.
    assert!(Sealed::<String, Fulfillment>::from_text(&only.to_text()).is_err());
}

/// Forgetting a subject destroys everything of theirs, for every copy and process, and refuses
/// to seal for them again; other subjects are untouched.
pub(crate) fn erasure<V: KeyVault>(make: impl Fn() -> V) {
    let w = World::new(make(), Suite::default());
    let ada = Subject::int(7);
    w.subjects
        .grant(&ada, &Marketing.into(), "form", None)
        .unwrap();
    let ada_email = seal_email(&w.subjects, 7);
    let bob_email = seal_email(&w.subjects, 8);
    let other = w.another_process(Duration::ZERO);
    assert_eq!(
        open_as::<Fulfillment, _, _>(&other, &ada_email, 7).unwrap(),
        EMAIL
    );

    let receipt = w.subjects.forget(&ada).unwrap();
    assert_eq!(receipt.subject, ada.as_bytes());
    assert_eq!(receipt.purposes, ["fulfillment", "marketing"]);
    assert_eq!(receipt.entries_removed, 3, "two keys and one consent");
    for subjects in [&w.subjects, &other] {
        for result in [
            open_as::<Fulfillment, _, _>(subjects, &ada_email, 7),
            open_as::<Marketing, _, _>(subjects, &ada_email, 7),
        ] {
            assert!(
                matches!(result, Err(Error::SubjectErased { .. })),
                "{result:?}"
            );
        }
        assert!(matches!(
            subjects.seal::<String, Fulfillment>(&ada, EMAIL, &ctx(7)),
            Err(Error::SubjectErased { .. })
        ));
        assert_eq!(
            open_as::<Fulfillment, _, _>(subjects, &bob_email, 8).unwrap(),
            EMAIL
        );
    }
    assert!(matches!(
        w.subjects.grant(&ada, &Marketing.into(), "form", None),
        Err(Error::SubjectErased { .. })
    ));
    // A copy that never existed (no consent when sealed) says the same once the subject is gone.
    let carol = Subject::int(9);
    let carol_email = seal_email(&w.subjects, 9);
    assert!(matches!(
        open_as::<Marketing, _, _>(&w.subjects, &carol_email, 9),
        Err(Error::NoConsentCopy { .. })
    ));
    w.subjects.forget(&carol).unwrap();
    for subjects in [&w.subjects, &w.another_process(Duration::ZERO)] {
        assert!(matches!(
            open_as::<Marketing, _, _>(subjects, &carol_email, 9),
            Err(Error::SubjectErased { .. })
        ));
    }
    // Forgetting twice gives the same receipt; the erasure log holds it once.
    assert_eq!(w.subjects.forget(&ada).unwrap(), receipt);
    let log = w.subjects.erasures().unwrap();
    assert_eq!(log.len(), 2);
    assert_eq!(log[0], receipt);
    assert_eq!(w.vault.stats().unwrap().erased_subjects, 2);
}

/// Retention: a key lives its purpose's period from creation; past it, the value no longer opens
/// (even before the sweep), the sweep destroys it and reports it, and new data gets a new key.
pub(crate) fn retention<V: KeyVault>(make: impl Fn() -> V) {
    let w = World::new(make(), Suite::default());
    let ada = Subject::int(7);
    let seal = |subjects: &SubjectKeys<Arc<V>>| -> Sealed<u16, (Fulfillment, Analytics)> {
        subjects.seal(&ada, &1815u16, &ctx(7)).unwrap()
    };
    let year = seal(&w.subjects);
    let open = |subjects: &SubjectKeys<Arc<V>>, v: &Sealed<u16, (Fulfillment, Analytics)>| {
        subjects.open::<Analytics, _, _, _>(v, &ada, &ctx(7))
    };
    w.clock.advance_days(29);
    assert_eq!(open(&w.subjects, &year).unwrap(), 1815);
    assert!(w.subjects.sweep().unwrap().destroyed.is_empty());
    w.clock.advance_days(2);
    assert!(matches!(
        open(&w.subjects, &year),
        Err(Error::RetentionExpired { .. })
    ));
    let report = w.subjects.sweep().unwrap();
    assert_eq!(report.destroyed.len(), 1);
    assert_eq!(report.destroyed[0].purpose, "analytics");
    assert_eq!(report.destroyed[0].subject, ada.as_bytes());
    assert!(w.subjects.sweep().unwrap().destroyed.is_empty());
    let fresh = w.another_process(Duration::from_secs(60));
    assert!(matches!(
        open(&fresh, &year),
        Err(Error::RetentionExpired { .. })
    ));
    // Fulfillment has no retention period: its copy still opens.
    assert_eq!(
        w.subjects
            .open::<Fulfillment, _, _, _>(&year, &ada, &ctx(7))
            .unwrap(),
        1815
    );
    let next = seal(&w.subjects);
    assert_eq!(next.key_versions()[1].1, 2);
    assert_eq!(open(&w.subjects, &next).unwrap(), 1815);
}

/// A rotation rewraps the vault's keys in batches, resumably, and no field data changes; the old
/// root version can then be retired and every value still opens.
pub(crate) fn rotation_rewraps_without_touching_data<V: KeyVault>(make: impl Fn() -> V) {
    let mut w = World::new(make(), Suite::default());
    let values: Vec<(u64, Email)> = (1..=25)
        .map(|id| (id, seal_email(&w.subjects, id)))
        .collect();
    w.keyring.rotate().unwrap();
    let rotated = subject_keys(&w.keyring, Arc::clone(&w.vault), &w.clock, Duration::ZERO);
    let before = rotated.key_versions().unwrap();
    assert_eq!(before.len(), 1);
    assert_eq!((before[0].key_version, before[0].keys), (1, 25));
    // In batches of 10, stopping after the first and resuming from its cursor.
    let first = rotated.rewrap(None, 10).unwrap();
    assert_eq!(first.rewrapped, 10);
    let mut cursor = first.next;
    while let Some(after) = cursor {
        cursor = rotated.rewrap(Some(&after), 10).unwrap().next;
    }
    let again = rotated.rewrap(None, 100).unwrap();
    assert_eq!((again.rewrapped, again.current), (0, 25));
    let after = rotated.key_versions().unwrap();
    assert_eq!(after.len(), 1);
    assert_eq!((after[0].key_version, after[0].keys), (2, 25));
    w.keyring.retire(1).unwrap();
    let retired = subject_keys(&w.keyring, Arc::clone(&w.vault), &w.clock, Duration::ZERO);
    for (id, email) in &values {
        assert_eq!(
            open_as::<Fulfillment, _, _>(&retired, email, *id).unwrap(),
            EMAIL
        );
        assert_eq!(
            email.key_versions()[0].1,
            1,
            "the value was never rewritten"
        );
    }
}

/// A root version is retired in the vault only once no key is wrapped under it, and from then on
/// no key is: a service still on the keys from before the rotation is refused a new subject's
/// key (which no current keyring could unwrap), and a rewrap back under the version is refused.
pub(crate) fn retirement_closes_the_version<V: KeyVault>(make: impl Fn() -> V) {
    let mut w = World::new(make(), Suite::default());
    let stale = w.another_process(Duration::ZERO);
    let first = seal_email(&stale, 1);
    w.keyring.rotate().unwrap();
    let rotated = subject_keys(&w.keyring, Arc::clone(&w.vault), &w.clock, Duration::ZERO);
    // Fulfillment and marketing's keys: both under version 1 still.
    assert_eq!(
        rotated.retire_version(1).unwrap(),
        VersionRetirement::InUse { keys: 1 }
    );
    assert_eq!(rotated.retired_versions().unwrap(), Vec::<u32>::new());
    assert_eq!(seal_email(&stale, 2).key_versions()[0].1, 1);
    let mut cursor = None;
    loop {
        let progress = rotated.rewrap(cursor.as_ref(), 10).unwrap();
        match progress.next {
            Some(next) => cursor = Some(next),
            None => break,
        }
    }
    assert_eq!(
        rotated.retire_version(1).unwrap(),
        VersionRetirement::Retired
    );
    assert_eq!(
        rotated.retire_version(1).unwrap(),
        VersionRetirement::Retired
    );
    // The backend counts the active version's keys; the keys it holds refuse it first.
    assert_eq!(
        w.vault.retire_version(2).unwrap(),
        VersionRetirement::InUse { keys: 2 }
    );
    assert!(matches!(
        rotated.retire_version(2),
        Err(Error::Keyring(fieldseal::KeyringError::RetireActive {
            version: 2
        }))
    ));
    assert_eq!(w.vault.retired_versions().unwrap(), [1]);

    let refused = stale.seal::<_, (Fulfillment, Marketing)>(&Subject::int(3), EMAIL, &ctx(3));
    assert!(
        matches!(
            refused,
            Err(Error::Vault(VaultError::VersionRetired { version: 1 }))
        ),
        "{refused:?}"
    );
    assert_eq!(w.vault.stats().unwrap().live_keys, 2, "no key was stored");
    let third = seal_email(&rotated, 3);
    for (id, email) in [(1, &first), (3, &third)] {
        assert_eq!(
            open_as::<Fulfillment, _, _>(&rotated, email, id).unwrap(),
            EMAIL
        );
    }

    let live = w.vault.keys_after(None, 1).unwrap().remove(0);
    assert_eq!(live.key_version, 2);
    let mut back = live.clone();
    back.key_version = 1;
    let rewrap = w.vault.rewrap(&live, &back);
    assert!(
        matches!(
            rewrap,
            Err(Error::Vault(VaultError::VersionRetired { version: 1 }))
        ),
        "{rewrap:?}"
    );
    assert_eq!(
        w.vault.keys_after(None, 1).unwrap()[0],
        live,
        "nothing was replaced"
    );
}

/// Two sealers racing to create the first key of one (subject, purpose) end with one key.
pub(crate) fn racing_sealers_make_one_key<V: KeyVault + 'static>(make: impl Fn() -> V) {
    let w = World::new(make(), Suite::default());
    let barrier = Barrier::new(8);
    let sealed: Vec<Email> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..8)
            .map(|_| {
                let subjects = w.another_process(Duration::from_secs(60));
                let barrier = &barrier;
                s.spawn(move || {
                    barrier.wait();
                    seal_email(&subjects, 7)
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    assert_eq!(w.vault.stats().unwrap().live_keys, 1);
    for email in &sealed {
        assert_eq!(email.key_versions()[0].1, 1);
        assert_eq!(
            open_as::<Fulfillment, _, _>(&w.subjects, email, 7).unwrap(),
            EMAIL
        );
    }
}

/// Another process sees a withdrawal once its cached key is older than its time to live; every
/// `SubjectKeys` of this process at once. The other process's withdrawal is a change to the vault
/// made past this process's `SubjectKeys` (`KeyVault::withdraw` called directly), which is all
/// this process can see of it.
pub(crate) fn other_processes_follow_within_the_time_to_live<V: KeyVault>(make: impl Fn() -> V) {
    let w = World::new(make(), Suite::default());
    let (ada, bob) = (Subject::int(7), Subject::int(8));
    for subject in [&ada, &bob] {
        w.subjects
            .grant(subject, &Marketing.into(), "form", None)
            .unwrap();
    }
    let (ada_email, bob_email) = (seal_email(&w.subjects, 7), seal_email(&w.subjects, 8));
    let cached = w.another_process(Duration::from_secs(3_600));
    let fresh = w.another_process(Duration::ZERO);
    for subjects in [&cached, &fresh] {
        for (email, id) in [(&ada_email, 7), (&bob_email, 8)] {
            assert_eq!(
                open_as::<Marketing, _, _>(subjects, email, id).unwrap(),
                EMAIL
            );
        }
    }
    // Withdrawn in another process: within its time to live, a `SubjectKeys` that cached the key
    // still opens with it, what SECURITY.md states; one that trusts nothing cached stops.
    w.vault
        .withdraw(ada.as_bytes(), "marketing", 1_796_083_200)
        .unwrap();
    assert_eq!(
        open_as::<Marketing, _, _>(&cached, &ada_email, 7).unwrap(),
        EMAIL
    );
    assert!(matches!(
        open_as::<Marketing, _, _>(&fresh, &ada_email, 7),
        Err(Error::ConsentWithdrawn { .. })
    ));
    // Withdrawn through a `SubjectKeys` of this process: every one of them stops at once.
    w.subjects.withdraw(&bob, &Marketing.into()).unwrap();
    for subjects in [&w.subjects, &cached, &fresh] {
        assert!(matches!(
            open_as::<Marketing, _, _>(subjects, &bob_email, 8),
            Err(Error::ConsentWithdrawn { .. })
        ));
    }
}

/// A vault is bound to one keyring; a row altered in the vault does not unwrap.
pub(crate) fn wrong_keyring_and_tampered_rows<V: KeyVault>(make: impl Fn() -> V) {
    let w = World::new(make(), Suite::default());
    let email = seal_email(&w.subjects, 7);
    let stranger = Keyring::generate(Suite::default()).unwrap();
    let keys = KeySet::from_keyring(&stranger, &all_purposes());
    match SubjectKeys::new(Arc::clone(&w.vault), keys, stranger.id()) {
        Err(Error::Vault(VaultError::WrongKeyring { vault, given })) => {
            assert_eq!((vault, given), (w.keyring.id(), stranger.id()));
        }
        other => panic!("{other:?}"),
    }
    // One byte of the wrapped key changed (through the backend's own compare-and-swap).
    let stored = w.vault.keys_after(None, 1).unwrap().remove(0);
    let mut altered = stored.clone();
    altered.wrapped[20] ^= 1;
    assert!(w.vault.rewrap(&stored, &altered).unwrap());
    let fresh = w.another_process(Duration::ZERO);
    match open_as::<Fulfillment, _, _>(&fresh, &email, 7) {
        Err(Error::Vault(VaultError::Corrupt { reason })) => {
            assert!(reason.contains("fulfillment"), "{reason}");
        }
        other => panic!("{other:?}"),
    }
    // Put back, it opens again: nothing else was changed.
    assert!(w.vault.rewrap(&altered, &stored).unwrap());
    assert_eq!(
        open_as::<Fulfillment, _, _>(&fresh, &email, 7).unwrap(),
        EMAIL
    );
}

/// Disclosure: consenting subjects only, each logged with the consent relied on.
pub(crate) fn disclosure_to_consenting_subjects_only<V: KeyVault>(make: impl Fn() -> V) {
    let w = World::new(make(), Suite::default());
    let subjects: Vec<Subject<'static>> = (1..=5).map(Subject::int).collect();
    for s in &subjects[..2] {
        w.subjects
            .grant(s, &Acme.into(), "checkout", Some("acme terms v1"))
            .unwrap();
    }
    w.subjects.withdraw(&subjects[1], &Acme.into()).unwrap();
    let partner = w.keyring.purpose_key::<Acme>();
    let disclosure = w
        .subjects
        .disclose(&Acme.into(), &["email"], &subjects, |s| {
            let id = u64::from(s.as_bytes()[15]);
            Sealed::<String, Acme>::seal(EMAIL, &ctx(id), &partner)
        })
        .unwrap();
    assert_eq!(disclosure.records.len(), 1);
    assert_eq!(disclosure.record.subjects.len(), 1);
    assert_eq!(
        disclosure.record.subjects[0].subject,
        subjects[0].as_bytes()
    );
    assert_eq!(
        disclosure.record.subjects[0].consent.reference.as_deref(),
        Some("acme terms v1")
    );
    assert_eq!(disclosure.record.withheld, 4);
    assert_eq!(
        disclosure.records[0].open(&partner, &ctx(1)).unwrap(),
        EMAIL
    );
    assert_eq!(
        w.subjects.disclosures(None).unwrap(),
        std::slice::from_ref(&disclosure.record)
    );
    assert!(matches!(
        w.subjects
            .disclose(&Marketing.into(), &[], &subjects, |_| Ok(())),
        Err(Error::InvalidPurposeName { .. })
    ));
}

/// The keyring a vault is bound to reads back without binding it: `None` on a fresh vault (which
/// the first keyring to open it then binds, not the reader), the keyring's id afterwards, and
/// enough to administer the vault without any purpose key.
pub(crate) fn keyring_binding_reads_back_without_binding<V: KeyVault>(make: impl Fn() -> V) {
    let vault = Arc::new(make());
    assert_eq!(vault.keyring().unwrap(), None);
    assert_eq!(vault.keyring().unwrap(), None, "reading bound nothing");
    let w = World::with_keyring(Keyring::generate(Suite::default()).unwrap(), vault);
    assert_eq!(w.vault.keyring().unwrap(), Some(w.keyring.id()));
    // An administrator without purpose keys, on the vault's own keyring id.
    let bound = w.vault.keyring().unwrap().unwrap();
    let admin = SubjectKeys::new(Arc::clone(&w.vault), KeySet::new(), bound).unwrap();
    let ada = Subject::int(7);
    admin.grant(&ada, &Marketing.into(), "form", None).unwrap();
    let email = seal_email(&w.subjects, 7);
    admin.withdraw(&ada, &Marketing.into()).unwrap();
    assert!(matches!(
        open_as::<Marketing, _, _>(&w.another_process(Duration::ZERO), &email, 7),
        Err(Error::ConsentWithdrawn { .. })
    ));
    assert_eq!(admin.forget(&ada).unwrap().purposes, ["fulfillment"]);
    assert_eq!(w.vault.keyring().unwrap(), Some(w.keyring.id()));
}

/// A grant, a withdrawal or an erasure made through one `SubjectKeys` reaches every other one of
/// the process at once, whatever they cached: an administrator without purpose keys beside a
/// service (as `KeyVault::keyring` recommends) stops the service's opens, not only its own.
pub(crate) fn administration_stops_this_process_at_once<V: KeyVault>(make: impl Fn() -> V) {
    let w = World::new(make(), Suite::default());
    let bound = w.vault.keyring().unwrap().unwrap();
    let admin = SubjectKeys::new(Arc::clone(&w.vault), KeySet::new(), bound).unwrap();
    // A time to live of an hour: only an invalidation, not the clock, can stop these.
    let service = w.another_process(Duration::from_secs(3_600));
    let (ada, bob) = (Subject::int(7), Subject::int(8));
    admin.grant(&ada, &Marketing.into(), "form", None).unwrap();
    let email = seal_email(&service, 7);
    assert_eq!(names(&email), ["fulfillment", "marketing"]);
    assert_eq!(
        open_as::<Marketing, _, _>(&service, &email, 7).unwrap(),
        EMAIL
    );
    admin.withdraw(&ada, &Marketing.into()).unwrap();
    assert!(matches!(
        open_as::<Marketing, _, _>(&service, &email, 7),
        Err(Error::ConsentWithdrawn { .. })
    ));
    assert_eq!(
        open_as::<Fulfillment, _, _>(&service, &email, 7).unwrap(),
        EMAIL
    );
    // A cached "no consent" gives way to a grant made elsewhere in the process.
    assert_eq!(names(&seal_email(&service, 8)), ["fulfillment"]);
    admin.grant(&bob, &Marketing.into(), "form", None).unwrap();
    assert_eq!(
        names(&seal_email(&service, 8)),
        ["fulfillment", "marketing"]
    );
    admin.forget(&ada).unwrap();
    assert!(matches!(
        open_as::<Fulfillment, _, _>(&service, &email, 7),
        Err(Error::SubjectErased { .. })
    ));
}

/// A service that does not hold a purpose's key is told so whether or not the subject consented
/// to that purpose: the mistake shows at once, not only for the customers who consented.
pub(crate) fn a_purpose_key_not_held_is_refused_whatever_the_consent<V: KeyVault>(
    make: impl Fn() -> V,
) {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let keys = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
    let service = SubjectKeys::new(make(), keys, keyring.id()).unwrap();
    let (ada, bob) = (Subject::int(7), Subject::int(8));
    service
        .grant(&ada, &Marketing.into(), "form", None)
        .unwrap();
    for (subject, id) in [(&ada, 7), (&bob, 8)] {
        let sealed: Result<Email, _> = service.seal(subject, EMAIL, &ctx(id));
        assert!(
            matches!(sealed, Err(Error::NoKeyForPurpose { ref purpose, .. }) if purpose == "marketing"),
            "subject {id}: {:?}",
            sealed.map(|v| names(&v))
        );
    }
}

/// Every scenario, for one backend.
pub(crate) fn all<V: KeyVault + 'static>(make: impl Fn() -> V) {
    round_trip(&make);
    consent_lifecycle(&make);
    no_copy_without_consent(&make);
    erasure(&make);
    retention(&make);
    rotation_rewraps_without_touching_data(&make);
    retirement_closes_the_version(&make);
    racing_sealers_make_one_key(&make);
    other_processes_follow_within_the_time_to_live(&make);
    wrong_keyring_and_tampered_rows(&make);
    disclosure_to_consenting_subjects_only(&make);
    keyring_binding_reads_back_without_binding(&make);
    administration_stops_this_process_at_once(&make);
    a_purpose_key_not_held_is_refused_whatever_the_consent(&make);
}
