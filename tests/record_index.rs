//! Blind indexes in typed records (FORMAT.md §13, §16): `#[seal(.., index(..))]` columns filled
//! when a record is sealed, looked up through the twin's helpers, and brought to the current index
//! version by the derived `reseal` and by bulk re-sealing. Customers are looked up before, during
//! (half the rows migrated) and after an index rotation, and every lookup finds its row; a row left
//! unmigrated is lost at `finish`, which shows what the lookups check.

use fieldseal::bulk::{RecordLayout, reseal_records};
use fieldseal::normalize::NormalizeError;
use fieldseal::vault::{MemoryVault, SubjectKeys};
use fieldseal::{Error, IndexSpec, IndexTerm, KeySet, Keyring, Seal, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Support = "support");

/// A custom normalizer: a plain function.
fn card_number(input: &str) -> Result<String, NormalizeError> {
    let digits: String = input.chars().filter(char::is_ascii_digit).collect();
    if digits.len() == 8 {
        Ok(digits)
    } else {
        Err(NormalizeError::custom("loyalty card: expected 8 digits"))
    }
}

#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(id = id, index(name_postcode = (last_name: text, postcode: "postcode:GB")))]
struct Customer {
    id: u64,
    #[seal(Fulfillment, Support, index(email_lookup = email))]
    email: String,
    #[seal(Fulfillment)]
    last_name: String,
    #[seal(Fulfillment)]
    postcode: Option<String>,
    #[seal(Support, index(card_lookup = "custom:card-v1", with = card_number, name = "loyalty"))]
    card: String,
}

fn customer(id: u64) -> Customer {
    Customer {
        id,
        email: format!("Customer.{id}@Example.com "),
        last_name: format!("Name{}", id % 7),
        postcode: (id % 3 != 0).then(|| format!("sw{}a 1aa", id % 9 + 1)),
        card: format!("{:04}-{:04}", id / 10_000, id % 10_000),
    }
}

/// A keyring with the record's three indexes, and a key set holding every key it uses.
fn keyring() -> Keyring {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    for (name, normalizer) in [
        ("email-lookup", "email"),
        ("name-postcode", "text,postcode:GB"),
        ("loyalty", "custom:card-v1"),
    ] {
        let spec = IndexSpec::new(name)
            .unwrap()
            .with_normalizer(normalizer)
            .unwrap();
        keyring.add_index(spec).unwrap();
    }
    keyring
}

fn keys(keyring: &Keyring) -> KeySet {
    let mut keys = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Support>());
    for name in ["email-lookup", "name-postcode", "loyalty"] {
        keys.insert_index(keyring.index_key(name).unwrap());
    }
    keys
}

#[test]
fn sealing_fills_each_column_with_the_term_of_the_normalized_value() {
    let keyring = keyring();
    let keys = keys(&keyring);
    let ada = Customer {
        id: 1,
        email: " Ada@Example.COM".into(),
        last_name: "  LOVELACE ".into(),
        postcode: Some("sw1a1aa".into()),
        card: "1234 5678".into(),
    };
    let stored = ada.seal(&keys).unwrap();
    // Computed apart from the record, from the normalized values (FORMAT.md §16.2).
    let email = keyring.index_key("email-lookup").unwrap();
    assert_eq!(stored.email_lookup, email.term(b"ada@example.com").unwrap());
    let compound = keyring.index_key("name-postcode").unwrap();
    assert_eq!(
        stored.name_postcode,
        Some(compound.term_parts(&[b"lovelace", b"SW1A 1AA"]).unwrap())
    );
    let loyalty = keyring.index_key("loyalty").unwrap();
    assert_eq!(stored.card_lookup, loyalty.term(b"12345678").unwrap());

    // In JSON, the text form (FORMAT.md §16.3), and `null` for an optional field's `None`.
    let json: serde_json::Value = serde_json::to_value(&stored).unwrap();
    assert_eq!(json["email_lookup"], stored.email_lookup.to_text());
    let no_postcode = Customer {
        postcode: None,
        ..ada.clone()
    }
    .seal(&keys)
    .unwrap();
    assert_eq!(no_postcode.name_postcode, None);
    let json = serde_json::to_value(&no_postcode).unwrap();
    assert!(json["name_postcode"].is_null(), "{json}");
    let back: SealedCustomer = serde_json::from_value(json).unwrap();
    assert_eq!(back, no_postcode);

    // A lookup normalizes what it is given, as typed at the till.
    assert_eq!(
        SealedCustomer::email_lookup_terms(&keys, "ada@EXAMPLE.com\t").unwrap(),
        [stored.email_lookup]
    );
    assert_eq!(
        SealedCustomer::name_postcode_terms(&keys, "Lovelace", "SW1A 1AA").unwrap(),
        [stored.name_postcode.unwrap()]
    );
    assert_eq!(
        SealedCustomer::card_lookup_terms(&keys, "1234-5678").unwrap(),
        [stored.card_lookup]
    );
}

#[test]
fn sealing_refuses_a_missing_index_key_another_normalizer_and_a_bad_value_naming_no_value() {
    let keyring = keyring();
    let without = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Support>());
    let err = customer(1).seal(&without).unwrap_err();
    assert!(
        matches!(&err, Error::UnknownIndex { index, .. } if index == "email-lookup"),
        "{err:?}"
    );

    // Another service's keyring recorded another normalizer for the same index name.
    let mut other = Keyring::generate(Suite::default()).unwrap();
    other
        .add_index(
            IndexSpec::new("email-lookup")
                .unwrap()
                .with_normalizer("email+plus-tags")
                .unwrap(),
        )
        .unwrap();
    let mut mismatched = keys(&keyring);
    mismatched.insert_index(other.index_key("email-lookup").unwrap());
    let err = customer(1).seal(&mismatched).unwrap_err();
    assert!(
        matches!(&err, Error::IndexNormalizerMismatch { declared, recorded, .. }
            if &**declared == "email" && &**recorded == "email+plus-tags"),
        "{err:?}"
    );
    assert!(matches!(
        SealedCustomer::email_lookup_terms(&mismatched, "a@b.c"),
        Err(Error::IndexNormalizerMismatch { .. })
    ));

    let bad = Customer {
        email: "ada.example.com".into(),
        ..customer(1)
    };
    let err = bad.seal(&keys(&keyring)).unwrap_err();
    assert!(
        matches!(&err, Error::Normalize { index, field, source }
            if index == "email-lookup" && field == "email" && source.code() == "no-at"),
        "{err:?}"
    );
    assert!(!err.to_string().contains("ada.example"), "{err}");
    let bad_card = Customer {
        card: "12".into(),
        ..customer(1)
    };
    let err = bad_card.seal(&keys(&keyring)).unwrap_err();
    assert!(err.to_string().contains("expected 8 digits"), "{err}");
}

/// The stored rows of a table: each customer's sealed twin, as JSON.
type Table = Vec<String>;

fn table(keys: &KeySet, count: u64) -> Table {
    (0..count)
        .map(|id| serde_json::to_string(&customer(id).seal(keys).unwrap()).unwrap())
        .collect()
}

fn rows(table: &Table) -> Vec<SealedCustomer> {
    table
        .iter()
        .map(|row| serde_json::from_str(row).unwrap())
        .collect()
}

/// What a lookup finds: the rows holding one of the terms (`WHERE column IN (...)`), each opened
/// and compared, so that a collision is never taken for a match.
fn find_by_email(table: &Table, keys: &KeySet, email: &str) -> Vec<u64> {
    let terms = SealedCustomer::email_lookup_terms(keys, email).unwrap();
    let support = keys.require::<Support>().unwrap();
    rows(table)
        .into_iter()
        .filter(|row| terms.contains(&row.email_lookup))
        .filter(|row| {
            let opened = row.open_email(&support).unwrap();
            opened.trim().eq_ignore_ascii_case(email.trim())
        })
        .map(|row| row.id)
        .collect()
}

fn find_by_name_postcode(table: &Table, keys: &KeySet, name: &str, postcode: &str) -> Vec<u64> {
    let terms = SealedCustomer::name_postcode_terms(keys, name, postcode).unwrap();
    rows(table)
        .into_iter()
        .filter(|row| row.name_postcode.is_some_and(|t| terms.contains(&t)))
        .map(|row| row.id)
        .collect()
}

/// Every customer is found by email, and by name and postcode with every other customer of the
/// same name and postcode.
fn everyone_is_found(table: &Table, keys: &KeySet, count: u64) {
    for id in 0..count {
        let c = customer(id);
        assert_eq!(
            find_by_email(table, keys, &c.email.to_uppercase()),
            [id],
            "{}",
            c.email
        );
        if let Some(postcode) = &c.postcode {
            let found = find_by_name_postcode(table, keys, &c.last_name, postcode);
            let expected: Vec<u64> = (0..count)
                .filter(|&other| {
                    let o = customer(other);
                    o.last_name == c.last_name && o.postcode == c.postcode
                })
                .collect();
            assert_eq!(found, expected, "{id}");
        }
    }
}

/// The index versions of the email column, row by row.
fn email_versions(table: &Table) -> Vec<u32> {
    rows(table)
        .iter()
        .map(|row| row.email_lookup.version())
        .collect()
}

const COUNT: u64 = 24;

#[test]
fn lookups_find_every_customer_through_a_rotation_migrated_by_the_derived_reseal() {
    let mut keyring = keyring();
    let mut table = table(&keys(&keyring), COUNT);
    everyone_is_found(&table, &keys(&keyring), COUNT);

    keyring.rotate_index("email-lookup").unwrap();
    keyring.rotate_index("name-postcode").unwrap();
    let during = keys(&keyring);
    // Nothing migrated yet: the old terms are asked for too.
    everyone_is_found(&table, &during, COUNT);
    // New customers are written with version 2.
    assert_eq!(
        customer(99).seal(&during).unwrap().email_lookup.version(),
        2
    );

    // Half the rows migrated.
    for row in table.iter_mut().take(COUNT as usize / 2) {
        let twin: SealedCustomer = serde_json::from_str(row).unwrap();
        let new = twin.reseal(&during).unwrap().expect("its terms were stale");
        assert!(new.reseal(&during).unwrap().is_none(), "current now");
        *row = serde_json::to_string(&new).unwrap();
    }
    let versions = email_versions(&table);
    assert_eq!(
        versions.iter().filter(|&&v| v == 2).count(),
        COUNT as usize / 2
    );
    everyone_is_found(&table, &during, COUNT);

    // The other half, then the migration is finished.
    for row in &mut table {
        let twin: SealedCustomer = serde_json::from_str(row).unwrap();
        if let Some(new) = twin.reseal(&during).unwrap() {
            *row = serde_json::to_string(&new).unwrap();
        }
    }
    assert!(email_versions(&table).iter().all(|&v| v == 2));
    keyring.finish_index_migration("email-lookup").unwrap();
    keyring.finish_index_migration("name-postcode").unwrap();
    let after = keys(&keyring);
    assert_eq!(
        SealedCustomer::email_lookup_terms(&after, "a@b.c")
            .unwrap()
            .len(),
        1
    );
    everyone_is_found(&table, &after, COUNT);
}

#[test]
fn a_row_left_unmigrated_is_not_found_once_the_migration_is_finished() {
    let mut keyring = keyring();
    let mut table = table(&keys(&keyring), 4);
    keyring.rotate_index("email-lookup").unwrap();
    let during = keys(&keyring);
    for row in table.iter_mut().skip(1) {
        let twin: SealedCustomer = serde_json::from_str(row).unwrap();
        *row = serde_json::to_string(&twin.reseal(&during).unwrap().unwrap()).unwrap();
    }
    keyring.finish_index_migration("email-lookup").unwrap();
    let after = keys(&keyring);
    assert!(find_by_email(&table, &after, &customer(0).email).is_empty());
    assert_eq!(find_by_email(&table, &after, &customer(1).email), [1]);
}

#[test]
fn lookups_find_every_customer_through_a_rotation_migrated_in_bulk() {
    let mut keyring = keyring();
    let table = table(&keys(&keyring), COUNT);
    keyring.rotate_index("email-lookup").unwrap();
    keyring.rotate_index("loyalty").unwrap();
    let layout = SealedCustomer::record_layout();

    // Half the rows, re-sealed by the keyring.
    let half = COUNT as usize / 2;
    let mut migrated = Vec::new();
    let summary = reseal_records(
        &keyring,
        &layout,
        table[..half].to_vec(),
        2,
        &mut |_| {},
        &mut |row| {
            migrated.push(row);
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(summary.values.terms_recomputed, 2 * half as u64);
    // name-postcode was not rotated; rows without a postcode have no term.
    let with_postcode = (0..half as u64).filter(|id| id % 3 != 0).count() as u64;
    assert_eq!(summary.values.terms_current, with_postcode);
    assert_eq!((summary.values.terms_kept, summary.first_kept), (0, None));
    assert_eq!(summary.values.resealed, 0, "no root rotation: values stay");
    let mut table: Table = migrated.into_iter().chain(table[half..].to_vec()).collect();
    let during = keys(&keyring);
    everyone_is_found(&table, &during, COUNT);
    for (i, row) in rows(&table).iter().enumerate() {
        let version = if i < half { 2 } else { 1 };
        assert_eq!(row.email_lookup.version(), version);
        assert_eq!(row.card_lookup.version(), version);
        let card = customer(i as u64).card;
        assert!(
            SealedCustomer::card_lookup_terms(&during, &card)
                .unwrap()
                .contains(&row.card_lookup)
        );
    }
    // The rest, by a key set holding every key the record uses; then a rerun changes nothing.
    let mut done = Vec::new();
    let summary = reseal_records(
        &during,
        &layout,
        table.clone(),
        2,
        &mut |_| {},
        &mut |row| {
            done.push(row);
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(summary.values.terms_recomputed, 2 * (COUNT - half as u64));
    table = done;
    let again = reseal_records(
        &during,
        &layout,
        table.clone(),
        1,
        &mut |_| {},
        &mut |row| {
            assert!(table.contains(&row));
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(again.values.terms_recomputed, 0);
    keyring.finish_index_migration("email-lookup").unwrap();
    keyring.finish_index_migration("loyalty").unwrap();
    everyone_is_found(&table, &keys(&keyring), COUNT);
}

#[test]
fn bulk_changes_only_the_stale_terms_byte_for_byte() {
    let mut keyring = keyring();
    let keys_v1 = keys(&keyring);
    let row = format!(
        "{{ \"id\" : 5 ,\n \"extra\": 1.50, {}\r\n",
        &serde_json::to_string(&customer(5).seal(&keys_v1).unwrap()).unwrap()[8..]
    );
    keyring.rotate_index("email-lookup").unwrap();
    let layout = SealedCustomer::record_layout();
    let (new, counts) = layout.reseal(&keyring, &row).unwrap();
    assert_eq!((counts.terms_recomputed, counts.resealed), (1, 0));
    let old_term = serde_json::from_str::<serde_json::Value>(&row).unwrap()["email_lookup"]
        .as_str()
        .unwrap()
        .to_owned();
    let new_term = keyring
        .index_key("email-lookup")
        .unwrap()
        .term(b"customer.5@example.com")
        .unwrap()
        .to_text();
    assert_eq!(new, row.replace(&old_term, &new_term));
}

#[test]
fn bulk_keeps_and_counts_a_term_whose_field_it_cannot_open_and_adds_a_missing_column() {
    let mut keyring = keyring();
    let mut table = table(&keys(&keyring), 3);
    keyring.rotate_index("loyalty").unwrap();
    // Row 2 holds row 3's card: bound to customer 2's id, it does not open in row 2 (FORMAT.md
    // §6), and its term cannot be recomputed.
    let mut rows: Vec<serde_json::Value> = table
        .iter()
        .map(|r| serde_json::from_str(r).unwrap())
        .collect();
    rows[1]["card"] = rows[2]["card"].clone();
    table[1] = rows[1].to_string();
    let layout = SealedCustomer::record_layout();
    // The run's event counts the term kept: a field that no longer opens is in the trail.
    let sink = std::sync::Arc::new(fieldseal::audit::MemorySink::new());
    keyring.set_auditor(Some(fieldseal::audit::Auditor::new(
        std::sync::Arc::clone(&sink),
        "batch",
    )));
    let mut out = Vec::new();
    let summary = reseal_records(
        &keyring,
        &layout,
        table.clone(),
        1,
        &mut |_| {},
        &mut |row| {
            out.push(row);
            Ok(())
        },
    )
    .unwrap();
    assert_eq!(summary.values.terms_kept, 1);
    assert_eq!(summary.first_kept, Some(2));
    assert_eq!(summary.values.terms_recomputed, 2);
    assert_eq!(out[1], table[1], "kept as it was");
    let run = sink.lines().pop().unwrap();
    assert!(
        run.contains(r#""op":"reseal-run""#) && run.contains(r#""terms_kept":1"#),
        "{run}"
    );

    // A row stored before the email index existed: the column is added.
    let mut value: serde_json::Value = serde_json::from_str(&table[0]).unwrap();
    let term = value["email_lookup"].as_str().unwrap().to_owned();
    value.as_object_mut().unwrap().remove("email_lookup");
    let old = value.to_string();
    let (new, counts) = layout.reseal(&keys(&keyring), &old).unwrap();
    assert_eq!(counts.terms_recomputed, 2, "the card, and the email added");
    let new: serde_json::Value = serde_json::from_str(&new).unwrap();
    assert_eq!(new["email_lookup"], term, "email-lookup was not rotated");
}

#[test]
fn a_hand_built_layout_recomputes_as_the_derived_one_does() {
    use fieldseal::bulk::IdType;
    use fieldseal::record::RecordIndex;
    let mut keyring = keyring();
    let table = table(&keys(&keyring), 2);
    keyring.rotate_index("email-lookup").unwrap();
    let by_hand = RecordLayout::new("Customer")
        .id("id", IdType::parse("u64").unwrap())
        .index(
            "email_lookup",
            RecordIndex::new("email-lookup")
                .unwrap()
                .part("email", "email")
                .unwrap(),
        );
    let derived = SealedCustomer::record_layout();
    for row in &table {
        let (a, _) = by_hand.reseal(&keyring, row).unwrap();
        let (b, _) = derived.reseal(&keyring, row).unwrap();
        let a: SealedCustomer = serde_json::from_str(&a).unwrap();
        let b: SealedCustomer = serde_json::from_str(&b).unwrap();
        assert_eq!(a.email_lookup, b.email_lookup);
        assert_eq!(a.email_lookup.version(), 2);
    }
    // A layout whose index disagrees with the keyring on the normalizer stops the record.
    let wrong = RecordLayout::new("Customer")
        .id("id", IdType::parse("u64").unwrap())
        .index(
            "email_lookup",
            RecordIndex::new("email-lookup")
                .unwrap()
                .part("email", "text")
                .unwrap(),
        );
    assert!(matches!(
        wrong.reseal(&keyring, &table[0]),
        Err(Error::IndexNormalizerMismatch { .. })
    ));
}

#[derive(Seal, Clone, Debug)]
#[seal(subject = customer_id)]
struct Member {
    customer_id: u64,
    #[seal(Fulfillment, index(member_email = email))]
    email: String,
}

#[test]
fn subject_mode_records_compute_terms_with_the_index_keys_of_the_subject_keys() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring
        .add_index(IndexSpec::new("member-email").unwrap())
        .unwrap();
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with_index(keyring.index_key("member-email").unwrap());
    let subjects = SubjectKeys::new(MemoryVault::new(), keys, keyring.id()).unwrap();
    let stored = Member {
        customer_id: 9,
        email: "Grace@Example.com".into(),
    }
    .seal(&subjects)
    .unwrap();
    let expected: IndexTerm = keyring
        .index_key("member-email")
        .unwrap()
        .term(b"grace@example.com")
        .unwrap();
    assert_eq!(stored.member_email, expected);
    assert_eq!(
        SealedMember::member_email_terms(subjects.keys(), "grace@example.com").unwrap(),
        [expected]
    );
    // Erasure destroys the data keys, not the terms: the application nulls them (SECURITY.md).
    stored.with_subject(|s| subjects.forget(s)).unwrap();
    assert_eq!(stored.member_email, expected);
}

#[derive(Seal, Clone, Debug)]
#[seal(without_id)]
struct Contact {
    #[seal(Fulfillment, index(contact_phone = "phone:GB|last-digits:4"))]
    phone: String,
}

#[derive(Seal, Clone, Debug)]
#[seal(id = id)]
struct Account {
    id: String,
    #[seal(nested(Fulfillment))]
    contact: Contact,
}

#[test]
#[cfg(feature = "phone")]
fn a_nested_record_keeps_its_index_column_and_bulk_reaches_it() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring
        .add_index(IndexSpec::new("contact-phone").unwrap())
        .unwrap();
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with_index(keyring.index_key("contact-phone").unwrap());
    let stored = Account {
        id: "a-1".into(),
        contact: Contact {
            phone: "020 7946 0018".into(),
        },
    }
    .seal(&keys)
    .unwrap();
    let terms = SealedContact::contact_phone_terms(&keys, "+44 20 7946 0018").unwrap();
    assert_eq!(terms, [stored.contact.contact_phone]);
    keyring.rotate_index("contact-phone").unwrap();
    let row = serde_json::to_string(&stored).unwrap();
    let (new, counts) = SealedAccount::record_layout()
        .reseal(&keyring, &row)
        .unwrap();
    assert_eq!(counts.terms_recomputed, 1);
    let new: SealedAccount = serde_json::from_str(&new).unwrap();
    assert_eq!(new.contact.contact_phone.version(), 2);
    let during = KeySet::new().with_index(keyring.index_key("contact-phone").unwrap());
    assert!(
        SealedContact::contact_phone_terms(&during, "(020) 7946-0018")
            .unwrap()
            .contains(&new.contact.contact_phone)
    );
}

#[test]
#[cfg(not(feature = "phone"))]
fn a_normalizer_this_build_lacks_is_a_clear_error_when_sealing() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring
        .add_index(IndexSpec::new("contact-phone").unwrap())
        .unwrap();
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with_index(keyring.index_key("contact-phone").unwrap());
    let err = Account {
        id: "a-1".into(),
        contact: Contact {
            phone: "020 7946 0018".into(),
        },
    }
    .seal(&keys)
    .unwrap_err();
    assert!(
        matches!(&err, Error::Normalize { index, field, .. } if index == "contact-phone" && field == "phone"),
        "{err:?}"
    );
    assert!(err.to_string().contains("`phone` cargo feature"), "{err}");
}

/// A row whose postcode was cleared while `name_postcode` still holds a version-1 term.
fn cleared_postcode(keyring: &Keyring) -> SealedCustomer {
    let mut twin = customer(1).seal(&keys(keyring)).unwrap();
    assert!(twin.name_postcode.is_some());
    twin.postcode = None;
    twin
}

/// FORMAT.md §13: the member is `null` when a field it reads is `None`. A derived `reseal` of a
/// row whose field was cleared drops the old term (which would still find the row by its old
/// postcode), and says it changed the row.
#[test]
fn derived_reseal_clears_the_term_of_a_null_field() {
    let mut keyring = keyring();
    let twin = cleared_postcode(&keyring);
    keyring.rotate_index("name-postcode").unwrap();
    let changed = twin.reseal(&keys(&keyring)).unwrap().expect("changed");
    assert_eq!(changed.name_postcode.map(|t| t.version()), None);
}

/// The same in bulk: the column becomes `null`, counted as recomputed, and `count_terms` leaves
/// nothing to recompute.
#[test]
fn bulk_reseal_clears_the_term_of_a_null_field_and_counts_it() {
    let mut keyring = keyring();
    let row = serde_json::to_string(&cleared_postcode(&keyring)).unwrap();
    keyring.rotate_index("name-postcode").unwrap();
    let (new, counts) = SealedCustomer::record_layout()
        .reseal(&keyring, &row)
        .unwrap();
    assert_eq!(counts.terms_recomputed, 1);
    assert!(new.contains(r#""name_postcode":null"#), "{new}");
    let census = fieldseal::bulk::count_terms(&mut new.as_bytes(), &["name_postcode"]).unwrap();
    assert_eq!(census.left_for(2), 0, "{census:?}");
}

/// A row stored before a compound index existed, its optional postcode `None`, gets the column
/// as `null` (README: `reseal --index` "adds a missing one"): nothing is left to recompute.
#[test]
fn a_row_without_the_column_and_with_a_null_field_gets_it_as_null() {
    let keyring = keyring();
    let mut twin = customer(3).seal(&keys(&keyring)).unwrap();
    assert_eq!(twin.postcode, None);
    twin.name_postcode = None;
    let mut value = serde_json::to_value(&twin).unwrap();
    value.as_object_mut().unwrap().remove("name_postcode"); // stored before the index existed
    let layout = SealedCustomer::record_layout();
    let row = value.to_string();
    let (once, _) = layout.reseal(&keyring, &row).unwrap();
    let (twice, counts) = layout.reseal(&keyring, &once).unwrap();
    assert_eq!(counts.terms_recomputed, 0, "idempotent");
    let census = fieldseal::bulk::count_terms(&mut twice.as_bytes(), &["name_postcode"]).unwrap();
    assert_eq!(census.left_for(1), 0, "{census:?}");
}

/// FORMAT.md §16.3: a term of a version the keys do not hold is unknown (a stale bundle). A key
/// set taken before the index rotation does not rewrite a migrated version-2 term back to
/// version 1: it is refused, naming the version.
#[test]
fn reseal_with_a_stale_index_key_refuses_a_newer_term() {
    let mut keyring = keyring();
    let stale = keys(&keyring); // e.g. a bundle exported before `index rotate`
    keyring.rotate_index("email-lookup").unwrap();
    let migrated = customer(3).seal(&keys(&keyring)).unwrap();
    assert_eq!(migrated.email_lookup.version(), 2);
    assert!(matches!(
        migrated.reseal(&stale),
        Err(Error::UnknownIndexVersion { version: 2, .. })
    ));
    let row = serde_json::to_string(&migrated).unwrap();
    let bulk = SealedCustomer::record_layout().reseal(&stale, &row);
    assert!(
        matches!(bulk, Err(Error::UnknownIndexVersion { version: 2, .. })),
        "{bulk:?}"
    );
}

/// A compound index records its parts' descriptions joined by `,` (FORMAT.md §13), up to 255
/// bytes (its `u8` length, §14.3): a four-part description of 65 bytes is recorded.
#[test]
fn a_compound_index_description_longer_than_64_bytes_is_recorded() {
    use fieldseal::record::RecordIndex;
    let index = RecordIndex::new("dob-name-postcode")
        .unwrap()
        .part("dob", "date-of-birth:dmy|year")
        .unwrap()
        .part("first_name", "text|first-letters:1")
        .unwrap()
        .part("last_name", "text")
        .unwrap()
        .part("postcode", "postcode:generic")
        .unwrap();
    assert!(index.description().len() > 64);
    IndexSpec::new("dob-name-postcode")
        .unwrap()
        .with_normalizer(index.description())
        .unwrap();
}
