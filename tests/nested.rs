//! Nested records (FORMAT.md §13): a field of a record nested in another is bound to the top-level
//! record type, the whole path of field names and the outermost id. Every move of a nested value,
//! within one record, between records of one type, or between record types, fails to open.

// `Customer::customer_id` is what retail schemas call it.
#![allow(clippy::struct_field_names)]

use fieldseal::{Error, KeySet, Keyring, PurposeKey, Seal, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");

#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(without_id)]
struct Geo {
    #[seal(Fulfillment)]
    lat: i64,
}

#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(without_id)]
struct PostalAddress {
    #[seal(Fulfillment)]
    street: String,
    #[seal(Fulfillment)]
    city: String,
    #[seal(nested(Fulfillment))]
    geo: Geo,
}

#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(id = customer_id)]
struct Customer {
    customer_id: u64,
    #[seal(nested(Fulfillment))]
    billing: PostalAddress,
    #[seal(nested(Fulfillment))]
    shipping: PostalAddress,
}

#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(id = order_id)]
struct Order {
    order_id: u64,
    #[seal(nested(Fulfillment))]
    ship_to: PostalAddress,
}

/// A record nested with an id of its own: bound to the outer record's id all the same.
#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(id = member_id)]
struct Member {
    member_id: u64,
    #[seal(Fulfillment)]
    card: String,
}

#[derive(Seal, Clone, Debug, PartialEq)]
#[seal(id = household_id)]
struct Household {
    household_id: u64,
    #[seal(nested(Fulfillment))]
    head: Member,
}

fn keys() -> (KeySet, PurposeKey<Fulfillment>) {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let f = keyring.purpose_key::<Fulfillment>();
    (KeySet::new().with(f.share()), f)
}

fn address(street: &str, lat: i64) -> PostalAddress {
    PostalAddress {
        street: street.into(),
        city: "London".into(),
        geo: Geo { lat },
    }
}

fn customer(id: u64) -> Customer {
    Customer {
        customer_id: id,
        billing: address("1 Bill Street", 51),
        shipping: address("2 Ship Road", 52),
    }
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "called on results straight from a call"
)]
fn refused<T: std::fmt::Debug>(result: fieldseal::Result<T>, what: &str) {
    assert!(
        matches!(result, Err(Error::CannotOpen { .. })),
        "{what}: {result:?}"
    );
}

#[test]
fn nested_records_at_two_levels_open_through_their_outer_record() {
    let (ingest, f) = keys();
    let stored = customer(7).seal(&ingest).unwrap();
    let view = stored.open(&f).unwrap();
    assert_eq!(view.billing.street, "1 Bill Street");
    assert_eq!(view.shipping.street, "2 Ship Road");
    assert_eq!(view.shipping.geo.lat, 52);
    let dynamic = stored.open_dyn(&ingest).unwrap();
    assert_eq!(dynamic.billing.geo.lat, Some(51));
    assert_eq!(stored.reseal(&ingest).unwrap(), None);
}

#[test]
fn a_field_swapped_between_two_nested_records_of_one_record_does_not_open() {
    let (ingest, f) = keys();
    let stored = customer(7).seal(&ingest).unwrap();
    let mut swapped = stored.clone();
    swapped.billing.street = stored.shipping.street.clone();
    swapped.shipping.street = stored.billing.street.clone();
    refused(swapped.open(&f), "billing.street <-> shipping.street");
    refused(swapped.open_dyn(&ingest), "the same, at run time");

    let mut whole = stored.clone();
    whole.billing = stored.shipping.clone();
    whole.shipping = stored.billing.clone();
    refused(whole.open(&f), "billing <-> shipping");

    let mut deep = stored.clone();
    deep.billing.geo = stored.shipping.geo.clone();
    refused(deep.open(&f), "shipping.geo into billing.geo");

    let mut across_levels = stored;
    across_levels.billing.city = across_levels.billing.street.clone();
    refused(across_levels.open(&f), "billing.street into billing.city");
}

#[test]
fn a_nested_record_moved_to_another_row_or_record_type_does_not_open() {
    let (ingest, f) = keys();
    let seven = customer(7).seal(&ingest).unwrap();
    let mut eight = customer(8).seal(&ingest).unwrap();
    eight.billing = seven.billing.clone();
    refused(eight.open(&f), "customer 7's billing in customer 8");

    // The case: a Customer 7's sealed billing address pasted into an Order 7's ship_to.
    let mut order = Order {
        order_id: 7,
        ship_to: address("3 Order Way", 53),
    }
    .seal(&ingest)
    .unwrap();
    assert_eq!(order.open(&f).unwrap().ship_to.street, "3 Order Way");
    order.ship_to = seven.billing.clone();
    refused(order.open(&f), "Customer 7 billing in Order 7 ship_to");

    // And a nested record lifted out to stand alone does not open as a top-level record.
    refused(seven.billing.open(&f), "billing opened on its own");
    refused(
        seven.billing.open_street(&f),
        "billing.street opened on its own",
    );
}

#[test]
fn a_nested_record_with_an_id_of_its_own_is_bound_to_the_outer_id() {
    let (ingest, f) = keys();
    let household = |id: u64| Household {
        household_id: id,
        head: Member {
            member_id: 500,
            card: "card-500".into(),
        },
    };
    let one = household(1).seal(&ingest).unwrap();
    assert_eq!(one.open(&f).unwrap().head.card, "card-500");
    let mut two = household(2).seal(&ingest).unwrap();
    two.head = one.head.clone();
    refused(two.open(&f), "member 500 moved to household 2");
    // On its own, a Member binds its own record type and id.
    let alone = Member {
        member_id: 500,
        card: "card-500".into(),
    }
    .seal(&ingest)
    .unwrap();
    assert_eq!(alone.open_card(&f).unwrap(), "card-500");
    refused(one.head.open(&f), "the nested member opened on its own");
}
