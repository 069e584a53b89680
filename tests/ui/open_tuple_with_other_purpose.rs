// A value sealed for (fulfillment, marketing) does not open with the analytics key.
use fieldseal::{Context, Keyring, Sealed, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");
fieldseal::purpose!(Analytics = "analytics");

fn main() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let fulfillment = keyring.purpose_key::<Fulfillment>();
    let marketing = keyring.purpose_key::<Marketing>();
    let analytics = keyring.purpose_key::<Analytics>();
    let ctx = Context::new("customer", "email").with_id_int(42);
    let email: Sealed<String, (Fulfillment, Marketing)> = Sealed::seal(
        &"ada@example.com".to_string(),
        &ctx,
        &(&fulfillment, &marketing),
    )
    .unwrap();
    let _ = email.open(&analytics, &ctx);
}
