//! Context binding: a ciphertext moved to another field, record type or record id, or opened with
//! another purpose's key, does not open; context parts above their limits are refused, naming the
//! part.

mod common;

use common::{Analytics, Fulfillment, Marketing, PLAINTEXT, ctx, layout};
use fieldseal::{Context, DynPurpose, Error, KeySet, Sealed, Suite};

/// Contexts that differ from `ctx()` (customer / email / integer id 42, bound as 16 bytes) in
/// exactly one way, or only in how their parts are split.
fn other_contexts() -> Vec<(&'static str, Context<'static>)> {
    vec![
        (
            "other field",
            Context::new("customer", "phone").with_id_int(42),
        ),
        (
            "other record type",
            Context::new("order", "email").with_id_int(42),
        ),
        (
            "other id",
            Context::new("customer", "email").with_id_int(43),
        ),
        ("no id", Context::new("customer", "email").without_id()),
        ("empty id", Context::new("customer", "email").with_id(b"")),
        (
            "id as string",
            Context::new("customer", "email").with_id_str("42"),
        ),
        (
            "id as its 8 bytes (not the 16 an integer id binds)",
            Context::new("customer", "email").with_id(&[0, 0, 0, 0, 0, 0, 0, 42]),
        ),
        (
            "id one byte longer",
            Context::new("customer", "email").with_id(&[0, 0, 0, 0, 0, 0, 0, 42, 0]),
        ),
        (
            "record and field swapped",
            Context::new("email", "customer").with_id_int(42),
        ),
        (
            "field boundary moved",
            Context::new("customere", "mail").with_id_int(42),
        ),
        (
            "field name case",
            Context::new("customer", "Email").with_id_int(42),
        ),
    ]
}

/// A context without a record type or field is refused when sealing and when opening, before any
/// cryptography, naming the empty part (FORMAT.md §6, §9).
#[test]
fn an_empty_record_type_or_field_is_refused() {
    for suite in Suite::ALL {
        let f = common::keyring(suite).purpose_key::<Fulfillment>();
        let valid: Sealed<String, Fulfillment> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), &f).unwrap();
        for (ctx, part) in [
            (Context::new("customer", "").with_id_int(42), "field"),
            (Context::new("", "email").with_id_int(42), "record type"),
            (Context::new("", "").without_id(), "record type"),
        ] {
            let sealing = Sealed::<String, Fulfillment>::seal(&PLAINTEXT.to_owned(), &ctx, &f);
            for result in [sealing.map(drop), valid.open(&f, &ctx).map(drop)] {
                match result {
                    Err(Error::EmptyContext { part: p }) => assert_eq!(p, part),
                    other => panic!("{suite:?} {part}: {other:?}"),
                }
            }
        }
    }
}

/// FORMAT.md §6: an integer id binds its value as 16 bytes whatever its Rust type, so a value
/// sealed with a `u32` id opens with the same id as `u64`, `i64` or `u128` (an id column can
/// change type), and a negative id is sign-extended.
#[test]
fn every_integer_id_type_binds_the_same_value_the_same_way() {
    for suite in Suite::ALL {
        let f = common::keyring(suite).purpose_key::<Fulfillment>();
        let place = Context::new("customer", "email");
        let by_u32: Sealed<String, Fulfillment> =
            Sealed::seal(PLAINTEXT, &place.with_id_int(4_000_000_000u32), &f).unwrap();
        for same in [
            place.with_id_int(4_000_000_000u64),
            place.with_id_int(4_000_000_000i64),
            place.with_id_int(4_000_000_000u128),
            place.with_id(&4_000_000_000u128.to_be_bytes()),
        ] {
            assert_eq!(by_u32.open(&f, &same).unwrap(), PLAINTEXT);
        }
        for other in [
            place.with_id(&4_000_000_000u32.to_be_bytes()),
            place.with_id(&4_000_000_000u64.to_be_bytes()),
            place.with_id_int(4_000_000_001u64),
        ] {
            assert!(matches!(
                by_u32.open(&f, &other),
                Err(Error::CannotOpen { .. })
            ));
        }
        let negative: Sealed<String, Fulfillment> =
            Sealed::seal(PLAINTEXT, &place.with_id_int(-7i16), &f).unwrap();
        assert_eq!(
            negative.open(&f, &place.with_id_int(-7i128)).unwrap(),
            PLAINTEXT
        );
        assert_eq!(
            negative
                .open(
                    &f,
                    &place.with_id(&[0xff; 15].iter().copied().chain([0xf9]).collect::<Vec<_>>())
                )
                .unwrap(),
            PLAINTEXT
        );
        assert!(matches!(
            negative.open(&f, &place.with_id_int(u128::from(u16::MAX - 6))),
            Err(Error::CannotOpen { .. })
        ));
    }
}

#[test]
fn a_value_opens_only_in_its_own_context() {
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let (f, m) = (
            keyring.purpose_key::<Fulfillment>(),
            keyring.purpose_key::<Marketing>(),
        );
        let keys = KeySet::new().with(f.share()).with(m.share());
        let one: Sealed<String, Fulfillment> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), &f).unwrap();
        let two: Sealed<u64, (Fulfillment, Marketing)> =
            Sealed::seal(&7, &ctx(), &(&f, &m)).unwrap();
        assert_eq!(one.open(&f, &ctx()).unwrap(), PLAINTEXT);
        assert_eq!(two.open(&m, &ctx()).unwrap(), 7);
        for (what, other) in other_contexts() {
            let results = [
                one.open(&f, &other).map(drop),
                one.open_dyn(f.as_dyn(), &other).map(drop),
                two.open(&f, &other).map(drop),
                two.open(&m, &other).map(drop),
                two.open_with::<Marketing, _>(&keys, &other).map(drop),
                keys.open_dyn(&two, &DynPurpose::of::<Fulfillment>(), &other)
                    .map(drop),
            ];
            for result in results {
                assert!(
                    matches!(result, Err(Error::CannotOpen { .. })),
                    "{suite:?}, {what}: {result:?}"
                );
            }
        }
    }
}

/// The no-id and empty-id contexts bind the same (empty) id; a value sealed without an id opens
/// with either, and with no context that binds an id.
#[test]
fn empty_id_and_some_id_do_not_mix() {
    for suite in Suite::ALL {
        let f = common::keyring(suite).purpose_key::<Fulfillment>();
        let place = Context::new("customer", "email");
        let no_id = place.without_id();
        let sealed: Sealed<String, Fulfillment> =
            Sealed::seal(&PLAINTEXT.to_owned(), &no_id, &f).unwrap();
        assert_eq!(sealed.open(&f, &no_id).unwrap(), PLAINTEXT);
        assert_eq!(sealed.open(&f, &place.with_id(&[])).unwrap(), PLAINTEXT);
        for id in [&[0u8][..], b" ", &0u64.to_be_bytes()] {
            let with_id = place.with_id(id);
            assert!(
                matches!(sealed.open(&f, &with_id), Err(Error::CannotOpen { .. })),
                "{id:?}"
            );
        }
        assert!(matches!(
            sealed.open(&f, &place.with_id_int(0)),
            Err(Error::CannotOpen { .. })
        ));
    }
}

/// Equal id bytes are the same id, however they were given.
#[test]
fn an_id_is_its_bytes() {
    for suite in Suite::ALL {
        let f = common::keyring(suite).purpose_key::<Fulfillment>();
        let sealed: Sealed<bool, Fulfillment> = Sealed::seal(&true, &ctx(), &f).unwrap();
        let id = 42u128.to_be_bytes();
        let same = Context::new("customer", "email").with_id(&id);
        assert!(sealed.open(&f, &same).unwrap());
        let uuid = 0x0b7e_5c1a_5d4e_4a8e_9f1b_2c3d_4e5f_6a7b_u128;
        let by_uuid: Sealed<bool, Fulfillment> =
            Sealed::seal(&true, &Context::new("order", "gift").with_id_int(uuid), &f).unwrap();
        let same = uuid.to_be_bytes();
        assert!(
            by_uuid
                .open(&f, &Context::new("order", "gift").with_id(&same))
                .unwrap()
        );
    }
}

/// A value opened with the key of a purpose it was not sealed for, on the run-time path: the
/// error names that purpose and the purposes the value carries.
#[test]
fn another_purposes_key_is_not_sealed_for() {
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let (f, m) = (
            keyring.purpose_key::<Fulfillment>(),
            keyring.purpose_key::<Marketing>(),
        );
        let analytics = keyring.dyn_purpose_key(&DynPurpose::new("analytics").unwrap());
        let two: Sealed<String, (Fulfillment, Marketing)> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), &(&f, &m)).unwrap();
        match two.open_dyn(&analytics, &ctx()) {
            Err(Error::NotSealedFor {
                purpose,
                sealed_for,
            }) => {
                assert_eq!(purpose, "analytics");
                assert_eq!(sealed_for, ["fulfillment", "marketing"]);
            }
            other => panic!("{other:?}"),
        }
        let one: Sealed<String, Fulfillment> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), &f).unwrap();
        match one.open_dyn(m.as_dyn(), &ctx()) {
            Err(Error::NotSealedFor {
                purpose,
                sealed_for,
            }) => {
                assert_eq!(purpose, "marketing");
                assert_eq!(sealed_for, ["fulfillment"]);
            }
            other => panic!("{other:?}"),
        }
        let keys = KeySet::new().with(keyring.purpose_key::<Analytics>());
        assert!(matches!(
            keys.open_dyn(&one, &DynPurpose::of::<Analytics>(), &ctx()),
            Err(Error::NotSealedFor { .. })
        ));
    }
}

/// A part relabelled as another purpose (same name length, so the layout still parses) does not
/// open with that purpose's key: the purpose is bound into both the key and the associated data.
#[test]
fn a_part_relabelled_to_another_purpose_does_not_open() {
    for suite in Suite::ALL {
        let keyring = common::keyring(suite);
        let f = keyring.purpose_key::<Fulfillment>();
        let sealed: Sealed<String, Fulfillment> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), &f).unwrap();
        let name = layout(sealed.as_bytes()).parts[0].name_bytes.clone();
        let mut bytes = sealed.into_bytes();
        bytes[name].copy_from_slice(b"fulfillmenx");
        let relabelled = Sealed::<String, (Relabelled,)>::from_bytes(bytes).unwrap();
        let key = keyring.purpose_key::<Relabelled>();
        assert!(matches!(
            relabelled.open(&key, &ctx()),
            Err(Error::CannotOpen { .. })
        ));
        assert!(matches!(
            relabelled.open_dyn(f.as_dyn(), &ctx()),
            Err(Error::NotSealedFor { .. })
        ));
    }
}

fieldseal::purpose!(Relabelled = "fulfillmenx");

#[test]
fn context_parts_above_their_limits_are_refused() {
    let long_record = "r".repeat(65);
    let long_field = "f".repeat(256);
    let long_id = [7u8; 257];
    let cases = [
        (
            Context::new(&long_record, "email").without_id(),
            "record type",
            65,
            64,
        ),
        (
            Context::new("customer", &long_field).without_id(),
            "field",
            256,
            255,
        ),
        (
            Context::new("customer", "email").with_id(&long_id),
            "id",
            257,
            256,
        ),
    ];
    for suite in Suite::ALL {
        let f = common::keyring(suite).purpose_key::<Fulfillment>();
        let valid: Sealed<String, Fulfillment> =
            Sealed::seal(&PLAINTEXT.to_owned(), &ctx(), &f).unwrap();
        for (ctx, part, len, max) in &cases {
            let sealing = Sealed::<String, Fulfillment>::seal(&PLAINTEXT.to_owned(), ctx, &f);
            for result in [sealing.map(drop), valid.open(&f, ctx).map(drop)] {
                match result {
                    Err(Error::ContextTooLong {
                        part: p,
                        len: l,
                        max: m,
                    }) => {
                        assert_eq!((p, l, m), (*part, *len, *max));
                    }
                    other => panic!("{suite:?} {part}: {other:?}"),
                }
            }
        }
    }
}

/// Every part exactly at its limit seals and opens, and each limit binds like any other context.
#[test]
fn context_parts_at_their_limits_work() {
    let record = "r".repeat(64);
    let field = "f".repeat(64);
    let id = [7u8; 256];
    let at_limit = Context::new(&record, &field).with_id(&id);
    let mut other_id = id;
    other_id[255] = 8;
    let other = Context::new(&record, &field).with_id(&other_id);
    for suite in Suite::ALL {
        let f = common::keyring(suite).purpose_key::<Fulfillment>();
        let sealed: Sealed<String, Fulfillment> =
            Sealed::seal(&PLAINTEXT.to_owned(), &at_limit, &f).unwrap();
        assert_eq!(sealed.open(&f, &at_limit).unwrap(), PLAINTEXT);
        assert!(matches!(
            sealed.open(&f, &other),
            Err(Error::CannotOpen { .. })
        ));
    }
}

/// A wrong-context open stays `CannotOpen`; in a debug build it also says which part differs,
/// where trying the likely mistakes with the caller's key finds it (src/sealed/hint.rs), and
/// never the id or the plaintext. Release builds never search.
#[test]
fn a_wrong_context_open_in_a_debug_build_says_which_part_differs() {
    use fieldseal::IdBinding;
    let expected: &[(&str, Option<&str>)] = &[
        ("other field", None),
        ("other record type", None),
        ("other id", None),
        ("no id", None),
        ("empty id", None),
        (
            "id as string",
            Some(
                "it opens with the id bound as 16 bytes (`with_id_int` or `with_id_uuid`), not \
                 as the text of its decimal digits (`with_id_str`)",
            ),
        ),
        (
            "id as its 8 bytes (not the 16 an integer id binds)",
            Some(
                "it opens with the id bound as 16 bytes (`with_id_int` or `with_id_uuid`), not as 8 bytes (`with_id`)",
            ),
        ),
        ("id one byte longer", None),
        ("record and field swapped", None),
        ("field boundary moved", None),
        (
            "field name case",
            Some("it opens with field `email` (not `Email`)"),
        ),
    ];
    let contexts = other_contexts();
    assert_eq!(contexts.len(), expected.len());
    for suite in Suite::ALL {
        let f = common::keyring(suite).purpose_key::<Fulfillment>();
        let sealed: Sealed<String, Fulfillment> = Sealed::seal(PLAINTEXT, &ctx(), &f).unwrap();
        for ((what, other), (name, hint)) in contexts.iter().zip(expected) {
            assert_eq!(what, name);
            let Err(Error::CannotOpen { hint: found }) = sealed.open(&f, other) else {
                panic!("{suite:?} {what}: opened, or another error");
            };
            let shown = sealed.open(&f, other).unwrap_err().to_string();
            assert!(
                !shown.contains(PLAINTEXT) && !shown.contains("42"),
                "{shown}"
            );
            match (cfg!(debug_assertions), hint) {
                (true, Some(text)) => {
                    let found = found.unwrap_or_else(|| panic!("{suite:?} {what}: no hint"));
                    assert!(found.to_string().ends_with(text), "{what}: {found}");
                    assert!(shown.ends_with(&format!("{text})")), "{shown}");
                }
                _ => assert_eq!(found, None, "{suite:?} {what}"),
            }
        }
    }

    // The retail developer's two mistakes at once: `customer` for `Customer`, and the string id
    // `"1001"` as an integer.
    let f = common::keyring(Suite::default()).purpose_key::<Marketing>();
    let sealed: Sealed<String, Marketing> = Sealed::seal(
        PLAINTEXT,
        &Context::new("Customer", "marketing_email").with_id_str("1001"),
        &f,
    )
    .unwrap();
    let wrong = Context::new("customer", "marketing_email").with_id_int(1001);
    let Err(Error::CannotOpen { hint }) = sealed.open(&f, &wrong) else {
        panic!("opened with the wrong context");
    };
    if cfg!(debug_assertions) {
        let hint = hint.expect("a hint in a debug build");
        assert_eq!(
            hint.record,
            Some(("customer".to_owned(), "Customer".to_owned()))
        );
        assert_eq!(hint.field, None);
        assert_eq!(hint.id, Some((IdBinding::Integer, IdBinding::DecimalText)));
    } else {
        assert_eq!(hint, None);
    }

    // A tampered value, or another key, gets no hint: nothing opens it.
    let mut bytes = sealed.as_bytes().to_vec();
    let last = bytes.len() - 1;
    bytes[last] ^= 1;
    let tampered = Sealed::<String, Marketing>::from_bytes(bytes).unwrap();
    let right = Context::new("Customer", "marketing_email").with_id_str("1001");
    assert!(matches!(
        tampered.open(&f, &right),
        Err(Error::CannotOpen { hint: None })
    ));
    assert!(matches!(
        tampered.open(&f, &wrong),
        Err(Error::CannotOpen { hint: None })
    ));
    let other_key = common::keyring(Suite::default()).purpose_key::<Marketing>();
    assert!(matches!(
        sealed.open(&other_key, &wrong),
        Err(Error::CannotOpen { hint: None })
    ));
}
