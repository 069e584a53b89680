//! Two reloads of one `ReloadableKeys` at once (the watch's poll and an explicit reload, say):
//! the one that read the older file never replaces the keys of the one that read the newer
//! file, so once a reload that loaded a retirement returned `Swapped`, the retired version does
//! not open again.
#![cfg(feature = "tokio")]

use std::sync::mpsc;
use std::sync::{Arc, Mutex};

use fieldseal::{
    Context, DynPurpose, Error, Kek, KeyProtector, Keyring, ReloadableKeys, Reloaded, Sealed,
    SecretKey, SharedProtector, Suite,
};

fieldseal::purpose!(Fulfillment = "fulfillment");

/// A `Kek` whose next unwrap, once armed, says it started and then waits to be released: it
/// holds one reload between reading the file and swapping its keys in.
struct Gated {
    kek: Kek,
    gate: Mutex<Option<(mpsc::Sender<()>, mpsc::Receiver<()>)>>,
}

impl KeyProtector for Gated {
    fn id(&self) -> &str {
        self.kek.id()
    }
    fn wrap(&self, file_key: &SecretKey, aad: &[u8]) -> fieldseal::Result<Vec<u8>> {
        self.kek.wrap(file_key, aad)
    }
    fn unwrap(&self, wrapped: &[u8], aad: &[u8]) -> fieldseal::Result<SecretKey> {
        let gate = self.gate.lock().unwrap().take();
        if let Some((entered, release)) = gate {
            entered.send(()).unwrap();
            release.recv().unwrap();
        }
        self.kek.unwrap(wrapped, aad)
    }
}

fn ctx() -> Context<'static> {
    Context::new("customer", "email").with_id_int(7)
}

#[test]
fn an_older_reload_finishing_last_does_not_bring_back_a_retired_version() {
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .unwrap();
    rt.block_on(async {
        let dir =
            std::env::temp_dir().join(format!("fieldseal-reload-race-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).unwrap();
        let path = dir.join("fulfillment.fskeys");
        let gated = Arc::new(Gated {
            kek: Kek::new(SecretKey::generate().unwrap()),
            gate: Mutex::new(None),
        });
        let protector: SharedProtector = gated.clone();
        let purposes = [DynPurpose::of::<Fulfillment>()];
        let save = |keyring: &Keyring| {
            keyring
                .export_bundle("fulfillment", &purposes)
                .unwrap()
                .save(&path, &*gated)
                .unwrap();
        };

        // Bundle 1: v1 only. A value sealed under v1.
        let mut keyring = Keyring::generate(Suite::default()).unwrap();
        save(&keyring);
        let old: Sealed<String, Fulfillment> = Sealed::seal(
            "ada@example.com",
            &ctx(),
            &keyring.purpose_key::<Fulfillment>(),
        )
        .unwrap();
        let keys = Arc::new(
            ReloadableKeys::load_bundle(&path, "fulfillment", protector)
                .await
                .unwrap(),
        );

        // Bundle 2: v1 decrypt-only, v2 active. Reload A reads it, and is held in its unwrap.
        keyring.rotate().unwrap();
        save(&keyring);
        let (entered_tx, entered_rx) = mpsc::channel();
        let (release_tx, release_rx) = mpsc::channel();
        *gated.gate.lock().unwrap() = Some((entered_tx, release_rx));
        let a = tokio::spawn({
            let keys = Arc::clone(&keys);
            async move { keys.reload().await }
        });
        // Let the spawned task start its blocking read, then wait for it inside the unwrap.
        while entered_rx.try_recv().is_err() {
            tokio::time::sleep(std::time::Duration::from_millis(5)).await;
        }

        // Bundle 3: v1 retired. Reload B loads it, and says so.
        keyring.retire(1).unwrap();
        save(&keyring);
        assert_eq!(keys.reload().await.unwrap(), Reloaded::Swapped);
        assert!(
            matches!(
                old.open_with::<Fulfillment, _>(&keys.current(), &ctx()),
                Err(Error::RetiredKeyVersion { version: 1, .. })
            ),
            "bundle 3 is in force: v1 is retired"
        );

        // Reload A, which read bundle 2 before bundle 3 was written, now finishes.
        release_tx.send(()).unwrap();
        let a = a.await.unwrap();
        println!("reload A returned {a:?}, generation {}", keys.generation());

        // The newest file on disk is bundle 3, and a reload of it was reported done: v1 must
        // stay retired in the keys in force.
        let reopened = old.open_with::<Fulfillment, _>(&keys.current(), &ctx());
        let _ = std::fs::remove_dir_all(&dir);
        assert!(
            reopened.is_err(),
            "the retired version 1 opens again: an older reload overwrote the newer keys"
        );
    });
}
