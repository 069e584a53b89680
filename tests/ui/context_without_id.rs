// A record type and field are not a context: binding no id must be said (`without_id()`).
use fieldseal::{Context, Keyring, Sealed, Suite};

fieldseal::purpose!(Marketing = "marketing");

fn main() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let ctx = Context::new("customer", "email");
    let _email: Sealed<String, Marketing> =
        Sealed::seal("ada@example.com", &ctx, &keyring.purpose_key::<Marketing>()).unwrap();
}
