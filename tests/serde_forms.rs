//! serde: records holding sealed fields round-trip through JSON (text form) and bincode (binary
//! form); garbage of every kind is a serde error, never a panic; arbitrary bytes and strings fed
//! to the parsers never panic.

mod common;

use base64::Engine as _;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use common::{Analytics, Fulfillment, Marketing, PLAINTEXT, ctx, shared_keyring};
use fieldseal::{AnyPurposes, Json, Keyring, Sealed, Suite};
use proptest::collection::vec;
use proptest::prelude::*;
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Address {
    street: String,
    city: String,
    postcode: Option<String>,
}

/// A customer record as a service would store it: clear id, sealed fields.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
struct Customer {
    id: u64,
    email: Sealed<String, (Fulfillment, Marketing)>,
    name: Sealed<String, Fulfillment>,
    address: Sealed<Json<Address>, Fulfillment>,
    age: Option<Sealed<u8, Marketing>>,
    loyalty: Sealed<i64, (Marketing, Analytics)>,
}

fn address() -> Address {
    Address {
        street: "1 Main St".to_owned(),
        city: "Springfield".to_owned(),
        postcode: None,
    }
}

fn customer(keyring: &Keyring) -> Customer {
    let f = keyring.purpose_key::<Fulfillment>();
    let m = keyring.purpose_key::<Marketing>();
    let a = keyring.purpose_key::<Analytics>();
    let ctx = ctx();
    Customer {
        id: 42,
        email: Sealed::seal(&"ada@example.com".to_owned(), &ctx, &(&f, &m)).unwrap(),
        name: Sealed::seal(&PLAINTEXT.to_owned(), &ctx, &f).unwrap(),
        address: Sealed::seal(&Json(address()), &ctx, &f).unwrap(),
        age: Some(Sealed::seal(&36, &ctx, &m).unwrap()),
        loyalty: Sealed::seal(&-12, &ctx, &(&m, &a)).unwrap(),
    }
}

fn check_opens(keyring: &Keyring, c: &Customer) {
    let f = keyring.purpose_key::<Fulfillment>();
    let m = keyring.purpose_key::<Marketing>();
    let a = keyring.purpose_key::<Analytics>();
    let ctx = ctx();
    assert_eq!(c.email.open(&m, &ctx).unwrap(), "ada@example.com");
    assert_eq!(c.email.open(&f, &ctx).unwrap(), "ada@example.com");
    assert_eq!(c.name.open(&f, &ctx).unwrap(), PLAINTEXT);
    assert_eq!(c.address.open(&f, &ctx).unwrap().0, address());
    assert_eq!(c.age.as_ref().unwrap().open(&m, &ctx).unwrap(), 36);
    assert_eq!(c.loyalty.open(&a, &ctx).unwrap(), -12);
}

#[test]
fn json_round_trips_with_the_text_form() {
    for suite in Suite::ALL {
        let keyring = shared_keyring(suite);
        let c = customer(keyring);
        let json = serde_json::to_string(&c).unwrap();
        assert!(!json.contains(PLAINTEXT));
        let tree: serde_json::Value = serde_json::from_str(&json).unwrap();
        assert_eq!(tree["id"], 42);
        assert_eq!(tree["name"], c.name.to_text());
        assert_eq!(tree["email"], c.email.to_text());
        for field in ["email", "name", "address", "age", "loyalty"] {
            assert!(tree[field].as_str().unwrap().starts_with("fs1:"), "{field}");
        }
        let back: Customer = serde_json::from_str(&json).unwrap();
        assert_eq!(back, c);
        check_opens(keyring, &back);
        let pretty: Customer =
            serde_json::from_str(&serde_json::to_string_pretty(&c).unwrap()).unwrap();
        assert_eq!(pretty, c);
        let without_age = Customer { age: None, ..c };
        let back: Customer =
            serde_json::from_str(&serde_json::to_string(&without_age).unwrap()).unwrap();
        assert_eq!(back, without_age);
    }
}

#[test]
fn bincode_round_trips_with_the_binary_form() {
    for suite in Suite::ALL {
        let keyring = shared_keyring(suite);
        let c = customer(keyring);
        let bytes = bincode::serialize(&c).unwrap();
        // The binary form is embedded as is (after bincode's u64 length), not as text.
        let name = c.name.as_bytes();
        let framed = [&(name.len() as u64).to_le_bytes()[..], name].concat();
        assert!(bytes.windows(framed.len()).any(|w| w == framed));
        assert!(!bytes.windows(4).any(|w| w == b"fs1:"));
        let back: Customer = bincode::deserialize(&bytes).unwrap();
        assert_eq!(back, c);
        check_opens(keyring, &back);
    }
}

fn json_err<T: serde::de::DeserializeOwned + std::fmt::Debug>(input: &str) {
    let result = serde_json::from_str::<T>(input);
    assert!(result.is_err(), "{input} parsed: {result:?}");
}

#[test]
fn json_garbage_is_a_serde_error() {
    let keyring = shared_keyring(Suite::default());
    let c = customer(keyring);
    let name_text = c.name.to_text();
    let fm_text = c.email.to_text();
    let body = &name_text[4..];
    let truncated_body = &body[..body.len() - 3];
    let padded = STANDARD.encode(c.name.as_bytes());
    let inputs = [
        "\"\"".to_owned(),
        "\"hello\"".to_owned(),
        "\"fs1:\"".to_owned(),
        "\"fs1\"".to_owned(),
        format!("\"fs2:{body}\""),
        format!("\"FS1:{body}\""),
        format!("\" fs1:{body}\""),
        format!("\"fs1: {body}\""),
        format!("\"fs1:{body}=\""),
        format!("\"fs1:{body}==\""),
        format!("\"fs1:{body}!\""),
        format!("\"fs1:{truncated_body}\""),
        format!("\"fs1:{}\"", &body[1..]),
        format!("\"{}\"", &name_text[..name_text.len() - 1]),
        format!("\"{fm_text}\""),
        format!("\"fs1:{}\"", URL_SAFE_NO_PAD.encode([0u8; 40])),
        "42".to_owned(),
        "-1".to_owned(),
        "4.5".to_owned(),
        "true".to_owned(),
        "null".to_owned(),
        "{}".to_owned(),
        format!("{{\"text\":\"{name_text}\"}}"),
        "[]".to_owned(),
        format!("[\"{name_text}\"]"),
        format!("{:?}", c.name.as_bytes()),
        String::new(),
        format!("\"{name_text}"),
    ];
    for input in &inputs {
        json_err::<Sealed<String, Fulfillment>>(input);
    }
    // Standard (padded, `+/`) base64 is not the text form, unless it happens to coincide with it.
    if padded != body {
        json_err::<Sealed<String, Fulfillment>>(&format!("\"fs1:{padded}\""));
    }
    // The right text for the wrong type of record field.
    json_err::<Sealed<String, Marketing>>(&format!("\"{name_text}\""));
    json_err::<Sealed<String, (Fulfillment, Analytics)>>(&format!("\"{fm_text}\""));
    // A whole record with one field of another purpose set.
    let mut tree: serde_json::Value = serde_json::to_value(&c).unwrap();
    tree["name"] = serde_json::Value::String(fm_text.clone());
    assert!(serde_json::from_value::<Customer>(tree).is_err());
    // The good inputs parse, so the failures above are about the input.
    assert!(
        serde_json::from_str::<Sealed<String, Fulfillment>>(&format!("\"{name_text}\"")).is_ok()
    );
    assert!(serde_json::from_str::<Sealed<String, AnyPurposes>>(&format!("\"{fm_text}\"")).is_ok());
}

#[test]
fn bincode_garbage_is_a_serde_error() {
    let keyring = shared_keyring(Suite::default());
    let c = customer(keyring);
    let good = bincode::serialize(&c.name).unwrap();
    let bin_err = |bytes: &[u8]| {
        let result = bincode::deserialize::<Sealed<String, Fulfillment>>(bytes);
        assert!(result.is_err(), "{bytes:?} parsed");
    };
    for len in 0..good.len() {
        bin_err(&good[..len]);
    }
    let raw = c.name.as_bytes();
    let with_len = |payload: &[u8]| [&(payload.len() as u64).to_le_bytes()[..], payload].concat();
    bin_err(&with_len(&raw[..raw.len() - 1]));
    bin_err(&with_len(&[raw, &[0]].concat()));
    bin_err(&with_len(&[]));
    bin_err(&with_len(b"fs1:AQEB"));
    bin_err(&with_len(c.email.as_bytes()));
    bin_err(&u64::MAX.to_le_bytes());
    bin_err(&[0xff; 64]);
    let mut wrong_version = raw.to_vec();
    wrong_version[0] = 9;
    bin_err(&with_len(&wrong_version));
    assert!(bincode::deserialize::<Sealed<String, Fulfillment>>(&good).is_ok());
}

/// Feeds `bytes` to every parser, inspects whatever parses and opens it with every purpose key of
/// both shared keyrings; returns the numbers that opened.
fn feed_bytes(bytes: &[u8]) -> Vec<u64> {
    let ctx = ctx();
    let mut opened = Vec::new();
    if let Ok(any) = Sealed::<u64, AnyPurposes>::from_bytes(bytes.to_vec()) {
        let _ = (
            any.purposes(),
            any.key_versions(),
            any.suite(),
            format!("{any:?}"),
        );
        assert_eq!(
            Sealed::<u64, AnyPurposes>::from_text(&any.to_text()).unwrap(),
            any
        );
        // The header says u64: taking the same bytes as a String is refused up front.
        assert!(matches!(
            Sealed::<String, AnyPurposes>::from_bytes(bytes.to_vec()),
            Err(fieldseal::Error::TypeMismatch {
                expected: "String",
                found: "u64"
            })
        ));
        for suite in Suite::ALL {
            let keyring = shared_keyring(suite);
            for purpose in any.purposes() {
                let key = keyring.dyn_purpose_key(&purpose);
                opened.extend(any.open_dyn(&key, &ctx));
            }
        }
    }
    if let Ok(typed) = Sealed::<u64, (Fulfillment, Marketing)>::from_bytes(bytes.to_vec()) {
        let keyring = shared_keyring(typed.suite());
        opened.extend(typed.open(&keyring.purpose_key::<Fulfillment>(), &ctx));
        opened.extend(typed.open(&keyring.purpose_key::<Marketing>(), &ctx));
    }
    let _ = Sealed::<String, Fulfillment>::from_bytes(bytes.to_vec());
    let _ =
        Sealed::<String, Fulfillment>::from_text(&format!("fs1:{}", URL_SAFE_NO_PAD.encode(bytes)));
    let _ = bincode::deserialize::<Sealed<String, Fulfillment>>(bytes);
    let _ = bincode::deserialize::<Sealed<Vec<u8>, AnyPurposes>>(bytes);
    opened
}

fn never_panics_on_text(text: &str) {
    let _ = Sealed::<String, Fulfillment>::from_text(text);
    let _ = Sealed::<String, AnyPurposes>::from_text(text);
    let _ = serde_json::from_str::<Sealed<String, Fulfillment>>(text);
    let quoted = serde_json::to_string(text).unwrap();
    let _ = serde_json::from_str::<Sealed<String, (Fulfillment, Marketing)>>(&quoted);
    let _ = serde_json::from_str::<Customer>(text);
}

/// Bytes that pass the header checks, so that the part walk sees the arbitrary rest.
fn plausible_value() -> impl Strategy<Value = Vec<u8>> {
    (
        prop_oneof![Just(1u8), any::<u8>()],
        prop_oneof![Just(1u8), Just(2u8), any::<u8>()],
        0u8..=10,
        prop_oneof![0u32..64, any::<u32>()],
        vec(any::<u8>(), 0..400),
    )
        .prop_map(|(version, suite, count, ct_len, rest)| {
            let mut bytes = vec![version, suite, count];
            bytes.extend_from_slice(&ct_len.to_be_bytes());
            bytes.extend_from_slice(&rest);
            bytes
        })
}

/// A real value with a few bytes overwritten, removed or inserted.
fn mutated_value() -> impl Strategy<Value = Vec<u8>> {
    let keyring = shared_keyring(Suite::default());
    let (f, m) = (
        keyring.purpose_key::<Fulfillment>(),
        keyring.purpose_key::<Marketing>(),
    );
    let sealed: Sealed<u64, (Fulfillment, Marketing)> =
        Sealed::seal(&7, &ctx(), &(&f, &m)).unwrap();
    let base = sealed.into_bytes();
    vec((any::<prop::sample::Index>(), any::<u8>(), 0u8..3), 1..4).prop_map(move |edits| {
        let mut bytes = base.clone();
        for (at, byte, kind) in edits {
            let i = at.index(bytes.len() + 1);
            match kind {
                0 if i < bytes.len() => bytes[i] = byte,
                1 if i < bytes.len() => {
                    bytes.remove(i);
                }
                _ => bytes.insert(i, byte),
            }
        }
        bytes
    })
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn arbitrary_bytes_never_panic(bytes in vec(any::<u8>(), 0..300)) {
        prop_assert!(feed_bytes(&bytes).is_empty());
    }

    #[test]
    fn plausible_values_never_panic(bytes in plausible_value()) {
        prop_assert!(feed_bytes(&bytes).is_empty());
    }

    #[test]
    fn mutated_values_never_panic_or_open_wrong(bytes in mutated_value()) {
        for n in feed_bytes(&bytes) {
            prop_assert_eq!(n, 7);
        }
    }

    #[test]
    fn arbitrary_strings_never_panic(text in any::<String>()) {
        never_panics_on_text(&text);
        never_panics_on_text(&format!("fs1:{text}"));
        never_panics_on_text(&format!("\"fs1:{text}\""));
    }

    #[test]
    fn base64ish_strings_never_panic(text in "fs1:[A-Za-z0-9_=+/-]{0,200}") {
        never_panics_on_text(&text);
        never_panics_on_text(&format!("\"{text}\""));
    }
}

/// A column that held a value in clear by mistake must not end up quoted in an error message.
#[test]
fn serde_errors_do_not_quote_the_input() {
    for input in [
        "4711",
        "-4711.5",
        "true",
        "null",
        r#"["SECRET-4711"]"#,
        r#"{"email":"SECRET-4711"}"#,
        r#""SECRET-4711""#,
    ] {
        let err = serde_json::from_str::<Sealed<String, Fulfillment>>(input).unwrap_err();
        let shown = err.to_string();
        assert!(!shown.contains("4711"), "{input}: {shown}");
        assert!(!shown.contains("SECRET"), "{input}: {shown}");
    }
}

/// A BYTEA column that held clear text by mistake: the error must not name its first bytes.
#[test]
fn binary_serde_errors_do_not_quote_header_bytes() {
    for clear in [
        &b"alice@example.com"[..],
        b"\x01\x07zzzz",
        b"\x01\x01\x7fzzzzzz",
        b"\x01\x01\x01\x7fzzzzzz",
        // ct_len 0x7f7f7f7f: above the limit, and its digits are clear text.
        b"\x01\x01\x01\x01\x01\x7f\x7f\x7f\x7fzzzzzz",
        // a bool whose ct_len is 0x7f.
        b"\x01\x01\x01\x03\x01\x00\x00\x00\x7fzzzzzz",
    ] {
        let encoded = bincode::serialize(&clear.to_vec()).unwrap();
        let err = bincode::deserialize::<Sealed<String, Fulfillment>>(&encoded).unwrap_err();
        let shown = err.to_string();
        for byte in ["97", "0x61", "0x07", "0x7f", "127", "2139062143"] {
            assert!(!shown.contains(byte), "{shown}");
        }
    }
}

/// A `ColumnError` never contains the column's bytes (README): header bytes a parse error would
/// name may be clear text stored by mistake, and are left out, as serde's errors leave them out.
#[test]
fn column_errors_do_not_quote_header_bytes() {
    for clear in [
        &b"alice@example.com"[..],
        b"\x01\x07zzzz",
        b"\x01\x01\x7fzzzzzz",
        b"\x01\x01\x01\x7fzzzzzz",
        b"\x01\x01\x01\x01\x01\x7f\x7f\x7f\x7fzzzzzz",
        b"\x01\x01\x01\x03\x01\x00\x00\x00\x7fzzzzzz",
    ] {
        let err = fieldseal::column::parse::<String, Fulfillment>(clear, "BLOB").unwrap_err();
        let shown = err.to_string();
        for byte in ["97", "0x61", "0x07", "0x7f", "127", "2139062143"] {
            assert!(!shown.contains(byte), "{clear:?}: {shown}");
        }
    }
}

/// Serde's errors do not repeat the part count (byte 4) of too many parts, nor the ciphertext
/// length (bytes 5-8) of an empty value: both are bytes of the input.
#[test]
fn binary_serde_errors_do_not_quote_the_count_or_an_empty_values_length() {
    for clear in [
        // count 0x7f
        &b"\x01\x01\x01\x01\x7fzzzzzzzzzzzz"[..],
        // subject mode, count 0, ct_len 0x7f7f7f7f: rejected as EmptyWithLength (0x7f7f7f7f is
        // above 2^30 so use 0x007f7f7f... shown in decimal as 8355711)
        b"\x01\x01\x02\x01\x00\x00\x7f\x7f\x7fzzzzzzzzzzzz",
    ] {
        let encoded = bincode::serialize(&clear.to_vec()).unwrap();
        let err = bincode::deserialize::<Sealed<String, Fulfillment>>(&encoded).unwrap_err();
        let shown = err.to_string();
        for byte in ["127", "0x7f", "8355711"] {
            assert!(!shown.contains(byte), "{clear:?}: {shown}");
        }
    }
}
