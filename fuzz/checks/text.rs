//! Target `text`: taking a value in from outside, as text (`Sealed::from_text`) and as bytes
//! (`Sealed::from_bytes`), for several plaintext types and purpose sets, checked against
//! `Inspection` (which reads the same header another way).
//!
//! Never a panic, and what is accepted is consistent: a value parses as `T` exactly when
//! `Inspection` reads it as a `T`, keeps its bytes, has one text form (the one it came in with),
//! and parses as a typed purpose set exactly when its purposes are that set.

use fieldseal::{AnyPurposes, Inspection, Json, Plaintext, PurposeSet, Purposes, Result, Sealed};

use super::keys::{Fulfillment, Marketing};

/// One plaintext type's checks, on the bytes and on the text (when the input is UTF-8): whether
/// either parsed.
type Check = fn(&[u8], &Result<Inspection>, Option<(&str, &Result<Inspection>)>) -> bool;

/// Every plaintext type the target reads values as.
const TYPES: [Check; 9] = [
    as_type::<String>,
    as_type::<Vec<u8>>,
    as_type::<bool>,
    as_type::<u8>,
    as_type::<u64>,
    as_type::<u128>,
    as_type::<i64>,
    as_type::<i128>,
    as_type::<Json<serde_json::Value>>,
];

/// Reads `data` as a binary form and, if it is UTF-8, as a text form; whether it parsed.
pub(crate) fn check(data: &[u8]) -> bool {
    let inspected = Inspection::of_bytes(data);
    let text = std::str::from_utf8(data)
        .ok()
        .map(|text| (text, Inspection::of_text(text)));
    let mut parsed = false;
    for check in TYPES {
        parsed |= check(data, &inspected, text.as_ref().map(|(t, i)| (*t, i)));
    }
    parsed
}

fn as_type<T: Plaintext>(
    data: &[u8],
    inspected: &Result<Inspection>,
    text: Option<(&str, &Result<Inspection>)>,
) -> bool {
    let parsed = Sealed::<T, AnyPurposes>::from_bytes(data.to_vec());
    let mut ok = parsed.is_ok();
    agrees::<T>(&parsed, inspected, "the binary form");
    if let Ok(sealed) = &parsed {
        assert_eq!(sealed.as_bytes(), data, "a value keeps its bytes");
        let again = Sealed::<T, AnyPurposes>::from_text(&sealed.to_text())
            .expect("a value parses from its own text form");
        assert_eq!(&again, sealed, "the text form carries the same bytes");
        typed_sets::<T>(sealed);
    }
    if let Some((text, inspected)) = text {
        let parsed = Sealed::<T, AnyPurposes>::from_text(text);
        agrees::<T>(&parsed, inspected, "the text form");
        if let Ok(sealed) = &parsed {
            assert_eq!(sealed.to_text(), text, "a value has one text form");
        }
        ok |= parsed.is_ok();
    }
    ok
}

/// `Sealed::<T, _>` and `Inspection` accept the same values and read the same header.
fn agrees<T: Plaintext>(
    parsed: &Result<Sealed<T, AnyPurposes>>,
    inspected: &Result<Inspection>,
    form: &str,
) {
    match (parsed, inspected) {
        (Ok(sealed), Ok(seen)) => {
            assert_eq!(seen.plaintext_type, T::TYPE_NAME, "{form}: type");
            assert_eq!(seen.suite, sealed.suite(), "{form}: suite");
            let parts: Vec<(String, u32)> = sealed
                .key_versions()
                .into_iter()
                .map(|(p, v)| (p.name().to_owned(), v))
                .collect();
            assert_eq!(seen.parts, parts, "{form}: parts");
            let purposes: Vec<String> = sealed.purposes().iter().map(ToString::to_string).collect();
            let names: Vec<&String> = parts.iter().map(|(p, _)| p).collect();
            assert_eq!(
                purposes.iter().collect::<Vec<_>>(),
                names,
                "{form}: purposes"
            );
            let _ = format!("{sealed:?}");
        }
        (Ok(_), Err(e)) => panic!(
            "{form}: parsed as {}, but Inspection refused it: {e}",
            T::TYPE_NAME
        ),
        (Err(e), Ok(seen)) => assert_ne!(
            seen.plaintext_type,
            T::TYPE_NAME,
            "{form}: Inspection reads a {}, but it does not parse as one: {e}",
            T::TYPE_NAME
        ),
        (Err(e), Err(_)) => {
            let _ = (e.to_string(), format!("{e:?}"));
        }
    }
}

/// A value parses as a typed purpose set exactly when its purposes are that set.
fn typed_sets<T: Plaintext>(sealed: &Sealed<T, AnyPurposes>) {
    let names: Vec<String> = sealed.purposes().iter().map(ToString::to_string).collect();
    as_set::<T, Fulfillment>(sealed, &names, &["fulfillment"]);
    as_set::<T, (Fulfillment, Marketing)>(sealed, &names, &["fulfillment", "marketing"]);
}

fn as_set<T: Plaintext, Ps: PurposeSet + Purposes>(
    sealed: &Sealed<T, AnyPurposes>,
    names: &[String],
    set: &[&str],
) {
    let same = names.len() == set.len() && set.iter().all(|p| names.iter().any(|n| n == p));
    let typed = Sealed::<T, Ps>::from_bytes(sealed.as_bytes().to_vec());
    assert_eq!(
        typed.is_ok(),
        same,
        "purposes {names:?} read as the set {set:?}: {:?}",
        typed.err()
    );
}
