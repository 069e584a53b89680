//! Subject mode with several processes on one SQLite vault. "Another process" is a
//! `SqliteVault` handle of its own on the same file whose changes are made through `KeyVault`
//! directly (no `SubjectKeys` of this process hears of them: exactly what a change made by another
//! process looks like, SECURITY.md "Other processes' caches"), or a `SubjectKeys` over a handle
//! of its own with its own (stale) bundle.

mod common;

use std::path::PathBuf;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use common::vault_suite::{Acme, EMAIL, Fulfillment, Marketing, all_purposes, ctx};
use fieldseal::vault::{KeyVault, SqliteVault, Subject, SubjectKeys};
use fieldseal::{DynPurpose, Error, KeySet, Keyring, Sealed, Suite};

type Email = Sealed<String, Fulfillment>;
type Both = Sealed<String, (Fulfillment, Marketing)>;

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str) -> Self {
        let path = std::env::temp_dir().join(format!(
            "fieldseal-vault-procs-{}-{name}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&path);
        std::fs::create_dir_all(&path).unwrap();
        Self(path)
    }

    fn db(&self) -> PathBuf {
        self.0.join("vault.db")
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

/// A service of this process over a handle of its own, trusting nothing cached (time to live 0:
/// SECURITY.md, "0 asks the vault on every seal and open").
fn service(keyring: &Keyring, db: &PathBuf) -> SubjectKeys<SqliteVault> {
    SubjectKeys::new(
        SqliteVault::open(db).unwrap(),
        KeySet::from_keyring(keyring, &all_purposes()),
        keyring.id(),
    )
    .unwrap()
    .with_cache(1_000, Duration::ZERO)
}

/// Changes made by other processes reach a session as they reach the cache: after its time to
/// live (0 here). After another process forgot the customer, a session made before neither opens
/// her data nor seals for her under the destroyed keys (it did, as long as it lived, before it
/// followed the time to live).
#[test]
fn a_session_follows_another_process_erasure_after_the_time_to_live() {
    let dir = Dir::new("session");
    let db = dir.db();
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let subjects = service(&keyring, &db);
    let other_process = SqliteVault::open(&db).unwrap();
    let ada = Subject::int(7);
    let email: Email = subjects.seal(&ada, EMAIL, &ctx(7)).unwrap();
    let session = subjects.session(&ada, &[Fulfillment.into()]).unwrap();
    assert_eq!(
        session
            .open::<Fulfillment, _, _, _>(&email, &ctx(7))
            .unwrap(),
        EMAIL
    );

    // Another process forgets Ada (right to erasure).
    other_process.forget(ada.as_bytes(), now()).unwrap();
    // Wait out any time to live at all (it is 0 here).
    std::thread::sleep(Duration::from_millis(20));

    // The session opens first (so that nothing this process does in between could matter).
    let by_session = session.open::<Fulfillment, _, _, _>(&email, &ctx(7));
    let sealed_by_session = session.seal::<String, Fulfillment>("new@example.com", &ctx(7));
    let plain = subjects.open::<Fulfillment, _, _, _>(&email, &ada, &ctx(7));
    assert!(
        matches!(plain, Err(Error::SubjectErased { .. })),
        "{plain:?}"
    );
    let sealed_by_session = sealed_by_session.map(|s| s.key_versions());
    assert!(
        matches!(by_session, Err(Error::SubjectErased { .. }))
            && matches!(sealed_by_session, Err(Error::SubjectErased { .. })),
        "a session made before another process's erasure, past the time to live (0), still \
         opens the erased customer's data: {by_session:?}, and still seals for her under the \
         destroyed key: {sealed_by_session:?}"
    );
}

/// The same for a withdrawal: after another process withdrew Ada's marketing consent, a session
/// (time to live 0) still opens her marketing copy.
#[test]
fn a_session_follows_another_process_withdrawal_after_the_time_to_live() {
    let dir = Dir::new("session-withdraw");
    let db = dir.db();
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let subjects = service(&keyring, &db);
    let other_process = SqliteVault::open(&db).unwrap();
    let ada = Subject::int(7);
    subjects
        .grant(&ada, &Marketing.into(), "form", None)
        .unwrap();
    let email: Both = subjects.seal(&ada, EMAIL, &ctx(7)).unwrap();
    let session = subjects.opening_session(&ada).unwrap();
    assert_eq!(
        session.open::<Marketing, _, _, _>(&email, &ctx(7)).unwrap(),
        EMAIL
    );
    other_process
        .withdraw(ada.as_bytes(), "marketing", now())
        .unwrap();
    std::thread::sleep(Duration::from_millis(20));
    let by_session = session.open::<Marketing, _, _, _>(&email, &ctx(7));
    assert!(
        matches!(
            subjects.open::<Marketing, _, _, _>(&email, &ada, &ctx(7)),
            Err(Error::ConsentWithdrawn { .. })
        ),
        "the plain open stops"
    );
    assert!(
        matches!(by_session, Err(Error::ConsentWithdrawn { .. })),
        "a session still opens the marketing copy after another process's withdrawal, past the \
         time to live (0): {by_session:?}"
    );
}

/// A customer who withdraws her consent to a partner while a disclosure batch is being made (here,
/// through another process, while the next customer's record is made) is not handed over, and the
/// log counts her as withheld (before, her record was returned and logged as disclosed on the
/// consent she had withdrawn).
#[test]
fn a_customer_who_withdraws_during_a_disclosure_batch_is_not_handed_over() {
    let dir = Dir::new("disclose");
    let db = dir.db();
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let subjects = service(&keyring, &db);
    let other_process = SqliteVault::open(&db).unwrap();
    let (ada, bob) = (Subject::int(7), Subject::int(8));
    let partner: DynPurpose = Acme.into();
    for s in [&ada, &bob] {
        subjects.grant(s, &partner, "form", None).unwrap();
    }
    let mut withdrawn_at = None;
    let disclosure = subjects
        .disclose(&partner, &["email"], &[ada, bob], |s| {
            if s.as_bytes() == Subject::int(8).as_bytes() {
                // Meanwhile, the call centre (another process) records Ada's objection.
                let at = now();
                other_process
                    .withdraw(Subject::int(7).as_bytes(), "third-party:acme", at)
                    .unwrap();
                withdrawn_at = Some(at);
            }
            Ok(s.as_bytes().to_vec())
        })
        .unwrap();
    let withdrawn_at = withdrawn_at.unwrap();
    let ada_now = &other_process.consents(Subject::int(7).as_bytes()).unwrap()[0];
    assert_eq!(ada_now.withdrawn, Some(withdrawn_at));
    assert!(disclosure.record.at >= withdrawn_at);
    let handed_ada = disclosure
        .records
        .iter()
        .any(|r| r == Subject::int(7).as_bytes());
    let logged = disclosure
        .record
        .subjects
        .iter()
        .find(|d| d.subject == Subject::int(7).as_bytes())
        .map(|d| d.consent.withdrawn);
    assert!(
        !handed_ada,
        "Ada's record is handed to the partner by a disclosure logged at {} though her consent was \
         withdrawn at {withdrawn_at}; the log says the consent relied on was {logged:?} \
         (withdrawn: None)",
        disclosure.record.at
    );
    assert_eq!(logged, None, "the log lists Ada as disclosed");
    assert_eq!(disclosure.record.withheld, 1);
    assert_eq!(disclosure.records, [Subject::int(8).as_bytes().to_vec()]);
}

/// The checkpoint after a destruction holds the write lock while it waits for other connections'
/// readers. Behind a long read in a third process (a `VACUUM INTO` backup, a report), it waited
/// the whole busy timeout, and another process sealing a new customer's first value failed with
/// `Busy` meanwhile; it waits 20 ms now, and the WAL is emptied once the read ends.
#[test]
fn a_withdrawal_behind_a_long_read_does_not_block_other_processes_sealing() {
    use fieldseal::vault::SqliteOptions;
    use std::time::Instant;
    let dir = Dir::new("checkpoint");
    let db = dir.db();
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let admin = SubjectKeys::new(
        SqliteVault::open_with(
            &db,
            SqliteOptions::new().busy_timeout(Duration::from_secs(3)),
        )
        .unwrap(),
        KeySet::from_keyring(&keyring, &all_purposes()),
        keyring.id(),
    )
    .unwrap();
    let till = SubjectKeys::new(
        SqliteVault::open_with(
            &db,
            SqliteOptions::new().busy_timeout(Duration::from_secs(1)),
        )
        .unwrap(),
        KeySet::from_keyring(&keyring, &all_purposes()),
        keyring.id(),
    )
    .unwrap();
    let ada = Subject::int(7);
    admin.grant(&ada, &Marketing.into(), "form", None).unwrap();
    let _: Both = admin.seal(&ada, EMAIL, &ctx(7)).unwrap();
    // A long read in a third process (a backup, a report).
    let reader = rusqlite::Connection::open(&db).unwrap();
    reader
        .execute_batch("BEGIN; SELECT count(*) FROM slots;")
        .unwrap();
    let (withdrew, sealed) = std::thread::scope(|s| {
        let withdraw = s.spawn(|| {
            let started = Instant::now();
            admin.withdraw(&ada, &Marketing.into()).unwrap();
            started.elapsed()
        });
        std::thread::sleep(Duration::from_millis(300));
        let seal = s.spawn(|| {
            let started = Instant::now();
            let r = till.seal::<String, Fulfillment>(&Subject::int(8), EMAIL, &ctx(8));
            (r.map(|_| ()), started.elapsed())
        });
        (withdraw.join().unwrap(), seal.join().unwrap())
    });
    reader.execute_batch("COMMIT").unwrap();
    assert!(
        sealed.0.is_ok(),
        "another process's seal of a new customer failed after {:?} with {:?} while a withdrawal \
         (which took {withdrew:?}) waited in its checkpoint for a reader",
        sealed.1,
        sealed.0
    );
    // The WAL kept the withdrawn key behind the read; a write of the withdrawing process a second
    // later empties it.
    let wal = PathBuf::from(format!("{}-wal", db.display()));
    assert!(std::fs::metadata(&wal).unwrap().len() > 0);
    std::thread::sleep(Duration::from_millis(1_100));
    admin
        .grant(&Subject::int(9), &Marketing.into(), "form", None)
        .unwrap();
    assert_eq!(
        std::fs::metadata(&wal).unwrap().len(),
        0,
        "the WAL was not emptied once the read ended"
    );
}
