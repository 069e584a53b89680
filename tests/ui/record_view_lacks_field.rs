use fieldseal::{KeySet, Keyring, Seal, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");

#[derive(Seal)]
#[seal(id = customer_id)]
struct Customer {
    customer_id: u64,
    #[seal(Fulfillment)]
    name: String,
    #[seal(Fulfillment, Marketing)]
    email: String,
}

fn main() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Marketing>());
    let customer = Customer { customer_id: 1, name: "Ada".into(), email: "ada@example.com".into() };
    let stored = customer.seal(&keys).unwrap();
    let marketing = stored.open(&keyring.purpose_key::<Marketing>()).unwrap();
    // Marketing may read the email, never the name: its view has no such field.
    println!("{} {}", marketing.email, marketing.name);
    // Nor can it open the name field alone.
    let _ = stored.open_name(&keyring.purpose_key::<Marketing>());
}
