// Only the plaintext types of FORMAT.md §8 seal; anything else does not compile.
use fieldseal::{Context, Keyring, Sealed, Suite};

fieldseal::purpose!(Analytics = "analytics");

fn main() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let analytics = keyring.purpose_key::<Analytics>();
    let ctx = Context::new("customer", "score").with_id_int(42);
    let _score: Sealed<f64, Analytics> = Sealed::seal(&0.5f64, &ctx, &analytics).unwrap();
}
