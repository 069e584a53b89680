use fieldseal::{KeySet, Keyring, Seal, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Analytics = "analytics");

#[derive(Seal)]
#[seal(without_id)]
struct Order {
    #[seal(Fulfillment)]
    address: String,
}

fn main() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let keys = KeySet::new().with(keyring.purpose_key::<Fulfillment>());
    let stored = Order { address: "1 Main St".into() }.seal(&keys).unwrap();
    // No field of an order is sealed for analytics: there is no analytics view.
    let _ = stored.open(&keyring.purpose_key::<Analytics>());
}
