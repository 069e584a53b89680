//! Keys: foreign keys, root key rotation, services that hold only some purposes or versions,
//! key sets, purpose names, and values opened as the wrong type or purpose set.

mod common;

use std::time::SystemTime;

use common::{Analytics, Fulfillment, Marketing, PLAINTEXT, ROOT_KEY, ctx};
use fieldseal::{
    AnyPurposes, DynPurpose, DynPurposeKey, Error, Json, KeySet, Keyring, KeyringError, Malformed,
    PurposeKey, Sealed, SecretKey, Suite,
};
use zeroize::Zeroizing;

fn seal_f(key: &PurposeKey<Fulfillment>) -> Sealed<String, Fulfillment> {
    Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), key).unwrap()
}

#[test]
fn a_key_from_another_keyring_cannot_open() {
    for suite in Suite::ALL {
        let ours = common::keyring(suite);
        let theirs = common::keyring(suite);
        let sealed = seal_f(&ours.purpose_key::<Fulfillment>());
        let foreign = theirs.purpose_key::<Fulfillment>();
        assert!(matches!(
            sealed.open(&foreign, &ctx()),
            Err(Error::CannotOpen { .. })
        ));
        assert!(matches!(
            sealed.open_dyn(foreign.as_dyn(), &ctx()),
            Err(Error::CannotOpen { .. })
        ));
        let keys = KeySet::new().with(foreign);
        assert!(matches!(
            sealed.open_with::<Fulfillment, _>(&keys, &ctx()),
            Err(Error::CannotOpen { .. })
        ));
    }
}

/// Keyrings loaded from the same root key derive the same purpose keys; another suite setting
/// changes only how new values are sealed.
#[test]
fn the_same_root_key_derives_the_same_purpose_keys() {
    for suite in Suite::ALL {
        let a = common::known_keyring(suite);
        let b = common::known_keyring(suite);
        let sealed = seal_f(&a.purpose_key::<Fulfillment>());
        assert_eq!(
            sealed
                .open(&b.purpose_key::<Fulfillment>(), &ctx())
                .unwrap(),
            PLAINTEXT
        );
        let fa = a
            .purpose_key::<Fulfillment>()
            .as_dyn()
            .dangerous_export_version(1)
            .unwrap();
        let fb = b
            .purpose_key::<Fulfillment>()
            .as_dyn()
            .dangerous_export_version(1)
            .unwrap();
        let ma = a
            .purpose_key::<Marketing>()
            .as_dyn()
            .dangerous_export_version(1)
            .unwrap();
        assert_eq!(*fa, *fb);
        assert_ne!(*fa, *ma, "purposes get different keys");
        assert_ne!(*fa, ROOT_KEY, "a purpose key is not the root key");
        let mut other_suite = common::known_keyring(suite);
        other_suite.set_suite(if suite == Suite::Aes256Gcm {
            Suite::XChaCha20Poly1305
        } else {
            Suite::Aes256Gcm
        });
        let f = other_suite.purpose_key::<Fulfillment>();
        assert_eq!(
            sealed.open(&f, &ctx()).unwrap(),
            PLAINTEXT,
            "old suite still opens"
        );
        let new = seal_f(&f);
        assert_eq!(new.suite(), other_suite.suite());
        assert_eq!(
            new.open(&a.purpose_key::<Fulfillment>(), &ctx()).unwrap(),
            PLAINTEXT
        );
    }
}

#[test]
fn rotation_opens_old_and_new_values() {
    for suite in Suite::ALL {
        let mut keyring = common::keyring(suite);
        let before = keyring.purpose_key::<Fulfillment>();
        let v1 = seal_f(&before);
        assert_eq!(v1.key_versions(), [(DynPurpose::of::<Fulfillment>(), 1)]);

        assert_eq!(keyring.add_version().unwrap(), 2);
        assert_eq!(
            keyring.active_version(),
            1,
            "a new version is not active yet"
        );
        assert_eq!(
            seal_f(&keyring.purpose_key::<Fulfillment>()).key_versions()[0].1,
            1
        );
        keyring.set_active(2).unwrap();
        assert_eq!(keyring.versions(), [1, 2]);

        let after = keyring.purpose_key::<Fulfillment>();
        assert_eq!(after.as_dyn().versions(), [1, 2]);
        assert_eq!(after.as_dyn().active_version(), 2);
        let v2 = seal_f(&after);
        assert_eq!(v2.key_versions(), [(DynPurpose::of::<Fulfillment>(), 2)]);
        assert_eq!(v1.open(&after, &ctx()).unwrap(), PLAINTEXT);
        assert_eq!(v2.open(&after, &ctx()).unwrap(), PLAINTEXT);

        // A key taken before the rotation keeps sealing under v1 and does not know v2.
        assert_eq!(seal_f(&before).key_versions()[0].1, 1);
        match v2.open(&before, &ctx()) {
            Err(Error::UnknownKeyVersion {
                purpose,
                version,
                held,
            }) => {
                assert_eq!(
                    (purpose.as_str(), version, held),
                    ("fulfillment", 2, vec![1])
                );
            }
            other => panic!("{other:?}"),
        }

        // Multi-purpose values carry one key version per part.
        let m = keyring.purpose_key::<Marketing>();
        let both: Sealed<String, (Fulfillment, Marketing)> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), &(&after, &m)).unwrap();
        assert_eq!(
            both.key_versions(),
            [
                (DynPurpose::of::<Fulfillment>(), 2),
                (DynPurpose::of::<Marketing>(), 2)
            ]
        );
    }
}

/// A service handed only version 2 of a purpose key opens v2 values and names what it lacks for
/// v1 values.
#[test]
fn a_key_holding_only_v2_names_the_missing_version() {
    for suite in Suite::ALL {
        let mut keyring = common::keyring(suite);
        let v1 = seal_f(&keyring.purpose_key::<Fulfillment>());
        keyring.add_version().unwrap();
        keyring.set_active(2).unwrap();
        let full = keyring.purpose_key::<Fulfillment>();
        let v2 = seal_f(&full);
        let bytes = full.as_dyn().dangerous_export_version(2).unwrap();
        let check = full.as_dyn().key_check(2).unwrap();
        let only_v2 = DynPurposeKey::from_versions(
            DynPurpose::of::<Fulfillment>(),
            suite,
            [(2, bytes, check)],
            2,
        )
        .unwrap();
        assert_eq!(only_v2.versions(), [2]);
        let typed = PurposeKey::<Fulfillment>::from_dyn(only_v2.share()).unwrap();
        assert_eq!(v2.open(&typed, &ctx()).unwrap(), PLAINTEXT);
        assert_eq!(v2.open_dyn(&only_v2, &ctx()).unwrap(), PLAINTEXT);
        for result in [v1.open(&typed, &ctx()), v1.open_dyn(&only_v2, &ctx())] {
            match result {
                Err(Error::UnknownKeyVersion {
                    purpose,
                    version,
                    held,
                }) => {
                    assert_eq!(purpose, "fulfillment");
                    assert_eq!(version, 1);
                    assert_eq!(held, [2]);
                }
                other => panic!("{other:?}"),
            }
        }
        assert!(matches!(
            full.as_dyn().dangerous_export_version(3),
            Err(Error::UnknownKeyVersion { version: 3, .. })
        ));
    }
}

#[test]
fn from_versions_checks_the_active_version_and_from_dyn_the_purpose() {
    let bytes = || common::checked("fulfillment", 1, [3u8; 32]);
    let purpose = DynPurpose::of::<Fulfillment>();
    match DynPurposeKey::from_versions(purpose.clone(), Suite::default(), [bytes()], 2) {
        Err(Error::UnknownKeyVersion {
            version: 2, held, ..
        }) => assert_eq!(held, [1]),
        other => panic!("{other:?}"),
    }
    match DynPurposeKey::from_versions(purpose.clone(), Suite::default(), [], 1) {
        Err(Error::UnknownKeyVersion {
            version: 1, held, ..
        }) => assert!(held.is_empty()),
        other => panic!("{other:?}"),
    }
    let key = DynPurposeKey::from_versions(purpose, Suite::default(), [bytes()], 1).unwrap();
    match PurposeKey::<Marketing>::from_dyn(key) {
        Err(Error::NoKeyForPurpose { purpose, .. }) => assert_eq!(purpose, "marketing"),
        other => panic!("{other:?}"),
    }
}

/// A key bundle: the keyring is dropped, the service rebuilds its purpose keys from raw bytes and
/// opens exactly its own purposes.
#[test]
fn a_service_key_set_opens_exactly_its_purposes() {
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let ingest = KeySet::new()
            .with(keyring.purpose_key::<Fulfillment>())
            .with(keyring.purpose_key::<Marketing>())
            .with(keyring.purpose_key::<Analytics>());
        let export = |p: &DynPurpose| {
            let key = keyring.dyn_purpose_key(p);
            let bytes = key.dangerous_export_version(1).unwrap();
            let check = key.key_check(1).unwrap();
            DynPurposeKey::from_versions(p.clone(), suite, [(1, bytes, check)], 1).unwrap()
        };
        let mut service = KeySet::new();
        assert!(
            service
                .insert(export(&DynPurpose::of::<Marketing>()))
                .is_none()
        );
        drop(keyring);
        assert_eq!(service.purposes(), [DynPurpose::of::<Marketing>()]);

        let value = ingest
            .seal::<(Fulfillment, Marketing, Analytics), _>(&PLAINTEXT.to_owned(), &ctx())
            .unwrap();
        assert_eq!(
            value.open_with::<Marketing, _>(&service, &ctx()).unwrap(),
            PLAINTEXT
        );
        let marketing = DynPurpose::of::<Marketing>();
        assert_eq!(
            service.open_dyn(&value, &marketing, &ctx()).unwrap(),
            PLAINTEXT
        );
        assert_eq!(
            value
                .open(&service.key::<Marketing>().unwrap(), &ctx())
                .unwrap(),
            PLAINTEXT
        );
        for result in [
            value.open_with::<Fulfillment, _>(&service, &ctx()),
            value.open_with::<Analytics, _>(&service, &ctx()),
            service.open_dyn(&value, &DynPurpose::of::<Fulfillment>(), &ctx()),
            service.open_dyn(&value, &DynPurpose::new("support").unwrap(), &ctx()),
        ] {
            assert!(
                matches!(result, Err(Error::NoKeyForPurpose { .. })),
                "{result:?}"
            );
        }
        match value.open_with::<Analytics, _>(&service, &ctx()) {
            Err(Error::NoKeyForPurpose { purpose, .. }) => assert_eq!(purpose, "analytics"),
            other => panic!("{other:?}"),
        }
        assert!(service.key::<Fulfillment>().is_none());
        assert!(service.get("fulfillment").is_none());
    }
}

#[test]
fn a_key_set_cannot_seal_for_a_purpose_it_lacks() {
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let keys = KeySet::new().with(keyring.purpose_key::<Marketing>());
        let lacking = [
            keys.seal::<Fulfillment, _>(&1u8, &ctx()).map(drop),
            keys.seal::<(Marketing, Analytics), _>(&1u8, &ctx())
                .map(drop),
            keys.seal::<(Analytics, Marketing), _>(&1u8, &ctx())
                .map(drop),
        ];
        for (result, missing) in lacking
            .into_iter()
            .zip(["fulfillment", "analytics", "analytics"])
        {
            match result {
                Err(Error::NoKeyForPurpose { purpose, .. }) => assert_eq!(purpose, missing),
                other => panic!("{other:?}"),
            }
        }
        assert!(keys.seal::<Marketing, _>(&1u8, &ctx()).is_ok());
        let empty = KeySet::new();
        assert!(matches!(
            empty.seal::<Marketing, _>(&1u8, &ctx()),
            Err(Error::NoKeyForPurpose { .. })
        ));
    }
}

/// A purpose set that names one purpose twice is refused when sealing.
#[test]
fn a_purpose_listed_twice_is_refused() {
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let f = keyring.purpose_key::<Fulfillment>();
        let keys = KeySet::new().with(f.share());
        for result in [
            Sealed::<u8, (Fulfillment, Fulfillment)>::seal(&1, &ctx(), &(&f, &f)).map(drop),
            keys.seal::<(Fulfillment, Fulfillment), u8>(&1, &ctx())
                .map(drop),
        ] {
            match result {
                Err(Error::DuplicatePurpose { purpose }) => assert_eq!(purpose, "fulfillment"),
                other => panic!("{other:?}"),
            }
        }
    }
}

#[test]
fn invalid_purpose_names_are_refused() {
    let long = "a".repeat(65);
    for bad in [
        "",
        "Marketing",
        "with space",
        "é",
        "under_score",
        "dot.ted",
        "tab\t",
        &long,
    ] {
        match DynPurpose::new(bad) {
            Err(Error::InvalidPurposeName { name, reason }) => {
                assert_eq!(name, bad);
                assert!(!reason.is_empty());
            }
            other => panic!("{bad:?}: {other:?}"),
        }
    }
    let longest = "z".repeat(64);
    for good in ["a", "0", "third-party:acme", "a-b:c-9", &longest] {
        assert_eq!(DynPurpose::new(good).unwrap().name(), good);
    }
}

#[test]
fn a_value_taken_as_another_type_is_a_type_mismatch() {
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let f = keyring.purpose_key::<Fulfillment>();
        let number: Sealed<u64, Fulfillment> = Sealed::seal(&4711, &ctx(), &f).unwrap();
        let text: Sealed<String, Fulfillment> = seal_f(&f);
        let flag = Sealed::<bool, Fulfillment>::seal(&true, &ctx(), &f).unwrap();
        let json = Sealed::<Json<u8>, Fulfillment>::seal(&Json(1), &ctx(), &f).unwrap();
        // The header names the type, so the mistake shows when the value is taken in, before any
        // key is involved: from bytes, from text, and through serde.
        let results = [
            (
                Sealed::<String, Fulfillment>::from_bytes(number.as_bytes().to_vec()).map(drop),
                ("String", "u64"),
            ),
            (
                Sealed::<u32, Fulfillment>::from_text(&text.to_text()).map(drop),
                ("u32", "String"),
            ),
            (
                Sealed::<i8, Fulfillment>::from_bytes(flag.into_bytes()).map(drop),
                ("i8", "bool"),
            ),
            (
                Sealed::<Vec<u8>, Fulfillment>::from_bytes(json.into_bytes()).map(drop),
                ("Vec<u8>", "JSON"),
            ),
        ];
        for (result, (expected, found)) in results {
            match result {
                Err(Error::TypeMismatch {
                    expected: e,
                    found: g,
                }) => assert_eq!((e, g), (expected, found)),
                other => panic!("{other:?}"),
            }
        }
        let json_text = serde_json::to_string(&number).unwrap();
        let err = serde_json::from_str::<Sealed<String, Fulfillment>>(&json_text).unwrap_err();
        assert!(err.to_string().contains("holds u64, not String"), "{err}");
    }
}

/// Two `Json<T>` share a type byte: a value opened as another JSON type is a decoding error.
#[test]
fn json_opened_as_another_json_type_is_a_plaintext_encoding_error() {
    let f = common::keyring(Suite::default()).purpose_key::<Fulfillment>();
    let sealed: Sealed<Json<Vec<String>>, Fulfillment> =
        Sealed::seal(&Json(vec![PLAINTEXT.to_owned()]), &ctx(), &f).unwrap();
    let as_number = Sealed::<Json<u64>, Fulfillment>::from_bytes(sealed.into_bytes()).unwrap();
    match as_number.open(&f, &ctx()) {
        Err(Error::PlaintextEncoding { ty, reason }) => {
            assert_eq!(ty, "JSON");
            assert!(!reason.contains(PLAINTEXT), "{reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn a_value_of_another_purpose_set_does_not_parse_as_this_one() {
    let keyring = common::keyring(Suite::default());
    let (f, a) = (
        keyring.purpose_key::<Fulfillment>(),
        keyring.purpose_key::<Analytics>(),
    );
    let fa: Sealed<String, (Fulfillment, Analytics)> =
        Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), &(&f, &a)).unwrap();
    match Sealed::<String, (Fulfillment, Marketing)>::from_bytes(fa.as_bytes().to_vec()) {
        Err(Error::Malformed(Malformed::PurposeSetMismatch { expected, found })) => {
            assert_eq!(expected, "fulfillment, marketing");
            assert_eq!(found, "fulfillment, analytics");
        }
        other => panic!("{other:?}"),
    }
    let wrong = [
        Sealed::<String, Fulfillment>::from_bytes(fa.as_bytes().to_vec()).map(drop),
        Sealed::<String, (Fulfillment, Analytics, Marketing)>::from_bytes(fa.as_bytes().to_vec())
            .map(drop),
        Sealed::<String, Marketing>::from_text(&fa.to_text()).map(drop),
        Sealed::<String, (Marketing,)>::from_bytes(seal_f(&f).into_bytes()).map(drop),
    ];
    for (i, result) in wrong.into_iter().enumerate() {
        assert!(
            matches!(
                result,
                Err(Error::Malformed(Malformed::PurposeSetMismatch { .. }))
            ),
            "case {i}: {result:?}"
        );
    }
    // `(Fulfillment,)` names the same purposes as `Fulfillment`.
    let single = Sealed::<String, (Fulfillment,)>::from_bytes(seal_f(&f).into_bytes()).unwrap();
    assert_eq!(single.open(&f, &ctx()).unwrap(), PLAINTEXT);
    // The same purposes in another order are the same set.
    let af = Sealed::<String, (Analytics, Fulfillment)>::from_bytes(fa.into_bytes()).unwrap();
    assert_eq!(af.open(&a, &ctx()).unwrap(), PLAINTEXT);
}

/// A purpose set type that lists a purpose twice can never be sealed, so no value may parse as it.
#[test]
fn a_purpose_set_with_a_repeated_purpose_matches_no_value() {
    let keyring = common::keyring(Suite::default());
    let (f, m) = (
        keyring.purpose_key::<Fulfillment>(),
        keyring.purpose_key::<Marketing>(),
    );
    let fm: Sealed<String, (Fulfillment, Marketing)> =
        Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), &(&f, &m)).unwrap();
    let result = Sealed::<String, (Fulfillment, Fulfillment)>::from_bytes(fm.into_bytes());
    assert!(
        matches!(
            result,
            Err(Error::Malformed(Malformed::PurposeSetMismatch { .. }))
        ),
        "{result:?}"
    );
}

#[test]
fn keyring_misuse_is_refused() {
    let mut keyring = common::keyring(Suite::default());
    match keyring.set_active(9) {
        Err(Error::Keyring(KeyringError::NoSuchVersion { version, present })) => {
            assert_eq!((version, present), (9, vec![1]));
        }
        other => panic!("{other:?}"),
    }
    assert_eq!(keyring.active_version(), 1);
    let key = || SecretKey::from_bytes(Zeroizing::new(ROOT_KEY));
    assert!(matches!(
        keyring.insert_version(1, key(), SystemTime::now()),
        Err(Error::Keyring(KeyringError::VersionExists { version: 1 }))
    ));
    assert!(matches!(
        keyring.insert_version(0, key(), SystemTime::now()),
        Err(Error::Keyring(KeyringError::ZeroVersion))
    ));
    assert!(matches!(
        Keyring::with_root(Suite::default(), 0, key(), SystemTime::now()),
        Err(Error::Keyring(KeyringError::ZeroVersion))
    ));
    keyring.insert_version(7, key(), SystemTime::now()).unwrap();
    assert_eq!(
        keyring.add_version().unwrap(),
        8,
        "versions continue after the highest"
    );
    assert_eq!(keyring.versions(), [1, 7, 8]);
    let mut last =
        Keyring::with_root(Suite::default(), u32::MAX, key(), SystemTime::now()).unwrap();
    assert!(matches!(
        last.add_version(),
        Err(Error::Keyring(KeyringError::VersionsExhausted {
            last: u32::MAX
        }))
    ));
}

/// Sealing for purposes named at run time: every purpose must be held, listed once, and at least
/// one named; the result opens per purpose and parses only as `AnyPurposes` or its exact set.
#[test]
fn run_time_purpose_sets() {
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let keys = KeySet::from_keyring(
            &keyring,
            &[
                DynPurpose::of::<Fulfillment>(),
                DynPurpose::of::<Marketing>(),
            ],
        );
        let (f, m) = (
            DynPurpose::of::<Fulfillment>(),
            DynPurpose::of::<Marketing>(),
        );
        let any = keys
            .seal_dyn(&[m.clone(), f.clone()], &PLAINTEXT.to_owned(), &ctx())
            .unwrap();
        assert_eq!(any.purposes(), [m.clone(), f.clone()]);
        assert_eq!(keys.open_dyn(&any, &f, &ctx()).unwrap(), PLAINTEXT);
        assert_eq!(
            any.open_dyn(keys.get("marketing").unwrap(), &ctx())
                .unwrap(),
            PLAINTEXT
        );
        let typed = Sealed::<String, (Fulfillment, Marketing)>::from_bytes(any.as_bytes().to_vec())
            .unwrap();
        assert_eq!(
            typed
                .open(&keyring.purpose_key::<Marketing>(), &ctx())
                .unwrap(),
            PLAINTEXT
        );
        let back = Sealed::<String, AnyPurposes>::from_text(&typed.to_text()).unwrap();
        assert_eq!(back, any);
        assert!(matches!(
            Sealed::<String, Fulfillment>::from_bytes(any.into_bytes()),
            Err(Error::Malformed(Malformed::PurposeSetMismatch { .. }))
        ));

        let analytics = DynPurpose::of::<Analytics>();
        let refused = [
            keys.seal_dyn(&[f.clone(), analytics.clone()], &1u8, &ctx())
                .map(drop),
            keys.seal_dyn(&[f.clone(), f.clone()], &1u8, &ctx())
                .map(drop),
            keys.seal_dyn(&[], &1u8, &ctx()).map(drop),
        ];
        match &refused {
            [
                Err(Error::NoKeyForPurpose {
                    purpose: missing, ..
                }),
                Err(Error::DuplicatePurpose { purpose: twice }),
                Err(Error::NoPurpose),
            ] => {
                assert_eq!(missing, "analytics");
                assert_eq!(twice, "fulfillment");
            }
            other => panic!("{other:?}"),
        }
        let all: Vec<DynPurpose> = (0..9)
            .map(|i| DynPurpose::new(&format!("p{i}")).unwrap())
            .collect();
        let nine = KeySet::from_keyring(&keyring, &all);
        assert!(matches!(
            nine.seal_dyn(&all, &1u8, &ctx()),
            Err(Error::TooManyPurposes { count: 9, max: 8 })
        ));
        let eight = nine.seal_dyn(&all[..8], &1u8, &ctx()).unwrap();
        assert_eq!(eight.purposes().len(), 8);
        assert_eq!(nine.open_dyn(&eight, &all[7], &ctx()).unwrap(), 1);
    }
}

/// A value has one suite: keys that seal with different suites are refused, not silently
/// overruled by whichever comes first.
#[test]
fn keys_of_different_suites_do_not_seal_one_value() {
    let aes = common::keyring(Suite::Aes256Gcm);
    let xchacha = common::keyring(Suite::XChaCha20Poly1305);
    let (f, m) = (
        aes.purpose_key::<Fulfillment>(),
        xchacha.purpose_key::<Marketing>(),
    );
    for result in [
        Sealed::<String, (Fulfillment, Marketing)>::seal("x", &ctx(), &(&f, &m)).map(drop),
        Sealed::<String, (Marketing, Fulfillment)>::seal("x", &ctx(), &(&m, &f)).map(drop),
    ] {
        assert!(
            matches!(result, Err(Error::MixedSuites { .. })),
            "{result:?}"
        );
    }
}

/// Version 0 is reserved (FORMAT.md §2): no key has it, and no value may name it.
#[test]
fn key_version_zero_is_refused() {
    let purpose = DynPurpose::new("marketing").unwrap();
    let zero = [common::checked("marketing", 0, [1u8; 32])];
    assert!(matches!(
        DynPurposeKey::from_versions(purpose, Suite::default(), zero, 0),
        Err(Error::Keyring(KeyringError::ZeroVersion))
    ));
}
