//! Key administration through the library under stress: administrators racing each other on one
//! keyring file, files that never end or ask for too much work, and bundles of another keyring.

use std::fs::{self, File};
use std::path::PathBuf;
use std::sync::{Arc, Barrier};
use std::time::{Duration, Instant};

use fieldseal::{
    Argon2Params, Context, DynPurpose, Error, Kek, KeyBundle, KeyFileError, Keyring, KeyringId,
    KeyringLock, Passphrase, Sealed, SecretKey, Suite,
};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

fieldseal::purpose!(Marketing = "marketing");

fn kek() -> Kek {
    Kek::new(SecretKey::from_bytes(Zeroizing::new([0x5a; 32])))
}

fn cheap(phrase: &str) -> Passphrase {
    let params = Argon2Params::new(Argon2Params::MIN_MEMORY_KIB, 2, 1).unwrap();
    Passphrase::new(phrase.to_owned())
        .unwrap()
        .with_params(params)
}

fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("fieldseal-admin-lib-{name}-{}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn key_file_error<T: std::fmt::Debug>(result: fieldseal::Result<T>) -> KeyFileError {
    match result {
        Err(Error::KeyFile(e)) => e,
        other => panic!("expected a key file error, got {other:?}"),
    }
}

/// `Keyring::update` from many threads at once: every change lands, one after the other.
#[test]
fn updates_racing_each_other_all_land() {
    const THREADS: u32 = 8;
    const EACH: u32 = 3;
    let dir = scratch("update");
    let path = dir.join("keyring.fsk");
    Keyring::generate(Suite::default())
        .unwrap()
        .save(&path, &kek())
        .unwrap();
    let start = Arc::new(Barrier::new(THREADS as usize));
    let threads: Vec<_> = (0..THREADS)
        .map(|_| {
            let (path, start) = (path.clone(), Arc::clone(&start));
            std::thread::spawn(move || {
                start.wait();
                for _ in 0..EACH {
                    Keyring::update(&path, &kek(), Keyring::rotate).unwrap();
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    let keyring = Keyring::load(&path, &kek()).unwrap();
    assert_eq!(
        keyring.versions(),
        (1..=1 + THREADS * EACH).collect::<Vec<_>>()
    );

    // A change that fails saves nothing.
    let before = fs::read(&path).unwrap();
    let err = Keyring::update(&path, &kek(), |k| {
        k.rotate()?;
        k.retire(k.active_version()) // refused: the active version
    })
    .unwrap_err();
    assert!(matches!(err, Error::Keyring(_)), "{err:?}");
    assert_eq!(fs::read(&path).unwrap(), before);
    fs::remove_dir_all(dir).unwrap();
}

/// Plain `load` and `save` racing: a save is refused when another landed since the load, and a
/// save that reports success is never undone. (Without the lock around the save's check and
/// rename, two saves could both pass the check and one be lost.)
#[test]
fn plain_saves_racing_each_other_are_refused_never_lost() {
    const THREADS: usize = 6;
    const ROUNDS: usize = 10;
    let dir = scratch("plain-save");
    let path = dir.join("keyring.fsk");
    Keyring::generate(Suite::default())
        .unwrap()
        .save(&path, &kek())
        .unwrap();
    let mut kept = 1;
    for round in 0..ROUNDS {
        let start = Arc::new(Barrier::new(THREADS));
        let threads: Vec<_> = (0..THREADS)
            .map(|_| {
                let (path, start) = (path.clone(), Arc::clone(&start));
                std::thread::spawn(move || {
                    let mut keyring = Keyring::load(&path, &kek()).unwrap();
                    let version = keyring.rotate().unwrap();
                    let root = *keyring.dangerous_root_key(version).unwrap().expose_secret();
                    start.wait();
                    match keyring.save(&path, &kek()) {
                        Ok(()) => Some(root),
                        Err(Error::KeyFile(KeyFileError::WouldOverwrite { .. })) => None,
                        Err(e) => panic!("{e}"),
                    }
                })
            })
            .collect();
        let saved: Vec<[u8; 32]> = threads
            .into_iter()
            .filter_map(|t| t.join().unwrap())
            .collect();
        assert_eq!(
            saved.len(),
            1,
            "round {round}: one save wins, the others are refused"
        );
        kept += 1;
        let keyring = Keyring::load(&path, &kek()).unwrap();
        assert_eq!(keyring.versions().len(), kept, "round {round}");
        let last = keyring.active_version();
        assert_eq!(
            keyring.dangerous_root_key(last).unwrap().expose_secret(),
            &saved[0],
            "round {round}: the save that reported success was undone"
        );
    }
    fs::remove_dir_all(dir).unwrap();
}

/// A keyring loaded with `load_locked` keeps every other administrator out until dropped.
#[test]
fn a_locked_keyring_holds_the_lock_until_dropped() {
    let dir = scratch("locked");
    let path = dir.join("keyring.fsk");
    Keyring::generate(Suite::default())
        .unwrap()
        .save(&path, &kek())
        .unwrap();
    let mut locked = Keyring::load_locked(&path, &kek()).unwrap();
    assert!(KeyringLock::try_acquire(&path).unwrap().is_none());
    let waiting = std::thread::spawn({
        let path = path.clone();
        move || Keyring::update(&path, &kek(), Keyring::rotate).unwrap()
    });
    std::thread::sleep(Duration::from_millis(300));
    let mine = locked.rotate().unwrap();
    let root = *locked.dangerous_root_key(mine).unwrap().expose_secret();
    locked.save(&kek()).unwrap(); // would be refused had the other saved meanwhile
    drop(locked);
    // The waiting rotation was made after this one, to the file as this one left it.
    assert_eq!((mine, waiting.join().unwrap()), (2, 3));
    let keyring = Keyring::load(&path, &kek()).unwrap();
    assert_eq!(keyring.versions(), vec![1, 2, 3]);
    assert_eq!(
        keyring.dangerous_root_key(2).unwrap().expose_secret(),
        &root
    );
    fs::remove_dir_all(dir).unwrap();
}

/// A FIFO given as a key file is refused at once, whether or not anything writes to it: opening
/// it must not wait for a writer (it did, and `load` hung).
#[test]
fn a_pipe_given_as_a_key_file_is_refused_without_waiting() {
    let dir = scratch("fifo");
    let fifo = dir.join("keyring.fsk");
    let made = std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap();
    assert!(made.success());
    let (tx, rx) = std::sync::mpsc::channel();
    let path = fifo.clone();
    std::thread::spawn(move || {
        let keyring = key_file_error(Keyring::load(&path, &kek()));
        let bundle = key_file_error(KeyBundle::load(&path, &kek()));
        tx.send((keyring, bundle)).unwrap();
    });
    // A liveness bound only: the loads must return, not wait for a writer forever.
    let (keyring, bundle) = rx
        .recv_timeout(Duration::from_secs(30))
        .expect("loading a FIFO returned");
    for e in [keyring, bundle] {
        assert!(matches!(e, KeyFileError::Io { .. }), "{e:?}");
        assert!(e.to_string().contains("pipe"), "{e}");
    }
    fs::remove_dir_all(dir).unwrap();
}

/// Reading a key file stops at the largest size a key file can have (FORMAT.md §14.1).
#[test]
fn key_files_are_read_up_to_the_largest_key_file() {
    const MAX: u64 = (1 << 26) + 65_857;
    let dir = scratch("caps");
    for endless in ["/dev/zero", "/dev/urandom"] {
        let e = key_file_error(Keyring::load(endless, &kek()));
        assert!(
            matches!(e, KeyFileError::TooLarge { max: MAX, .. }),
            "{e:?}"
        );
        assert!(e.to_string().contains(endless), "{e}");
        let e = key_file_error(KeyBundle::load(endless, &kek()));
        assert!(matches!(e, KeyFileError::TooLarge { .. }), "{e:?}");
        let e = key_file_error(Argon2Params::of_key_file_at(endless));
        assert!(matches!(e, KeyFileError::TooLarge { .. }), "{e:?}");
    }
    // One byte over the largest size is refused; the largest size itself is read (and is not a
    // key file).
    let huge = dir.join("huge.fsk");
    File::create(&huge).unwrap().set_len(MAX + 1).unwrap();
    let e = key_file_error(Keyring::load(&huge, &kek()));
    assert!(matches!(e, KeyFileError::TooLarge { .. }), "{e:?}");
    File::create(&huge).unwrap().set_len(MAX).unwrap();
    let e = key_file_error(Keyring::load(&huge, &kek()));
    assert!(matches!(e, KeyFileError::NotAKeyFile), "{e:?}");

    // Saving over such a file is refused, as over any file that is not this keyring's.
    File::create(&huge).unwrap().set_len(MAX + 1).unwrap();
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let e = key_file_error(keyring.save(&huge, &kek()));
    assert!(matches!(e, KeyFileError::WouldOverwrite { .. }), "{e:?}");
    let bundle = keyring
        .export_bundle("newsletter", &[DynPurpose::of::<Marketing>()])
        .unwrap();
    let e = key_file_error(bundle.save(&huge, &kek()));
    assert!(matches!(e, KeyFileError::NotABundle { .. }), "{e:?}");
    assert_eq!(fs::metadata(&huge).unwrap().len(), MAX + 1);
    fs::remove_dir_all(dir).unwrap();
}

/// The Argon2id parameters in a file's clear header, changed, with a valid checksum.
fn asking_for(file: &[u8], memory_kib: u32, passes: u32) -> Vec<u8> {
    let mut bytes = file.to_vec();
    let at = 14 + 3 + "argon2id".len() + 2;
    bytes[at..at + 4].copy_from_slice(&memory_kib.to_be_bytes());
    bytes[at + 4..at + 8].copy_from_slice(&passes.to_be_bytes());
    let end = bytes.len() - 32;
    let checksum = Sha256::digest(&bytes[..end]);
    bytes[end..].copy_from_slice(&checksum);
    bytes
}

/// A loader's ceiling on Argon2id work refuses a costly file before deriving anything; the
/// parameters a file asks for can be read without a passphrase.
#[test]
fn a_ceiling_on_argon2_work_refuses_costly_files_before_deriving() {
    let phrase = "correct horse battery staple";
    let file = Keyring::generate(Suite::default())
        .unwrap()
        .to_protected_bytes(&cheap(phrase))
        .unwrap();
    let floor = Argon2Params::new(Argon2Params::MIN_MEMORY_KIB, 2, 1).unwrap();
    assert_eq!(Argon2Params::of_key_file(&file).unwrap(), Some(floor));
    let with_kek = Keyring::generate(Suite::default())
        .unwrap()
        .to_protected_bytes(&kek())
        .unwrap();
    assert_eq!(Argon2Params::of_key_file(&with_kek).unwrap(), None);

    // 1 GiB and 16 passes: 25 s or more per attempt if derived.
    let hostile = asking_for(
        &file,
        Argon2Params::MAX_MEMORY_KIB,
        Argon2Params::MAX_ITERATIONS,
    );
    let asked = Argon2Params::of_key_file(&hostile).unwrap().unwrap();
    assert_eq!((asked.memory_kib(), asked.iterations()), (1 << 20, 16));
    let start = Instant::now();
    let service = Passphrase::new(phrase.to_owned())
        .unwrap()
        .with_max_cost(256 * 1024, 4);
    let e = key_file_error(Keyring::from_protected_bytes(&hostile, &service));
    assert!(
        start.elapsed() < Duration::from_secs(2),
        "derived for {:?}",
        start.elapsed()
    );
    assert!(matches!(e, KeyFileError::UnsafeParameters { .. }), "{e:?}");
    let message = e.to_string();
    for says in ["1024 MiB", "16 passes", "256 MiB", "4 passes"] {
        assert!(message.contains(says), "{message}");
    }
    assert!(!message.contains(phrase));

    // At the ceiling, or under it, the file opens; the memory and the passes are each bounded.
    let at_ceiling = Passphrase::new(phrase.to_owned())
        .unwrap()
        .with_max_cost(Argon2Params::MIN_MEMORY_KIB, 2);
    Keyring::from_protected_bytes(&file, &at_ceiling).unwrap();
    for (memory_kib, passes) in [(Argon2Params::MIN_MEMORY_KIB - 1, 2), (1 << 20, 1)] {
        let low = Passphrase::new(phrase.to_owned())
            .unwrap()
            .with_max_cost(memory_kib, passes);
        let e = key_file_error(Keyring::from_protected_bytes(&file, &low));
        assert!(matches!(e, KeyFileError::UnsafeParameters { .. }), "{e:?}");
    }
}

/// A service can require its bundle to come from its own keyring.
#[test]
fn a_bundle_of_another_keyring_is_refused_naming_both() {
    let production = Keyring::generate(Suite::default()).unwrap();
    let staging = Keyring::generate(Suite::default()).unwrap();
    let expected: KeyringId = production.id().to_string().parse().unwrap();
    let purposes = [DynPurpose::of::<Marketing>()];
    let ours = production.export_bundle("newsletter", &purposes).unwrap();
    let file = ours.to_protected_bytes(&kek()).unwrap();
    let loaded = KeyBundle::from_protected_bytes(&file, &kek())
        .and_then(|b| b.require_keyring(expected))
        .and_then(|b| b.require_service("newsletter"))
        .unwrap();
    assert_eq!(loaded.keyring_id(), production.id());

    let theirs = staging.export_bundle("newsletter", &purposes).unwrap();
    let e = key_file_error(theirs.require_keyring(expected));
    assert!(
        matches!(e, KeyFileError::WrongKeyring { expected: x, found } if x == production.id() && found == staging.id()),
        "{e:?}"
    );
    let message = e.to_string();
    assert!(message.contains(&production.id().to_string()), "{message}");
    assert!(message.contains(&staging.id().to_string()), "{message}");
}

/// A retired version's error says where its key was destroyed, not that nobody can open the
/// value: a bundle exported before the retirement still can.
#[test]
fn a_retired_version_says_what_is_true() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let before = keyring
        .export_bundle("newsletter", &[DynPurpose::of::<Marketing>()])
        .unwrap();
    let ctx = Context::new("customer", "email").with_id_int(7);
    let sealed: Sealed<String, Marketing> =
        Sealed::seal("ada@example.com", &ctx, &keyring.purpose_key::<Marketing>()).unwrap();
    keyring.rotate().unwrap();
    keyring.retire(1).unwrap();
    let err = sealed
        .open(&keyring.purpose_key::<Marketing>(), &ctx)
        .unwrap_err();
    assert!(
        matches!(err, Error::RetiredKeyVersion { version: 1, .. }),
        "{err:?}"
    );
    let message = err.to_string();
    assert!(!message.contains("by anyone"), "{message}");
    assert!(
        message.contains("destroyed in the keyring these keys come from"),
        "{message}"
    );
    // The bundle exported before still opens it, as the message allows.
    let old = before.into_key_set();
    assert_eq!(
        sealed
            .open(&old.require::<Marketing>().unwrap(), &ctx)
            .unwrap(),
        "ada@example.com"
    );
}
