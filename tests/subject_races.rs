//! Subject mode under races within one process: answers read from the vault before a withdrawal
//! or an erasure made through another `SubjectKeys` are not kept after it returned, by the caches
//! or by sessions (a vault that holds one read until told interleaves them exactly).

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::mpsc::{Receiver, Sender, channel};
use std::sync::{Arc, Barrier, Mutex};
use std::time::Duration;

use fieldseal::vault::*;
use fieldseal::{Context, Error, Inspection, KeySet, Keyring, Result, Sealed, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing", consent);

type Email = Sealed<String, (Fulfillment, Marketing)>;
const EMAIL: &str = "ada@example.com";

fn ctx(id: u64) -> Context<'static> {
    Context::new("customer", "email").with_id_int(id)
}

fn keys(keyring: &Keyring) -> KeySet {
    KeySet::from_keyring(keyring, &[Fulfillment.into(), Marketing.into()])
}

/// One process's view of `vault`: an administrator without purpose keys, a service holding both
/// purposes' keys that trusts its cache for an hour (only an invalidation can stop it), and a
/// writer with the same keys, for values the service has not seen.
struct Process<V> {
    keyring: Keyring,
    vault: Arc<V>,
    admin: SubjectKeys<Arc<V>>,
    service: SubjectKeys<Arc<V>>,
    writer: SubjectKeys<Arc<V>>,
}

fn process<V: KeyVault>(vault: V) -> Process<V> {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let vault = Arc::new(vault);
    let with = |keys| SubjectKeys::new(Arc::clone(&vault), keys, keyring.id()).unwrap();
    let admin = with(KeySet::new());
    let service = with(keys(&keyring)).with_cache(1_000, Duration::from_secs(3_600));
    let writer = with(keys(&keyring));
    Process {
        keyring,
        vault,
        admin,
        service,
        writer,
    }
}

/// A vault whose next `read` (once armed) reads, then tells the test and waits until released.
struct Gated<V> {
    inner: V,
    armed: AtomicBool,
    read_done: Mutex<Option<Sender<()>>>,
    go: Mutex<Option<Receiver<()>>>,
    /// Run once, just before the next disclosure is logged: what another process does then.
    before_log: Mutex<Option<Box<dyn FnOnce() + Send>>>,
}

impl<V> Gated<V> {
    fn new(inner: V) -> Self {
        Self {
            inner,
            armed: AtomicBool::new(false),
            read_done: Mutex::new(None),
            go: Mutex::new(None),
            before_log: Mutex::new(None),
        }
    }
    /// Arms the gate: returns (wait for the read, release it).
    fn arm(&self) -> (Receiver<()>, Sender<()>) {
        let (done_tx, done_rx) = channel();
        let (go_tx, go_rx) = channel();
        *self.read_done.lock().unwrap() = Some(done_tx);
        *self.go.lock().unwrap() = Some(go_rx);
        self.armed.store(true, Ordering::SeqCst);
        (done_rx, go_tx)
    }
}

impl<V: KeyVault> KeyVault for Gated<V> {
    fn bind_keyring(&self, id: fieldseal::KeyringId) -> Result<fieldseal::KeyringId> {
        self.inner.bind_keyring(id)
    }
    fn keyring(&self) -> Result<Option<fieldseal::KeyringId>> {
        self.inner.keyring()
    }
    fn read(&self, subject: &[u8], purposes: &[&str]) -> Result<SubjectState> {
        let state = self.inner.read(subject, purposes);
        if self.armed.swap(false, Ordering::SeqCst) {
            let done = self.read_done.lock().unwrap().take().unwrap();
            let go = self.go.lock().unwrap().take().unwrap();
            done.send(()).unwrap();
            go.recv().unwrap();
        }
        state
    }
    fn create(&self, key: &StoredKey, c: bool, now: u64) -> Result<Created> {
        self.inner.create(key, c, now)
    }
    fn grant(&self, consent: &ConsentRecord) -> Result<bool> {
        self.inner.grant(consent)
    }
    fn withdraw(&self, s: &[u8], p: &str, at: u64) -> Result<Withdrawal> {
        self.inner.withdraw(s, p, at)
    }
    fn forget(&self, s: &[u8], at: u64) -> Result<ErasureReceipt> {
        self.inner.forget(s, at)
    }
    fn expire(&self, now: u64, limit: usize) -> Result<Vec<ExpiredKey>> {
        self.inner.expire(now, limit)
    }
    fn keys_after(&self, a: Option<&KeyCursor>, l: usize) -> Result<Vec<StoredKey>> {
        self.inner.keys_after(a, l)
    }
    fn rewrap(&self, o: &StoredKey, n: &StoredKey) -> Result<bool> {
        self.inner.rewrap(o, n)
    }
    fn key_versions(&self) -> Result<Vec<VersionCount>> {
        self.inner.key_versions()
    }
    fn retire_version(&self, v: u32) -> Result<VersionRetirement> {
        self.inner.retire_version(v)
    }
    fn retired_versions(&self) -> Result<Vec<u32>> {
        self.inner.retired_versions()
    }
    fn consents(&self, s: &[u8]) -> Result<Vec<ConsentRecord>> {
        self.inner.consents(s)
    }
    fn log_disclosure(&self, d: &DisclosureRecord) -> Result<DisclosureRecord> {
        if let Some(elsewhere) = self.before_log.lock().unwrap().take() {
            elsewhere();
        }
        self.inner.log_disclosure(d)
    }
    fn disclosures(&self, p: Option<&str>) -> Result<Vec<DisclosureRecord>> {
        self.inner.disclosures(p)
    }
    fn erasures(&self) -> Result<Vec<ErasureReceipt>> {
        self.inner.erasures()
    }
    fn stats(&self) -> Result<VaultStats> {
        self.inner.stats()
    }
}

/// B reads a live key from the vault, A (another SubjectKeys of the process) withdraws before B
/// caches it: after the withdrawal returned, B does not open from its cache.
#[test]
fn open_read_before_withdrawal_elsewhere_is_not_cached() {
    let Process {
        vault,
        admin,
        service,
        writer,
        ..
    } = process(Gated::new(MemoryVault::new()));
    let ada = Subject::int(7);
    admin.grant(&ada, &Marketing.into(), "form", None).unwrap();
    let email: Email = writer.seal(&ada, EMAIL, &ctx(7)).unwrap();
    let (read, go) = vault.arm();
    std::thread::scope(|s| {
        let t = s.spawn(|| service.open::<Marketing, _, _, _>(&email, &ada, &ctx(7)));
        read.recv().unwrap();
        admin.withdraw(&ada, &Marketing.into()).unwrap();
        go.send(()).unwrap();
        let _in_flight = t.join().unwrap();
    });
    assert!(matches!(
        service.open::<Marketing, _, _, _>(&email, &ada, &ctx(7)),
        Err(Error::ConsentWithdrawn { .. })
    ));
}

/// The same with an erasure racing a seal that creates the key.
#[test]
fn seal_read_before_forget_elsewhere_is_not_cached() {
    let Process {
        vault,
        admin,
        service,
        writer,
        ..
    } = process(Gated::new(MemoryVault::new()));
    let ada = Subject::int(7);
    let email: Email = writer.seal(&ada, EMAIL, &ctx(7)).unwrap();
    let (read, go) = vault.arm();
    std::thread::scope(|s| {
        let t = s.spawn(|| service.seal::<String, (Fulfillment, Marketing)>(&ada, EMAIL, &ctx(7)));
        read.recv().unwrap();
        admin.forget(&ada).unwrap();
        go.send(()).unwrap();
        let _ = t.join().unwrap();
    });
    assert!(matches!(
        service.open::<Fulfillment, _, _, _>(&email, &ada, &ctx(7)),
        Err(Error::SubjectErased { .. })
    ));
}

/// Threads: an open loop in B and a withdraw in A, many rounds; after each withdrawal returned and
/// the opener's in-flight call finished, B refuses.
#[test]
fn racing_withdrawals_and_opens_across_subject_keys() {
    let Process { admin, service, .. } = process(MemoryVault::new());
    for round in 0..300u64 {
        let subject = Subject::int(round);
        admin
            .grant(&subject, &Marketing.into(), "form", None)
            .unwrap();
        let email: Email = service.seal(&subject, EMAIL, &ctx(round)).unwrap();
        let barrier = Barrier::new(2);
        let stop = AtomicBool::new(false);
        std::thread::scope(|s| {
            s.spawn(|| {
                barrier.wait();
                while !stop.load(Ordering::SeqCst) {
                    let _ = service.open::<Marketing, _, _, _>(&email, &subject, &ctx(round));
                }
            });
            barrier.wait();
            std::thread::yield_now();
            admin.withdraw(&subject, &Marketing.into()).unwrap();
            stop.store(true, Ordering::SeqCst);
        });
        assert!(
            matches!(
                service.open::<Marketing, _, _, _>(&email, &subject, &ctx(round)),
                Err(Error::ConsentWithdrawn { .. })
            ),
            "round {round}"
        );
    }
}

/// A session stops opening as soon as a withdrawal (and then an erasure) made through another
/// `SubjectKeys` of the process returned.
#[test]
fn a_session_stops_opening_once_this_process_withdraws() {
    let Process { admin, service, .. } = process(MemoryVault::new());
    let ada = Subject::int(7);
    admin.grant(&ada, &Marketing.into(), "form", None).unwrap();
    let email: Email = service.seal(&ada, EMAIL, &ctx(7)).unwrap();
    let session = service.opening_session(&ada).unwrap();
    assert_eq!(
        session.open::<Marketing, _, _, _>(&email, &ctx(7)).unwrap(),
        EMAIL
    );
    admin.withdraw(&ada, &Marketing.into()).unwrap();
    // SubjectKeys refuses at once ...
    assert!(matches!(
        service.open::<Marketing, _, _, _>(&email, &ada, &ctx(7)),
        Err(Error::ConsentWithdrawn { .. })
    ));
    // ... the session opened before the withdrawal must too.
    let after = session.open::<Marketing, _, _, _>(&email, &ctx(7));
    assert!(
        matches!(after, Err(Error::ConsentWithdrawn { .. })),
        "session opened after the withdrawal returned: {after:?}"
    );
    assert_eq!(
        session
            .open::<Fulfillment, _, _, _>(&email, &ctx(7))
            .unwrap(),
        EMAIL
    );
    admin.forget(&ada).unwrap();
    let after = session.open::<Fulfillment, _, _, _>(&email, &ctx(7));
    assert!(
        matches!(after, Err(Error::SubjectErased { .. })),
        "session opened after the erasure returned: {after:?}"
    );
}

/// A sealing session made before a withdrawal (and then an erasure) through another `SubjectKeys`
/// of the process seals as a session made after it would: no copy for the withdrawn purpose, then
/// nothing at all, rather than copies under the keys the vault destroyed.
#[test]
fn a_session_stops_sealing_once_this_process_withdraws() {
    let Process { admin, service, .. } = process(MemoryVault::new());
    let ada = Subject::int(7);
    admin.grant(&ada, &Marketing.into(), "form", None).unwrap();
    let session = service
        .session(&ada, &[Fulfillment.into(), Marketing.into()])
        .unwrap();
    let parts = |email: &Email| Inspection::of_bytes(email.as_bytes()).unwrap().parts;
    let before: Email = session.seal(EMAIL, &ctx(7)).unwrap();
    assert_eq!(
        parts(&before),
        [("fulfillment".to_owned(), 1), ("marketing".to_owned(), 1)]
    );
    admin.withdraw(&ada, &Marketing.into()).unwrap();
    let after: Email = session.seal(EMAIL, &ctx(7)).unwrap();
    assert_eq!(
        parts(&after),
        [("fulfillment".to_owned(), 1)],
        "the session sealed a marketing copy after the withdrawal returned"
    );
    assert_eq!(
        service
            .open::<Fulfillment, _, _, _>(&after, &ada, &ctx(7))
            .unwrap(),
        EMAIL
    );
    admin.forget(&ada).unwrap();
    let after = session.seal::<String, (Fulfillment, Marketing)>(EMAIL, &ctx(7));
    assert!(
        matches!(after, Err(Error::SubjectErased { .. })),
        "the session sealed after the erasure returned: {after:?}"
    );
}

/// The session refreshes only what changed: a withdrawal for another customer leaves Ada's
/// session sealing both copies, which open.
#[test]
fn a_change_for_another_subject_leaves_a_session_sealing() {
    let Process { admin, service, .. } = process(MemoryVault::new());
    let (ada, bob) = (Subject::int(7), Subject::int(8));
    for who in [&ada, &bob] {
        admin.grant(who, &Marketing.into(), "form", None).unwrap();
    }
    let session = service
        .session(&ada, &[Fulfillment.into(), Marketing.into()])
        .unwrap();
    admin.withdraw(&bob, &Marketing.into()).unwrap();
    let email: Email = session.seal(EMAIL, &ctx(7)).unwrap();
    assert_eq!(
        service
            .open::<Marketing, _, _, _>(&email, &ada, &ctx(7))
            .unwrap(),
        EMAIL
    );
}

/// B reads "withdrawn" from the vault, A forgets the subject before B caches the answer: after
/// `forget` returned, B answers SubjectErased, not the withdrawal it read before.
#[test]
fn a_withdrawal_read_before_an_erasure_does_not_outlive_it() {
    let Process {
        vault,
        admin,
        service,
        writer,
        ..
    } = process(Gated::new(MemoryVault::new()));
    let ada = Subject::int(7);
    admin.grant(&ada, &Marketing.into(), "form", None).unwrap();
    let email: Email = writer.seal(&ada, EMAIL, &ctx(7)).unwrap();
    admin.withdraw(&ada, &Marketing.into()).unwrap();
    let (read, go) = vault.arm();
    std::thread::scope(|s| {
        let t = s.spawn(|| service.open::<Marketing, _, _, _>(&email, &ada, &ctx(7)));
        read.recv().unwrap();
        admin.forget(&ada).unwrap();
        go.send(()).unwrap();
        let _in_flight = t.join().unwrap();
    });
    let after = service.open::<Marketing, _, _, _>(&email, &ada, &ctx(7));
    assert!(
        matches!(after, Err(Error::SubjectErased { .. })),
        "after forget returned: {after:?}"
    );
}

/// A service without the marketing key asks about marketing's copy and is told "withdrawn"; after
/// an erasure elsewhere in the process it is told "erased" (no answer is kept for a purpose the
/// service holds no key of: an erasure empties the purposes a cache is registered with).
#[test]
fn an_erasure_reaches_answers_cached_for_purposes_outside_the_key_set() {
    let Process {
        keyring,
        vault,
        admin,
        writer,
        ..
    } = process(MemoryVault::new());
    let fulfillment_only = || KeySet::from_keyring(&keyring, &[Fulfillment.into()]);
    let service = SubjectKeys::new(Arc::clone(&vault), fulfillment_only(), keyring.id()).unwrap();
    let ada = Subject::int(7);
    admin.grant(&ada, &Marketing.into(), "form", None).unwrap();
    let email: Email = writer.seal(&ada, EMAIL, &ctx(7)).unwrap();
    admin.withdraw(&ada, &Marketing.into()).unwrap();
    let before = service.open::<Marketing, _, _, _>(&email, &ada, &ctx(7));
    assert!(
        matches!(before, Err(Error::ConsentWithdrawn { .. })),
        "{before:?}"
    );
    admin.forget(&ada).unwrap();
    // A fresh SubjectKeys with the same keys says SubjectErased ...
    let fresh = SubjectKeys::new(Arc::clone(&vault), fulfillment_only(), keyring.id()).unwrap();
    assert!(matches!(
        fresh.open::<Marketing, _, _, _>(&email, &ada, &ctx(7)),
        Err(Error::SubjectErased { .. })
    ));
    // ... the one that cached the withdrawal before the erasure must too.
    let after = service.open::<Marketing, _, _, _>(&email, &ada, &ctx(7));
    assert!(
        matches!(after, Err(Error::SubjectErased { .. })),
        "after forget returned: {after:?}"
    );
}

fieldseal::purpose!(Acme = "third-party:acme");

/// A customer withdraws her consent to the partner (in another process) after `disclose` asked
/// for it the second time, just before the hand-over is logged: she is not handed over, and the
/// log does not say she was, on a consent she had withdrawn.
fn a_withdrawal_just_before_logging_keeps_the_customer_out<V: KeyVault + 'static>(vault: V) {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let vault = Arc::new(Gated::new(vault));
    let admin = SubjectKeys::new(Arc::clone(&vault), KeySet::new(), keyring.id()).unwrap();
    let (ada, bob) = (Subject::int(1), Subject::int(2));
    for s in [&ada, &bob] {
        admin.grant(s, &Acme.into(), "checkout", None).unwrap();
    }
    let elsewhere = SubjectKeys::new(Arc::clone(&vault), KeySet::new(), keyring.id()).unwrap();
    *vault.before_log.lock().unwrap() = Some(Box::new(move || {
        elsewhere.withdraw(&Subject::int(2), &Acme.into()).unwrap();
    }));
    let disclosure = admin
        .disclose(&Acme.into(), &["email"], &[ada, bob], |s| {
            Ok(s.as_bytes().to_vec())
        })
        .unwrap();
    assert_eq!(disclosure.records, [ada.as_bytes().to_vec()]);
    let logged = admin.disclosures(None).unwrap();
    assert_eq!(logged.len(), 1);
    let subjects: Vec<&[u8]> = logged[0].subjects.iter().map(|s| &s.subject[..]).collect();
    assert_eq!(subjects, [ada.as_bytes()]);
    assert!(logged[0].subjects.iter().all(|s| s.consent.is_active()));
    assert_eq!(logged[0].withheld, 1);
    assert_eq!(disclosure.record, logged[0]);
}

#[test]
fn a_withdrawal_just_before_the_disclosure_is_logged_keeps_the_customer_out() {
    a_withdrawal_just_before_logging_keeps_the_customer_out(MemoryVault::new());
}

#[cfg(feature = "sqlite")]
#[test]
fn a_withdrawal_just_before_the_disclosure_is_logged_keeps_the_customer_out_of_sqlite() {
    let dir = std::env::temp_dir().join(format!("fieldseal-races-{}", std::process::id()));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join("disclose.db");
    a_withdrawal_just_before_logging_keeps_the_customer_out(SqliteVault::open(&file).unwrap());
    std::fs::remove_dir_all(&dir).unwrap();
}
