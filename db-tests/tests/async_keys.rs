//! Async key loading and the reloadable key set (feature `tokio`): loads do not block the
//! runtime, a re-exported bundle is swapped in by `reload` or the file watch, and a reload that
//! fails keeps the keys in force. `Passphrase::from_file` reads as the CLI does.

use std::path::Path;
use std::sync::atomic::{AtomicU32, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use fieldseal::{
    Argon2Params, Context, DynPurpose, Error, KeyBundle, KeyFileError, Keyring, Passphrase,
    ReloadableKeys, Reloaded, Sealed, SharedProtector, Suite,
};

fieldseal::purpose!(Fulfillment = "fulfillment");

const PHRASE: &str = "correct horse battery staple";

fn cheap(phrase: &str) -> Passphrase {
    let params = Argon2Params::new(Argon2Params::MIN_MEMORY_KIB, 2, 1).expect("valid");
    Passphrase::new(phrase.to_owned())
        .expect("not empty")
        .with_params(params)
}

fn protector() -> SharedProtector {
    Arc::new(cheap(PHRASE))
}

fn ctx() -> Context<'static> {
    Context::new("customer", "email").with_id_int(7)
}

fn export(keyring: &Keyring, service: &str) -> KeyBundle {
    keyring
        .export_bundle(service, &[DynPurpose::of::<Fulfillment>()])
        .expect("exports")
}

fn save(keyring: &Keyring, path: &Path, phrase: &str) {
    export(keyring, "fulfillment")
        .save(path, &cheap(phrase))
        .expect("saves");
}

/// A value sealed with the keyring's active version.
fn sealed(keyring: &Keyring) -> Sealed<String, Fulfillment> {
    Sealed::seal(
        "ada@example.com",
        &ctx(),
        &keyring.purpose_key::<Fulfillment>(),
    )
    .expect("seals")
}

/// A copy of a keyring (through its file form: keyrings are not Clone).
fn copy(keyring: &Keyring) -> Keyring {
    let protector = cheap(PHRASE);
    let bytes = keyring.to_protected_bytes(&protector).expect("exports");
    Keyring::from_protected_bytes(&bytes, &protector).expect("imports")
}

fn opens(keys: &ReloadableKeys, value: &Sealed<String, Fulfillment>) -> bool {
    value
        .open_with::<Fulfillment, _>(&keys.current(), &ctx())
        .is_ok()
}

/// On a runtime of one thread, a ticker task keeps running while a bundle with the default
/// Argon2id cost (128 MiB) loads: the work is not on the runtime's thread.
#[test]
fn loading_does_not_block_the_runtime() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let keyring = Keyring::generate(Suite::default()).expect("generates");
    let bundle = dir.path().join("bundle.fskeys");
    let ring = dir.path().join("keyring.fskeys");
    export(&keyring, "fulfillment")
        .save(&bundle, &Passphrase::new(PHRASE.to_owned()).expect("ok"))
        .expect("saves");
    keyring.save(&ring, &cheap(PHRASE)).expect("saves");

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_time()
        .build()
        .expect("a runtime");
    runtime.block_on(async {
        let ticks = Arc::new(AtomicU32::new(0));
        let counter = Arc::clone(&ticks);
        let ticker = tokio::spawn(async move {
            loop {
                tokio::time::sleep(Duration::from_millis(2)).await;
                counter.fetch_add(1, Ordering::Relaxed);
            }
        });
        let protector: SharedProtector = Arc::new(Passphrase::new(PHRASE.to_owned()).expect("ok"));
        let started = Instant::now();
        let loaded = KeyBundle::load_async(&bundle, protector)
            .await
            .expect("loads");
        let took = started.elapsed();
        let during = ticks.load(Ordering::Relaxed);
        ticker.abort();
        assert_eq!(loaded.service(), "fulfillment");
        // The runtime ticked all along: at least a quarter of the ticks it had time for.
        let expected = (took.as_millis() / 2 / 4) as u32;
        assert!(
            during >= expected.max(3),
            "the runtime ticked {during} times in {took:?}: the load blocked it"
        );

        let keyring_back = Keyring::load_async(&ring, protector_for_keyring())
            .await
            .expect("loads");
        assert_eq!(keyring_back.id(), keyring.id());
    });
}

fn protector_for_keyring() -> SharedProtector {
    protector()
}

#[tokio::test]
async fn reload_swaps_in_a_rotated_bundle() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("bundle.fskeys");
    let mut keyring = Keyring::generate(Suite::default()).expect("generates");
    save(&keyring, &path, PHRASE);
    let keys = ReloadableKeys::load_bundle(&path, "fulfillment", protector())
        .await
        .expect("loads");
    let old = sealed(&keyring);
    assert!(opens(&keys, &old));
    assert_eq!(keys.reload().await.expect("reloads"), Reloaded::Unchanged);

    keyring.rotate().expect("rotates");
    let new = sealed(&keyring);
    let before = keys.current();
    assert!(!opens(&keys, &new), "the new version is not loaded yet");

    save(&keyring, &path, PHRASE);
    assert_eq!(keys.reload().await.expect("reloads"), Reloaded::Swapped);
    assert_eq!(keys.generation(), 1);
    assert!(opens(&keys, &new));
    assert!(opens(&keys, &old), "the old version still opens");
    // A key set taken before the swap stays usable by whoever holds it.
    assert!(old.open_with::<Fulfillment, _>(&before, &ctx()).is_ok());
}

/// What a bad file holds (`None`: no file) and what its reload must fail with.
type Case = (&'static str, Option<Vec<u8>>, fn(&Error) -> bool);

#[tokio::test]
async fn a_failed_reload_keeps_the_keys_in_force() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("bundle.fskeys");
    let keyring = Keyring::generate(Suite::default()).expect("generates");
    save(&keyring, &path, PHRASE);
    let good = std::fs::read(&path).expect("reads");
    let keys = ReloadableKeys::load_bundle(&path, "fulfillment", protector())
        .await
        .expect("loads");
    let value = sealed(&keyring);

    let mut rotated = copy(&keyring);
    rotated.rotate().expect("rotates");
    let other_keyring = Keyring::generate(Suite::default()).expect("generates");
    let wrong_passphrase = dir.path().join("wrong");
    save(&rotated, &wrong_passphrase, "another passphrase");
    let other_service = dir.path().join("service");
    export(&rotated, "marketing")
        .save(&other_service, &cheap(PHRASE))
        .expect("saves");
    let foreign = dir.path().join("foreign");
    save(&other_keyring, &foreign, PHRASE);

    let cases: Vec<Case> = vec![
        ("truncated", Some(good[..good.len() / 2].to_vec()), |e| {
            matches!(e, Error::KeyFile(KeyFileError::Truncated { .. }))
        }),
        ("not a key file", Some(b"hello".to_vec()), |e| {
            matches!(
                e,
                Error::KeyFile(KeyFileError::NotAKeyFile | KeyFileError::Truncated { .. })
            )
        }),
        (
            "wrong passphrase",
            Some(std::fs::read(&wrong_passphrase).expect("reads")),
            |e| matches!(e, Error::KeyFile(KeyFileError::WrongPassphrase)),
        ),
        (
            "another service",
            Some(std::fs::read(&other_service).expect("reads")),
            |e| e.to_string().contains("marketing"),
        ),
        (
            "another keyring",
            Some(std::fs::read(&foreign).expect("reads")),
            |e| e.to_string().contains("keyring"),
        ),
        ("missing", None, |e| {
            matches!(e, Error::KeyFile(KeyFileError::Io { .. }))
        }),
    ];
    for (what, content, expected) in cases {
        match content {
            Some(bytes) => std::fs::write(&path, bytes).expect("writes"),
            None => std::fs::remove_file(&path).expect("removes"),
        }
        let error = keys.reload().await.expect_err(what);
        assert!(expected(&error), "{what}: {error:?}");
        assert!(!error.to_string().contains(PHRASE), "{what}: {error}");
        assert_eq!(keys.generation(), 0, "{what}: the keys were swapped");
        assert!(opens(&keys, &value), "{what}: the keys in force were lost");
    }
    // Once the file is good again, it loads (its checksum is the loaded one: nothing to do).
    std::fs::write(&path, &good).expect("writes");
    assert_eq!(keys.reload().await.expect("reloads"), Reloaded::Unchanged);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_watch_reloads_a_changed_file_and_reports_failures() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("bundle.fskeys");
    let mut keyring = Keyring::generate(Suite::default()).expect("generates");
    save(&keyring, &path, PHRASE);
    let keys = Arc::new(
        ReloadableKeys::load_bundle(&path, "fulfillment", protector())
            .await
            .expect("loads"),
    );
    let reports: Arc<Mutex<Vec<Result<Reloaded, String>>>> = Arc::default();
    let sink = Arc::clone(&reports);
    let watch = keys.watch(Duration::from_millis(20), move |outcome| {
        sink.lock()
            .expect("not poisoned")
            .push(outcome.map_err(|e| e.to_string()));
    });

    keyring.rotate().expect("rotates");
    save(&keyring, &path, PHRASE);
    let new = sealed(&keyring);
    wait_for(|| keys.generation() == 1).await;
    assert!(opens(&keys, &new));

    std::fs::write(&path, b"truncated").expect("writes");
    wait_for(|| reports.lock().expect("not poisoned").len() >= 2).await;
    assert!(opens(&keys, &new), "a bad file kept the keys in force");
    let seen = reports.lock().expect("not poisoned").clone();
    assert_eq!(seen[0], Ok(Reloaded::Swapped));
    assert!(seen[1].is_err(), "{seen:?}");

    drop(watch);
    keyring.rotate().expect("rotates");
    std::fs::remove_file(&path).expect("removes"); // save refuses to overwrite a non-bundle
    save(&keyring, &path, PHRASE);
    tokio::time::sleep(Duration::from_millis(200)).await;
    assert_eq!(keys.generation(), 1, "a dropped watch stopped watching");
}

async fn wait_for(mut done: impl FnMut() -> bool) {
    let deadline = Instant::now() + Duration::from_secs(20);
    while !done() {
        assert!(Instant::now() < deadline, "timed out");
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
}

#[test]
fn passphrase_from_file_reads_the_first_line_as_the_cli_does() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let keyring = Keyring::generate(Suite::default()).expect("generates");
    let bundle = dir.path().join("bundle.fskeys");
    export(&keyring, "fulfillment")
        .save(&bundle, &cheap(PHRASE))
        .expect("saves");
    let file = dir.path().join("passphrase");
    let load = |content: &[u8]| {
        std::fs::write(&file, content).expect("writes");
        Passphrase::from_file(&file).and_then(|p| KeyBundle::load(&bundle, &p))
    };
    for good in [
        PHRASE.to_owned(),
        format!("{PHRASE}\n"),
        format!("{PHRASE}\r\n"),
        format!("{PHRASE}\nsecond line\n"),
    ] {
        load(good.as_bytes()).unwrap_or_else(|e| panic!("{good:?}: {e}"));
    }
    // Spaces belong to the passphrase, as in the CLI.
    let spaced = load(format!("{PHRASE} \n").as_bytes()).expect_err("another passphrase");
    assert!(matches!(
        spaced,
        Error::KeyFile(KeyFileError::WrongPassphrase)
    ));

    let long = "x".repeat(Passphrase::MAX_FILE_LEN + 1);
    for (what, bad) in [
        ("empty", b"".to_vec()),
        ("empty first line", b"\nsecret\n".to_vec()),
        ("not UTF-8", b"\xff\xfe secret\n".to_vec()),
        ("no newline within the cap", long.clone().into_bytes()),
    ] {
        let error = load(&bad).expect_err(what);
        assert!(
            matches!(error, Error::KeyFile(KeyFileError::BadProtector(_))),
            "{what}: {error:?}"
        );
        let text = error.to_string();
        assert!(
            text.contains("first line") || text.contains("empty"),
            "{what}: {text}"
        );
        assert!(
            !text.contains("secret") && !text.contains("xxxx"),
            "{what}: {text}"
        );
    }
    let missing = Passphrase::from_file(dir.path().join("none")).expect_err("missing");
    assert!(matches!(missing, Error::KeyFile(KeyFileError::Io { .. })));
}

/// A file damaged on disk (a byte flipped in its body, its trailing checksum left as it was)
/// fails to load; its reload must say so too, not answer "unchanged" from the last 32 bytes.
#[tokio::test]
async fn a_reload_of_a_file_damaged_in_the_middle_is_reported() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let path = dir.path().join("bundle.fskeys");
    let keyring = Keyring::generate(Suite::default()).expect("generates");
    save(&keyring, &path, PHRASE);
    let keys = ReloadableKeys::load_bundle(&path, "fulfillment", protector())
        .await
        .expect("loads");
    let mut bytes = std::fs::read(&path).expect("reads");
    let middle = bytes.len() / 2;
    bytes[middle] ^= 1;
    std::fs::write(&path, &bytes).expect("writes");
    assert!(
        KeyBundle::load(&path, &cheap(PHRASE)).is_err(),
        "the file no longer loads"
    );

    let outcome = keys.reload().await;
    assert!(outcome.is_err(), "a damaged file is reported: {outcome:?}");
    assert!(opens(&keys, &sealed(&keyring)), "the keys in force stay");
}
