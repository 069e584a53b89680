//! Keyring files and service key bundles (FORMAT.md §14): round trips under both protectors,
//! rotation states surviving a save, one distinct error per way a file can be wrong (each leaving
//! the file as it was), and bundles holding exactly their purposes' keys.

mod common;

use std::fs;
use std::path::PathBuf;

use common::{Fulfillment, Marketing, ROOT_KEY, known_keyring};
use fieldseal::{
    Argon2Params, Context, DynPurpose, Error, IndexSpec, Kek, KeyBundle, KeyFileError,
    KeyProtector, KeySet, Keyring, KeyringError, Passphrase, Sealed, SecretKey, Suite,
    VersionState,
};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

/// A scratch directory of its own for each test.
fn scratch(name: &str) -> PathBuf {
    let dir =
        std::env::temp_dir().join(format!("fieldseal-keyfiles-{}-{name}", std::process::id()));
    let _ = fs::remove_dir_all(&dir);
    fs::create_dir_all(&dir).unwrap();
    dir
}

fn cheap() -> Argon2Params {
    Argon2Params::new(Argon2Params::MIN_MEMORY_KIB, 2, 1).unwrap()
}

fn passphrase(phrase: &str) -> Passphrase {
    Passphrase::new(phrase.to_owned())
        .unwrap()
        .with_params(cheap())
}

fn kek() -> Kek {
    Kek::new(SecretKey::from_bytes(Zeroizing::new([0x4b; 32])))
}

fn ctx() -> Context<'static> {
    Context::new("customer", "email").with_id_int(7)
}

/// Fixes the checksum after a deliberate edit, as an attacker who knows the format would.
fn rechecksum(bytes: &mut [u8]) {
    let n = bytes.len() - 32;
    let sum = Sha256::digest(&bytes[..n]);
    bytes[n..].copy_from_slice(&sum);
}

#[test]
fn a_keyring_survives_save_and_load_under_both_protectors() {
    let dir = scratch("round-trip");
    for (name, protector) in [
        ("kek", &kek() as &dyn KeyProtector),
        ("pass", &passphrase("correct horse battery staple")),
    ] {
        let mut keyring = Keyring::generate(Suite::XChaCha20Poly1305).unwrap();
        let old: Sealed<String, Marketing> = Sealed::seal(
            "ada@example.com",
            &ctx(),
            &keyring.purpose_key::<Marketing>(),
        )
        .unwrap();
        keyring.rotate().unwrap();
        keyring.rotate().unwrap();
        keyring.retire(1).unwrap();
        let path = dir.join(format!("{name}.fsk"));
        keyring.save(&path, protector).unwrap();

        let loaded = Keyring::load(&path, protector).unwrap();
        assert_eq!(loaded.id(), keyring.id());
        assert_eq!(loaded.suite(), Suite::XChaCha20Poly1305);
        assert_eq!(loaded.versions(), vec![1, 2, 3]);
        assert_eq!(loaded.active_version(), 3);
        let states: Vec<_> = (1..=3).map(|v| loaded.state(v).unwrap()).collect();
        assert_eq!(
            states,
            [
                VersionState::Retired,
                VersionState::DecryptOnly,
                VersionState::Active
            ]
        );
        for v in 2..=3 {
            assert_eq!(
                loaded.dangerous_root_key(v).unwrap(),
                keyring.dangerous_root_key(v).unwrap()
            );
            let secs = |k: &Keyring| {
                k.created(v)
                    .unwrap()
                    .duration_since(std::time::UNIX_EPOCH)
                    .unwrap()
                    .as_secs()
            };
            assert_eq!(secs(&loaded), secs(&keyring));
        }
        // Data sealed under the retired version says so, by name.
        match old.open(&loaded.purpose_key::<Marketing>(), &ctx()) {
            Err(Error::RetiredKeyVersion {
                purpose,
                version: 1,
            }) => assert_eq!(purpose, "marketing"),
            other => panic!("{other:?}"),
        }
        // Data sealed before the save opens after the load.
        let new: Sealed<String, Marketing> = Sealed::seal(
            "bo@example.com",
            &ctx(),
            &keyring.purpose_key::<Marketing>(),
        )
        .unwrap();
        assert_eq!(
            new.open(&loaded.purpose_key::<Marketing>(), &ctx())
                .unwrap(),
            "bo@example.com"
        );
    }
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn rotation_keeps_every_live_version_opening_and_retiring_is_guarded() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let mut sealed = Vec::new();
    for round in 0..4 {
        let value: Sealed<String, (Fulfillment, Marketing)> = Sealed::seal(
            &format!("value {round}"),
            &ctx(),
            &(
                &keyring.purpose_key::<Fulfillment>(),
                &keyring.purpose_key::<Marketing>(),
            ),
        )
        .unwrap();
        sealed.push(value);
        let before = keyring.active_version();
        let v = keyring.rotate().unwrap();
        assert_eq!(v, before + 1);
        assert_eq!(keyring.state(before), Some(VersionState::DecryptOnly));
        assert_eq!(keyring.state(v), Some(VersionState::Active));
    }
    let keys = KeySet::new().with(keyring.purpose_key::<Marketing>());
    for (round, value) in sealed.iter().enumerate() {
        assert_eq!(value.key_versions()[1].1, round as u32 + 1);
        assert_eq!(
            value.open_with::<Marketing, _>(&keys, &ctx()).unwrap(),
            format!("value {round}")
        );
    }
    assert!(matches!(
        keyring.retire(5),
        Err(Error::Keyring(KeyringError::RetireActive { version: 5 }))
    ));
    assert!(matches!(
        keyring.retire(9),
        Err(Error::Keyring(KeyringError::NoSuchVersion {
            version: 9,
            ..
        }))
    ));
    keyring.retire(2).unwrap();
    keyring.retire(2).unwrap(); // idempotent
    assert!(matches!(
        keyring.set_active(2),
        Err(Error::Keyring(KeyringError::Retired { version: 2 }))
    ));
    assert!(matches!(
        keyring.dangerous_root_key(2),
        Err(Error::Keyring(KeyringError::Retired { version: 2 }))
    ));
    assert_eq!(keyring.live_versions(), vec![1, 3, 4, 5]);
    assert_eq!(keyring.retired_versions(), vec![2]);
    let keys = KeySet::new().with(keyring.purpose_key::<Marketing>());
    let err = sealed[1]
        .open_with::<Marketing, _>(&keys, &ctx())
        .unwrap_err();
    assert!(matches!(err, Error::RetiredKeyVersion { version: 2, .. }));
    assert!(err.to_string().contains("retired"), "{err}");
    assert_eq!(
        sealed[2].open_with::<Marketing, _>(&keys, &ctx()).unwrap(),
        "value 2"
    );
}

/// The ways a keyring file can be wrong, each with its own error, none changing the file.
#[test]
fn every_bad_file_has_its_own_error_and_is_left_as_it_was() {
    let dir = scratch("bad-files");
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let good_pass = passphrase("the right passphrase");
    let path = dir.join("keyring.fsk");
    keyring.save(&path, &good_pass).unwrap();
    let good = fs::read(&path).unwrap();

    let load_bytes = |bytes: &[u8], protector: &dyn KeyProtector| {
        fs::write(&path, bytes).unwrap();
        let result = Keyring::load(&path, protector);
        assert_eq!(fs::read(&path).unwrap(), bytes, "loading changed the file");
        result.map(|k| k.id())
    };
    let key_file_error = |r: Result<_, Error>| match r {
        Err(Error::KeyFile(e)) => e,
        other => panic!("expected a key file error, got {other:?}"),
    };

    assert_eq!(load_bytes(&good, &good_pass).unwrap(), keyring.id());

    let e = key_file_error(load_bytes(&good, &passphrase("a wrong passphrase")));
    assert!(matches!(e, KeyFileError::WrongPassphrase), "{e:?}");
    assert!(e.to_string().contains("wrong passphrase"));

    let e = key_file_error(load_bytes(&good, &kek()));
    assert!(
        matches!(&e, KeyFileError::WrongProtector { found, given, .. } if found == "argon2id" && given == "kek"),
        "{e:?}"
    );
    assert!(e.to_string().contains("passphrase"), "{e}");

    for cut in [1, 20, good.len() / 2, good.len() - 1] {
        let e = key_file_error(load_bytes(&good[..cut], &good_pass));
        assert!(
            matches!(e, KeyFileError::Truncated { found, .. } if found == cut),
            "{cut}: {e:?}"
        );
    }

    // Any flipped bit past the magic and version: damaged (checksum), never a key.
    for i in (16..good.len()).step_by(7) {
        let mut bad = good.clone();
        bad[i] ^= 0x10;
        let e = key_file_error(load_bytes(&bad, &good_pass));
        assert!(
            matches!(
                e,
                KeyFileError::Damaged { .. } | KeyFileError::Truncated { .. }
            ),
            "byte {i}: {e:?}"
        );
    }

    let mut newer = good.clone();
    newer[14] = 2;
    rechecksum(&mut newer);
    let e = key_file_error(load_bytes(&newer, &good_pass));
    assert!(
        matches!(
            e,
            KeyFileError::NewerVersion {
                found: 2,
                supported: 1
            }
        ),
        "{e:?}"
    );
    assert!(e.to_string().contains("upgrade fieldseal"));

    // Altered content with a recomputed checksum: caught by authentication.
    let mut tampered = good.clone();
    let body_byte = tampered.len() - 40;
    tampered[body_byte] ^= 1;
    rechecksum(&mut tampered);
    let e = key_file_error(load_bytes(&tampered, &good_pass));
    assert!(matches!(e, KeyFileError::Tampered), "{e:?}");

    // A hostile Argon2 memory cost is refused before any work.
    let mut greedy = good.clone();
    let wrap_at = 14 + 3 + "argon2id".len() + 2;
    greedy[wrap_at..wrap_at + 4].copy_from_slice(&u32::MAX.to_be_bytes());
    rechecksum(&mut greedy);
    let e = key_file_error(load_bytes(&greedy, &good_pass));
    assert!(matches!(e, KeyFileError::UnsafeParameters { .. }), "{e:?}");

    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn foreign_files_wrong_kinds_and_missing_files_are_named() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let protector = kek();
    let key_file_error = |r: Result<Keyring, Error>| match r {
        Err(Error::KeyFile(e)) => e,
        other => panic!("expected a key file error, got {other:?}"),
    };
    let e = key_file_error(Keyring::from_protected_bytes(
        b"{\"root_key\": \"...\"}",
        &protector,
    ));
    assert!(matches!(e, KeyFileError::NotAKeyFile), "{e:?}");

    let bundle = keyring
        .export_bundle("newsletter", &[DynPurpose::of::<Marketing>()])
        .unwrap()
        .to_protected_bytes(&protector)
        .unwrap();
    let e = key_file_error(Keyring::from_protected_bytes(&bundle, &protector));
    assert!(
        matches!(
            e,
            KeyFileError::WrongKind {
                expected: "keyring",
                found: "key bundle"
            }
        ),
        "{e:?}"
    );
    let e = key_file_error(Keyring::load(
        std::env::temp_dir().join("fieldseal-missing.fsk"),
        &protector,
    ));
    assert!(matches!(e, KeyFileError::Io { .. }), "{e:?}");
    assert!(e.to_string().contains("fieldseal-missing.fsk"));
}

#[test]
fn saving_is_owner_only_leaves_no_temporary_file_and_keeps_argon2_parameters() {
    let dir = scratch("save");
    let path = dir.join("keyring.fsk");
    let keyring = Keyring::generate(Suite::default()).unwrap();
    keyring.save(&path, &passphrase("pass one")).unwrap();
    #[cfg(unix)]
    {
        use std::os::unix::fs::PermissionsExt as _;
        assert_eq!(
            fs::metadata(&path).unwrap().permissions().mode() & 0o777,
            0o600
        );
    }
    // Loaded with a protector set to the (slow) defaults, the file keeps its own parameters.
    let protector = Passphrase::new("pass one".to_owned()).unwrap();
    let mut loaded = Keyring::load(&path, &protector).unwrap();
    assert_eq!(protector.params(), cheap());
    loaded.rotate().unwrap();
    loaded.save(&path, &protector).unwrap();
    let mut names: Vec<_> = fs::read_dir(&dir)
        .unwrap()
        .map(|e| e.unwrap().file_name().into_string().unwrap())
        .collect();
    names.sort();
    // Beside the keyring, its (empty) administration lock file, which stays (FORMAT.md §14.6).
    assert_eq!(names, ["keyring.fsk", "keyring.fsk.lock"]);
    assert_eq!(fs::metadata(dir.join("keyring.fsk.lock")).unwrap().len(), 0);
    let again = Keyring::load(&path, &passphrase("pass one")).unwrap();
    assert_eq!(again.versions(), vec![1, 2]);
    // The saved file wraps with the cheap parameters still (bytes 23.. hold m, t, p).
    let bytes = fs::read(&path).unwrap();
    let at = 14 + 3 + "argon2id".len() + 2;
    assert_eq!(
        bytes[at..at + 12],
        [
            &Argon2Params::MIN_MEMORY_KIB.to_be_bytes()[..],
            &2u32.to_be_bytes(),
            &1u32.to_be_bytes()
        ]
        .concat()[..]
    );
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn saving_never_replaces_another_keyring_or_a_file_changed_since_loading() {
    let dir = scratch("overwrite");
    let path = dir.join("keyring.fsk");
    let first = Keyring::generate(Suite::default()).unwrap();
    first.save(&path, &kek()).unwrap();
    let saved = fs::read(&path).unwrap();

    // A brand-new keyring saved over it would destroy every key: refused, file untouched.
    let second = Keyring::generate(Suite::default()).unwrap();
    let err = second.save(&path, &kek()).unwrap_err();
    assert!(
        matches!(err, Error::KeyFile(KeyFileError::WouldOverwrite { .. })),
        "{err:?}"
    );
    assert!(err.to_string().contains("nothing was written"), "{err}");
    assert_eq!(fs::read(&path).unwrap(), saved);

    // Two administrators load the same file; the first save wins, the second is refused.
    let mut alice = Keyring::load(&path, &kek()).unwrap();
    let mut bob = Keyring::load(&path, &kek()).unwrap();
    alice.rotate().unwrap();
    alice.save(&path, &kek()).unwrap();
    bob.rotate().unwrap();
    assert!(matches!(
        bob.save(&path, &kek()),
        Err(Error::KeyFile(KeyFileError::WouldOverwrite { .. }))
    ));
    // The keyring that saved last saves again; a fresh load of the file does too.
    alice.rotate().unwrap();
    alice.save(&path, &kek()).unwrap();
    let mut carol = Keyring::load(&path, &kek()).unwrap();
    assert_eq!(carol.versions(), vec![1, 2, 3]);
    carol.retire(1).unwrap();
    carol.save(&path, &kek()).unwrap();
    // Saving to a new path is always allowed.
    second.save(dir.join("other.fsk"), &kek()).unwrap();

    // A bundle replaces a bundle, never a keyring or a foreign file.
    let before = fs::read(&path).unwrap();
    let bundle = carol
        .export_bundle("newsletter", &[DynPurpose::of::<Marketing>()])
        .unwrap();
    let err = bundle.save(&path, &kek()).unwrap_err();
    assert!(
        matches!(
            &err,
            Error::KeyFile(KeyFileError::NotABundle {
                found: "a keyring",
                ..
            })
        ),
        "{err:?}"
    );
    assert_eq!(fs::read(&path).unwrap(), before);
    fs::write(dir.join("notes.txt"), "keep").unwrap();
    assert!(bundle.save(dir.join("notes.txt"), &kek()).is_err());
    assert_eq!(fs::read_to_string(dir.join("notes.txt")).unwrap(), "keep");
    bundle.save(dir.join("m.bundle"), &kek()).unwrap();
    bundle.save(dir.join("m.bundle"), &kek()).unwrap();
    fs::remove_dir_all(dir).unwrap();
}

#[cfg(unix)]
#[test]
fn saving_through_a_symbolic_link_replaces_its_target_and_keeps_the_link() {
    let dir = scratch("symlink");
    let real = dir.join("real.fsk");
    let link = dir.join("keyring.fsk");
    Keyring::generate(Suite::default())
        .unwrap()
        .save(&real, &kek())
        .unwrap();
    std::os::unix::fs::symlink(&real, &link).unwrap();
    let mut keyring = Keyring::load(&link, &kek()).unwrap();
    keyring.rotate().unwrap();
    keyring.save(&link, &kek()).unwrap();
    assert!(
        fs::symlink_metadata(&link)
            .unwrap()
            .file_type()
            .is_symlink()
    );
    assert_eq!(Keyring::load(&real, &kek()).unwrap().versions(), vec![1, 2]);
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn argon2_parameters_below_the_floor_are_refused_for_new_files() {
    assert!(matches!(
        Argon2Params::new(1024, 2, 1),
        Err(Error::KeyFile(KeyFileError::UnsafeParameters { .. }))
    ));
    assert!(Argon2Params::new(Argon2Params::MIN_MEMORY_KIB, 1, 1).is_err());
    assert!(Argon2Params::new(Argon2Params::MAX_MEMORY_KIB + 1, 3, 1).is_err());
    assert!(matches!(
        Passphrase::new(String::new()),
        Err(Error::KeyFile(KeyFileError::BadProtector(_)))
    ));
    assert_eq!(Argon2Params::default(), Argon2Params::DEFAULT);
    assert!(!format!("{:?}", passphrase("hunter2 hunter2")).contains("hunter2"));
}

#[test]
fn a_marketing_bundle_opens_marketing_only() {
    let keyring = known_keyring(Suite::default());
    let ingest = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Marketing>());
    let address: Sealed<String, Fulfillment> = ingest.seal("1 Main St", &ctx()).unwrap();
    let email: Sealed<String, (Fulfillment, Marketing)> =
        ingest.seal("ada@example.com", &ctx()).unwrap();

    let protector = passphrase("newsletter passphrase");
    let file = keyring
        .export_bundle("newsletter", &[DynPurpose::of::<Marketing>()])
        .unwrap()
        .to_protected_bytes(&protector)
        .unwrap();
    let wrong = KeyBundle::from_protected_bytes(&file, &protector)
        .unwrap()
        .require_service("warehouse")
        .unwrap_err();
    assert!(
        matches!(&wrong, Error::KeyFile(KeyFileError::WrongService { expected, found })
            if expected == "warehouse" && found == "newsletter"),
        "{wrong:?}"
    );
    let bundle = KeyBundle::from_protected_bytes(&file, &protector)
        .unwrap()
        .require_service("newsletter")
        .unwrap();
    assert_eq!(bundle.keyring_id(), keyring.id());
    assert_eq!(bundle.service(), "newsletter");
    assert_eq!(bundle.purposes(), vec![DynPurpose::of::<Marketing>()]);
    let keys = bundle.into_key_set();
    assert_eq!(
        email.open_with::<Marketing, _>(&keys, &ctx()).unwrap(),
        "ada@example.com"
    );
    assert!(matches!(
        address.open_with::<Fulfillment, _>(&keys, &ctx()),
        Err(Error::NoKeyForPurpose { .. })
    ));
    assert!(matches!(
        email.open_with::<Fulfillment, _>(&keys, &ctx()),
        Err(Error::NoKeyForPurpose { .. })
    ));

    // Inside the decrypted bundle (read with FORMAT.md alone): the marketing key, and neither
    // the root key nor the fulfillment key.
    let body = reader::open(&file, b"newsletter passphrase", None);
    let marketing = keyring
        .purpose_key::<Marketing>()
        .as_dyn()
        .dangerous_export_version(1)
        .unwrap();
    let fulfillment = keyring
        .purpose_key::<Fulfillment>()
        .as_dyn()
        .dangerous_export_version(1)
        .unwrap();
    let holds = |needle: &[u8]| body.windows(needle.len()).any(|w| w == needle);
    assert!(holds(&marketing[..]));
    assert!(!holds(&ROOT_KEY));
    assert!(!holds(&fulfillment[..]));
    assert!(!holds(b"fulfillment"));
    assert!(holds(b"newsletter"));
}

#[test]
fn a_stale_bundle_names_the_version_it_lacks_and_a_fresh_one_opens() {
    let dir = scratch("stale");
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let marketing = [DynPurpose::of::<Marketing>()];
    let path = dir.join("marketing.bundle");
    keyring
        .export_bundle("newsletter", &marketing)
        .unwrap()
        .save(&path, &kek())
        .unwrap();
    let stale = KeyBundle::load(&path, &kek()).unwrap().into_key_set();

    keyring.rotate().unwrap();
    let email: Sealed<String, Marketing> = Sealed::seal(
        "ada@example.com",
        &ctx(),
        &keyring.purpose_key::<Marketing>(),
    )
    .unwrap();
    let err = email.open_with::<Marketing, _>(&stale, &ctx()).unwrap_err();
    assert!(
        matches!(&err, Error::UnknownKeyVersion { purpose, version: 2, held } if purpose == "marketing" && held == &[1]),
        "{err:?}"
    );
    assert!(err.to_string().contains("re-export the bundle"), "{err}");

    keyring.retire(1).unwrap();
    keyring
        .export_bundle("newsletter", &marketing)
        .unwrap()
        .save(&path, &kek())
        .unwrap();
    let fresh = KeyBundle::load(&path, &kek()).unwrap();
    let key = fresh.key("marketing").unwrap();
    assert_eq!((key.versions(), key.retired_versions()), (vec![2], vec![1]));
    let keys = fresh.into_key_set();
    assert_eq!(
        email.open_with::<Marketing, _>(&keys, &ctx()).unwrap(),
        "ada@example.com"
    );
    fs::remove_dir_all(dir).unwrap();
}

#[test]
fn the_keyring_records_its_bundle_exports_and_which_a_rotation_left_stale() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring
        .export_bundle("newsletter", &[DynPurpose::of::<Marketing>()])
        .unwrap();
    keyring
        .export_bundle(
            "warehouse",
            &[
                DynPurpose::of::<Fulfillment>(),
                DynPurpose::of::<Marketing>(),
            ],
        )
        .unwrap();
    assert_eq!(
        keyring.exported_purposes(),
        vec![
            DynPurpose::of::<Fulfillment>(),
            DynPurpose::of::<Marketing>()
        ]
    );
    keyring.rotate().unwrap();
    let live = keyring.live_versions();
    assert!(
        keyring
            .bundle_exports()
            .iter()
            .all(|e| e.is_stale(2, &live))
    );
    keyring
        .export_bundle("newsletter", &[DynPurpose::of::<Marketing>()])
        .unwrap();

    let file = keyring.to_protected_bytes(&kek()).unwrap();
    let mut loaded = Keyring::from_protected_bytes(&file, &kek()).unwrap();
    let exports = loaded.bundle_exports();
    let summary: Vec<_> = exports
        .iter()
        .map(|e| {
            (
                e.service.as_str(),
                e.active_version,
                e.versions.clone(),
                e.is_stale(2, &live),
            )
        })
        .collect();
    assert_eq!(
        summary,
        [
            ("newsletter", 2, vec![1, 2], false),
            ("warehouse", 1, vec![1], true)
        ]
    );
    assert_eq!(exports[1].purposes.len(), 2);
    assert!(loaded.forget_bundle_export("warehouse"));
    assert!(!loaded.forget_bundle_export("warehouse"));
    assert_eq!(
        loaded.exported_purposes(),
        vec![DynPurpose::of::<Marketing>()]
    );
}

#[test]
fn reseal_moves_values_to_the_active_version_and_is_idempotent() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    let ingest = KeySet::from_keyring(
        &keyring,
        &[
            DynPurpose::of::<Fulfillment>(),
            DynPurpose::of::<Marketing>(),
        ],
    );
    let old: Sealed<String, (Fulfillment, Marketing)> =
        ingest.seal("ada@example.com", &ctx()).unwrap();
    keyring.rotate().unwrap();
    let admin = KeySet::from_keyring(
        &keyring,
        &[
            DynPurpose::of::<Fulfillment>(),
            DynPurpose::of::<Marketing>(),
        ],
    );
    assert!(admin.reseal(&old, &ctx()).is_ok());
    let new = admin.reseal(&old, &ctx()).unwrap().unwrap();
    let versions: Vec<u32> = new.key_versions().iter().map(|(_, v)| *v).collect();
    assert_eq!(versions, [2, 2]);
    assert!(admin.reseal(&new, &ctx()).unwrap().is_none());
    // A current value is not re-sealed, but its context is still checked: a wrong layout shows
    // before any value is stale.
    let empty = Context::new("", "email").with_id_int(7);
    assert!(matches!(
        admin.reseal(&new, &empty),
        Err(Error::EmptyContext { .. })
    ));
    assert!(matches!(
        fieldseal::bulk::Reseal::reseal_text(&keyring, &new.to_text(), &empty),
        Err(Error::EmptyContext { .. })
    ));
    assert_eq!(
        new.open_with::<Fulfillment, _>(&admin, &ctx()).unwrap(),
        "ada@example.com"
    );
    // The text form, and the context still binds.
    let text = admin.reseal_text(&old.to_text(), &ctx()).unwrap().unwrap();
    assert!(text.starts_with("fs1:"));
    let other = Context::new("customer", "email").with_id_int(8);
    assert!(matches!(
        admin.reseal(&old, &other),
        Err(Error::CannotOpen { .. })
    ));
    // A key set lacking one of the value's purposes cannot re-seal it.
    let marketing_only = KeySet::new().with(keyring.purpose_key::<Marketing>());
    assert!(matches!(
        marketing_only.reseal(&old, &ctx()),
        Err(Error::NoKeyForPurpose { .. })
    ));
    // A suite change counts as stale too.
    keyring.set_suite(Suite::XChaCha20Poly1305);
    let xchacha = KeySet::from_keyring(
        &keyring,
        &[
            DynPurpose::of::<Fulfillment>(),
            DynPurpose::of::<Marketing>(),
        ],
    );
    let moved = xchacha.reseal(&new, &ctx()).unwrap().unwrap();
    assert_eq!(moved.suite(), Suite::XChaCha20Poly1305);
}

#[test]
fn reseal_refuses_a_value_whose_parts_disagree() {
    let keyring = known_keyring(Suite::default());
    let mut keyring2 = known_keyring(Suite::default());
    keyring2.rotate().unwrap();
    let both = [
        DynPurpose::of::<Fulfillment>(),
        DynPurpose::of::<Marketing>(),
    ];
    let ingest = KeySet::from_keyring(&keyring, &both);
    let a: Sealed<String, (Fulfillment, Marketing)> = ingest.seal("real", &ctx()).unwrap();
    let b: Sealed<String, (Fulfillment, Marketing)> = ingest.seal("fake", &ctx()).unwrap();
    // Splice: a's header and fulfillment part, b's marketing part (same lengths).
    let (a, b) = (a.as_bytes(), b.as_bytes());
    let split = 8 + (1 + "fulfillment".len() + 4 + 20 + 4 + 16);
    let spliced = [&a[..split], &b[split..]].concat();
    let admin = KeySet::from_keyring(&keyring2, &both);
    assert!(matches!(
        admin.reseal_bytes(&spliced, &ctx()),
        Err(Error::CannotOpen { .. })
    ));
}

/// Errors raised after decryption, when key bytes are in memory, quote none of them: a body that
/// authenticates but is malformed (written here with the raw primitives) holds a root key.
#[test]
fn errors_about_decrypted_content_quote_no_key_bytes() {
    let kek_bytes = [0x4b; 32];
    let kek = Kek::new(SecretKey::from_bytes(Zeroizing::new(kek_bytes)));
    let key = [0xd7u8; 32];
    let mut bodies: Vec<Vec<u8>> = Vec::new();
    // An entry with state 9, its key after it.
    let mut body = vec![1u8; 16];
    body.push(1);
    body.extend_from_slice(&1u32.to_be_bytes());
    body.extend_from_slice(&1u32.to_be_bytes());
    body.push(9);
    body.extend_from_slice(&0u64.to_be_bytes());
    body.extend_from_slice(&key);
    bodies.push(body.clone());
    // A valid entry, then the key again as trailing bytes.
    body[16 + 1 + 4 + 4] = 1;
    body.extend_from_slice(&[0, 0]);
    body.extend_from_slice(&key);
    bodies.push(body);
    // An unknown suite.
    let mut body = vec![1u8; 16];
    body.push(0x77);
    body.extend_from_slice(&1u32.to_be_bytes());
    body.extend_from_slice(&1u32.to_be_bytes());
    body.push(1);
    body.extend_from_slice(&0u64.to_be_bytes());
    body.extend_from_slice(&key);
    bodies.push(body);
    for body in bodies {
        let file = reader::seal(1, &body, kek_bytes);
        assert_eq!(reader::open(&file, &kek_bytes, Some(kek_bytes)), body);
        let err = Keyring::from_protected_bytes(&file, &kek).unwrap_err();
        let shown = format!("{err} {err:?}");
        assert!(!shown.contains(&hex::encode(key)[..8]), "{shown}");
        assert!(!shown.contains("215, 215"), "{shown}"); // 0xd7 as decimal bytes in a Debug
        assert!(
            matches!(
                err,
                Error::KeyFile(KeyFileError::Invalid { .. }) | Error::UnknownSuite { .. }
            ),
            "{err:?}"
        );
    }
}

/// FORMAT.md §14 vectors: the library loads them, and so does a reader written from FORMAT.md.
#[test]
fn key_file_vectors_load_with_the_library_and_an_independent_reader() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/keyfiles");
    let mut seen = 0;
    for entry in fs::read_dir(dir).unwrap() {
        let path = entry.unwrap().path();
        let text = fs::read_to_string(&path).unwrap();
        let field = |key: &str| {
            text.lines()
                .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(':')))
                .unwrap_or_else(|| panic!("{}: no {key}", path.display()))
                .trim()
                .to_owned()
        };
        let file = hex::decode(field("file")).unwrap();
        let body = hex::decode(field("body")).unwrap();
        let secret = hex::decode(field("secret")).unwrap();
        let (protector, kek): (Box<dyn KeyProtector>, Option<[u8; 32]>) =
            match field("protector").as_str() {
                "kek" => {
                    let k: [u8; 32] = secret.clone().try_into().unwrap();
                    (
                        Box::new(Kek::new(SecretKey::from_bytes(Zeroizing::new(k)))),
                        Some(k),
                    )
                }
                "argon2id" => (
                    Box::new(Passphrase::new(String::from_utf8(secret.clone()).unwrap()).unwrap()),
                    None,
                ),
                // The key is on a token: the independent reader opens the file with the token
                // key's known bytes; tests/pkcs11.rs loads it through SoftHSM2.
                "pkcs11" => {
                    let k: [u8; 32] = secret.clone().try_into().unwrap();
                    assert_eq!(reader::open(&file, &secret, Some(k)), body);
                    seen += 1;
                    continue;
                }
                other => panic!("unknown protector {other}"),
            };
        assert_eq!(
            reader::open(&file, &secret, kek),
            body,
            "{}",
            path.display()
        );
        let has = |key: &str| text.lines().any(|l| l.starts_with(&format!("{key}:")));
        if has("index_versions") {
            index_sections_match(&field, &body);
        }
        match field("kind").as_str() {
            "keyring" => {
                let keyring = Keyring::from_protected_bytes(&file, &*protector).unwrap();
                if has("index_versions") {
                    keyring_indexes_match(&keyring, &field);
                }
                assert_eq!(keyring.id().to_string(), field("keyring_id"));
                assert_eq!(keyring.active_version().to_string(), field("active"));
                let root = field("root_key_active");
                assert_eq!(
                    hex::encode(
                        keyring
                            .dangerous_root_key(keyring.active_version())
                            .unwrap()
                            .expose_secret()
                    ),
                    root
                );
            }
            "bundle" => {
                let bundle = KeyBundle::from_protected_bytes(&file, &*protector).unwrap();
                assert_eq!(bundle.keyring_id().to_string(), field("keyring_id"));
                let names: Vec<String> =
                    bundle.purposes().iter().map(ToString::to_string).collect();
                assert_eq!(names.join(","), field("purposes"));
                if has("index_versions") {
                    bundle_indexes_match(&bundle, &field);
                }
            }
            other => panic!("unknown kind {other}"),
        }
        seen += 1;
    }
    assert!(seen >= 2, "expected the keyring and bundle vectors");
}

/// The keyring of an index vector holds the indexes and index exports the vector lists.
fn keyring_indexes_match(keyring: &Keyring, field: &dyn Fn(&str) -> String) {
    assert_eq!(
        library_index_versions(keyring.indexes().iter()),
        field("index_versions")
    );
    let exports: Vec<String> = keyring
        .bundle_exports()
        .iter()
        .flat_map(|e| {
            e.indexes
                .iter()
                .map(|i| format!("{}/{}/{}", e.service, i.index, join(&i.versions)))
        })
        .collect();
    assert_eq!(exports.join(" "), field("index_exports"));
}

/// The bundle of an index vector holds the indexes the vector lists, and its keys compute the
/// terms FORMAT.md §16.2 gives with the keys the vector lists.
fn bundle_indexes_match(bundle: &KeyBundle, field: &dyn Fn(&str) -> String) {
    let infos: Vec<_> = bundle
        .indexes()
        .iter()
        .map(|name| bundle.index(name).unwrap().info().clone())
        .collect();
    assert_eq!(
        library_index_versions(infos.iter()),
        field("index_versions")
    );
    for entry in field("index_keys").split_whitespace() {
        let [name, version, ik] = entry.split('/').collect::<Vec<_>>()[..] else {
            panic!("bad index key {entry}");
        };
        let key = bundle.index(name).unwrap();
        let version: u32 = version.parse().unwrap();
        let term = key
            .term_with_version(version, &[b"ada@example.com"])
            .unwrap();
        let encoded = b"\x01\0\0\0\x0fada@example.com";
        let mac = reader::hmac(&hex::decode(ik).unwrap(), encoded);
        assert_eq!(&term.as_bytes()[..4], version.to_be_bytes());
        assert_eq!(term.mac(), &mac[..usize::from(key.width())]);
    }
}

/// `name/width/normalizer ...` and `name/version/root/state ...`, as the vectors list indexes.
fn library_index_versions<'a>(
    infos: impl Iterator<Item = &'a fieldseal::index::IndexInfo>,
) -> String {
    infos
        .flat_map(|i| {
            i.versions.iter().map(move |v| {
                format!(
                    "{}/{}/{}/{}/{}/{}",
                    i.name, i.width, i.normalizer, v.version, v.root_version, v.state
                )
            })
        })
        .collect::<Vec<_>>()
        .join(" ")
}

fn join(versions: &[u32]) -> String {
    versions
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(",")
}

/// The index sections of a vector's body, read by [`reader::index_sections`] from FORMAT.md
/// §14.3 and §14.4 alone, are what the vector says; a bundle's index keys are the `IK` of §16.1
/// derived from the vector's root keys.
fn index_sections_match(field: &dyn Fn(&str) -> String, body: &[u8]) {
    let kind = field("kind");
    let sections = reader::index_sections(body, kind == "bundle");
    let versions: Vec<String> = sections
        .indexes
        .iter()
        .flat_map(|(name, width, normalizer, entries)| {
            entries.iter().map(move |(v, root, state, _)| {
                let state = ["", "current", "live", "retired"][usize::from(*state)];
                format!("{name}/{width}/{normalizer}/{v}/{root}/{state}")
            })
        })
        .collect();
    assert_eq!(versions.join(" "), field("index_versions"));
    if kind == "keyring" {
        let exports: Vec<String> = sections
            .exports
            .iter()
            .flat_map(|(service, indexes)| {
                indexes
                    .iter()
                    .map(move |(name, versions)| format!("{service}/{name}/{}", join(versions)))
            })
            .collect();
        assert_eq!(exports.join(" "), field("index_exports"));
        return;
    }
    let mut keys = Vec::new();
    for (name, _, _, entries) in &sections.indexes {
        for (v, root, _, key) in entries {
            let Some(key) = key else { continue };
            let root_key: [u8; 32] = hex::decode(field(&format!("root_key_{root}")))
                .unwrap()
                .try_into()
                .unwrap();
            assert_eq!(*key, reader::index_key(&root_key, name, *v), "{name} v{v}");
            keys.push(format!("{name}/{v}/{}", hex::encode(key)));
        }
    }
    assert_eq!(keys.join(" "), field("index_keys"));
}

/// A keyring file whose index is pinned to a retired root version does not load: the index's key
/// could no longer be derived (FORMAT.md §14.3).
#[test]
fn a_keyring_file_with_an_index_pinned_to_a_retired_root_is_invalid() {
    let mut body = vec![7u8; 16];
    body.push(1); // AES-256-GCM
    body.extend_from_slice(&2u32.to_be_bytes());
    body.extend_from_slice(&1u32.to_be_bytes());
    body.push(3); // retired
    body.extend_from_slice(&0u64.to_be_bytes());
    body.extend_from_slice(&2u32.to_be_bytes());
    body.push(1); // active
    body.extend_from_slice(&0u64.to_be_bytes());
    body.extend_from_slice(&[2; 32]);
    body.extend_from_slice(&0u16.to_be_bytes()); // no export
    let with_index = |root: u32| {
        let mut b = body.clone();
        b.extend_from_slice(&1u16.to_be_bytes());
        b.extend_from_slice(&[5, b'e', b'm', b'a', b'i', b'l', 16, 0]);
        b.extend_from_slice(&1u32.to_be_bytes());
        b.extend_from_slice(&1u32.to_be_bytes());
        b.extend_from_slice(&root.to_be_bytes());
        b.push(1); // current
        b.extend_from_slice(&0u64.to_be_bytes());
        b.extend_from_slice(&0u16.to_be_bytes()); // no index export
        b
    };
    let load = |b: &[u8]| Keyring::from_protected_bytes(&reader::seal(1, b, [0x4b; 32]), &kek());
    let keyring = load(&with_index(2)).unwrap();
    assert_eq!(keyring.index("email").unwrap().versions[0].root_version, 2);
    let err = load(&with_index(1)).unwrap_err();
    assert!(
        matches!(&err, Error::KeyFile(KeyFileError::Invalid { reason }) if reason.contains("retired")),
        "{err:?}"
    );
    let err = load(&with_index(9)).unwrap_err();
    assert!(
        matches!(&err, Error::KeyFile(KeyFileError::Invalid { reason }) if reason.contains("version 9")),
        "{err:?}"
    );
}

/// Writes the index key file vectors (03 and 04) alone, leaving 01 and 02 as they are:
/// `FIELDSEAL_WRITE_VECTORS=1 cargo test --all-features --test keyfiles write_index_ -- --ignored`.
#[test]
#[ignore = "writes tests/vectors/keyfiles/03 and 04; run by hand with FIELDSEAL_WRITE_VECTORS=1"]
fn write_index_key_file_vectors() {
    assert!(std::env::var_os("FIELDSEAL_WRITE_VECTORS").is_some());
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/keyfiles");
    let mut keyring = known_keyring(Suite::default());
    keyring
        .insert_version(
            2,
            SecretKey::from_bytes(Zeroizing::new([2; 32])),
            std::time::UNIX_EPOCH,
        )
        .unwrap();
    let email = IndexSpec::new("email")
        .unwrap()
        .with_normalizer("email")
        .unwrap();
    keyring.add_index(email).unwrap(); // version 1, pinned to root 1
    let phone = IndexSpec::new("phone").unwrap().with_width(8).unwrap();
    keyring
        .add_index(phone.with_normalizer("phone:GB").unwrap())
        .unwrap();
    keyring.set_active(2).unwrap();
    keyring.rotate_index("email").unwrap(); // version 2, pinned to root 2
    keyring.finish_index_migration("email").unwrap(); // version 1 retired
    keyring.rotate_index("email").unwrap(); // version 3, pinned to root 2; version 2 live
    let bundle = keyring
        .export_bundle_with_indexes("support-search", &[], &["email", "phone"])
        .unwrap();
    let kek_bytes = [0x4b; 32];
    let kek = Kek::new(SecretKey::from_bytes(Zeroizing::new(kek_bytes)));
    let versions = library_index_versions(keyring.indexes().iter());
    let file = keyring.to_protected_bytes(&kek).unwrap();
    let body = reader::open(&file, &kek_bytes, Some(kek_bytes));
    fs::write(
        dir.join("03-keyring-indexes.txt"),
        format!(
            "comment: a keyring file (§14.3) with an index section: email (versions 1 retired, 2 live, 3 current; 2 and 3 pinned to root 2) and phone (width 8, pinned to root 1), and the index keys of one exported bundle\n\
             kind: keyring\nprotector: kek\nsecret: {}\nkeyring_id: {}\nactive: 2\nroot_key_active: {}\n\
             index_versions: {versions}\nindex_exports: support-search/email/2,3 support-search/phone/1\n\
             body: {}\nfile: {}\n",
            hex::encode(kek_bytes),
            keyring.id(),
            hex::encode([2u8; 32]),
            hex::encode(&body),
            hex::encode(&file),
        ),
    )
    .unwrap();
    let file = bundle.to_protected_bytes(&kek).unwrap();
    let body = reader::open(&file, &kek_bytes, Some(kek_bytes));
    let keys: Vec<String> = reader::index_sections(&body, true)
        .indexes
        .iter()
        .flat_map(|(name, _, _, entries)| {
            entries.iter().filter_map(move |(v, _, _, key)| {
                key.map(|k| format!("{name}/{v}/{}", hex::encode(k)))
            })
        })
        .collect();
    fs::write(
        dir.join("04-bundle-index-keys-only.txt"),
        format!(
            "comment: a key bundle (§14.4) of index keys alone, no purpose: email versions 2 and 3 (1 retired, a number only) and phone version 1, each IK derived from the root key of the version it is pinned to\n\
             kind: bundle\nprotector: kek\nsecret: {}\nkeyring_id: {}\npurposes:\n\
             root_key_1: {}\nroot_key_2: {}\nindex_versions: {versions}\nindex_keys: {}\n\
             body: {}\nfile: {}\n",
            hex::encode(kek_bytes),
            keyring.id(),
            hex::encode(ROOT_KEY),
            hex::encode([2u8; 32]),
            keys.join(" "),
            hex::encode(&body),
            hex::encode(&file),
        ),
    )
    .unwrap();
}

/// Writes the §14 vectors: `cargo test --test keyfiles write_key_file_vectors -- --ignored`.
#[test]
#[ignore = "writes tests/vectors/keyfiles; run by hand after a deliberate format change"]
fn write_key_file_vectors() {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/keyfiles");
    fs::create_dir_all(&dir).unwrap();
    let mut keyring = known_keyring(Suite::default());
    keyring
        .insert_version(
            2,
            SecretKey::from_bytes(Zeroizing::new([2; 32])),
            std::time::UNIX_EPOCH,
        )
        .unwrap();
    keyring.set_active(2).unwrap();
    // Exported first, so that the keyring's body records it (§14.3 `export`).
    let bundle = keyring
        .export_bundle("newsletter", &[DynPurpose::of::<Marketing>()])
        .unwrap();
    let kek_bytes = [0x4b; 32];
    let kek = Kek::new(SecretKey::from_bytes(Zeroizing::new(kek_bytes)));
    let file = keyring.to_protected_bytes(&kek).unwrap();
    let body = reader::open(&file, &kek_bytes, Some(kek_bytes));
    fs::write(
        dir.join("01-keyring-kek.txt"),
        format!(
            "comment: a keyring file (§14.3) under the kek protector: versions 1 (decrypt-only) and 2 (active), one bundle export recorded\n\
             kind: keyring\nprotector: kek\nsecret: {}\nkeyring_id: {}\nactive: 2\nroot_key_active: {}\n\
             body: {}\nfile: {}\n",
            hex::encode(kek_bytes),
            keyring.id(),
            hex::encode([2u8; 32]),
            hex::encode(&body),
            hex::encode(&file),
        ),
    )
    .unwrap();
    let phrase = "correct horse battery staple";
    let protector = passphrase(phrase);
    let file = bundle.to_protected_bytes(&protector).unwrap();
    let body = reader::open(&file, phrase.as_bytes(), None);
    fs::write(
        dir.join("02-bundle-argon2id.txt"),
        format!(
            "comment: a key bundle (§14.4) for service newsletter, purpose marketing, under the argon2id protector (19 MiB, 2 passes)\n\
             kind: bundle\nprotector: argon2id\nsecret: {}\nkeyring_id: {}\npurposes: marketing\n\
             body: {}\nfile: {}\n",
            hex::encode(phrase),
            keyring.id(),
            hex::encode(&body),
            hex::encode(&file),
        ),
    )
    .unwrap();
}

/// A key file reader written from FORMAT.md §14 alone, on the raw primitives.
mod reader {
    use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
    use aes_gcm::{Aes256Gcm, Nonce};
    use hkdf::Hkdf;
    use hmac::{Hmac, KeyInit as _, Mac as _};
    use sha2::{Digest as _, Sha256};

    /// A key file of `kind` holding `body`, under the `kek` protector.
    pub(super) fn seal(kind: u8, body: &[u8], kek: [u8; 32]) -> Vec<u8> {
        use aes_gcm::aead::Aead as _;
        let mut file = b"fieldseal-key\n".to_vec();
        file.extend_from_slice(&[1, kind, 3]);
        file.extend_from_slice(b"kek");
        let prefix = file.clone();
        let file_key = [0x33u8; 32];
        let wnonce = [0x44u8; 12];
        let mut wrap = wnonce.to_vec();
        wrap.extend(
            Aes256Gcm::new(&kek.into())
                .encrypt(
                    Nonce::from_slice(&wnonce),
                    Payload {
                        msg: &file_key,
                        aad: &prefix,
                    },
                )
                .unwrap(),
        );
        file.extend_from_slice(&(wrap.len() as u16).to_be_bytes());
        file.extend_from_slice(&wrap);
        let nonce = [0x55u8; 12];
        file.extend_from_slice(&nonce);
        file.extend_from_slice(&(body.len() as u32 + 16).to_be_bytes());
        let header = file.clone();
        file.extend(
            Aes256Gcm::new(&file_key.into())
                .encrypt(
                    Nonce::from_slice(&nonce),
                    Payload {
                        msg: body,
                        aad: &header,
                    },
                )
                .unwrap(),
        );
        let sum = Sha256::digest(&file);
        file.extend_from_slice(&sum);
        file
    }

    /// The decrypted body. `kek`: the raw KEK for protector `kek`, or the token key's bytes for
    /// `pkcs11`; otherwise `secret` is the passphrase.
    pub(super) fn open(file: &[u8], secret: &[u8], kek: Option<[u8; 32]>) -> Vec<u8> {
        let (covered, checksum) = file.split_at(file.len() - 32);
        assert_eq!(Sha256::digest(covered).as_slice(), checksum);
        assert_eq!(&file[..14], b"fieldseal-key\n");
        assert_eq!(file[14], 1, "version");
        let id_len = usize::from(file[16]);
        let id = &file[17..17 + id_len];
        let prefix = &file[..17 + id_len];
        let mut at = 17 + id_len;
        let wrap_len = usize::from(u16::from_be_bytes([file[at], file[at + 1]]));
        at += 2;
        let wrap = &file[at..at + wrap_len];
        at += wrap_len;
        let nonce = &file[at..at + 12];
        at += 12;
        let body_len = u32::from_be_bytes(file[at..at + 4].try_into().unwrap()) as usize;
        at += 4;
        let header = &file[..at];
        let body = &file[at..at + body_len];
        assert_eq!(at + body_len + 32, file.len());
        let (kek, wrapped, aad) = match id {
            b"kek" => (kek.unwrap(), wrap, prefix.to_vec()),
            // key_kind key_ref_len key_ref, then iv ciphertext tag; the key reference is bound.
            b"pkcs11" => {
                let key_part = &wrap[..2 + usize::from(wrap[1])];
                (
                    kek.unwrap(),
                    &wrap[key_part.len()..],
                    [prefix, key_part].concat(),
                )
            }
            b"argon2id" => {
                let word = |i: usize| u32::from_be_bytes(wrap[i..i + 4].try_into().unwrap());
                let params = argon2::Params::new(word(0), word(4), word(8), Some(32)).unwrap();
                let mut out = [0; 32];
                argon2::Argon2::new(argon2::Algorithm::Argon2id, argon2::Version::V0x13, params)
                    .hash_password_into(secret, &wrap[12..28], &mut out)
                    .unwrap();
                (out, &wrap[28..], prefix.to_vec())
            }
            other => panic!("unknown protector {other:?}"),
        };
        let file_key = Aes256Gcm::new(&kek.into())
            .decrypt(
                Nonce::from_slice(&wrapped[..12]),
                Payload {
                    msg: &wrapped[12..],
                    aad: &aad,
                },
            )
            .expect("the wrap opens");
        let file_key: [u8; 32] = file_key.try_into().unwrap();
        Aes256Gcm::new(&file_key.into())
            .decrypt(
                Nonce::from_slice(nonce),
                Payload {
                    msg: body,
                    aad: header,
                },
            )
            .expect("the body opens")
    }

    /// FORMAT.md §16.1's `IK` of `name` at `version` from its root key.
    pub(super) fn index_key(root_key: &[u8; 32], name: &str, version: u32) -> [u8; 32] {
        let mut info = b"fieldseal/v1/index".to_vec();
        info.extend_from_slice(&(name.len() as u32).to_be_bytes());
        info.extend_from_slice(name.as_bytes());
        info.extend_from_slice(&version.to_be_bytes());
        let mut out = [0; 32];
        Hkdf::<Sha256>::new(Some(b"fieldseal/v1/root"), root_key)
            .expand(&info, &mut out)
            .unwrap();
        out
    }

    /// HMAC-SHA256 (FORMAT.md §16.2).
    pub(super) fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
        let mut mac = Hmac::<Sha256>::new_from_slice(key).unwrap();
        mac.update(message);
        mac.finalize().into_bytes().into()
    }

    /// An index and its entries: name, width, normalizer, and per version its number, root
    /// version, state byte and key (bundles).
    pub(super) type Index = (String, u8, String, Vec<(u32, u32, u8, Option<[u8; 32]>)>);

    /// An exported bundle's index keys: per index, the versions held.
    pub(super) type Held = Vec<(String, Vec<u32>)>;

    /// The index sections of a body.
    pub(super) struct Sections {
        pub(super) indexes: Vec<Index>,
        /// Keyrings: per exported service, its index keys' versions.
        pub(super) exports: Vec<(String, Held)>,
    }

    struct Cursor<'a>(&'a [u8]);

    impl Cursor<'_> {
        fn take(&mut self, n: usize) -> &[u8] {
            let (head, rest) = self.0.split_at(n);
            self.0 = rest;
            head
        }
        fn u8(&mut self) -> u8 {
            self.take(1)[0]
        }
        fn u16(&mut self) -> usize {
            usize::from(u16::from_be_bytes(self.take(2).try_into().unwrap()))
        }
        fn u32(&mut self) -> u32 {
            u32::from_be_bytes(self.take(4).try_into().unwrap())
        }
        fn name(&mut self) -> String {
            let n = usize::from(self.u8());
            String::from_utf8(self.take(n).to_vec()).unwrap()
        }
        /// A §14.3 `entry` list: skipped.
        fn root_entries(&mut self) {
            for _ in 0..self.u32() {
                self.take(4);
                let state = self.u8();
                self.take(8);
                if state != 3 {
                    self.take(32);
                }
            }
        }
        fn index(&mut self, keys: bool) -> Index {
            let name = self.name();
            let width = self.u8();
            let normalizer = self.name();
            let entries = (0..self.u32())
                .map(|_| {
                    let (version, root, state) = (self.u32(), self.u32(), self.u8());
                    self.take(8);
                    let key = (keys && state != 3).then(|| self.take(32).try_into().unwrap());
                    (version, root, state, key)
                })
                .collect();
            (name, width, normalizer, entries)
        }
    }

    /// Reads a keyring body (§14.3) or a bundle body (§14.4) up to its index section, and that.
    pub(super) fn index_sections(body: &[u8], bundle: bool) -> Sections {
        let mut c = Cursor(body);
        c.take(17);
        let mut sections = Sections {
            indexes: Vec::new(),
            exports: Vec::new(),
        };
        if bundle {
            c.take(8);
            c.name();
            for _ in 0..c.u8() {
                c.name();
                c.root_entries();
            }
            let count = c.u8();
            sections.indexes = (0..count).map(|_| c.index(true)).collect();
        } else {
            c.root_entries();
            for _ in 0..c.u16() {
                c.name();
                c.take(12);
                for _ in 0..c.u8() {
                    c.name();
                }
                let n = c.u32() as usize;
                c.take(4 * n);
            }
            let count = c.u16();
            sections.indexes = (0..count).map(|_| c.index(false)).collect();
            for _ in 0..c.u16() {
                let service = c.name();
                let indexes = (0..c.u8())
                    .map(|_| {
                        let name = c.name();
                        let versions = (0..c.u32()).map(|_| c.u32()).collect();
                        (name, versions)
                    })
                    .collect();
                sections.exports.push((service, indexes));
            }
        }
        assert!(c.0.is_empty(), "bytes follow the index section");
        sections
    }
}

/// The salt of a passphrase file (FORMAT.md §14.2: `m t p salt[16]`
/// at the start of the wrap, after a 25-byte prefix and the 2-byte wrap length).
fn salt_of(file: &[u8]) -> [u8; 16] {
    file[27 + 12..27 + 12 + 16].try_into().unwrap()
}

/// A protector that loaded a keyring saves it again with its salt and parameters (no second
/// Argon2id run), but a file of another kind it writes (a new bundle) gets a fresh salt and the
/// protector's own parameters: two files never share a key-encryption key that way.
#[test]
fn a_new_file_written_after_a_load_gets_a_fresh_salt_and_its_own_parameters() {
    let dir = scratch("salt-reuse");
    let keyring_path = dir.join("keyring.fsk");
    let old = Argon2Params::new(Argon2Params::MIN_MEMORY_KIB, 2, 1).unwrap();
    let new = Argon2Params::new(Argon2Params::MIN_MEMORY_KIB + 1024, 2, 1).unwrap();
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring.rotate().unwrap();
    let writer = Passphrase::new("one passphrase".to_owned())
        .unwrap()
        .with_params(old);
    keyring.save(&keyring_path, &writer).unwrap();

    let p = Passphrase::new("one passphrase".to_owned())
        .unwrap()
        .with_params(new);
    let keyring = Keyring::load(&keyring_path, &p).unwrap();
    let bundle = keyring
        .export_bundle("search", &[DynPurpose::new("marketing").unwrap()])
        .unwrap();
    let bundle_bytes = bundle.to_protected_bytes(&p).unwrap();
    let keyring_bytes = fs::read(&keyring_path).unwrap();
    let saved_again = keyring.to_protected_bytes(&p).unwrap();
    assert_eq!(salt_of(&saved_again), salt_of(&keyring_bytes));
    assert_eq!(Argon2Params::of_key_file(&saved_again).unwrap(), Some(old));
    assert_eq!(
        Argon2Params::of_key_file(&bundle_bytes).unwrap(),
        Some(new),
        "the new bundle was written with the loaded keyring's parameters"
    );
    assert_ne!(
        salt_of(&bundle_bytes),
        salt_of(&keyring_bytes),
        "the new bundle reuses the keyring file's salt"
    );
    let _ = fs::remove_dir_all(&dir);
}
