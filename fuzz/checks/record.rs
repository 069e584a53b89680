//! Target `record`: the sealed twin of a `#[derive(Seal)]` record read by serde from arbitrary
//! JSON and from arbitrary bincode, then opened and re-sealed.
//!
//! Never a panic; a twin that reads, from either format, writes and reads back the same twin in
//! both; whatever opens is the field
//! of the [`customers`] record with that id (nobody else sealed under the fixed keys); a twin
//! that re-seals opens to the same view, and re-sealing it again does nothing.

use std::collections::BTreeMap;

use bincode::Options as _;
use fieldseal::{KeySet, Seal};

use super::keys::{FIXED, Fulfillment, Marketing, key_set, keyring};

/// A customer, as a shop would declare it: plain, sealed, optional, JSON-sealed and nested
/// fields.
#[derive(Seal)]
#[seal(id = customer_id)]
#[allow(
    clippy::struct_field_names,
    reason = "`customer_id`, as a shop would name it"
)]
pub(crate) struct Customer {
    pub(crate) customer_id: u64,
    #[seal(Fulfillment)]
    pub(crate) name: String,
    #[seal(Fulfillment, Marketing)]
    pub(crate) email: String,
    #[seal(Marketing)]
    pub(crate) points: Option<u32>,
    #[seal(Fulfillment)]
    pub(crate) address: BTreeMap<String, String>,
    #[seal(nested(Fulfillment))]
    pub(crate) billing: Billing,
    pub(crate) tier: String,
}

/// Billing details, bound to the customer's id.
#[derive(Seal)]
#[seal(without_id)]
pub(crate) struct Billing {
    #[seal(Fulfillment)]
    pub(crate) iban: String,
}

/// The only records ever sealed under the fixed keys (distinct ids).
pub(crate) fn customers() -> Vec<Customer> {
    let customer = |id: u64, name: &str, points| Customer {
        customer_id: id,
        name: name.to_owned(),
        email: format!("{}@example.com", name.to_lowercase().replace(' ', ".")),
        points,
        address: BTreeMap::from([("city".to_owned(), format!("City {id}"))]),
        billing: Billing {
            iban: format!("GB00FUZZ{id:010}"),
        },
        tier: "gold".to_owned(),
    };
    vec![
        customer(1, "Ada Lovelace", Some(120)),
        customer(2, "Grace Hopper", None),
        customer(u64::MAX, "", Some(0)),
    ]
}

/// The twins of [`customers`], sealed under version `version` of the fixed keys, both suites.
pub(crate) fn genuine_twins(version: u32) -> Vec<SealedCustomer> {
    fieldseal::Suite::ALL
        .into_iter()
        .flat_map(|suite| {
            let keys = key_set(&keyring(suite, version));
            customers()
                .into_iter()
                .map(move |c| c.seal(&keys).expect("the fixed keys seal"))
        })
        .collect()
}

/// The bincode settings the twin is read with: bincode's defaults, with a size limit so that a
/// length prefix cannot make bincode allocate without bound (not fieldseal's concern).
pub(crate) fn bincode() -> impl bincode::Options + Copy {
    bincode::DefaultOptions::new()
        .with_fixint_encoding()
        .allow_trailing_bytes()
        .with_limit(1 << 16)
}

/// Reads `data` as a JSON twin and as a bincode twin; whether a field of either opened.
pub(crate) fn check(data: &[u8]) -> bool {
    let mut opened = false;
    for twin in [
        serde_json::from_slice::<SealedCustomer>(data).ok(),
        bincode().deserialize::<SealedCustomer>(data).ok(),
    ]
    .into_iter()
    .flatten()
    {
        round_trips(&twin);
        opened |= opens_consistently(&twin);
    }
    opened
}

/// A twin that was read writes, and reads back, in both formats: JSON (human-readable, sealed
/// fields as text forms) and bincode (binary, sealed fields as bytes; FORMAT.md §7).
fn round_trips(twin: &SealedCustomer) {
    let json = serde_json::to_vec(twin).expect("a twin writes JSON");
    let from_json: SealedCustomer =
        serde_json::from_slice(&json).expect("a twin reads the JSON it wrote");
    assert_eq!(
        serde_json::to_vec(&from_json).expect("a twin writes JSON"),
        json
    );
    let bytes = bincode().serialize(twin).expect("a twin writes bincode");
    let from_bincode: SealedCustomer = bincode()
        .deserialize(&bytes)
        .unwrap_or_else(|e| panic!("a twin reads the bincode it wrote: {e}"));
    assert_eq!(
        serde_json::to_vec(&from_bincode).expect("a twin writes JSON"),
        json,
        "the same twin through either format"
    );
}

/// The fields a view opened, as `(name, value)` in a common shape.
type Opened = Vec<(&'static str, String)>;

fn opened(view: &CustomerDynView) -> Opened {
    let mut out = Vec::new();
    let mut add = |name, value: Option<String>| {
        if let Some(value) = value {
            out.push((name, value));
        }
    };
    add("name", view.name.clone());
    add("email", view.email.clone());
    // An absent optional field reads as `None` by design (FORMAT.md §13): only a value is checked.
    add(
        "points",
        view.points.flatten().map(|p| format!("{:?}", Some(p))),
    );
    add("address", view.address.as_ref().map(|a| format!("{a:?}")));
    add("iban", view.billing.iban.clone());
    out
}

fn expected(customer: &Customer) -> Opened {
    vec![
        ("name", customer.name.clone()),
        ("email", customer.email.clone()),
        ("points", format!("{:?}", customer.points)),
        ("address", format!("{:?}", customer.address)),
        ("iban", customer.billing.iban.clone()),
    ]
}

/// Whether a field opened.
fn opens_consistently(twin: &SealedCustomer) -> bool {
    let fixed = &*FIXED;
    let known = customers()
        .into_iter()
        .find(|c| c.customer_id == twin.customer_id)
        .map(|c| expected(&c));
    let must_be_known = |what: &str, fields: &Opened| {
        for (name, value) in fields {
            let known = known.as_ref().unwrap_or_else(|| {
                panic!(
                    "{what}: customer {} opened, but none was sealed",
                    twin.customer_id
                )
            });
            assert!(
                known.contains(&(name, value.clone())),
                "{what}: customer {} field {name} opened to a value nobody sealed",
                twin.customer_id
            );
        }
    };
    let view = twin.open_dyn(&fixed.keys);
    let mut any = false;
    if let Ok(view) = &view {
        any = !opened(view).is_empty();
        must_be_known("open_dyn", &opened(view));
        assert_eq!(view.tier, twin.tier, "plain fields are copied");
    }
    if let Ok(view) = twin.open(&fixed.marketing) {
        let mut fields = vec![("email", view.email.clone())];
        fields.extend(view.points.map(|p| ("points", format!("{:?}", Some(p)))));
        must_be_known("open::<Marketing>", &fields);
    }
    // Nothing opens with no key, nor with another keyring's.
    let none = twin.open_dyn(&KeySet::new()).map(|v| opened(&v));
    assert!(
        none.is_ok_and(|o| o.is_empty()),
        "a view without keys is empty"
    );
    if let Ok(view) = twin.open_dyn(&fixed.stranger_keys) {
        assert!(
            opened(&view).is_empty(),
            "opened with another keyring's keys"
        );
    }
    reseals(twin, view.ok().as_ref());
    any
}

fn reseals(twin: &SealedCustomer, view: Option<&CustomerDynView>) {
    let keys = &FIXED.keys;
    // A field already under the active version is left as it is, unopened (so that a rerun is
    // cheap): a twin with such a field that does not open still re-seals its other fields.
    if let Ok(Some(new)) = twin.reseal(keys) {
        let after = new.open_dyn(keys);
        assert_eq!(
            after.is_ok(),
            view.is_some(),
            "re-sealing neither breaks nor mends a twin"
        );
        if let (Ok(after), Some(view)) = (after, view) {
            assert_eq!(opened(&after), opened(view), "re-sealing keeps every field");
        }
        assert!(
            matches!(new.reseal(keys), Ok(None)),
            "a re-sealed twin is current"
        );
    }
}
