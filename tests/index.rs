//! Blind indexes (FORMAT.md §16) through rotations, at the library level: a table of sealed
//! customers with an index column is looked up before, during and after an index rotation (half
//! the rows migrated), across a root rotation and the retirement of the old root, and through
//! key bundles that hold index keys alone.

mod common;

use common::{Support, ctx};
use fieldseal::index::{IndexVersionState, MAX_PARTS};
use fieldseal::{
    BadTerm, DynPurpose, Error, IndexKey, IndexSpec, IndexTerm, Kek, KeyBundle, KeySet, Keyring,
    KeyringError, Sealed, SecretKey, Suite,
};
use zeroize::Zeroizing;

/// One stored customer: the sealed email and its lookup column.
struct Row {
    id: usize,
    email: Sealed<String, Support>,
    email_idx: IndexTerm,
}

/// `SELECT id FROM customers WHERE email_idx IN (terms)`.
fn select(rows: &[Row], terms: &[IndexTerm]) -> Vec<usize> {
    rows.iter()
        .filter(|r| terms.contains(&r.email_idx))
        .map(|r| r.id)
        .collect()
}

fn email(i: usize) -> String {
    format!("customer-{i}@example.com")
}

const CUSTOMERS: usize = 200;

/// Index keys and terms are shared across threads, as purpose keys are.
const _: () = {
    const fn shared<T: Send + Sync>() {}
    shared::<IndexKey>();
    shared::<IndexTerm>();
    shared::<KeySet>();
};

/// Every customer is found by its email, and only its row (16-byte terms do not collide here).
#[track_caller]
fn every_lookup_finds_its_row(rows: &[Row], key: &IndexKey) {
    for row in rows {
        let terms = key.terms(email(row.id).as_bytes()).unwrap();
        assert_eq!(select(rows, &terms), vec![row.id], "customer {}", row.id);
    }
}

fn kek() -> Kek {
    Kek::new(SecretKey::from_bytes(Zeroizing::new([0x4b; 32])))
}

#[test]
#[allow(
    clippy::too_many_lines,
    reason = "one story, before, during and after the rotation, reads best in order"
)]
fn lookups_find_every_row_before_during_and_after_an_index_rotation() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring
        .add_index(
            IndexSpec::new("email")
                .unwrap()
                .with_normalizer("email")
                .unwrap(),
        )
        .unwrap();
    let seal = keyring.purpose_key::<Support>();
    let v1 = keyring.index_key("email").unwrap();
    let mut rows: Vec<Row> = (0..CUSTOMERS)
        .map(|id| Row {
            id,
            email: Sealed::seal(&email(id), &ctx(), &seal).unwrap(),
            email_idx: v1.term(email(id).as_bytes()).unwrap(),
        })
        .collect();
    every_lookup_finds_its_row(&rows, &v1);
    assert_eq!(v1.terms(b"x").unwrap().len(), 1);

    // A root rotation changes no term: the index version keeps the root it was created under.
    keyring.rotate().unwrap();
    let after_root_rotation = keyring.index_key("email").unwrap();
    for row in &rows {
        assert_eq!(
            after_root_rotation.term(email(row.id).as_bytes()).unwrap(),
            row.email_idx
        );
    }
    every_lookup_finds_its_row(&rows, &after_root_rotation);
    // The old root cannot be retired while index version 1 derives from it.
    let refused = keyring.check_retire(1).unwrap_err();
    assert!(
        matches!(&refused, Error::Keyring(KeyringError::RootPinnedByIndex { version: 1, pinned })
            if pinned == &["index `email` version 1"]),
        "{refused:?}"
    );
    assert!(
        refused.to_string().contains("fieldseal index rotate"),
        "{refused}"
    );
    assert!(keyring.retire(1).is_err());
    assert_eq!(keyring.live_versions(), vec![1, 2], "nothing was retired");

    // An index rotation: version 2 writes, version 1 is still queried.
    assert_eq!(keyring.rotate_index("email").unwrap(), 2);
    let v2 = keyring.index_key("email").unwrap();
    assert_eq!(v2.current_version(), 2);
    assert_eq!(v2.versions(), vec![1, 2]);
    assert_eq!(
        keyring
            .index("email")
            .unwrap()
            .version(2)
            .unwrap()
            .root_version,
        2,
        "pinned to the root active at the rotation"
    );
    let query = v2.terms(email(7).as_bytes()).unwrap();
    assert_eq!(
        query.iter().map(IndexTerm::version).collect::<Vec<_>>(),
        [2, 1]
    );
    assert_eq!(
        query[0],
        v2.term(email(7).as_bytes()).unwrap(),
        "current first"
    );
    assert_eq!(query[1], rows[7].email_idx);
    every_lookup_finds_its_row(&rows, &v2);
    // A new customer is written with version 2 and found alongside the old rows.
    rows.push(Row {
        id: CUSTOMERS,
        email: Sealed::seal(&email(CUSTOMERS), &ctx(), &seal).unwrap(),
        email_idx: v2.term(email(CUSTOMERS).as_bytes()).unwrap(),
    });
    every_lookup_finds_its_row(&rows, &v2);

    // Half the rows migrated: their terms recomputed with version 2.
    for row in rows.iter_mut().take(CUSTOMERS / 2) {
        assert!(!v2.is_current(&row.email_idx));
        let value = row.email.open(&seal, &ctx()).unwrap();
        row.email_idx = v2.term(value.as_bytes()).unwrap();
        assert!(v2.is_current(&row.email_idx));
    }
    every_lookup_finds_its_row(&rows, &v2);
    let stale = rows.iter().filter(|r| !v2.is_current(&r.email_idx)).count();
    assert_eq!(stale, CUSTOMERS - CUSTOMERS / 2);

    // The rest migrated, the migration finished: only version 2 is queried.
    for row in rows.iter_mut().filter(|r| !v2.is_current(&r.email_idx)) {
        row.email_idx = v2.term(email(row.id).as_bytes()).unwrap();
    }
    assert_eq!(keyring.finish_index_migration("email").unwrap(), vec![1]);
    assert!(keyring.finish_index_migration("email").unwrap().is_empty());
    let done = keyring.index_key("email").unwrap();
    assert_eq!(done.versions(), vec![2]);
    assert_eq!(done.retired_versions(), vec![1]);
    let old_term = v2.term_with_version(1, &[email(3).as_bytes()]).unwrap();
    let query = done.terms(email(3).as_bytes()).unwrap();
    assert_eq!(query, vec![done.term(email(3).as_bytes()).unwrap()]);
    assert!(
        !query.contains(&old_term),
        "old-version terms are no longer asked for"
    );
    assert!(matches!(
        done.check(&old_term),
        Err(Error::RetiredIndexVersion { version: 1, .. })
    ));
    every_lookup_finds_its_row(&rows, &done);

    // Nothing pins root version 1 any more: it retires, and the index still works.
    keyring.check_retire(1).unwrap();
    keyring.retire(1).unwrap();
    let after_retirement = keyring.index_key("email").unwrap();
    every_lookup_finds_its_row(&rows, &after_retirement);
    assert_eq!(
        keyring.index("email").unwrap().versions[0].state,
        IndexVersionState::Retired
    );
}

#[test]
fn a_bundle_of_index_keys_alone_finds_rows_and_opens_nothing() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring
        .add_index(
            IndexSpec::new("phone")
                .unwrap()
                .with_width(8)
                .unwrap()
                .with_normalizer("phone:GB")
                .unwrap(),
        )
        .unwrap();
    keyring.rotate().unwrap();
    keyring.rotate_index("phone").unwrap(); // mid-migration: both versions in use
    let phone = "+442079460000";
    let sealed: Sealed<String, Support> =
        Sealed::seal(phone, &ctx(), &keyring.purpose_key::<Support>()).unwrap();

    let bundle = keyring
        .export_bundle_with_indexes("support-search", &[], &["phone"])
        .unwrap();
    let file = bundle.to_protected_bytes(&kek()).unwrap();
    let loaded = KeyBundle::from_protected_bytes(&file, &kek()).unwrap();
    assert!(loaded.purposes().is_empty());
    assert_eq!(loaded.indexes(), vec!["phone".to_owned()]);
    let from_bundle = loaded.index("phone").unwrap();
    let from_keyring = keyring.index_key("phone").unwrap();
    assert_eq!(
        from_bundle.info(),
        from_keyring.info(),
        "width, normalizer, versions, pins"
    );
    assert_eq!(
        from_bundle.terms(phone.as_bytes()).unwrap(),
        from_keyring.terms(phone.as_bytes()).unwrap()
    );
    assert_eq!(from_bundle.terms(phone.as_bytes()).unwrap().len(), 2);
    let search = loaded.into_key_set();
    assert!(matches!(
        sealed.open_with::<Support, _>(&search, &ctx()),
        Err(Error::NoKeyForPurpose { .. })
    ));
    assert!(matches!(
        search.require_index("email"),
        Err(Error::UnknownIndex { index, held }) if index == "email" && held == ["phone"]
    ));
    // The keyring recorded the export, index versions included.
    let export = &keyring.bundle_exports()[0];
    assert!(export.purposes.is_empty());
    assert_eq!(export.indexes[0].index, "phone");
    assert_eq!(export.indexes[0].versions, vec![1, 2]);
    assert!(
        !export.is_stale_in(&keyring),
        "no purpose: a root rotation leaves it current"
    );
    assert!(matches!(
        keyring.export_bundle_with_indexes("nothing", &[], &[]),
        Err(Error::EmptyBundle { .. })
    ));
    assert!(matches!(
        keyring.export_bundle_with_indexes("typo", &[], &["phnoe"]),
        Err(Error::UnknownIndex { .. })
    ));
}

#[test]
fn index_rotations_and_migrations_leave_exported_bundles_stale_until_exported_again() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring.add_index(IndexSpec::new("email").unwrap()).unwrap();
    let support = [DynPurpose::of::<Support>()];
    let old = keyring
        .export_bundle_with_indexes("support", &support, &["email"])
        .unwrap();
    assert!(!keyring.bundle_exports()[0].is_stale_in(&keyring));
    keyring.rotate_index("email").unwrap();
    assert!(
        keyring.bundle_exports()[0].is_stale_in(&keyring),
        "writes version 1 still"
    );
    // A term the new version wrote is unknown to the old bundle: it says which version it lacks.
    let new_term = keyring
        .index_key("email")
        .unwrap()
        .term(b"ada@example.com")
        .unwrap();
    let err = old.index("email").unwrap().check(&new_term).unwrap_err();
    assert!(
        matches!(&err, Error::UnknownIndexVersion { version: 2, held, .. } if held == &[1]),
        "{err:?}"
    );
    assert!(err.to_string().contains("re-export"), "{err}");
    keyring
        .export_bundle_with_indexes("support", &support, &["email"])
        .unwrap();
    assert!(!keyring.bundle_exports()[0].is_stale_in(&keyring));
    keyring.finish_index_migration("email").unwrap();
    assert!(
        keyring.bundle_exports()[0].is_stale_in(&keyring),
        "holds a retired key"
    );

    // The keyring file keeps the indexes and what each bundle holds of them.
    let file = keyring.to_protected_bytes(&kek()).unwrap();
    let loaded = Keyring::from_protected_bytes(&file, &kek()).unwrap();
    assert_eq!(loaded.indexes(), keyring.indexes());
    let held = |k: &Keyring| {
        k.bundle_exports()
            .into_iter()
            .map(|e| (e.service, e.indexes))
            .collect::<Vec<_>>()
    };
    assert_eq!(held(&loaded), held(&keyring));
    assert!(loaded.bundle_exports()[0].is_stale_in(&loaded));
    assert_eq!(
        loaded
            .index_key("email")
            .unwrap()
            .term(b"ada@example.com")
            .unwrap(),
        new_term
    );
}

#[test]
fn terms_are_as_wide_as_their_index_and_compound_parts_never_run_together() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    for width in [2u8, 16, 32] {
        let name = format!("w{width}");
        keyring
            .add_index(IndexSpec::new(&name).unwrap().with_width(width).unwrap())
            .unwrap();
        let key = keyring.index_key(&name).unwrap();
        let term = key.term(b"value").unwrap();
        assert_eq!(term.as_bytes().len(), 4 + usize::from(width));
        assert_eq!(term.mac().len(), usize::from(width));
        assert_eq!(term.version(), 1);
        assert_eq!(key.parse_term(&term.to_text()).unwrap(), term);
        assert_eq!(IndexTerm::from_bytes(term.as_bytes()).unwrap(), term);
    }
    let narrow = keyring.index_key("w2").unwrap();
    let wide_term = keyring.index_key("w16").unwrap().term(b"value").unwrap();
    assert!(matches!(
        narrow.parse_term(&wide_term.to_text()),
        Err(Error::BadIndexTerm(BadTerm::WrongWidth {
            expected: 6,
            len: 20,
            ..
        }))
    ));
    assert!(!narrow.is_current(&wide_term));

    // Different indexes of one keyring, and the same index of two keyrings, disagree.
    let wide = keyring.index_key("w32").unwrap();
    let other = Keyring::generate(Suite::default()).unwrap();
    let mut other = other;
    other
        .add_index(IndexSpec::new("w32").unwrap().with_width(32).unwrap())
        .unwrap();
    assert_ne!(
        wide.term(b"value").unwrap(),
        other.index_key("w32").unwrap().term(b"value").unwrap()
    );
    assert_ne!(
        wide_term.mac(),
        &keyring
            .index_key("w32")
            .unwrap()
            .term(b"value")
            .unwrap()
            .mac()[..16]
    );

    // Compound values: the parts are length-prefixed, so no regrouping of the bytes collides.
    let ab_c = wide.term_parts(&[b"ab", b"c"]).unwrap();
    assert_ne!(ab_c, wide.term_parts(&[b"a", b"bc"]).unwrap());
    assert_ne!(ab_c, wide.term(b"abc").unwrap());
    assert_ne!(
        wide.term(b"").unwrap(),
        wide.term_parts(&[b"", b""]).unwrap()
    );
    assert_eq!(
        wide.term(b"abc").unwrap(),
        wide.term_parts(&[b"abc"]).unwrap()
    );
    assert!(wide.matches(&[b"ab", b"c"], &ab_c).unwrap());
    assert!(!wide.matches(&[b"a", b"bc"], &ab_c).unwrap());
    let sixteen: Vec<&[u8]> = vec![b"p"; MAX_PARTS];
    assert!(wide.term_parts(&sixteen).is_ok());
    let seventeen: Vec<&[u8]> = vec![b"p"; MAX_PARTS + 1];
    for result in [wide.term_parts(&seventeen), wide.term_parts(&[])] {
        let err = result.unwrap_err();
        assert!(
            matches!(&err, Error::BadIndexParts { index, .. } if index == "w32"),
            "{err:?}"
        );
    }
}

#[test]
fn terms_serialize_as_text_in_json_and_as_bytes_in_binary_formats() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring.add_index(IndexSpec::new("email").unwrap()).unwrap();
    let term = keyring
        .index_key("email")
        .unwrap()
        .term(b"ada@example.com")
        .unwrap();
    let json = serde_json::to_string(&term).unwrap();
    assert_eq!(json, format!("\"{}\"", term.to_text()));
    assert_eq!(serde_json::from_str::<IndexTerm>(&json).unwrap(), term);
    let binary = bincode::serialize(&term).unwrap();
    assert!(binary.ends_with(term.as_bytes()));
    assert_eq!(bincode::deserialize::<IndexTerm>(&binary).unwrap(), term);
    for bad in ["4711", "null", "\"not a term\"", "[1,2]", "\"AAAAAAAAAA\""] {
        let err = serde_json::from_str::<IndexTerm>(bad).unwrap_err();
        assert!(!err.to_string().contains("not a term"), "{err}");
    }
}

#[test]
fn index_definitions_are_refused_once_and_for_unknown_names() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring.add_index(IndexSpec::new("email").unwrap()).unwrap();
    assert!(matches!(
        keyring.add_index(IndexSpec::new("email").unwrap().with_width(8).unwrap()),
        Err(Error::Keyring(KeyringError::IndexExists { .. }))
    ));
    assert_eq!(keyring.index("email").unwrap().width, 16, "unchanged");
    for result in [
        keyring.rotate_index("phone").map(drop),
        keyring.finish_index_migration("phone").map(drop),
        keyring.index_key("phone").map(drop),
    ] {
        assert!(
            matches!(&result, Err(Error::UnknownIndex { index, held }) if index == "phone" && held == &["email"]),
            "{result:?}"
        );
    }
    // An index and a purpose may share a name: their keys come from different labels.
    keyring
        .add_index(IndexSpec::new("support").unwrap())
        .unwrap();
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Support>())
        .with_index(keyring.index_key("support").unwrap());
    assert!(keys.index("support").is_some() && keys.get("support").is_some());
    let shown = format!("{keys:?}");
    assert!(
        shown.contains("IndexKey") && shown.contains("[REDACTED]"),
        "{shown}"
    );
}
