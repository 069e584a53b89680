// Sealing for (fulfillment, marketing) needs both keys: the fulfillment key alone does not do,
// whether the purpose set comes from the binding's type or from the call.
use fieldseal::{Context, Keyring, Sealed, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");

fn main() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let fulfillment_key = keyring.purpose_key::<Fulfillment>();
    let ctx = Context::new("customer", "email").with_id_int(42);
    let email = "ada@example.com".to_string();
    let _by_binding: Sealed<String, (Fulfillment, Marketing)> =
        Sealed::seal(&email, &ctx, &fulfillment_key).unwrap();
    let _by_call = Sealed::<String, (Fulfillment, Marketing)>::seal(&email, &ctx, &fulfillment_key);
}
