//! The per-column helpers `#[derive(Seal)]` writes on the sealed twin (issue 15, item 3): code
//! that reads one column gets its context from the record's declaration, never by retyping the
//! record type, the field name or the id's encoding.

use fieldseal::{Context, Error, KeySet, Keyring, Seal, Sealed, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");

#[derive(Seal)]
#[seal(id = id)]
struct Customer {
    id: u128,
    #[seal(Fulfillment, Marketing, rename = "marketing_email")]
    email: String,
    #[seal(Fulfillment)]
    name: String,
}

#[derive(Seal)]
#[seal(id = code, record = "order")]
struct Order {
    code: String,
    #[seal(Fulfillment)]
    address: String,
}

fn customer() -> Customer {
    Customer {
        id: 7,
        email: "ada@example.com".into(),
        name: "Ada".into(),
    }
}

#[test]
fn the_context_is_the_one_the_record_was_sealed_with() {
    let ctx = SealedCustomer::with_context_email(&7, |ctx| {
        Ok((
            ctx.record().to_owned(),
            ctx.field().to_owned(),
            ctx.id().to_vec(),
        ))
    })
    .expect("a context");
    assert_eq!(
        ctx,
        (
            "Customer".to_owned(),
            "marketing_email".to_owned(),
            7u128.to_be_bytes().to_vec()
        )
    );

    let order = SealedOrder::with_context_address(&"A-17".to_owned(), |ctx| {
        Ok((
            ctx.record().to_owned(),
            ctx.field().to_owned(),
            ctx.id().to_vec(),
        ))
    })
    .expect("a context");
    assert_eq!(
        order,
        ("order".to_owned(), "address".to_owned(), b"A-17".to_vec())
    );

    // A string id: the helper binds its UTF-8 bytes, as the record's seal did.
    let keyring = Keyring::generate(Suite::default()).expect("generates");
    let key = keyring.purpose_key::<Fulfillment>();
    let order = Order {
        code: "A-17".into(),
        address: "1 High Street".into(),
    };
    let sealed = order
        .seal(&KeySet::new().with(keyring.purpose_key::<Fulfillment>()))
        .expect("seals");
    let address =
        SealedOrder::open_address_column(&sealed.address, &order.code, &key).expect("opens");
    assert_eq!(address, "1 High Street");
}

#[test]
fn one_column_opens_without_spelling_its_context() {
    let keyring = Keyring::generate(Suite::default()).expect("generates");
    let keys = KeySet::new()
        .with(keyring.purpose_key::<Fulfillment>())
        .with(keyring.purpose_key::<Marketing>());
    let sealed = customer().seal(&keys).expect("seals");

    // One column, as a handler selecting `email` alone has it.
    let email: &Sealed<String, (Fulfillment, Marketing)> = &sealed.email;
    let marketing = keyring.purpose_key::<Marketing>();
    assert_eq!(
        SealedCustomer::open_email_column(email, &7, &marketing).expect("opens"),
        "ada@example.com"
    );
    assert_eq!(
        SealedCustomer::open_name_column_with::<Fulfillment, _>(&sealed.name, &7, &keys)
            .expect("opens"),
        "Ada"
    );
    // Another record's id: the value does not open there.
    assert!(matches!(
        SealedCustomer::open_email_column(email, &8, &marketing),
        Err(Error::CannotOpen { .. })
    ));
    // The mistakes of issue 15, retyped by hand, fail where the helper does not.
    for wrong in [
        Context::new("customer", "marketing_email").with_id_int(7u128),
        Context::new("Customer", "email").with_id_int(7u128),
        Context::new("Customer", "marketing_email").with_id_str("7"),
    ] {
        assert!(matches!(
            email.open(&marketing, &wrong),
            Err(Error::CannotOpen { .. })
        ));
    }
}
