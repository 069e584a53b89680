//! fieldseal in five minutes: one retail customer, three purposes, three services.
//!
//! Run it with `cargo run --release --example quickstart`. Everything stays in memory: no server,
//! no key files.
//!
//! 1. Key administration generates a keyring (the root key).
//! 2. Ingest seals each personal field for the purposes it may be used for, bound to its place
//!    (record type, field, customer id).
//! 3. Each service gets the key of its own purpose, and nothing else.
//! 4. Each service opens what its purpose allows; everything else is refused, at compile time
//!    where the purpose is known then, at run time otherwise.
//! 5. A ciphertext moved to another customer's row no longer opens.
//! 6. The same customer declared once with `#[derive(Seal)]`: each service opens its own view.

use fieldseal::{Context, DynPurpose, Error, Json, KeySet, Keyring, Seal, Sealed, Suite};
use serde::{Deserialize, Serialize};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");
fieldseal::purpose!(Analytics = "analytics");

/// A postal address, sealed as one JSON value.
#[derive(Serialize, Deserialize)]
struct Address {
    street: String,
    city: String,
    postcode: String,
    country: String,
}

/// A customer row as the database stores it: every personal field sealed, the id in the clear.
///
/// The purposes are part of each column's type, so the compiler knows who may read what.
struct CustomerRow {
    id: u64,
    name: Sealed<String, Fulfillment>,
    email: Sealed<String, (Fulfillment, Marketing)>,
    phone: Sealed<String, Fulfillment>,
    address: Sealed<Json<Address>, Fulfillment>,
    birth_year: Sealed<u16, Analytics>,
}

/// Where a customer's field belongs. Every value is bound to it: it opens only in the same place.
fn place(field: &str, customer_id: u64) -> Context<'_> {
    Context::new("customer", field).with_id_int(customer_id)
}

fn main() -> Result<(), Error> {
    println!("fieldseal quick start: one customer, three purposes, three services\n");

    let keyring = Keyring::generate(Suite::default())?;
    println!(
        "1. Key administration generated a keyring: {}, root key version {}, in memory only.\n",
        keyring.suite(),
        keyring.active_version()
    );

    let row = ingest(&keyring, 1001)?;
    let record_ingest = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Marketing>())
        .with(keyring.purpose_key::<Analytics>());

    // Each service is given the key of its own purpose. A KeySet holds purpose keys only, never a
    // root key. (In production each service loads its own key bundle file: README, "Keys in
    // production", and examples/rotation.rs.)
    let fulfillment = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
    let marketing = KeySet::new().with(keyring.purpose_key::<Marketing>());
    let analytics = KeySet::new().with(keyring.purpose_key::<Analytics>());
    drop(keyring);
    println!("3. Each service got its own purpose key; the keyring is gone.\n");

    fulfillment_service(&fulfillment, &row)?;
    marketing_service(&marketing, &row)?;
    analytics_service(&analytics, &row)?;
    insider_moves_a_value(&marketing, &row)?;
    derived_record(&record_ingest, &fulfillment, &marketing, &analytics)?;
    Ok(())
}

/// The customer declared once: the attributes say who may read what, and the derive writes the
/// sealed twin (`SealedCustomer`) and one view per purpose.
#[derive(Seal)]
#[seal(id = id, record = "customer")]
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
}

fn derived_record(
    ingest: &KeySet,
    fulfillment: &KeySet,
    marketing: &KeySet,
    analytics: &KeySet,
) -> Result<(), Error> {
    let customer = Customer {
        id: 1002,
        name: "Grace Hopper".into(),
        email: "grace@example.com".into(),
        address: Address {
            street: "1 Navy Way".into(),
            city: "Arlington".into(),
            postcode: "22202".into(),
            country: "US".into(),
        },
        birth_year: 1906,
    };
    let stored =
        serde_json::to_string(&customer.seal(ingest)?).expect("a sealed customer serializes");
    println!("\n8. With #[derive(Seal)], ingest stores customer 1002 as one JSON object:");
    println!("   {}...", &stored[..120]);
    let row: SealedCustomer = serde_json::from_str(&stored).expect("and reads it back");
    let shipping = row.open(&fulfillment.require::<Fulfillment>()?)?;
    let newsletter = row.open(&marketing.require::<Marketing>()?)?;
    let statistics = row.open(&analytics.require::<Analytics>()?)?;
    println!(
        "   fulfillment's view: {}, {}",
        shipping.name, shipping.address.city
    );
    println!(
        "   marketing's view:   {} (its view has no name, no address)",
        newsletter.email
    );
    println!("   analytics' view:    born {}", statistics.birth_year);
    Ok(())
}

/// Ingest holds the keys of every purpose it seals for, and seals each field for its purposes.
fn ingest(keyring: &Keyring, id: u64) -> Result<CustomerRow, Error> {
    let fulfillment = keyring.purpose_key::<Fulfillment>();
    let marketing = keyring.purpose_key::<Marketing>();
    let analytics = keyring.purpose_key::<Analytics>();

    let address = Json(Address {
        street: "12 Engine Lane".into(),
        city: "London".into(),
        postcode: "E1 6AN".into(),
        country: "GB".into(),
    });
    let row = CustomerRow {
        id,
        name: Sealed::seal("Ada Lovelace", &place("name", id), &fulfillment)?,
        // Sealed for two purposes: one copy each, under each purpose's own key.
        email: Sealed::seal(
            "ada@example.com",
            &place("email", id),
            &(&fulfillment, &marketing),
        )?,
        phone: Sealed::seal("+44 20 7946 0958", &place("phone", id), &fulfillment)?,
        address: Sealed::seal(&address, &place("address", id), &fulfillment)?,
        birth_year: Sealed::seal(&1815u16, &place("birth_year", id), &analytics)?,
    };

    println!("2. Ingest sealed customer {id}. This is what the database stores:");
    show("name", &row.name);
    show("email", &row.email);
    show("phone", &row.phone);
    show("address", &row.address);
    show("birth_year", &row.birth_year);
    println!();
    Ok(row)
}

/// Prints a sealed value's purposes and a shortened text form.
fn show<T, Ps>(field: &str, sealed: &Sealed<T, Ps>) {
    let purposes: Vec<String> = sealed.purposes().iter().map(ToString::to_string).collect();
    let text = sealed.to_text();
    // The text form is ASCII (`fs1:` and base64url), so byte slicing is safe.
    let short = format!("{}...{}", &text[..20], &text[text.len() - 6..]);
    println!(
        "   {field:<11} for {:<23} {short} ({} chars)",
        purposes.join(" + "),
        text.len()
    );
}

/// Fulfillment ships the order: it reads name, address, phone and email.
fn fulfillment_service(keys: &KeySet, row: &CustomerRow) -> Result<(), Error> {
    let id = row.id;
    let name = row
        .name
        .open_with::<Fulfillment, _>(keys, &place("name", id))?;
    let Json(address) = row
        .address
        .open_with::<Fulfillment, _>(keys, &place("address", id))?;
    let phone = row
        .phone
        .open_with::<Fulfillment, _>(keys, &place("phone", id))?;
    let email = row
        .email
        .open_with::<Fulfillment, _>(keys, &place("email", id))?;

    println!("4. The fulfillment service (holds: fulfillment) prints a shipping label:");
    println!(
        "   {name}, {}, {} {}, {}",
        address.street, address.city, address.postcode, address.country
    );
    println!("   phone {phone}, dispatch notice to {email}");

    // The birth year is sealed for analytics only. The purpose is known at compile time here, so
    // `row.birth_year.open_with::<Fulfillment, _>(..)` would not even compile (tests/ui/ shows the
    // message). A service whose purpose comes from configuration is refused at run time instead:
    let from_config = DynPurpose::new("fulfillment")?;
    let refused = keys
        .open_dyn(&row.birth_year, &from_config, &place("birth_year", id))
        .expect_err("fulfillment must not read the birth year");
    assert!(matches!(refused, Error::NotSealedFor { .. }));
    println!("   birth year? refused:\n      {refused}\n");
    Ok(())
}

/// Marketing sends the newsletter: it reads the email, and nothing else.
fn marketing_service(keys: &KeySet, row: &CustomerRow) -> Result<(), Error> {
    let id = row.id;
    let email = row
        .email
        .open_with::<Marketing, _>(keys, &place("email", id))?;
    println!("5. The marketing service (holds: marketing) sends the newsletter to {email}.");

    // The name is sealed for fulfillment only: marketing holds no copy it could open.
    let from_config = DynPurpose::new("marketing")?;
    let refused = keys
        .open_dyn(&row.name, &from_config, &place("name", id))
        .expect_err("marketing must not read the name");
    assert!(matches!(refused, Error::NotSealedFor { .. }));
    println!("   name? refused:\n      {refused}");

    // Asking for the fulfillment copy compiles (the value has one), but the service lacks the key.
    let refused = row
        .name
        .open_with::<Fulfillment, _>(keys, &place("name", id))
        .expect_err("marketing holds no fulfillment key");
    assert!(matches!(refused, Error::NoKeyForPurpose { .. }));
    println!("   the name's fulfillment copy? refused:\n      {refused}\n");
    Ok(())
}

/// Analytics counts customers by age: it reads the birth year, and nothing else.
fn analytics_service(keys: &KeySet, row: &CustomerRow) -> Result<(), Error> {
    let id = row.id;
    let year = row
        .birth_year
        .open_with::<Analytics, _>(keys, &place("birth_year", id))?;
    println!(
        "6. The analytics service (holds: analytics) counts one customer born in the {}s.",
        year / 10 * 10
    );
    let refused = keys
        .open_dyn(
            &row.email,
            &DynPurpose::new("analytics")?,
            &place("email", id),
        )
        .expect_err("analytics must not read the email");
    assert!(matches!(refused, Error::NotSealedFor { .. }));
    println!("   email? refused:\n      {refused}\n");
    Ok(())
}

/// Someone with write access to the database pastes customer 1001's email into another row.
fn insider_moves_a_value(marketing: &KeySet, row: &CustomerRow) -> Result<(), Error> {
    let other_id = row.id + 1;
    // What the insider copies is the stored text; the other row's column now holds it.
    let pasted: Sealed<String, (Fulfillment, Marketing)> = Sealed::from_text(&row.email.to_text())?;
    let refused = pasted
        .open_with::<Marketing, _>(marketing, &place("email", other_id))
        .expect_err("a value moved to another row must not open");
    assert!(matches!(refused, Error::CannotOpen { .. }));
    println!(
        "7. An insider pastes customer {}'s email into customer {other_id}'s row.",
        row.id
    );
    println!("   marketing opens customer {other_id}'s email: refused:\n      {refused}");
    Ok(())
}
