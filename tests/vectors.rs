//! FORMAT.md §12: the test vectors in `tests/vectors/`, opened twice: by the library, and by an
//! independent reader written from FORMAT.md alone against the raw primitives (hkdf, aes-gcm,
//! chacha20poly1305, base64), so that the document, not only the code, is tested.
//!
//! The vector files were written once by `write_vectors` below (`FIELDSEAL_WRITE_VECTORS=1 cargo
//! test --test vectors -- --ignored`); they are data now, and must keep opening forever.

use std::collections::BTreeMap;
use std::fs;
use std::path::{Path, PathBuf};
use std::time::SystemTime;

use fieldseal::{
    AnyPurposes, Context, DynPurpose, Error, Json, KeySet, Keyring, Malformed, Plaintext, Sealed,
    SecretKey, Suite,
};
use serde::{Deserialize, Serialize};
use zeroize::Zeroizing;

fn vectors_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/vectors")
}

/// One vector file: `key: value` lines.
struct Case {
    name: String,
    fields: BTreeMap<String, String>,
}

impl Case {
    fn get(&self, key: &str) -> &str {
        self.fields
            .get(key)
            .unwrap_or_else(|| panic!("{}: no `{key}` line", self.name))
    }

    fn hex(&self, key: &str) -> Vec<u8> {
        hex::decode(self.get(key))
            .unwrap_or_else(|e| panic!("{}: `{key}` is not hex: {e}", self.name))
    }

    fn suite(&self) -> Suite {
        match self.get("suite") {
            "aes-256-gcm" => Suite::Aes256Gcm,
            "xchacha20-poly1305" => Suite::XChaCha20Poly1305,
            other => panic!("{}: unknown suite {other}", self.name),
        }
    }

    fn root_version(&self) -> u32 {
        self.get("root_version").parse().unwrap()
    }
}

fn load_cases() -> Vec<Case> {
    let mut cases: Vec<Case> = fs::read_dir(vectors_dir())
        .expect("tests/vectors exists")
        .map(|entry| entry.unwrap().path())
        .filter(|p| p.extension().is_some_and(|e| e == "txt"))
        .map(|path| {
            let text = fs::read_to_string(&path).unwrap();
            let fields = text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(|l| {
                    let (k, v) = l
                        .split_once(':')
                        .unwrap_or_else(|| panic!("{}: bad line {l}", path.display()));
                    (k.trim().to_owned(), v.trim().to_owned())
                })
                .collect();
            Case {
                name: path.file_name().unwrap().to_string_lossy().into_owned(),
                fields,
            }
        })
        .collect();
    cases.sort_by(|a, b| a.name.cmp(&b.name));
    cases
}

fn keyring_of(case: &Case) -> Keyring {
    let root: [u8; 32] = case.hex("root_key").try_into().unwrap();
    Keyring::with_root(
        case.suite(),
        case.root_version(),
        SecretKey::from_bytes(Zeroizing::new(root)),
        SystemTime::UNIX_EPOCH,
    )
    .unwrap()
}

fn context_of(case: &Case) -> (String, String, Vec<u8>) {
    (
        case.get("record").to_owned(),
        case.get("field").to_owned(),
        case.hex("id"),
    )
}

/// Opens with the library as type `T`, returning the payload re-encoded as FORMAT.md §8 bytes.
fn library_open<T: Plaintext>(
    case: &Case,
    encode: impl Fn(&T) -> Vec<u8>,
) -> Result<Vec<u8>, Error> {
    let keyring = keyring_of(case);
    let purpose = DynPurpose::new(case.get("purpose")).unwrap();
    let mut keys = KeySet::new();
    keys.insert(keyring.dyn_purpose_key(&purpose));
    let (record, field, id) = context_of(case);
    let ctx = Context::new(&record, &field).with_id(&id);
    let sealed = Sealed::<T, AnyPurposes>::from_text(case.get("value"))?;
    keys.open_dyn(&sealed, &purpose, &ctx).map(|v| encode(&v))
}

/// An address, the serde type of the JSON vectors.
#[derive(Serialize, Deserialize, Debug, PartialEq, Clone)]
struct Address {
    street: String,
    city: String,
    postcode: String,
    country: String,
}

fn library_open_any(case: &Case) -> Result<Vec<u8>, Error> {
    match case.get("type") {
        "String" => library_open::<String>(case, |v| v.as_bytes().to_vec()),
        "Vec<u8>" => library_open::<Vec<u8>>(case, Clone::clone),
        "u16" => library_open::<u16>(case, |v| v.to_be_bytes().to_vec()),
        "i64" => library_open::<i64>(case, |v| v.to_be_bytes().to_vec()),
        "bool" => library_open::<bool>(case, |v| vec![u8::from(*v)]),
        "Json" => library_open::<Json<Address>>(case, |v| serde_json::to_vec(&v.0).unwrap()),
        other => panic!("{}: unknown type {other}", case.name),
    }
}

#[test]
fn vectors_open_with_the_library() {
    let cases = load_cases();
    assert!(cases.len() >= 10, "only {} vector files", cases.len());
    for case in &cases {
        let got = library_open_any(case);
        let name = &case.name;
        match (case.get("expect"), got) {
            ("open", Ok(payload)) => {
                assert_eq!(hex::encode(payload), case.get("plaintext"), "{name}");
            }
            (
                "not-sealed-for",
                Err(Error::NotSealedFor {
                    purpose,
                    sealed_for,
                }),
            ) => {
                assert_eq!(purpose, case.get("purpose"), "{name}");
                assert!(!sealed_for.is_empty(), "{name}");
            }
            ("cannot-open", Err(Error::CannotOpen))
            | ("unknown-suite", Err(Error::UnknownSuite { .. }))
            | ("malformed", Err(Error::Malformed(Malformed::Truncated { .. }))) => {}
            (
                "unknown-version",
                Err(Error::UnknownVersion {
                    found,
                    supported: 1,
                }),
            ) => {
                assert_ne!(found, 1, "{name}");
            }
            (expect, got) => panic!("{name}: expected {expect}, got {got:?}"),
        }
        if let Some(expected) = case.fields.get("purpose_key") {
            let keyring = keyring_of(case);
            let key = keyring.dyn_purpose_key(&DynPurpose::new(case.get("purpose")).unwrap());
            let exported = key.dangerous_export_version(case.root_version()).unwrap();
            assert_eq!(&hex::encode(*exported), expected, "{name}: purpose key");
        }
    }
}

/// The independent reader: FORMAT.md §2-§9 over the raw primitives, sharing no code with
/// fieldseal.
mod independent {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use base64::Engine as _;
    use hkdf::Hkdf;
    use sha2::Sha256;

    pub(crate) struct Opened {
        pub(crate) purpose_key: [u8; 32],
        pub(crate) aead_key: [u8; 32],
        pub(crate) result: Result<(u8, Vec<u8>), &'static str>,
    }

    fn lp(x: &[u8]) -> Vec<u8> {
        let mut out = u32::try_from(x.len()).unwrap().to_be_bytes().to_vec();
        out.extend_from_slice(x);
        out
    }

    fn lp16(x: &[u8]) -> Vec<u8> {
        let mut out = u16::try_from(x.len()).unwrap().to_be_bytes().to_vec();
        out.extend_from_slice(x);
        out
    }

    /// §4.1.
    pub(crate) fn purpose_key(root: &[u8], name: &str, version: u32) -> [u8; 32] {
        let mut info = b"fieldseal/v1/purpose".to_vec();
        info.extend(lp(name.as_bytes()));
        info.extend(version.to_be_bytes());
        let mut pk = [0u8; 32];
        Hkdf::<Sha256>::new(Some(b"fieldseal/v1/root"), root)
            .expand(&info, &mut pk)
            .unwrap();
        pk
    }

    fn expand(prk: &[u8; 32], info: &[u8]) -> [u8; 32] {
        let mut out = [0u8; 32];
        Hkdf::<Sha256>::from_prk(prk)
            .unwrap()
            .expand(info, &mut out)
            .unwrap();
        out
    }

    /// §9, steps 1 to 6, with a 1-root-version key set.
    pub(crate) fn open(
        text: &str,
        purpose: &str,
        root: &[u8],
        root_version: u32,
        (record, field, id): (&str, &str, &[u8]),
    ) -> Option<Opened> {
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text.strip_prefix("fs1:")?)
            .ok()?;
        // §2, with every length checked.
        let take = |at: &mut usize, n: usize| -> Option<&[u8]> {
            let out = bytes.get(*at..*at + n)?;
            *at += n;
            Some(out)
        };
        let mut at = 0;
        let head = take(&mut at, 8)?;
        let (version, suite, ty, count) = (head[0], head[1], head[2], head[3]);
        if version != 1 || !(suite == 1 || suite == 2) || !matches!(ty, 0x01..=0x0d | 0x10) {
            return None;
        }
        let ct_len = u32::from_be_bytes(head[4..8].try_into().unwrap()) as usize;
        let nonce_len = if suite == 1 { 20 } else { 24 };
        let mut found = None;
        for _ in 0..count {
            let name_len = take(&mut at, 1)?[0] as usize;
            let name = take(&mut at, name_len)?.to_vec();
            let key_version = u32::from_be_bytes(take(&mut at, 4)?.try_into().unwrap());
            let nonce = take(&mut at, nonce_len)?.to_vec();
            let sealed = take(&mut at, ct_len + 16)?.to_vec();
            if name == purpose.as_bytes() {
                found = Some((key_version, nonce, sealed));
            }
        }
        if at != bytes.len() {
            return None;
        }
        let (key_version, nonce, sealed) = found?;
        assert_eq!(key_version, root_version, "vectors use one root version");
        let pk = purpose_key(root, purpose, key_version);
        // §6.
        let mut aad = vec![version, suite, ty];
        aad.extend(lp16(purpose.as_bytes()));
        aad.extend(key_version.to_be_bytes());
        aad.extend(lp16(record.as_bytes()));
        aad.extend(lp16(field.as_bytes()));
        aad.extend(lp16(id));
        let payload = Payload {
            msg: &sealed,
            aad: &aad,
        };
        // §4.2 / §4.3 and §5.
        let (aead_key, opened) = if suite == 1 {
            let mut info = b"fieldseal/v1/aes-256-gcm/epoch".to_vec();
            info.extend_from_slice(&nonce[..8]);
            let key = expand(&pk, &info);
            let cipher = aes_gcm::Aes256Gcm::new_from_slice(&key).unwrap();
            (
                key,
                cipher.decrypt(aes_gcm::Nonce::from_slice(&nonce[8..]), payload),
            )
        } else {
            let key = expand(&pk, b"fieldseal/v1/xchacha20-poly1305");
            let cipher = chacha20poly1305::XChaCha20Poly1305::new_from_slice(&key).unwrap();
            (
                key,
                cipher.decrypt(chacha20poly1305::XNonce::from_slice(&nonce), payload),
            )
        };
        // §8.
        let result = opened
            .map(|plaintext| (ty, plaintext))
            .map_err(|_| "cannot open");
        Some(Opened {
            purpose_key: pk,
            aead_key,
            result,
        })
    }
}

#[test]
fn vectors_open_with_an_independent_reader() {
    let mut opened = 0;
    for case in load_cases() {
        let name = &case.name;
        let (record, field, id) = context_of(&case);
        let result = independent::open(
            case.get("value"),
            case.get("purpose"),
            &case.hex("root_key"),
            case.root_version(),
            (&record, &field, &id),
        );
        match case.get("expect") {
            "open" => {
                let got = result.unwrap_or_else(|| panic!("{name}: independent reader failed"));
                assert_eq!(
                    hex::encode(got.purpose_key),
                    case.get("purpose_key"),
                    "{name}"
                );
                assert_eq!(hex::encode(got.aead_key), case.get("aead_key"), "{name}");
                let (ty, payload) = got.result.unwrap_or_else(|e| panic!("{name}: {e}"));
                let expected_ty = match case.get("type") {
                    "String" => 0x01,
                    "Vec<u8>" => 0x02,
                    "bool" => 0x03,
                    "u16" => 0x05,
                    "i64" => 0x0c,
                    "Json" => 0x10,
                    other => panic!("{other}"),
                };
                assert_eq!(ty, expected_ty, "{name}: type byte");
                assert_eq!(hex::encode(payload), case.get("plaintext"), "{name}");
                opened += 1;
            }
            "cannot-open" => {
                let got = result.unwrap_or_else(|| panic!("{name}: should parse"));
                assert!(got.result.is_err(), "{name}");
            }
            _ => assert!(result.is_none(), "{name}: should not open"),
        }
    }
    assert!(opened >= 6, "only {opened} positive vectors");
}

/// Writes the vector files. Run once, by hand; the files are then fixed data.
#[test]
#[ignore = "writes tests/vectors; run by hand with FIELDSEAL_WRITE_VECTORS=1"]
fn write_vectors() {
    assert!(
        std::env::var_os("FIELDSEAL_WRITE_VECTORS").is_some(),
        "this rewrites tests/vectors/*.txt with fresh random nonces; set FIELDSEAL_WRITE_VECTORS=1 \
         to mean it, then update FORMAT.md if the format changed"
    );
    generator::write_all(&vectors_dir());
}

#[allow(clippy::format_push_string, clippy::too_many_lines)] // a one-off writer of data files
mod generator {
    use super::{Address, independent};
    use fieldseal::{
        AnyPurposes, Context, DynPurpose, Json, KeySet, Keyring, Plaintext, Sealed, SecretKey,
        Suite,
    };
    use std::path::Path;
    use std::time::SystemTime;
    use zeroize::Zeroizing;

    struct Spec<'a> {
        file: &'a str,
        comment: &'a str,
        suite: Suite,
        root: [u8; 32],
        version: u32,
        sealed_for: &'a [&'a str],
        open_as: &'a str,
        context: (&'a str, &'a str, &'a [u8]),
        open_context: Option<(&'a str, &'a str, &'a [u8])>,
    }

    fn suite_name(s: Suite) -> &'static str {
        match s {
            Suite::XChaCha20Poly1305 => "xchacha20-poly1305",
            _ => "aes-256-gcm",
        }
    }

    fn write<T: Plaintext>(
        dir: &Path,
        spec: &Spec<'_>,
        ty: &str,
        value: &T,
        payload: &[u8],
        expect: &str,
        mangle: impl Fn(Vec<u8>) -> Vec<u8>,
    ) {
        let keyring = Keyring::with_root(
            spec.suite,
            spec.version,
            SecretKey::from_bytes(Zeroizing::new(spec.root)),
            SystemTime::UNIX_EPOCH,
        )
        .unwrap();
        let purposes: Vec<DynPurpose> = spec
            .sealed_for
            .iter()
            .map(|p| DynPurpose::new(p).unwrap())
            .collect();
        let keys = KeySet::from_keyring(&keyring, &purposes);
        let (record, field, id) = spec.context;
        let sealed: Sealed<T, AnyPurposes> = keys
            .seal_dyn(&purposes, value, &Context::new(record, field).with_id(id))
            .unwrap();
        let bytes = mangle(sealed.into_bytes());
        let text = format!(
            "fs1:{}",
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, &bytes)
        );
        let (orecord, ofield, oid) = spec.open_context.unwrap_or(spec.context);
        let mut out = format!(
            "comment: {}\nexpect: {expect}\nsuite: {}\nroot_key: {}\nroot_version: {}\npurpose: {}\n",
            spec.comment,
            suite_name(spec.suite),
            hex::encode(spec.root),
            spec.version,
            spec.open_as
        );
        let opened = independent::open(
            &text,
            spec.open_as,
            &spec.root,
            spec.version,
            (orecord, ofield, oid),
        );
        if let Some(opened) = opened.filter(|_| expect == "open") {
            out += &format!(
                "purpose_key: {}\naead_key: {}\n",
                hex::encode(opened.purpose_key),
                hex::encode(opened.aead_key)
            );
        }
        out += &format!(
            "record: {orecord}\nfield: {ofield}\nid: {}\ntype: {ty}\nplaintext: {}\nvalue: {text}\n",
            hex::encode(oid),
            hex::encode(payload)
        );
        std::fs::write(dir.join(spec.file), out).unwrap();
    }

    pub(super) fn write_all(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        let id42 = 42u64.to_be_bytes();
        let id43 = 43u64.to_be_bytes();
        let uuid = 0x0b7e_5c1a_5d4e_4a8e_9f1b_2c3d_4e5f_6a7b_u128.to_be_bytes();
        let base = |root, file, comment, suite, sealed_for, open_as, context| Spec {
            file,
            comment,
            suite,
            root,
            version: 1,
            sealed_for,
            open_as,
            context,
            open_context: None,
        };
        let root_a: [u8; 32] = core::array::from_fn(|i| i as u8);
        let root_b: [u8; 32] = core::array::from_fn(|i| 0xff - i as u8);
        let same = |v: Vec<u8>| v;

        let name = "Ada Lovelace".to_string();
        let s = base(
            root_a,
            "01-aes-one-purpose-string.txt",
            "AES-256-GCM, one purpose, a String name bound to customer 42",
            Suite::Aes256Gcm,
            &["fulfillment"],
            "fulfillment",
            ("customer", "name", &id42),
        );
        write(dir, &s, "String", &name, name.as_bytes(), "open", same);

        let email = "ada@example.com".to_string();
        let s = base(
            root_a,
            "02-aes-three-purposes-string.txt",
            "AES-256-GCM, three purposes, opened as the second (marketing)",
            Suite::Aes256Gcm,
            &["fulfillment", "marketing", "analytics"],
            "marketing",
            ("customer", "email", &id42),
        );
        write(dir, &s, "String", &email, email.as_bytes(), "open", same);

        let s = base(
            root_b,
            "03-xchacha-one-purpose-u16.txt",
            "XChaCha20-Poly1305, one purpose, a u16 birth year",
            Suite::XChaCha20Poly1305,
            &["analytics"],
            "analytics",
            ("customer", "birth_year", &id42),
        );
        write(
            dir,
            &s,
            "u16",
            &1815u16,
            &1815u16.to_be_bytes(),
            "open",
            same,
        );

        let address = Address {
            street: "12 St James's Square".into(),
            city: "London".into(),
            postcode: "SW1Y 4JH".into(),
            country: "GB".into(),
        };
        let s = base(
            root_b,
            "04-xchacha-two-purposes-json.txt",
            "XChaCha20-Poly1305, two purposes, a JSON address bound to a UUID id, opened as fulfillment",
            Suite::XChaCha20Poly1305,
            &["fulfillment", "third-party:acme"],
            "fulfillment",
            ("order", "shipping_address", &uuid),
        );
        write(
            dir,
            &s,
            "Json",
            &Json(address.clone()),
            &serde_json::to_vec(&address).unwrap(),
            "open",
            same,
        );

        let bytes = vec![0u8, 1, 2, 0xfe, 0xff];
        let mut s = base(
            root_b,
            "05-aes-bytes-no-id-version-3.txt",
            "AES-256-GCM, bytes, no id bound, root key version 3",
            Suite::Aes256Gcm,
            &["support"],
            "support",
            ("survey", "answers", &[]),
        );
        s.version = 3;
        write(dir, &s, "Vec<u8>", &bytes, &bytes, "open", same);

        let s = base(
            root_a,
            "06-xchacha-three-purposes-i64.txt",
            "XChaCha20-Poly1305, three purposes, a negative i64, opened as the third",
            Suite::XChaCha20Poly1305,
            &["fulfillment", "support", "marketing"],
            "marketing",
            ("customer", "balance_cents", &id42),
        );
        write(
            dir,
            &s,
            "i64",
            &-1234i64,
            &(-1234i64).to_be_bytes(),
            "open",
            same,
        );

        let s = base(
            root_a,
            "07-aes-bool-string-id.txt",
            "AES-256-GCM, a bool bound to a string id",
            Suite::Aes256Gcm,
            &["marketing"],
            "marketing",
            ("customer", "newsletter", b"cust-0042"),
        );
        write(dir, &s, "bool", &true, &[1], "open", same);

        let s = base(
            root_a,
            "08-not-sealed-for.txt",
            "sealed for fulfillment only; marketing must get not-sealed-for, naming fulfillment",
            Suite::Aes256Gcm,
            &["fulfillment"],
            "marketing",
            ("customer", "name", &id42),
        );
        write(
            dir,
            &s,
            "String",
            &name,
            name.as_bytes(),
            "not-sealed-for",
            same,
        );

        let mut s = base(
            root_a,
            "09-cannot-open-other-record.txt",
            "sealed for customer 42, opened as customer 43: the context differs, so it must not open",
            Suite::Aes256Gcm,
            &["fulfillment"],
            "fulfillment",
            ("customer", "name", &id42),
        );
        s.open_context = Some(("customer", "name", &id43));
        write(
            dir,
            &s,
            "String",
            &name,
            name.as_bytes(),
            "cannot-open",
            same,
        );

        let s = base(
            root_a,
            "10-unknown-version.txt",
            "version byte 0x02: readers of version 1 must reject it and name the version",
            Suite::Aes256Gcm,
            &["fulfillment"],
            "fulfillment",
            ("customer", "name", &id42),
        );
        write(
            dir,
            &s,
            "String",
            &name,
            name.as_bytes(),
            "unknown-version",
            |mut v| {
                v[0] = 2;
                v
            },
        );

        let s = base(
            root_b,
            "11-unknown-suite.txt",
            "suite id 0x07: readers must reject it and name the id",
            Suite::XChaCha20Poly1305,
            &["fulfillment"],
            "fulfillment",
            ("customer", "name", &id42),
        );
        write(
            dir,
            &s,
            "String",
            &name,
            name.as_bytes(),
            "unknown-suite",
            |mut v| {
                v[1] = 7;
                v
            },
        );

        let s = base(
            root_a,
            "12-truncated.txt",
            "the last byte of the tag is missing: malformed (truncated)",
            Suite::Aes256Gcm,
            &["fulfillment"],
            "fulfillment",
            ("customer", "name", &id42),
        );
        write(
            dir,
            &s,
            "String",
            &name,
            name.as_bytes(),
            "malformed",
            |mut v| {
                v.pop();
                v
            },
        );
    }
}
