// A subject-mode record seals and opens through the subject keys only, and its views are typed as
// in direct mode.
use fieldseal::vault::{MemoryVault, SubjectKeys};
use fieldseal::{KeySet, Keyring, Seal, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing", consent);
fieldseal::purpose!(Analytics = "analytics");

#[derive(Seal)]
#[seal(subject = customer_id)]
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
    let customer = Customer {
        customer_id: 7,
        name: "Ada".into(),
        email: "ada@example.com".into(),
    };
    // No direct sealing with purpose keys: the data keys are the subject's.
    let _ = customer.seal(&keys);
    let subjects = SubjectKeys::new(MemoryVault::new(), keys, keyring.id()).unwrap();
    let stored = customer.seal(&subjects).unwrap();
    // No field is sealed for analytics: there is no analytics view.
    let _ = stored.open::<Analytics>(&subjects);
    // The name is not sealed for marketing.
    let _ = stored.open_name::<Marketing, _>(&subjects);
    // The marketing view has no name.
    let view = stored.open::<Marketing>(&subjects).unwrap();
    let _ = view.name;
}
