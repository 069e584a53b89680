//! Three services, each built from only its own purpose key, each seeing only its view of a
//! customer record declared once with `#[derive(Seal)]`.
//!
//! Run it with `cargo run --release --example services`.

use fieldseal::{Error, KeySet, Keyring, PurposeKey, Seal, Suite};
use serde::{Deserialize, Serialize};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");
fieldseal::purpose!(Analytics = "analytics");

/// A postal address: any serde type seals as one JSON value.
#[derive(Serialize, Deserialize, Clone, Debug)]
struct Address {
    street: String,
    city: String,
    postcode: String,
}

/// The record, declared once. The attributes say who may read what; the compiler enforces it.
#[derive(Seal)]
#[seal(id = id)]
struct Customer {
    id: u64,
    #[seal(Fulfillment)]
    name: String,
    #[seal(Fulfillment, Marketing)]
    email: String,
    #[seal(Fulfillment)]
    address: Address,
    #[seal(Analytics)]
    birth_year: u16,
    #[seal(Marketing)]
    newsletter: Option<bool>,
    loyalty_points: u32,
}

fn main() -> Result<(), Error> {
    let keyring = Keyring::generate(Suite::default())?;

    // Ingest seals with the keys of every purpose; the database stores only the sealed twin.
    let ingest = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Marketing>())
        .with(keyring.purpose_key::<Analytics>());
    let stored: Vec<String> = customers()
        .iter()
        .map(|c| {
            c.seal(&ingest)
                .map(|s| serde_json::to_string(&s).expect("serializes"))
        })
        .collect::<Result<_, _>>()?;
    println!(
        "The database holds {} customers, for example:\n{}\n",
        stored.len(),
        stored[0]
    );

    // Each service holds one purpose key; the keyring is gone.
    let fulfillment = keyring.purpose_key::<Fulfillment>();
    let marketing = keyring.purpose_key::<Marketing>();
    let analytics = keyring.purpose_key::<Analytics>();
    drop((keyring, ingest));

    let rows: Vec<SealedCustomer> = stored
        .iter()
        .map(|json| serde_json::from_str(json).expect("a sealed customer"))
        .collect();
    fulfillment_service(&fulfillment, &rows)?;
    marketing_service(&marketing, &rows)?;
    analytics_service(&analytics, &rows)?;
    Ok(())
}

/// Ships orders: names and addresses, nothing about birthdays or newsletters.
fn fulfillment_service(
    key: &PurposeKey<Fulfillment>,
    rows: &[SealedCustomer],
) -> Result<(), Error> {
    println!("Fulfillment prints shipping labels:");
    for row in rows {
        let view = row.open(key)?;
        println!(
            "  #{} {}, {}, {} {}",
            view.id, view.name, view.address.street, view.address.postcode, view.address.city
        );
    }
    Ok(())
}

/// Sends the newsletter to those who asked for it: emails only.
fn marketing_service(key: &PurposeKey<Marketing>, rows: &[SealedCustomer]) -> Result<(), Error> {
    println!("Marketing sends the newsletter to:");
    for row in rows {
        let view = row.open(key)?;
        if view.newsletter == Some(true) {
            println!("  {} ({} points)", view.email, view.loyalty_points);
        }
        // `view.name` would not compile: the marketing view has no name.
    }
    Ok(())
}

/// Counts customers by decade of birth: no names, no contact details.
fn analytics_service(key: &PurposeKey<Analytics>, rows: &[SealedCustomer]) -> Result<(), Error> {
    let mut decades = std::collections::BTreeMap::new();
    for row in rows {
        *decades
            .entry(row.open(key)?.birth_year / 10 * 10)
            .or_insert(0) += 1;
    }
    println!("Analytics counts customers by decade of birth: {decades:?}");
    Ok(())
}

fn customers() -> Vec<Customer> {
    let address = |street: &str, city: &str, postcode: &str| Address {
        street: street.into(),
        city: city.into(),
        postcode: postcode.into(),
    };
    vec![
        Customer {
            id: 1001,
            name: "Ada Lovelace".into(),
            email: "ada@example.com".into(),
            address: address("12 Engine Lane", "London", "E1 6AN"),
            birth_year: 1815,
            newsletter: Some(true),
            loyalty_points: 120,
        },
        Customer {
            id: 1002,
            name: "Grace Hopper".into(),
            email: "grace@example.com".into(),
            address: address("1 Navy Way", "Arlington", "22202"),
            birth_year: 1906,
            newsletter: Some(false),
            loyalty_points: 40,
        },
        Customer {
            id: 1003,
            name: "Alan Turing".into(),
            email: "alan@example.com".into(),
            address: address("2 Hut Road", "Bletchley", "MK3 6EB"),
            birth_year: 1912,
            newsletter: None,
            loyalty_points: 75,
        },
    ]
}
