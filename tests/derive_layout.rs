//! The derive and bulk re-sealing bind the same contexts (FORMAT.md §13): every shape of record is
//! sealed by `#[derive(Seal)]`, written as JSON, re-sealed after a rotation by
//! `fieldseal::bulk::RecordLayout` (the twin's own `record_layout()`), read back and opened by the
//! derive. Ids of every type, nested records with and without ids of their own (and under an empty
//! outer id), raw identifiers, renames, three levels of nesting, and a plain field whose text
//! starts with `fs1:`.

#![allow(clippy::struct_field_names)]

use fieldseal::bulk::{IdType, RecordLayout, SealedLayout};
use fieldseal::{DynPurpose, Error, KeySet, Keyring, Seal, Suite};
use serde::Serialize;
use serde::de::DeserializeOwned;

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");

#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(without_id)]
struct Geo {
    #[seal(Fulfillment, rename = "latitude")]
    lat: i64,
}

#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(id = address_id)]
struct Address {
    address_id: String,
    #[seal(Fulfillment)]
    r#type: String,
    #[seal(nested(Fulfillment))]
    geo: Geo,
}

#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(id = id, record = "customer")]
struct Customer {
    id: String,
    #[seal(Fulfillment, Marketing)]
    email: String,
    /// Plain data that happens to look like a sealed value.
    nickname: String,
    #[seal(nested(Fulfillment))]
    billing: Address,
}

macro_rules! id_record {
    ($name:ident, $ty:ty) => {
        #[derive(Seal, Clone, Debug, PartialEq)]
        #[seal(id = id)]
        struct $name {
            id: $ty,
            #[seal(Fulfillment)]
            name: String,
        }
    };
}

id_record!(ByU8, u8);
id_record!(ByU32, u32);
id_record!(ByI64, i64);
id_record!(ByU128, u128);
id_record!(ByString, String);
id_record!(ByUuid, uuid::Uuid);

fn keyring() -> Keyring {
    Keyring::generate(Suite::default()).unwrap()
}

fn keys(keyring: &Keyring) -> KeySet {
    KeySet::from_keyring(
        keyring,
        &[
            DynPurpose::of::<Fulfillment>(),
            DynPurpose::of::<Marketing>(),
        ],
    )
}

/// Seals `record` under version 1, rotates, re-seals its JSON with `layout`, and returns the
/// twin read back from the re-sealed JSON with the keyring after the rotation.
fn round_trip<Twin: Serialize + DeserializeOwned>(
    seal: impl Fn(&KeySet) -> fieldseal::Result<Twin>,
    layout: &RecordLayout,
) -> fieldseal::Result<(Twin, KeySet)> {
    let mut keyring = keyring();
    let json = serde_json::to_string(&seal(&keys(&keyring))?).unwrap();
    keyring.rotate()?;
    let (resealed, counts) = layout.reseal(&keyring, &json)?;
    assert!(counts.resealed > 0, "{json}");
    // Every sealed value moved: no version-1 part is left.
    assert!(!resealed.contains("AAAAAQ"), "{resealed}");
    let twin = serde_json::from_str(&resealed).unwrap();
    Ok((twin, keys(&keyring)))
}

#[test]
fn ids_of_every_type_re_seal_with_the_derived_layout() {
    macro_rules! check {
        ($name:ident, $sealed:ident, $id:expr) => {{
            let record = $name {
                id: $id,
                name: "Ada".into(),
            };
            let (twin, keys) = round_trip(|k| record.seal(k), &$sealed::record_layout()).unwrap();
            assert_eq!(twin.open_dyn(&keys).unwrap().name.as_deref(), Some("Ada"));
        }};
    }
    check!(ByU8, SealedByU8, 200);
    check!(ByU32, SealedByU32, 4_000_000_000);
    check!(ByI64, SealedByI64, -42);
    check!(ByU128, SealedByU128, u128::MAX - 1);
    check!(ByString, SealedByString, "c-42".into());
    check!(
        ByUuid,
        SealedByUuid,
        uuid::Uuid::from_u128(0x0b7e_5c1a_5d4e_4a8e_9f1b_2c3d_4e5f_6a7b)
    );
    assert_eq!(SealedByUuid::record_layout().id_type(), Some(IdType::Uuid));
}

fn customer(id: &str, address_id: &str) -> Customer {
    Customer {
        id: id.into(),
        email: "ada@example.com".into(),
        nickname: "fs1:not-sealed-at-all".into(),
        billing: Address {
            address_id: address_id.into(),
            r#type: "home".into(),
            geo: Geo { lat: 51 },
        },
    }
}

#[test]
fn nested_records_three_deep_with_raw_names_renames_and_ids_re_seal_as_the_derive_binds() {
    // The outer id binds every level; under an empty outer id, the address's own id does.
    for (id, address_id) in [("c-1", "a-1"), ("", "a-1"), ("c-1", ""), ("", "")] {
        let record = customer(id, address_id);
        let (twin, keys) =
            round_trip(|k| record.seal(k), &SealedCustomer::record_layout()).unwrap();
        let view = twin.open_dyn(&keys).unwrap();
        assert_eq!(view.email.as_deref(), Some("ada@example.com"), "{id:?}");
        assert_eq!(view.nickname, "fs1:not-sealed-at-all");
        assert_eq!(view.billing.r#type.as_deref(), Some("home"));
        assert_eq!(view.billing.geo.lat, Some(51));
        assert_eq!(twin.nickname, "fs1:not-sealed-at-all", "copied as it was");
    }
}

#[test]
fn a_hand_built_layout_that_states_the_same_re_seals_the_same() {
    let hand = RecordLayout::new("customer")
        .id("id", IdType::String)
        .sealed("email")
        .nested(
            "billing",
            RecordLayout::new("Address")
                .id("address_id", IdType::String)
                .sealed("type")
                .nested(
                    "geo",
                    RecordLayout::new("Geo")
                        .sealed("lat")
                        .rename("lat", "latitude"),
                ),
        );
    let record = customer("", "a-7");
    let (twin, keys) = round_trip(|k| record.seal(k), &hand).unwrap();
    assert_eq!(
        twin.open_dyn(&keys).unwrap().billing.geo.lat,
        Some(51),
        "the empty outer id gives way to the address's own"
    );
}

#[test]
fn an_undeclared_layout_takes_a_plain_fs1_string_for_a_sealed_one_and_stops() {
    // Without declared sealed fields (the CLI's default), the heuristic cannot tell: it refuses
    // rather than guess, and says where. Declaring them (`--sealed`) is the way out.
    let undeclared = RecordLayout::new("customer")
        .id("id", IdType::String)
        .nested(
            "billing",
            RecordLayout::new("Address")
                .id("address_id", IdType::String)
                .nested("geo", RecordLayout::new("Geo").rename("lat", "latitude")),
        );
    let record = customer("c-1", "a-1");
    let err = round_trip(|k| record.seal(k), &undeclared).err().unwrap();
    assert!(
        matches!(err, Error::UnknownVersion { .. } | Error::Malformed(_)),
        "{err:?}"
    );
}

#[test]
fn a_declared_sealed_field_that_holds_no_sealed_value_is_a_bad_record() {
    let layout = SealedCustomer::record_layout();
    let keyring = keyring();
    let record = r#"{"id":"c-1","email":"ada@example.com","nickname":"x","billing":null}"#;
    match layout.reseal(&keyring, record) {
        Err(Error::BadRecord { reason }) => {
            assert!(reason.contains("`email`"), "{reason}");
            assert!(!reason.contains("ada@"), "never quotes the value: {reason}");
        }
        other => panic!("{other:?}"),
    }
}

#[test]
fn the_derived_layout_names_what_the_derive_declares() {
    let layout = <SealedCustomer as SealedLayout>::record_layout();
    assert_eq!(layout.record(), "customer");
    assert_eq!(layout.id_type(), Some(IdType::String));
    assert_eq!(
        SealedByI64::record_layout().id_type(),
        Some(IdType::Int {
            bytes: 8,
            signed: true
        })
    );
    assert_eq!(SealedGeo::record_layout().id_type(), None);
}
