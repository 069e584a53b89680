//! A reloadable service's keys record through an auditor, as a key set does: every key set
//! `current` hands out, before and after a reload, and each load swapped in.
#![cfg(feature = "tokio")]

#[path = "common/events.rs"]
mod events;

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use events::{Breaks, ops};
use fieldseal::audit::{Auditor, MemorySink};
use fieldseal::{
    Context, DynPurpose, Error, Kek, Keyring, ReloadableKeys, Reloaded, Sealed, SecretKey,
    SharedProtector, Suite,
};

fieldseal::purpose!(Fulfillment = "fulfillment");

fn ctx() -> Context<'static> {
    Context::new("customer", "email").with_id_int(7)
}

struct Setup {
    dir: std::path::PathBuf,
    path: std::path::PathBuf,
    kek: Arc<Kek>,
    keyring: Keyring,
}

impl Setup {
    fn new(name: &str) -> Self {
        let dir = std::env::temp_dir().join(format!(
            "fieldseal-reload-audit-{name}-{}",
            std::process::id()
        ));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let setup = Self {
            path: dir.join("fulfillment.fskeys"),
            dir,
            kek: Arc::new(Kek::new(SecretKey::generate().unwrap())),
            keyring: Keyring::generate(Suite::default()).unwrap(),
        };
        setup.save();
        setup
    }

    fn save(&self) {
        self.keyring
            .export_bundle("fulfillment", &[DynPurpose::of::<Fulfillment>()])
            .unwrap()
            .save(&self.path, &*self.kek)
            .unwrap();
    }

    async fn load(&self) -> ReloadableKeys {
        let protector: SharedProtector = self.kek.clone();
        ReloadableKeys::load_bundle(&self.path, "fulfillment", protector)
            .await
            .unwrap()
    }
}

impl Drop for Setup {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_current_thread()
        .build()
        .unwrap()
}

#[test]
fn seals_and_opens_before_and_after_a_reload_are_recorded() {
    runtime().block_on(async {
        let mut setup = Setup::new("recorded");
        let sink = Arc::new(MemorySink::new());
        let keys = setup
            .load()
            .await
            .with_auditor(Auditor::new(Arc::clone(&sink), "fulfillment"))
            .unwrap();
        let email: Sealed<String, Fulfillment> =
            keys.current().seal("ada@example.com", &ctx()).unwrap();
        assert_eq!(
            email
                .open_with::<Fulfillment, _>(&keys.current(), &ctx())
                .unwrap(),
            "ada@example.com"
        );
        assert_eq!(ops(&sink), ["key-set-load ok", "seal ok", "open ok"]);

        setup.keyring.rotate().unwrap();
        setup.save();
        assert_eq!(keys.reload().await.unwrap(), Reloaded::Swapped);
        assert_eq!(keys.reload().await.unwrap(), Reloaded::Unchanged);
        email
            .open_with::<Fulfillment, _>(&keys.current(), &ctx())
            .unwrap();
        assert_eq!(
            ops(&sink),
            [
                "key-set-load ok",
                "seal ok",
                "open ok",
                "key-set-load ok",
                "open ok"
            ],
            "the reloaded keys opened without an event, or the unchanged reload recorded a load"
        );
    });
}

/// While the auditor cannot record, a reload is refused and the keys in force stay; once it
/// can, the same file is swapped in.
#[test]
fn a_load_that_cannot_be_recorded_is_not_swapped_in() {
    runtime().block_on(async {
        let mut setup = Setup::new("closed");
        let sink = Arc::new(Breaks(AtomicBool::new(false)));
        let keys = setup
            .load()
            .await
            .with_auditor(Auditor::new(Arc::clone(&sink), "fulfillment"))
            .unwrap();
        setup.keyring.rotate().unwrap();
        setup.save();
        sink.0.store(true, Ordering::SeqCst);
        let refused = keys.reload().await;
        assert!(matches!(refused, Err(Error::Audit(_))), "{refused:?}");
        assert_eq!(keys.generation(), 0, "unrecorded keys were swapped in");
        sink.0.store(false, Ordering::SeqCst);
        assert_eq!(keys.reload().await.unwrap(), Reloaded::Swapped);
        assert_eq!(keys.generation(), 1);
    });
}

#[test]
fn an_auditor_that_cannot_record_the_first_load_is_refused() {
    runtime().block_on(async {
        let setup = Setup::new("first");
        let sink = Arc::new(Breaks(AtomicBool::new(true)));
        let refused = setup
            .load()
            .await
            .with_auditor(Auditor::new(sink, "fulfillment"));
        assert!(matches!(refused, Err(Error::Audit(_))), "{refused:?}");
    });
}

/// A protector that counts its unwraps.
struct Counting {
    kek: Kek,
    unwraps: std::sync::atomic::AtomicUsize,
}

impl fieldseal::KeyProtector for Counting {
    fn id(&self) -> &str {
        fieldseal::KeyProtector::id(&self.kek)
    }
    fn wrap(&self, key: &SecretKey, aad: &[u8]) -> fieldseal::Result<Vec<u8>> {
        self.kek.wrap(key, aad)
    }
    fn unwrap(&self, wrapped: &[u8], aad: &[u8]) -> fieldseal::Result<SecretKey> {
        self.unwraps.fetch_add(1, Ordering::SeqCst);
        self.kek.unwrap(wrapped, aad)
    }
}

/// A file a reload refused (here, under another key) is not opened again at every poll while it
/// stays the same: a bundle asking for heavy key derivation, or swapped by mistake, would cost
/// that work each time. A changed file is tried again.
#[test]
fn a_refused_file_is_not_opened_again_until_it_changes() {
    runtime().block_on(async {
        let setup = Setup::new("refused");
        let counting = Arc::new(Counting {
            kek: Kek::new(SecretKey::generate().unwrap()),
            unwraps: std::sync::atomic::AtomicUsize::new(0),
        });
        // The service's bundle, saved under the counting key.
        let save = || {
            setup
                .keyring
                .export_bundle("fulfillment", &[DynPurpose::of::<Fulfillment>()])
                .unwrap()
                .save(&setup.path, &counting.kek)
                .unwrap();
        };
        save();
        let protector: SharedProtector = counting.clone();
        let keys = ReloadableKeys::load_bundle(&setup.path, "fulfillment", protector)
            .await
            .unwrap();
        assert_eq!(keys.keyring(), setup.keyring.id());
        // Someone saves the bundle under another key.
        setup.save();
        let before = counting.unwraps.load(Ordering::SeqCst);
        assert!(keys.reload().await.is_err());
        assert_eq!(counting.unwraps.load(Ordering::SeqCst), before + 1);
        let again = keys.reload().await;
        assert!(
            matches!(&again, Err(e) if e.to_string().contains("refused before")),
            "{again:?}"
        );
        assert_eq!(
            counting.unwraps.load(Ordering::SeqCst),
            before + 1,
            "the same refused file was opened again"
        );
        // Put right: saved again under the service's key, it is tried and swapped in.
        save();
        assert_eq!(keys.reload().await.unwrap(), Reloaded::Swapped);
    });
}

/// A reloadable service gets its audit key from the bundle it loaded, without loading it again:
/// `None` before the keyring had one; with one, the service's own, which opens the service's log
/// and verifies what the key sets handed out recorded there.
#[test]
fn the_bundles_audit_key_opens_the_services_own_log() {
    runtime().block_on(async {
        let mut setup = Setup::new("audit-key");
        assert!(setup.load().await.audit_key().is_none());
        setup.keyring.rotate_audit_key().unwrap();
        setup.save();
        let keys = setup.load().await;
        let key = keys.audit_key().expect("the bundle's audit key").share();
        assert_eq!(key.service(), "fulfillment");
        #[cfg(feature = "audit-log")]
        {
            use fieldseal::audit::{AuditSink as _, FileSink, FileSinkOptions};
            let dir = setup.dir.join("log");
            let sink = Arc::new(FileSink::open(&dir, &key, FileSinkOptions::default()).unwrap());
            let keys = keys
                .with_auditor(Auditor::new(Arc::clone(&sink), "fulfillment"))
                .unwrap();
            let _: Sealed<String, Fulfillment> =
                keys.current().seal("ada@example.com", &ctx()).unwrap();
            sink.flush().unwrap();
            let files = fieldseal::audit::log_files(&dir).unwrap();
            let report = fieldseal::audit::verify(&files, &key, None).unwrap();
            assert!(report.is_intact(), "{report:?}");
            assert_eq!(report.events, 2, "the load and the seal");
        }
    });
}
