// A marketing service cannot open a value sealed for fulfillment only.
use fieldseal::{Context, Keyring, Sealed, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");

fn main() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let fulfillment = keyring.purpose_key::<Fulfillment>();
    let marketing = keyring.purpose_key::<Marketing>();
    let ctx = Context::new("customer", "name").with_id_int(42);
    let name: Sealed<String, Fulfillment> =
        Sealed::seal(&"Ada Lovelace".to_string(), &ctx, &fulfillment).unwrap();
    let _ = name.open(&marketing, &ctx);
}
