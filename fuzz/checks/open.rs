//! Target `open`: opening and re-sealing arbitrary bytes with fixed keys in a fixed context.
//!
//! Never a panic; never a plaintext that was not sealed: nobody but [`genuine_values`] ever sealed
//! under the fixed keys in [`ctx`], so whatever opens must open to one of its plaintexts, and
//! nothing opens in another context or with another keyring's key. A value that re-seals moves to
//! the active version, keeps its purposes and plaintext, and re-sealing it again does nothing.
//! No error shows a plaintext.

use std::fmt::Debug;

use fieldseal::{AnyPurposes, DynPurpose, Json, KeySet, Plaintext, Sealed, Suite};
use serde_json::Value;

use super::keys::{FIXED, PURPOSES, ctx, key_set, keyring, other_ctx};

/// Every string sealed in [`ctx`] under the fixed keys.
const STRINGS: [&str; 3] = ["Ada Lovelace", "", "Zoë 🦀 \u{0}"];
/// Every byte string sealed so.
const BYTES: [&[u8]; 2] = [b"\x00\x01\xfe\xff", b""];
/// Every `u64` sealed so.
const U64S: [u64; 2] = [42, u64::MAX];
/// Every `i64` sealed so.
const I64S: [i64; 2] = [-7, i64::MIN];
/// The one JSON document sealed so.
const JSON: &str = r#"{"city":"Springfield","lines":["1 Main St",null,1.5]}"#;

fn json() -> Json<Value> {
    Json(serde_json::from_str(JSON).expect("valid JSON"))
}

/// Opens `data` as every type a genuine value has; whether any purpose's copy opened.
pub(crate) fn check(data: &[u8]) -> bool {
    open_as(data, || STRINGS.map(str::to_owned).to_vec())
        | open_as(data, || BYTES.map(<[u8]>::to_vec).to_vec())
        | open_as(data, || U64S.to_vec())
        | open_as(data, || I64S.to_vec())
        | open_as(data, || vec![true])
        | open_as(data, || vec![json()])
}

fn open_as<T: Plaintext + PartialEq + Debug>(data: &[u8], known: impl Fn() -> Vec<T>) -> bool {
    let Ok(sealed) = Sealed::<T, AnyPurposes>::from_bytes(data.to_vec()) else {
        return false;
    };
    let fixed = &*FIXED;
    let mut opened = false;
    for (key, stranger) in fixed.purpose_keys.iter().zip(&fixed.strangers) {
        match sealed.open_dyn(key, &ctx()) {
            Ok(value) => {
                assert!(
                    known().contains(&value),
                    "opened to a {} nobody sealed: {value:?}",
                    T::TYPE_NAME
                );
                opened = true;
            }
            Err(e) => no_plaintext(&e),
        }
        assert!(
            sealed.open_dyn(key, &other_ctx()).is_err(),
            "opened in a context it was not sealed in"
        );
        assert!(
            sealed.open_dyn(stranger, &ctx()).is_err(),
            "opened with another keyring's key"
        );
    }
    reseal(&sealed);
    opened
}

/// Re-sealing with the fixed keys (version 2 active, AES-256-GCM).
fn reseal<T: Plaintext + PartialEq + Debug>(sealed: &Sealed<T, AnyPurposes>) {
    let keys = &FIXED.keys;
    let current = |s: &Sealed<T, AnyPurposes>| {
        s.suite() == Suite::Aes256Gcm && s.key_versions().iter().all(|(_, v)| *v == 2)
    };
    match keys.reseal(sealed, &ctx()) {
        Ok(Some(new)) => {
            assert!(
                current(&new),
                "a re-sealed value is under the active version"
            );
            assert_eq!(
                new.purposes(),
                sealed.purposes(),
                "re-sealing keeps the purposes"
            );
            for purpose in new.purposes() {
                let key = keys
                    .get(purpose.name())
                    .expect("re-sealing needed every key");
                let before = sealed
                    .open_dyn(key, &ctx())
                    .expect("re-sealing opened every part");
                let after = new.open_dyn(key, &ctx()).expect("a re-sealed value opens");
                assert_eq!(after, before, "re-sealing keeps the plaintext");
            }
            assert!(
                matches!(keys.reseal(&new, &ctx()), Ok(None)),
                "a re-sealed value is current"
            );
        }
        Ok(None) => assert!(current(sealed), "only a current value is left as it is"),
        Err(e) => no_plaintext(&e),
    }
    assert!(
        !matches!(keys.reseal(sealed, &other_ctx()), Ok(Some(_))),
        "re-sealed in a context it was not sealed in"
    );
}

/// An error never shows a plaintext, in `Display` or `Debug`: here, none of the known plaintexts
/// (which only decryption could have put there), in any form an error could quote one.
fn no_plaintext(error: &fieldseal::Error) {
    for shown in [error.to_string(), format!("{error:?}")] {
        for plaintext in plaintext_forms() {
            assert!(
                !shown.contains(&plaintext),
                "an error shows a plaintext ({plaintext:?}): {shown}"
            );
        }
    }
}

/// Every known plaintext as an error could quote it: strings as they are and as `Debug` escapes
/// them, the JSON document's strings and numbers, bytes in hex and as `Debug` prints them, and the
/// integers too long to appear by chance. Left out: forms of two characters or fewer, which occur
/// in any message, and forms that could be a purpose name (lower-case ASCII letters, digits, `-`
/// and `:`), which errors show by design and the fuzzer writes into headers (a purpose named
/// `ful0001feff` is not the bytes plaintext leaking).
fn plaintext_forms() -> Vec<String> {
    let mut forms = Vec::new();
    for s in STRINGS {
        forms.push(s.to_owned());
        let debug = format!("{s:?}");
        forms.push(debug.trim_matches('"').to_owned());
    }
    forms.extend(
        ["Springfield", "1 Main St", "1.5", JSON]
            .iter()
            .map(|s| (*s).to_owned()),
    );
    for bytes in BYTES {
        forms.push(bytes.iter().fold(String::new(), |mut hex, b| {
            use std::fmt::Write as _;
            let _ = write!(hex, "{b:02x}");
            hex
        }));
        forms.push(format!("{bytes:?}").trim_matches(['[', ']']).to_owned());
    }
    forms.extend(U64S.iter().map(u64::to_string));
    forms.extend(I64S.iter().map(i64::to_string));
    let could_be_a_name = |form: &str| {
        form.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-' || b == b':')
    };
    forms.retain(|form| form.len() > 2 && !could_be_a_name(form));
    forms
}

/// Values sealed under the fixed keys in [`ctx`]: every known plaintext, in both suites, under
/// versions 1 and 2, for one purpose, the other, or both in either order. Binary forms.
pub(crate) fn genuine_values() -> Vec<(String, Vec<u8>)> {
    let sets: [&[&str]; 4] = [
        &[PURPOSES[0]],
        &[PURPOSES[1]],
        &PURPOSES,
        &[PURPOSES[1], PURPOSES[0]],
    ];
    let mut out = Vec::new();
    let mut n = 0;
    for suite in Suite::ALL {
        for version in [1, 2] {
            let keys = key_set(&keyring(suite, version));
            let mut seal = |name: &str, seal: &dyn Fn(&KeySet, &[DynPurpose]) -> Vec<u8>| {
                let set: Vec<DynPurpose> = sets[n % sets.len()]
                    .iter()
                    .map(|p| DynPurpose::new(p).expect("a valid purpose name"))
                    .collect();
                n += 1;
                out.push((
                    format!("genuine-{name}-{}-v{version}-{n}", suite.name()),
                    seal(&keys, &set),
                ));
            };
            for s in STRINGS {
                seal("string", &|k, p| seal_dyn::<String, _>(k, p, s));
            }
            for b in BYTES {
                seal("bytes", &|k, p| seal_dyn::<Vec<u8>, _>(k, p, b));
            }
            for u in U64S {
                seal("u64", &|k, p| seal_dyn::<u64, _>(k, p, &u));
            }
            for i in I64S {
                seal("i64", &|k, p| seal_dyn::<i64, _>(k, p, &i));
            }
            seal("bool", &|k, p| seal_dyn::<bool, _>(k, p, &true));
            seal("json", &|k, p| seal_dyn::<Json<Value>, _>(k, p, &json()));
        }
    }
    out
}

fn seal_dyn<T: Plaintext, V: fieldseal::AsPlaintext<T> + ?Sized>(
    keys: &KeySet,
    purposes: &[DynPurpose],
    value: &V,
) -> Vec<u8> {
    keys.seal_dyn::<T>(purposes, value, &ctx())
        .expect("the fixed keys seal")
        .into_bytes()
}

#[cfg(test)]
mod tests {
    use std::panic::{AssertUnwindSafe, catch_unwind};

    use super::no_plaintext;

    /// The check catches every form of a known plaintext an error could quote (it looked for two
    /// strings only, as they are, and let the JSON document, bytes, integers and `Debug` escapes
    /// through).
    #[test]
    fn no_plaintext_catches_every_known_plaintext_an_error_could_quote() {
        let leaks = [
            r#"invalid type: string "Springfield", expected u32"#.to_owned(),
            r#"invalid type: string "1 Main St", expected u32"#.to_owned(),
            format!("{:?}", "Zoë 🦀 \u{0}"),
            format!("bytes {:?}", b"\x00\x01\xfe\xff"),
            "invalid type: floating point `1.5`, expected a string".to_owned(),
        ];
        let missed: Vec<&String> = leaks
            .iter()
            .filter(|reason| {
                let error = fieldseal::Error::PlaintextEncoding {
                    ty: "JSON",
                    reason: (*reason).clone(),
                };
                catch_unwind(AssertUnwindSafe(|| no_plaintext(&error))).is_ok()
            })
            .collect();
        assert!(
            missed.is_empty(),
            "no_plaintext let these through: {missed:?}"
        );
        // And an error that quotes none passes, nor one naming a purpose the fuzzer wrote.
        no_plaintext(&fieldseal::Error::CannotOpen { hint: None });
        no_plaintext(&fieldseal::Error::NotSealedFor {
            purpose: "fulfillment".to_owned(),
            sealed_for: vec!["ful0001feff".to_owned(), "18446744073709551615".to_owned()],
        });
    }
}
