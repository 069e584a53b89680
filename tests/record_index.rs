//! placeholder
use fieldseal::normalize::NormalizeError;
use fieldseal::{IndexSpec, KeySet, Keyring, Seal, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Support = "support");

fn sku(input: &str) -> Result<String, NormalizeError> {
    Ok(input.trim().to_ascii_uppercase())
}

#[derive(Seal, Clone, Debug)]
#[seal(id = id, index(name_postcode = (last_name: text, postcode: "postcode:GB")))]
struct Customer {
    id: u64,
    #[seal(Fulfillment, Support, index(email_lookup = email))]
    email: String,
    #[seal(Fulfillment)]
    last_name: String,
    #[seal(Fulfillment)]
    postcode: Option<String>,
    #[seal(Fulfillment, index(card_lookup = "custom:card-v1", with = sku, name = "loyalty"))]
    card: String,
}

#[test]
fn smoke() {
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring.add_index(IndexSpec::new("email-lookup").unwrap().with_normalizer("email").unwrap()).unwrap();
    keyring.add_index(IndexSpec::new("name-postcode").unwrap()).unwrap();
    keyring.add_index(IndexSpec::new("loyalty").unwrap()).unwrap();
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Support>())
        .with_index(keyring.index_key("email-lookup").unwrap())
        .with_index(keyring.index_key("name-postcode").unwrap())
        .with_index(keyring.index_key("loyalty").unwrap());
    let c = Customer { id: 7, email: "Ada@Example.com".into(), last_name: "Lovelace".into(), postcode: Some("sw1a1aa".into()), card: "ab12".into() };
    let s = c.seal(&keys).unwrap();
    println!("{}", serde_json::to_string(&s).unwrap());
    let t = SealedCustomer::email_lookup_terms(&keys, " ada@example.COM").unwrap();
    assert_eq!(t, [s.email_lookup]);
    assert!(s.reseal(&keys).unwrap().is_none());
    println!("{:?}", SealedCustomer::record_layout());
}
