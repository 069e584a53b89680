use fieldseal::{Context, Error, Json, KeySet, Keyring, Sealed, Suite};

fieldseal::purpose!(Fulfillment = "fulfillment");
fieldseal::purpose!(Marketing = "marketing");
fieldseal::purpose!(Analytics = "analytics");

#[test]
fn smoke() {
    for suite in Suite::ALL {
        let keyring = Keyring::generate(suite).unwrap();
        let f = keyring.purpose_key::<Fulfillment>();
        let m = keyring.purpose_key::<Marketing>();
        let ctx = Context::new("customer", "email").with_id_u64(42);
        let s: Sealed<String, (Fulfillment, Marketing)> =
            Sealed::seal(&"ada@example.com".to_string(), &ctx, &(&f, &m)).unwrap();
        assert_eq!(s.open(&f, &ctx).unwrap(), "ada@example.com");
        assert_eq!(s.open(&m, &ctx).unwrap(), "ada@example.com");
        let other = Context::new("customer", "email").with_id_u64(43);
        assert!(matches!(s.open(&m, &other), Err(Error::CannotOpen)));
        let a = keyring.dyn_purpose_key(&fieldseal::DynPurpose::new("analytics").unwrap());
        let e = s.open_dyn(&a, &ctx).unwrap_err();
        println!("{e}");
        let t = s.to_text();
        println!("{t} {}", t.len());
        let back: Sealed<String, (Fulfillment, Marketing)> = Sealed::from_text(&t).unwrap();
        assert_eq!(back, s);
        let j = serde_json::to_string(&s).unwrap();
        let back: Sealed<String, (Fulfillment, Marketing)> = serde_json::from_str(&j).unwrap();
        assert_eq!(back, s);
        let ks = KeySet::new().with(keyring.purpose_key::<Analytics>());
        let n: Sealed<u64, Analytics> = ks.seal(&7u64, &ctx).unwrap();
        assert_eq!(n.open_with::<Analytics, _>(&ks, &ctx).unwrap(), 7);
        let big = vec![7u8; 100_000];
        let b: Sealed<Vec<u8>, Analytics> = ks.seal(&big, &ctx).unwrap();
        assert_eq!(b.open_with::<Analytics, _>(&ks, &ctx).unwrap(), big);
        let js: Sealed<Json<Vec<String>>, Analytics> =
            ks.seal(&Json(vec!["a".into()]), &ctx).unwrap();
        assert_eq!(
            js.open_with::<Analytics, _>(&ks, &ctx).unwrap().0,
            vec!["a".to_string()]
        );
    }
}
