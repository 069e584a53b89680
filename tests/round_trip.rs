//! Property tests: every plaintext type seals and opens to itself, for both suites, one, two,
//! three and eight purposes, sealed with a purpose key, a tuple of keys or a key set, and after a
//! trip through the binary and the text form.

mod common;

use std::fmt::Debug;

use common::{
    Analytics, Billing, Fraud, Fulfillment, Marketing, Partner, Research, Support, shared_keyring,
};
use fieldseal::{Context, DynPurpose, Json, KeySet, Plaintext, PurposeSet, Sealed, Suite};
use proptest::collection::vec;
use proptest::prelude::*;
use proptest::test_runner::TestCaseError;

type TestResult = Result<(), TestCaseError>;

/// A realistic serde plaintext: optional fields, a list, a nested struct.
#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Address {
    street: String,
    number: Option<u32>,
    city: String,
    postcode: Option<String>,
    lines: Vec<String>,
    geo: Option<Geo>,
}

#[derive(Debug, Clone, PartialEq, serde::Serialize, serde::Deserialize)]
struct Geo {
    lat_e6: i64,
    lon_e6: i64,
}

fn address() -> impl Strategy<Value = Address> {
    (
        any::<String>(),
        any::<Option<u32>>(),
        "[A-Za-zÀ-ÿ -]{0,30}",
        proptest::option::of("[0-9A-Z ]{3,8}"),
        vec(any::<String>(), 0..4),
        proptest::option::of(
            (any::<i64>(), any::<i64>()).prop_map(|(lat_e6, lon_e6)| Geo { lat_e6, lon_e6 }),
        ),
    )
        .prop_map(|(street, number, city, postcode, lines, geo)| Address {
            street,
            number,
            city,
            postcode,
            lines,
            geo,
        })
}

/// Checks that `sealed` has the expected shape and that it, and its binary and text forms parsed
/// back, open to `value` through `open`.
fn check_forms<T, Ps>(
    value: &T,
    sealed: &Sealed<T, Ps>,
    suite: Suite,
    open: impl Fn(&Sealed<T, Ps>) -> fieldseal::Result<T>,
) -> TestResult
where
    T: Plaintext + PartialEq + Debug,
    Ps: PurposeSet,
{
    prop_assert_eq!(sealed.suite(), suite);
    let names: Vec<String> = sealed
        .purposes()
        .iter()
        .map(|p| p.name().to_owned())
        .collect();
    prop_assert_eq!(names, Ps::NAMES);
    prop_assert!(sealed.key_versions().iter().all(|(_, v)| *v == 1));
    prop_assert_eq!(&open(sealed).map_err(fail)?, value);

    let from_bytes = Sealed::<T, Ps>::from_bytes(sealed.as_bytes().to_vec()).map_err(fail)?;
    prop_assert_eq!(&from_bytes, sealed);
    prop_assert_eq!(&open(&from_bytes).map_err(fail)?, value);

    let text = sealed.to_text();
    prop_assert!(text.starts_with("fs1:"));
    let from_text = Sealed::<T, Ps>::from_text(&text).map_err(fail)?;
    prop_assert_eq!(&from_text, sealed);
    prop_assert_eq!(&open(&from_text).map_err(fail)?, value);

    let owned = Sealed::<T, Ps>::from_bytes(sealed.clone().into_bytes()).map_err(fail)?;
    prop_assert_eq!(&open(&owned).map_err(fail)?, value);
    Ok(())
}

#[allow(
    clippy::needless_pass_by_value,
    reason = "used as `map_err(fail)`, which passes the error by value"
)]
fn fail(e: fieldseal::Error) -> TestCaseError {
    TestCaseError::fail(e.to_string())
}

/// Seals `value` every way the API offers, for both suites, and opens every copy.
fn round_trips<T>(value: &T, ctx: &Context<'_>) -> TestResult
where
    T: Plaintext + PartialEq + Debug,
{
    for suite in Suite::ALL {
        let keyring = shared_keyring(suite);
        let f = keyring.purpose_key::<Fulfillment>();
        let m = keyring.purpose_key::<Marketing>();
        let a = keyring.purpose_key::<Analytics>();
        let dyn_m = keyring.dyn_purpose_key(&DynPurpose::of::<Marketing>());

        // One purpose, a purpose key.
        let one: Sealed<T, Fulfillment> = Sealed::seal(value, ctx, &f).map_err(fail)?;
        check_forms(value, &one, suite, |s| s.open(&f, ctx))?;

        // Two purposes, a tuple of keys; each purpose opens its copy, statically and at run time.
        let two: Sealed<T, (Fulfillment, Marketing)> =
            Sealed::seal(value, ctx, &(&f, &m)).map_err(fail)?;
        check_forms(value, &two, suite, |s| s.open(&f, ctx))?;
        check_forms(value, &two, suite, |s| s.open(&m, ctx))?;
        check_forms(value, &two, suite, |s| s.open_dyn(&dyn_m, ctx))?;

        // Three purposes, a tuple of keys.
        let three: Sealed<T, (Fulfillment, Marketing, Analytics)> =
            Sealed::seal(value, ctx, &(&f, &m, &a)).map_err(fail)?;
        check_forms(value, &three, suite, |s| s.open(&a, ctx))?;

        // Three purposes, a key set; opened through the key set and with a lone key.
        let keys = KeySet::new()
            .with(f.share())
            .with(m.share())
            .with(a.share());
        let via_set = keys
            .seal::<(Analytics, Fulfillment, Marketing), T>(value, ctx)
            .map_err(fail)?;
        check_forms(value, &via_set, suite, |s| {
            s.open_with::<Analytics, _>(&keys, ctx)
        })?;
        check_forms(value, &via_set, suite, |s| {
            s.open_with::<Fulfillment, _>(&keys, ctx)
        })?;
        check_forms(value, &via_set, suite, |s| {
            keys.open_dyn(s, &DynPurpose::of::<Marketing>(), ctx)
        })?;
        check_forms(value, &via_set, suite, |s| s.open(&m, ctx))?;

        // One purpose, a key set.
        let single = keys.seal::<Marketing, T>(value, ctx).map_err(fail)?;
        check_forms(value, &single, suite, |s| {
            s.open_with::<Marketing, _>(&keys, ctx)
        })?;
    }
    Ok(())
}

/// The most purposes a value holds.
type All = (
    Fulfillment,
    Marketing,
    Analytics,
    Support,
    Billing,
    Fraud,
    Research,
    Partner,
);

fn cfg() -> ProptestConfig {
    ProptestConfig::with_cases(64)
}

proptest! {
    #![proptest_config(cfg())]

    #[test]
    fn strings(value in any::<String>()) {
        round_trips(&value, &common::ctx())?;
    }

    #[test]
    fn bytes(value in vec(any::<u8>(), 0..4096)) {
        round_trips(&value, &common::ctx())?;
    }

    #[test]
    fn bools(value in any::<bool>()) {
        round_trips(&value, &common::ctx())?;
    }

    #[test]
    fn unsigned(a in any::<u8>(), b in any::<u16>(), c in any::<u32>(), d in any::<u64>(), e in any::<u128>()) {
        let ctx = common::ctx();
        round_trips(&a, &ctx)?;
        round_trips(&b, &ctx)?;
        round_trips(&c, &ctx)?;
        round_trips(&d, &ctx)?;
        round_trips(&e, &ctx)?;
    }

    #[test]
    fn signed(a in any::<i8>(), b in any::<i16>(), c in any::<i32>(), d in any::<i64>(), e in any::<i128>()) {
        let ctx = common::ctx();
        round_trips(&a, &ctx)?;
        round_trips(&b, &ctx)?;
        round_trips(&c, &ctx)?;
        round_trips(&d, &ctx)?;
        round_trips(&e, &ctx)?;
    }

    #[test]
    fn json_structs(value in address()) {
        round_trips(&Json(value), &common::ctx())?;
    }

    #[test]
    fn json_lists_of_structs(value in vec(address(), 0..5)) {
        round_trips(&Json(value), &common::ctx())?;
    }

    /// Any context within the limits: record types of 1 to 64 bytes, fields of 1 to 255 (paths
    /// included), ids up to 256 bytes (or none).
    #[test]
    fn any_context(
        value in any::<String>(),
        record in "[a-z_]{1,64}",
        field in "\\PC{1,64}",
        id in vec(any::<u8>(), 0..=256),
        n in any::<u64>(),
        uuid in any::<u128>(),
    ) {
        prop_assume!(field.len() <= 255);
        round_trips(&value, &Context::new(&record, &field).with_id(&id))?;
        round_trips(&value, &Context::new(&record, &field).without_id())?;
        round_trips(&value, &Context::new(&record, &field).with_id_int(n))?;
        round_trips(&value, &Context::new(&record, &field).with_id_int(uuid))?;
    }

    /// Eight purposes, the most a value holds, sealed with an eight-key tuple.
    #[test]
    fn eight_purposes(value in any::<String>(), n in any::<i64>()) {
        let ctx = common::ctx();
        for suite in Suite::ALL {
            let keyring = shared_keyring(suite);
            let (k1, k2, k3, k4) = (
                keyring.purpose_key::<Fulfillment>(),
                keyring.purpose_key::<Marketing>(),
                keyring.purpose_key::<Analytics>(),
                keyring.purpose_key::<Support>(),
            );
            let (k5, k6, k7, k8) = (
                keyring.purpose_key::<Billing>(),
                keyring.purpose_key::<Fraud>(),
                keyring.purpose_key::<Research>(),
                keyring.purpose_key::<Partner>(),
            );
            let keys = (&k1, &k2, &k3, &k4, &k5, &k6, &k7, &k8);
            let text: Sealed<String, All> = Sealed::seal(&value, &ctx, &keys).map_err(fail)?;
            check_forms(&value, &text, suite, |s| s.open(&k1, &ctx))?;
            check_forms(&value, &text, suite, |s| s.open(&k4, &ctx))?;
            check_forms(&value, &text, suite, |s| s.open(&k8, &ctx))?;
            let number: Sealed<i64, All> = Sealed::seal(&n, &ctx, &keys).map_err(fail)?;
            for opened in [
                number.open(&k1, &ctx), number.open(&k2, &ctx), number.open(&k3, &ctx),
                number.open(&k4, &ctx), number.open(&k5, &ctx), number.open(&k6, &ctx),
                number.open(&k7, &ctx), number.open(&k8, &ctx),
            ] {
                prop_assert_eq!(opened.map_err(fail)?, n);
            }
        }
    }
}

/// The edges the strategies may not hit: empty values, extremes, a larger binary blob, and a
/// plaintext just above the stack buffer the opener uses for small values.
#[test]
fn edge_values_round_trip() {
    let ctx = common::ctx();
    let run = |r: TestResult| r.expect("round trip");
    run(round_trips(&String::new(), &ctx));
    run(round_trips(&Vec::<u8>::new(), &ctx));
    run(round_trips(&"é€😀\u{0}".repeat(100), &ctx));
    for len in [255, 256, 257, 8 * 1024, 100_000] {
        run(round_trips(&vec![0xa5u8; len], &ctx));
    }
    run(round_trips(&u8::MAX, &ctx));
    run(round_trips(&u128::MAX, &ctx));
    run(round_trips(&i8::MIN, &ctx));
    run(round_trips(&i128::MIN, &ctx));
    run(round_trips(&i64::MAX, &ctx));
    run(round_trips(&false, &ctx));
    run(round_trips(&Json(Option::<u8>::None), &ctx));
    run(round_trips(&Json(String::new()), &ctx));
}

/// Two seals of one plaintext differ (fresh nonces) yet both open.
#[test]
fn sealing_twice_gives_different_values() {
    let ctx = common::ctx();
    for suite in Suite::ALL {
        let key = shared_keyring(suite).purpose_key::<Fulfillment>();
        let value = common::PLAINTEXT.to_owned();
        let a: Sealed<String, Fulfillment> = Sealed::seal(&value, &ctx, &key).unwrap();
        let b: Sealed<String, Fulfillment> = Sealed::seal(&value, &ctx, &key).unwrap();
        assert_ne!(a, b);
        assert_ne!(
            common::first_nonce(a.as_bytes()),
            common::first_nonce(b.as_bytes())
        );
        assert_eq!(a.open(&key, &ctx).unwrap(), value);
        assert_eq!(b.open(&key, &ctx).unwrap(), value);
    }
}

/// The bytes follow the FORMAT v1 layout: header (with the value's nonce), then one part per
/// purpose in the order of the purpose set, each with the suite's epoch id length and `ct_len` =
/// payload length; the header names the mode and the type.
#[test]
fn layout_matches_the_format() {
    let ctx = common::ctx();
    for suite in Suite::ALL {
        let keyring = shared_keyring(suite);
        let (f, m) = (
            keyring.purpose_key::<Fulfillment>(),
            keyring.purpose_key::<Marketing>(),
        );
        let sealed: Sealed<String, (Marketing, Fulfillment)> =
            Sealed::seal(&"abc".to_owned(), &ctx, &(&m, &f)).unwrap();
        let bytes = sealed.as_bytes();
        assert_eq!(bytes[..9], [0x01, suite.id(), 0x01, 0x01, 2, 0, 0, 0, 3]);
        let layout = common::layout(bytes);
        assert_eq!(layout.suite, suite);
        assert_eq!(layout.ct_len, 3);
        assert_eq!(layout.nonce.len(), suite.nonce_len());
        let names: Vec<&str> = layout.parts.iter().map(|p| p.name.as_str()).collect();
        assert_eq!(names, ["marketing", "fulfillment"]);
        for part in &layout.parts {
            assert_eq!(bytes[part.key_version.clone()], [0, 0, 0, 1]);
            assert_eq!(part.epoch.len(), suite.epoch_len());
        }
    }
}

/// A `Json<T>` value that seals must open again. serde_json writes non-finite floats as `null`,
/// which does not decode as a float: such a value is refused at sealing, so no data is lost.
#[test]
fn json_that_seals_also_opens() {
    let ctx = common::ctx();
    let key = shared_keyring(Suite::default()).purpose_key::<Fulfillment>();
    let finite = Sealed::<Json<Vec<f64>>, Fulfillment>::seal(&Json(vec![1.5, -0.25]), &ctx, &key);
    assert_eq!(
        finite.unwrap().open(&key, &ctx).unwrap().0,
        vec![1.5, -0.25]
    );
    for value in [f64::NAN, f64::INFINITY, f64::NEG_INFINITY] {
        match Sealed::<Json<Vec<f64>>, Fulfillment>::seal(&Json(vec![1.5, value]), &ctx, &key) {
            Err(fieldseal::Error::Unsealable { ty: "JSON", reason }) => {
                assert!(reason.contains("NaN or infinite"), "{reason}");
            }
            other => panic!("{value}: {other:?}"),
        }
    }
}
