// `open_with` checks the purpose at compile time too, whatever keys the key set holds.
use fieldseal::{Context, KeySet, Keyring, Sealed, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");
fieldseal::purpose!(Analytics = "analytics");

fn main() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Marketing>())
        .with(keyring.purpose_key::<Analytics>());
    let ctx = Context::new("customer", "email").with_id_int(42);
    let email: Sealed<String, (Fulfillment, Marketing)> =
        keys.seal(&"ada@example.com".to_string(), &ctx).unwrap();
    let _ = email.open_with::<Analytics, _>(&keys, &ctx);
}
