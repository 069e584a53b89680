//! `#[derive(Seal)]`: a realistic retail record sealed, stored as JSON, opened as each purpose's
//! view and field by field; fields moved between records or fields do not open; an older stored
//! record without a later optional field still opens.

// `Customer::customer_id` is what retail schemas call it.
#![allow(clippy::struct_field_names)]

use fieldseal::{Error, KeySet, Keyring, PurposeKey, Seal, Suite};
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");
fieldseal::purpose!(Support = "support");
fieldseal::purpose!(Analytics = "analytics");

/// A postal address: any serde type seals as JSON.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
struct Address {
    street: String,
    city: String,
    postcode: String,
}

/// A loyalty tier: a plain field, stored as it is.
#[derive(Serialize, Deserialize, Clone, Debug, PartialEq)]
enum Tier {
    Bronze,
    Gold,
}

#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(id = customer_id)]
struct Customer {
    customer_id: u64,
    #[seal(Fulfillment)]
    name: String,
    #[seal(Fulfillment, Marketing)]
    email: String,
    #[seal(Fulfillment, Support)]
    phone: String,
    #[seal(Fulfillment)]
    address: Address,
    #[seal(Analytics)]
    birth_year: u16,
    #[seal(Marketing, rename = "newsletter")]
    wants_newsletter: Option<bool>,
    loyalty_tier: Tier,
}

struct Keys {
    ingest: KeySet,
    fulfillment: PurposeKey<Fulfillment>,
    marketing: PurposeKey<Marketing>,
    support: PurposeKey<Support>,
    analytics: PurposeKey<Analytics>,
}

fn keys(suite: Suite) -> Keys {
    let keyring = Keyring::generate(suite).unwrap();
    Keys {
        ingest: KeySet::new()
            .with(keyring.purpose_key::<Fulfillment>())
            .with(keyring.purpose_key::<Marketing>())
            .with(keyring.purpose_key::<Support>())
            .with(keyring.purpose_key::<Analytics>()),
        fulfillment: keyring.purpose_key(),
        marketing: keyring.purpose_key(),
        support: keyring.purpose_key(),
        analytics: keyring.purpose_key(),
    }
}

fn ada(id: u64) -> Customer {
    Customer {
        customer_id: id,
        name: "Ada Lovelace".into(),
        email: "ada@example.com".into(),
        phone: "+44 20 7946 0958".into(),
        address: Address {
            street: "12 Engine Lane".into(),
            city: "London".into(),
            postcode: "E1 6AN".into(),
        },
        birth_year: 1815,
        wants_newsletter: Some(true),
        loyalty_tier: Tier::Gold,
    }
}

#[test]
fn every_purpose_sees_exactly_its_view() {
    for suite in Suite::ALL {
        let k = keys(suite);
        let customer = ada(1001);
        let stored = customer.seal(&k.ingest).unwrap();
        assert_eq!(stored.customer_id, 1001);
        assert_eq!(stored.loyalty_tier, Tier::Gold);

        let shipping = stored.open(&k.fulfillment).unwrap();
        assert_eq!(shipping.customer_id, 1001);
        assert_eq!(shipping.name, customer.name);
        assert_eq!(shipping.email, customer.email);
        assert_eq!(shipping.phone, customer.phone);
        assert_eq!(shipping.address, customer.address);
        assert_eq!(shipping.loyalty_tier, Tier::Gold);
        let newsletter = stored.open(&k.marketing).unwrap();
        assert_eq!(newsletter.email, customer.email);
        assert_eq!(newsletter.wants_newsletter, Some(true));
        assert_eq!(stored.open(&k.support).unwrap().phone, customer.phone);
        assert_eq!(stored.open(&k.analytics).unwrap().birth_year, 1815);

        // Single fields, with any purpose they are sealed for.
        assert_eq!(stored.open_email(&k.marketing).unwrap(), customer.email);
        assert_eq!(stored.open_email(&k.fulfillment).unwrap(), customer.email);
        assert_eq!(
            stored.open_address(&k.fulfillment).unwrap(),
            customer.address
        );
        assert_eq!(
            stored.open_wants_newsletter(&k.marketing).unwrap(),
            Some(true)
        );

        // Views redact the opened fields in Debug.
        let shown = format!("{shipping:?}");
        assert!(shown.contains("[REDACTED]") && !shown.contains("Ada") && !shown.contains("ada@"));
        assert!(!format!("{stored:?}").contains("Ada"));
    }
}

#[test]
fn none_stays_none_and_json_round_trips() {
    let k = keys(Suite::default());
    let mut customer = ada(7);
    customer.wants_newsletter = None;
    let stored = customer.seal(&k.ingest).unwrap();
    assert!(stored.wants_newsletter.is_none());
    let json = serde_json::to_string(&stored).unwrap();
    // FORMAT.md §13: `None` is written as `null` (a format without field names could not read
    // back a field left out), and an absent member reads as `None` too.
    assert!(json.contains("\"wants_newsletter\":null"), "{json}");
    assert!(json.contains("\"email\":\"fs1:"), "{json}");
    let back: SealedCustomer = serde_json::from_str(&json).unwrap();
    assert_eq!(back, stored);
    assert_eq!(back.open(&k.marketing).unwrap().wants_newsletter, None);
    let absent = json.replace("\"wants_newsletter\":null,", "");
    assert_ne!(absent, json);
    assert_eq!(
        serde_json::from_str::<SealedCustomer>(&absent).unwrap(),
        stored
    );
    // And a binary format reads back what it wrote, `None` included.
    let bytes = bincode::serialize(&stored).unwrap();
    assert_eq!(
        bincode::deserialize::<SealedCustomer>(&bytes).unwrap(),
        stored
    );
}

/// An older version of the record, before `wants_newsletter` existed.
#[derive(Seal)]
#[seal(id = customer_id, record = "Customer")]
struct CustomerV1 {
    customer_id: u64,
    #[seal(Fulfillment)]
    name: String,
    #[seal(Fulfillment, Marketing)]
    email: String,
    #[seal(Fulfillment, Support)]
    phone: String,
    #[seal(Fulfillment)]
    address: Address,
    #[seal(Analytics)]
    birth_year: u16,
    loyalty_tier: Tier,
}

#[test]
fn a_record_stored_before_a_new_optional_field_still_opens() {
    let k = keys(Suite::default());
    let old = CustomerV1 {
        customer_id: 9,
        name: "Grace Hopper".into(),
        email: "grace@example.com".into(),
        phone: "+1 555 0100".into(),
        address: Address {
            street: "1 Navy Way".into(),
            city: "Arlington".into(),
            postcode: "22202".into(),
        },
        birth_year: 1906,
        loyalty_tier: Tier::Bronze,
    };
    let json = serde_json::to_string(&old.seal(&k.ingest).unwrap()).unwrap();
    let now: SealedCustomer = serde_json::from_str(&json).unwrap();
    let view = now.open(&k.marketing).unwrap();
    assert_eq!(view.email, "grace@example.com");
    assert_eq!(view.wants_newsletter, None);
    assert_eq!(now.open(&k.fulfillment).unwrap().name, "Grace Hopper");
}

#[test]
fn fields_moved_to_another_record_or_field_do_not_open() {
    let k = keys(Suite::default());
    let first = ada(1).seal(&k.ingest).unwrap();
    let mut second = ada(2).seal(&k.ingest).unwrap();
    // Another customer's email pasted into this row.
    second.email = first.email.clone();
    assert!(matches!(
        second.open(&k.marketing),
        Err(Error::CannotOpen { .. })
    ));
    assert!(matches!(
        second.open_email(&k.marketing),
        Err(Error::CannotOpen { .. })
    ));
    // A value sealed with the phone's purposes and type, but for the `email` field, pasted into
    // the phone column: the field name is bound, so it does not open.
    let mut json = serde_json::to_value(ada(1).seal(&k.ingest).unwrap()).unwrap();
    json["phone"] = serde_json::to_value(
        fieldseal::Sealed::<String, (Fulfillment, Support)>::seal(
            "+44 20 7946 0958",
            &fieldseal::Context::new("Customer", "email").with_id_int(1),
            &k.ingest,
        )
        .unwrap(),
    )
    .unwrap();
    let pasted: SealedCustomer = serde_json::from_value(json).unwrap();
    assert!(matches!(
        pasted.open_phone(&k.support),
        Err(Error::CannotOpen { .. })
    ));
    assert!(matches!(
        pasted.open(&k.support),
        Err(Error::CannotOpen { .. })
    ));
    // Sealed for the right field and record, it opens: the test above fails for the field alone.
    let mut json = serde_json::to_value(ada(1).seal(&k.ingest).unwrap()).unwrap();
    json["phone"] = serde_json::to_value(
        fieldseal::Sealed::<String, (Fulfillment, Support)>::seal(
            "+1 555 0199",
            &fieldseal::Context::new("Customer", "phone").with_id_int(1),
            &k.ingest,
        )
        .unwrap(),
    )
    .unwrap();
    let resealed: SealedCustomer = serde_json::from_value(json).unwrap();
    assert_eq!(resealed.open_phone(&k.support).unwrap(), "+1 555 0199");
}

#[test]
fn a_renamed_rust_field_keeps_opening_old_data() {
    /// The same record with `wants_newsletter` renamed in Rust; the context name is pinned.
    #[derive(Seal)]
    #[seal(id = customer_id, record = "Customer", sealed = SealedCustomerRenamed)]
    struct CustomerRenamed {
        customer_id: u64,
        #[seal(Marketing, rename = "newsletter")]
        newsletter_opt_in: Option<bool>,
    }
    let k = keys(Suite::default());
    // Sealing through the renamed type binds the same context as the original.
    let fresh = CustomerRenamed {
        customer_id: 5,
        newsletter_opt_in: Some(false),
    }
    .seal(&k.ingest)
    .unwrap();
    let stored = ada(5).seal(&k.ingest).unwrap();
    let mut original = serde_json::to_value(&stored).unwrap();
    original["wants_newsletter"] = serde_json::to_value(&fresh.newsletter_opt_in).unwrap();
    let original: SealedCustomer = serde_json::from_value(original).unwrap();
    assert_eq!(
        original.open(&k.marketing).unwrap().wants_newsletter,
        Some(false)
    );
    let json = serde_json::json!({
        "customer_id": 5,
        "newsletter_opt_in": serde_json::to_value(&stored.wants_newsletter).unwrap(),
    });
    let renamed: SealedCustomerRenamed = serde_json::from_value(json).unwrap();
    assert_eq!(
        renamed.open(&k.marketing).unwrap().newsletter_opt_in,
        Some(true)
    );
}

#[test]
fn a_key_set_missing_a_purpose_cannot_seal_the_record() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let partial = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
    match ada(1).seal(&partial) {
        Err(Error::NoKeyForPurpose { purpose, .. }) => assert_eq!(purpose, "marketing"),
        other => panic!("{other:?}"),
    }
}

fn address() -> impl Strategy<Value = Address> {
    ("[ -~]{0,40}", "\\PC{0,20}", "[A-Z0-9 ]{0,8}").prop_map(|(street, city, postcode)| Address {
        street,
        city,
        postcode,
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(32))]

    #[test]
    fn any_customer_round_trips_through_json(
        id in any::<u64>(),
        name in "\\PC{0,40}",
        email in "[a-z0-9.]{1,20}@[a-z]{1,10}\\.[a-z]{2,3}",
        phone in "[+0-9 ]{0,16}",
        address in address(),
        birth_year in any::<u16>(),
        wants in any::<Option<bool>>(),
    ) {
        let k = keys(Suite::default());
        let customer = Customer {
            customer_id: id,
            name,
            email,
            phone,
            address,
            birth_year,
            wants_newsletter: wants,
            loyalty_tier: Tier::Bronze,
        };
        let stored = customer.seal(&k.ingest).unwrap();
        let back: SealedCustomer =
            serde_json::from_str(&serde_json::to_string(&stored).unwrap()).unwrap();
        let f = back.open(&k.fulfillment).unwrap();
        prop_assert_eq!(&f.name, &customer.name);
        prop_assert_eq!(&f.address, &customer.address);
        prop_assert_eq!(back.open(&k.marketing).unwrap().wants_newsletter, wants);
        prop_assert_eq!(back.open(&k.analytics).unwrap().birth_year, birth_year);
        prop_assert_eq!(back.open(&k.support).unwrap().phone, customer.phone);
    }
}

#[test]
fn a_run_time_key_set_sees_what_it_holds_and_says_what_is_missing() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let ingest = KeySet::from_keyring(
        &keyring,
        &["fulfillment", "marketing", "support", "analytics"]
            .map(|p| fieldseal::DynPurpose::new(p).unwrap()),
    );
    let stored = ada(3).seal(&ingest).unwrap();
    // A config-driven service holding the marketing key only.
    let mut marketing = KeySet::new();
    marketing.insert(keyring.dyn_purpose_key(&fieldseal::DynPurpose::new("marketing").unwrap()));
    let view = stored.open_dyn(&marketing).unwrap();
    assert_eq!(view.customer_id, 3);
    assert_eq!(view.email.as_deref(), Some("ada@example.com"));
    assert_eq!(view.wants_newsletter, Some(Some(true)));
    assert_eq!(view.name, None);
    assert_eq!(view.birth_year, None);
    assert_eq!(view.missing, ["name", "phone", "address", "birth_year"]);
    let shown = format!("{view:?}");
    assert!(
        !shown.contains("ada@") && shown.contains("[REDACTED]"),
        "{shown}"
    );
    // Everything, with every key; nothing, with none.
    assert!(stored.open_dyn(&ingest).unwrap().missing.is_empty());
    assert_eq!(stored.open_dyn(&KeySet::new()).unwrap().missing.len(), 6);
}

/// Billing details: a record of its own, nested in an order and bound to the order's id.
#[derive(Seal, Clone)]
#[seal(without_id)]
struct Billing {
    #[seal(Fulfillment)]
    iban: String,
    #[seal(Fulfillment, Analytics)]
    country: String,
}

#[derive(Seal)]
#[seal(id = order_id)]
struct Order {
    order_id: u64,
    #[seal(Fulfillment)]
    address: String,
    #[seal(nested(Fulfillment, Analytics))]
    billing: Billing,
}

#[test]
fn a_nested_record_opens_through_its_outer_record_and_only_there() {
    let k = keys(Suite::default());
    let order = |id: u64| Order {
        order_id: id,
        address: "12 Engine Lane".into(),
        billing: Billing {
            iban: format!("GB00TEST{id:010}"),
            country: "GB".into(),
        },
    };
    let stored = order(77).seal(&k.ingest).unwrap();
    let shipping = stored.open(&k.fulfillment).unwrap();
    assert_eq!(shipping.billing.iban, "GB00TEST0000000077");
    assert_eq!(shipping.billing.country, "GB");
    let stats = stored.open(&k.analytics).unwrap();
    assert_eq!(stats.billing.country, "GB");
    // In JSON the nested record is an object of its own, sealed fields as text forms.
    let json = serde_json::to_value(&stored).unwrap();
    assert!(
        json["billing"]["iban"]
            .as_str()
            .unwrap()
            .starts_with("fs1:")
    );

    // The nested fields are bound to the order's id: moved to another order, they do not open.
    let mut other = order(78).seal(&k.ingest).unwrap();
    other.billing = stored.billing.clone();
    assert!(matches!(
        other.open(&k.fulfillment),
        Err(Error::CannotOpen { .. })
    ));

    // At run time, a key set holding only the analytics key sees the country alone.
    let mut analytics = KeySet::new();
    analytics.insert(k.analytics.share().into_dyn());
    let view = stored.open_dyn(&analytics).unwrap();
    assert_eq!(view.billing.country.as_deref(), Some("GB"));
    assert_eq!(view.billing.iban, None);
    assert_eq!(view.billing.missing, ["iban"]);
    assert_eq!(view.missing, ["address"]);
}
