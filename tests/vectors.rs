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
    AnyPurposes, Context, DynPurpose, Error, Json, KeySet, Keyring, Plaintext, Sealed, SecretKey,
    Suite,
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
        "u64" => library_open::<u64>(case, |v| v.to_be_bytes().to_vec()),
        "i64" => library_open::<i64>(case, |v| v.to_be_bytes().to_vec()),
        "bool" => library_open::<bool>(case, |v| vec![u8::from(*v)]),
        "Json" => library_open::<Json<Address>>(case, |v| serde_json::to_vec(&v.0).unwrap()),
        other => panic!("{}: unknown type {other}", case.name),
    }
}

/// The `expect:` name of a library error (FORMAT.md §12).
fn expect_name(error: &Error) -> &'static str {
    match error {
        Error::CannotOpen => "cannot-open",
        Error::NotSealedFor { .. } => "not-sealed-for",
        Error::UnknownVersion { .. } => "unknown-version",
        Error::UnknownSuite { .. } => "unknown-suite",
        Error::UnknownMode { .. } => "unknown-mode",
        Error::UnknownPlaintextType { .. } => "unknown-type",
        Error::TypeMismatch { .. } => "type-mismatch",
        Error::Malformed(_) => "malformed",
        Error::EmptyContext { .. } | Error::ContextTooLong { .. } => "bad-context",
        Error::PlaintextEncoding { .. } => "bad-plaintext",
        other => panic!("no vector expects {other:?}"),
    }
}

#[test]
fn vectors_open_with_the_library() {
    let cases = load_cases();
    assert!(cases.len() >= 25, "only {} vector files", cases.len());
    for case in &cases {
        let got = library_open_any(case);
        let name = &case.name;
        match (case.get("expect"), got) {
            ("open", Ok(payload)) => {
                assert_eq!(hex::encode(payload), case.get("plaintext"), "{name}");
            }
            ("open", Err(e)) => panic!("{name}: expected open, got {e:?}"),
            (expect, Ok(_)) => panic!("{name}: expected {expect}, but it opened"),
            (expect, Err(e)) => {
                assert_eq!(expect_name(&e), expect, "{name}: {e:?}");
                if let Error::NotSealedFor {
                    purpose,
                    sealed_for,
                } = &e
                {
                    assert_eq!(purpose, case.get("purpose"), "{name}");
                    assert!(!sealed_for.is_empty(), "{name}");
                }
                if let Error::UnknownVersion { found, supported } = e {
                    assert_eq!(supported, 1, "{name}");
                    assert_ne!(found, 1, "{name}");
                }
            }
        }
        if let Some(expected) = case.fields.get("purpose_key") {
            let keyring = keyring_of(case);
            let key = keyring.dyn_purpose_key(&DynPurpose::new(case.get("purpose")).unwrap());
            let exported = key.dangerous_export_version(case.root_version()).unwrap();
            assert_eq!(&hex::encode(*exported), expected, "{name}: purpose key");
        }
    }
}

/// Every plaintext type and both suites, sealed by the library with fresh random nonces and opened
/// by the independent reader: the vectors fix a few values, this checks many.
#[test]
fn values_the_library_seals_open_with_the_independent_reader() {
    let root: [u8; 32] = core::array::from_fn(|i| (i * 7) as u8);
    for suite in [Suite::Aes256Gcm, Suite::XChaCha20Poly1305] {
        let keyring = Keyring::with_root(
            suite,
            1,
            SecretKey::from_bytes(Zeroizing::new(root)),
            SystemTime::UNIX_EPOCH,
        )
        .unwrap();
        let purposes: Vec<DynPurpose> = ["fulfillment", "marketing", "third-party:acme"]
            .iter()
            .map(|p| DynPurpose::new(p).unwrap())
            .collect();
        let keys = KeySet::from_keyring(&keyring, &purposes);
        let id = 7u64;
        let ctx = Context::new("Customer", "billing.street").with_id_int(id);
        let spec_ctx = (
            "Customer",
            "billing.street",
            &u128::from(id).to_be_bytes()[..],
        );
        let cases: Vec<(u8, String, Vec<u8>)> = vec![
            (
                0x01,
                seal(&keys, &purposes, &"ünïcode".to_owned(), &ctx),
                "ünïcode".as_bytes().to_vec(),
            ),
            (
                0x02,
                seal(&keys, &purposes, &vec![0u8, 255], &ctx),
                vec![0, 255],
            ),
            (0x03, seal(&keys, &purposes, &false, &ctx), vec![0]),
            (0x04, seal(&keys, &purposes, &9u8, &ctx), vec![9]),
            (
                0x08,
                seal(&keys, &purposes, &u128::MAX, &ctx),
                vec![0xff; 16],
            ),
            (
                0x0b,
                seal(&keys, &purposes, &-2i32, &ctx),
                (-2i32).to_be_bytes().to_vec(),
            ),
            (
                0x10,
                seal(&keys, &purposes, &Json(vec![1, 2]), &ctx),
                b"[1,2]".to_vec(),
            ),
        ];
        for (type_byte, text, payload) in cases {
            for purpose in &purposes {
                let opened =
                    independent::open(&text, purpose.name(), &root, 1, spec_ctx, type_byte)
                        .unwrap_or_else(|e| panic!("{suite:?} {type_byte:#04x} {purpose}: {e}"));
                assert_eq!(opened.payload, payload);
            }
        }
    }
}

fn seal<T: Plaintext>(
    keys: &KeySet,
    purposes: &[DynPurpose],
    value: &T,
    ctx: &Context<'_>,
) -> String {
    keys.seal_dyn::<T>(purposes, value, ctx).unwrap().to_text()
}

/// The independent reader and writer: FORMAT.md §2-§9 over the raw primitives, sharing no code
/// with fieldseal.
mod independent {
    use aes_gcm::aead::{Aead, KeyInit, Payload};
    use base64::Engine as _;
    use hkdf::Hkdf;
    use sha2::Sha256;

    pub(crate) struct Opened {
        pub(crate) purpose_key: [u8; 32],
        pub(crate) aead_key: [u8; 32],
        pub(crate) payload: Vec<u8>,
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

    /// §4.2 / §4.3: the AEAD key of a part.
    fn aead_key(suite: u8, pk: &[u8; 32], epoch: &[u8]) -> [u8; 32] {
        if suite == 1 {
            let mut info = b"fieldseal/v1/aes-256-gcm/epoch".to_vec();
            info.extend_from_slice(epoch);
            expand(pk, &info)
        } else {
            expand(pk, b"fieldseal/v1/xchacha20-poly1305")
        }
    }

    /// §6.
    fn aad(
        head: [u8; 4],
        purpose: &str,
        key_version: u32,
        (record, field, id): (&str, &str, &[u8]),
    ) -> Vec<u8> {
        let mut aad = head.to_vec();
        aad.extend(lp16(purpose.as_bytes()));
        aad.extend(key_version.to_be_bytes());
        aad.extend(lp16(record.as_bytes()));
        aad.extend(lp16(field.as_bytes()));
        aad.extend(lp16(id));
        aad
    }

    /// §3: value nonce and part epoch lengths.
    fn lengths(suite: u8) -> (usize, usize) {
        if suite == 1 { (12, 8) } else { (24, 0) }
    }

    /// §8: the payload width of a fixed-width type.
    fn fixed_width(ty: u8) -> Option<usize> {
        match ty {
            0x03 | 0x04 | 0x09 => Some(1),
            0x05 | 0x0a => Some(2),
            0x06 | 0x0b => Some(4),
            0x07 | 0x0c => Some(8),
            0x08 | 0x0d => Some(16),
            _ => None,
        }
    }

    fn valid_purpose(name: &[u8]) -> bool {
        (1..=64).contains(&name.len())
            && name
                .iter()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || *c == b'-' || *c == b':')
    }

    /// §5: the AEAD, `None` when it does not authenticate.
    fn decrypt(
        suite: u8,
        key: &[u8; 32],
        nonce: &[u8],
        sealed: &[u8],
        aad: &[u8],
    ) -> Option<Vec<u8>> {
        let payload = Payload { msg: sealed, aad };
        if suite == 1 {
            aes_gcm::Aes256Gcm::new_from_slice(key)
                .unwrap()
                .decrypt(aes_gcm::Nonce::from_slice(nonce), payload)
        } else {
            chacha20poly1305::XChaCha20Poly1305::new_from_slice(key)
                .unwrap()
                .decrypt(chacha20poly1305::XNonce::from_slice(nonce), payload)
        }
        .ok()
    }

    /// §8: whether a payload decodes as its type.
    fn decodes(ty: u8, plaintext: &[u8]) -> bool {
        match ty {
            0x01 => std::str::from_utf8(plaintext).is_ok(),
            0x03 => plaintext == [0] || plaintext == [1],
            0x10 => serde_json::from_slice::<serde_json::Value>(plaintext).is_ok(),
            _ => true,
        }
    }

    /// §9, steps 1 to 10, with a one-version key set; errors are the `expect:` names of §12.
    pub(crate) fn open(
        text: &str,
        purpose: &str,
        root: &[u8],
        root_version: u32,
        ctx: (&str, &str, &[u8]),
        expected_type: u8,
    ) -> Result<Opened, &'static str> {
        // 1.
        let bytes = base64::engine::general_purpose::URL_SAFE_NO_PAD
            .decode(text.strip_prefix("fs1:").ok_or("malformed")?)
            .map_err(|_| "malformed")?;
        // 2.
        let take = |at: &mut usize, n: usize| -> Result<&[u8], &'static str> {
            let out = bytes.get(*at..*at + n).ok_or("malformed")?;
            *at += n;
            Ok(out)
        };
        let mut at = 0;
        let byte = |at: &mut usize| -> Result<u8, &'static str> { Ok(take(at, 1)?[0]) };
        let version = byte(&mut at)?;
        if version != 1 {
            return Err("unknown-version");
        }
        let suite = byte(&mut at)?;
        if suite != 1 && suite != 2 {
            return Err("unknown-suite");
        }
        let mode = byte(&mut at)?;
        if mode != 1 {
            return Err("unknown-mode");
        }
        let ty = byte(&mut at)?;
        if !matches!(ty, 0x01..=0x0d | 0x10) {
            return Err("unknown-type");
        }
        let count = usize::from(byte(&mut at)?);
        if !(1..=8).contains(&count) {
            return Err("malformed");
        }
        let ct_len = u32::from_be_bytes(take(&mut at, 4)?.try_into().unwrap()) as usize;
        if ct_len > 1 << 30 || fixed_width(ty).is_some_and(|n| n != ct_len) {
            return Err("malformed");
        }
        let (nonce_len, epoch_len) = lengths(suite);
        let nonce = take(&mut at, nonce_len)?.to_vec();
        let mut names: Vec<Vec<u8>> = Vec::new();
        let mut found = None;
        for _ in 0..count {
            let name_len = usize::from(byte(&mut at)?);
            let name = take(&mut at, name_len)?.to_vec();
            let key_version = u32::from_be_bytes(take(&mut at, 4)?.try_into().unwrap());
            let epoch = take(&mut at, epoch_len)?.to_vec();
            let sealed = take(&mut at, ct_len + 16)?.to_vec();
            if key_version == 0 || !valid_purpose(&name) {
                return Err("malformed");
            }
            if name == purpose.as_bytes() {
                found = Some((key_version, epoch, sealed));
            }
            names.push(name);
        }
        for (i, name) in names.iter().enumerate() {
            if names[..i].contains(name) {
                return Err("malformed");
            }
        }
        if at != bytes.len() {
            return Err("malformed");
        }
        // 3.
        if ty != expected_type {
            return Err("type-mismatch");
        }
        // 5.
        let (record, field, id) = ctx;
        if !(1..=64).contains(&record.len()) || !(1..=255).contains(&field.len()) || id.len() > 256
        {
            return Err("bad-context");
        }
        // 6, 7.
        let (key_version, epoch, sealed) = found.ok_or("not-sealed-for")?;
        assert_eq!(key_version, root_version, "vectors use one root version");
        // 8.
        let pk = purpose_key(root, purpose, key_version);
        let key = aead_key(suite, &pk, &epoch);
        // 9.
        let aad = aad([version, suite, mode, ty], purpose, key_version, ctx);
        let plaintext = decrypt(suite, &key, &nonce, &sealed, &aad).ok_or("cannot-open")?;
        // 10.
        if !decodes(ty, &plaintext) {
            return Err("bad-plaintext");
        }
        Ok(Opened {
            purpose_key: pk,
            aead_key: key,
            payload: plaintext,
        })
    }

    /// What [`seal`] writes.
    pub(crate) struct Spec<'a> {
        pub(crate) suite: u8,
        pub(crate) mode: u8,
        pub(crate) type_byte: u8,
        pub(crate) root: [u8; 32],
        pub(crate) version: u32,
        pub(crate) purposes: &'a [&'a str],
        pub(crate) payload: &'a [u8],
        pub(crate) ctx: (&'a str, &'a str, &'a [u8]),
        /// The value's nonce, then one epoch id per part (AES-256-GCM).
        pub(crate) nonce: &'a [u8],
        pub(crate) epochs: &'a [[u8; 8]],
    }

    /// §2 and §5 written out: a value the library would refuse to write (a bad payload, a context
    /// above its limits), with the given nonce and epoch ids.
    pub(crate) fn seal(spec: &Spec<'_>) -> String {
        let (nonce_len, epoch_len) = lengths(spec.suite);
        assert_eq!(spec.nonce.len(), nonce_len);
        let mut out = vec![1, spec.suite, spec.mode, spec.type_byte];
        out.push(u8::try_from(spec.purposes.len()).unwrap());
        out.extend(u32::try_from(spec.payload.len()).unwrap().to_be_bytes());
        out.extend_from_slice(spec.nonce);
        for (i, purpose) in spec.purposes.iter().enumerate() {
            let epoch = &spec.epochs.get(i).copied().unwrap_or_default()[..epoch_len];
            let pk = purpose_key(&spec.root, purpose, spec.version);
            let key = aead_key(spec.suite, &pk, epoch);
            let head = [1, spec.suite, spec.mode, spec.type_byte];
            let aad = aad(head, purpose, spec.version, spec.ctx);
            let payload = Payload {
                msg: spec.payload,
                aad: &aad,
            };
            let sealed = if spec.suite == 1 {
                aes_gcm::Aes256Gcm::new_from_slice(&key)
                    .unwrap()
                    .encrypt(aes_gcm::Nonce::from_slice(spec.nonce), payload)
            } else {
                chacha20poly1305::XChaCha20Poly1305::new_from_slice(&key)
                    .unwrap()
                    .encrypt(chacha20poly1305::XNonce::from_slice(spec.nonce), payload)
            }
            .unwrap();
            out.push(u8::try_from(purpose.len()).unwrap());
            out.extend_from_slice(purpose.as_bytes());
            out.extend(spec.version.to_be_bytes());
            out.extend_from_slice(epoch);
            out.extend(sealed);
        }
        format!(
            "fs1:{}",
            base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(out)
        )
    }
}

/// The type byte of a vector's `type:` (FORMAT.md §8).
fn type_byte(name: &str) -> u8 {
    match name {
        "String" => 0x01,
        "Vec<u8>" => 0x02,
        "bool" => 0x03,
        "u16" => 0x05,
        "u64" => 0x07,
        "i64" => 0x0c,
        "Json" => 0x10,
        other => panic!("{other}"),
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
            type_byte(case.get("type")),
        );
        match (case.get("expect"), result) {
            ("open", Ok(got)) => {
                assert_eq!(
                    hex::encode(got.purpose_key),
                    case.get("purpose_key"),
                    "{name}"
                );
                assert_eq!(hex::encode(got.aead_key), case.get("aead_key"), "{name}");
                assert_eq!(hex::encode(got.payload), case.get("plaintext"), "{name}");
                opened += 1;
            }
            (expect, Ok(_)) => panic!("{name}: expected {expect}, but it opened"),
            (expect, Err(got)) => assert_eq!(got, expect, "{name}"),
        }
    }
    assert!(opened >= 10, "only {opened} positive vectors");
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
    use super::{Address, independent, type_byte};
    use fieldseal::{
        AnyPurposes, Context, DynPurpose, Json, KeySet, Keyring, Plaintext, Sealed, SecretKey,
        Suite,
    };
    use std::path::Path;
    use std::time::SystemTime;
    use zeroize::Zeroizing;

    /// One case: where it is sealed and how it is opened.
    struct Case<'a> {
        file: &'a str,
        comment: &'a str,
        expect: &'a str,
        suite: Suite,
        root: [u8; 32],
        version: u32,
        sealed_for: &'a [&'a str],
        open_as: &'a str,
        context: (&'a str, &'a str, &'a [u8]),
        open_context: Option<(&'a str, &'a str, &'a [u8])>,
        /// The Rust type the reader asks for (§8), and the payload it should get.
        ty: &'a str,
        payload: &'a [u8],
    }

    fn suite_name(s: Suite) -> &'static str {
        match s {
            Suite::XChaCha20Poly1305 => "xchacha20-poly1305",
            _ => "aes-256-gcm",
        }
    }

    fn keys(case: &Case<'_>) -> (KeySet, Vec<DynPurpose>) {
        let keyring = Keyring::with_root(
            case.suite,
            case.version,
            SecretKey::from_bytes(Zeroizing::new(case.root)),
            SystemTime::UNIX_EPOCH,
        )
        .unwrap();
        let purposes: Vec<DynPurpose> = case
            .sealed_for
            .iter()
            .map(|p| DynPurpose::new(p).unwrap())
            .collect();
        (KeySet::from_keyring(&keyring, &purposes), purposes)
    }

    /// Seals `value` with the library, under `case`'s keys and sealing context.
    fn library_seal<T: Plaintext>(case: &Case<'_>, value: &T) -> Vec<u8> {
        let (keys, purposes) = keys(case);
        let (record, field, id) = case.context;
        let sealed: Sealed<T, AnyPurposes> = keys
            .seal_dyn(&purposes, value, &Context::new(record, field).with_id(id))
            .unwrap();
        sealed.into_bytes()
    }

    fn text(bytes: &[u8]) -> String {
        format!(
            "fs1:{}",
            base64::Engine::encode(&base64::engine::general_purpose::URL_SAFE_NO_PAD, bytes)
        )
    }

    /// Writes `case` with its value, checking it with the independent reader on the way.
    fn write(dir: &Path, case: &Case<'_>, value: &str) {
        let (orecord, ofield, oid) = case.open_context.unwrap_or(case.context);
        let mut out = format!(
            "comment: {}\nexpect: {}\nsuite: {}\nroot_key: {}\nroot_version: {}\npurpose: {}\n",
            case.comment,
            case.expect,
            suite_name(case.suite),
            hex::encode(case.root),
            case.version,
            case.open_as
        );
        let opened = independent::open(
            value,
            case.open_as,
            &case.root,
            case.version,
            (orecord, ofield, oid),
            type_byte(case.ty),
        );
        match (&opened, case.expect) {
            (Ok(opened), "open") => {
                assert_eq!(opened.payload, case.payload, "{}", case.file);
                out += &format!(
                    "purpose_key: {}\naead_key: {}\n",
                    hex::encode(opened.purpose_key),
                    hex::encode(opened.aead_key)
                );
            }
            (Err(got), expect) => assert_eq!(*got, expect, "{}", case.file),
            (Ok(_), expect) => panic!("{}: expected {expect}, but it opened", case.file),
        }
        out += &format!(
            "record: {orecord}\nfield: {ofield}\nid: {}\ntype: {}\nplaintext: {}\nvalue: {value}\n",
            hex::encode(oid),
            case.ty,
            hex::encode(case.payload)
        );
        std::fs::write(dir.join(case.file), out).unwrap();
    }

    /// A case sealed by the independent writer (fixed nonce and epoch ids): values the library
    /// would refuse to write.
    fn write_spec(dir: &Path, case: &Case<'_>, mode: u8, type_override: Option<u8>) {
        let nonce: Vec<u8> = (0..case.suite.nonce_len())
            .map(|i| 0xa0 + i as u8)
            .collect();
        let epochs = [[0x5e; 8], [0x6e; 8], [0x7e; 8]];
        let value = independent::seal(&independent::Spec {
            suite: case.suite.id(),
            mode,
            type_byte: type_override.unwrap_or(type_byte(case.ty)),
            root: case.root,
            version: case.version,
            purposes: case.sealed_for,
            payload: case.payload,
            ctx: case.context,
            nonce: &nonce,
            epochs: &epochs,
        });
        write(dir, case, &value);
    }

    pub(super) fn write_all(dir: &Path) {
        std::fs::create_dir_all(dir).unwrap();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.extension().is_some_and(|e| e == "txt") {
                std::fs::remove_file(path).unwrap();
            }
        }
        // FORMAT.md §6: integer ids are 16 bytes, two's complement.
        let id42 = 42u128.to_be_bytes();
        let id43 = 43u128.to_be_bytes();
        let id_u32 = u128::from(4_000_000_000u32).to_be_bytes();
        let id_neg = (-42i128).to_be_bytes();
        let id7 = 7u128.to_be_bytes();
        let uuid = 0x0b7e_5c1a_5d4e_4a8e_9f1b_2c3d_4e5f_6a7b_u128.to_be_bytes();
        let root_a: [u8; 32] = core::array::from_fn(|i| i as u8);
        let root_b: [u8; 32] = core::array::from_fn(|i| 0xff - i as u8);
        let name = "Ada Lovelace";
        let email = "ada@example.com";
        let base = Case {
            file: "",
            comment: "",
            expect: "open",
            suite: Suite::Aes256Gcm,
            root: root_a,
            version: 1,
            sealed_for: &["fulfillment"],
            open_as: "fulfillment",
            context: ("customer", "name", &id42),
            open_context: None,
            ty: "String",
            payload: name.as_bytes(),
        };
        let with = |bytes: &[u8], case: &Case<'_>, dir: &Path| write(dir, case, &text(bytes));

        let c = Case {
            file: "01-aes-one-purpose-string.txt",
            comment: "AES-256-GCM, one purpose, a String name bound to customer 42 (an integer id: 16 bytes)",
            ..base
        };
        with(&library_seal(&c, &name.to_owned()), &c, dir);

        let c = Case {
            file: "02-aes-three-purposes-string.txt",
            comment: "AES-256-GCM, three purposes sharing the value's nonce, opened as the second (marketing)",
            sealed_for: &["fulfillment", "marketing", "analytics"],
            open_as: "marketing",
            context: ("customer", "email", &id42),
            payload: email.as_bytes(),
            ..base
        };
        with(&library_seal(&c, &email.to_owned()), &c, dir);

        let c = Case {
            file: "03-xchacha-one-purpose-u16.txt",
            comment: "XChaCha20-Poly1305, one purpose, a u16 birth year",
            suite: Suite::XChaCha20Poly1305,
            root: root_b,
            sealed_for: &["analytics"],
            open_as: "analytics",
            context: ("customer", "birth_year", &id42),
            ty: "u16",
            payload: &1815u16.to_be_bytes(),
            ..base
        };
        with(&library_seal(&c, &1815u16), &c, dir);

        let address = Address {
            street: "12 St James's Square".into(),
            city: "London".into(),
            postcode: "SW1Y 4JH".into(),
            country: "GB".into(),
        };
        let json = serde_json::to_vec(&address).unwrap();
        let c = Case {
            file: "04-xchacha-two-purposes-json-uuid-id.txt",
            comment: "XChaCha20-Poly1305, two purposes, a JSON address bound to a UUID id (its 16 bytes), opened as fulfillment",
            suite: Suite::XChaCha20Poly1305,
            root: root_b,
            sealed_for: &["fulfillment", "third-party:acme"],
            context: ("order", "shipping_address", &uuid),
            ty: "Json",
            payload: &json,
            ..base
        };
        with(&library_seal(&c, &Json(address.clone())), &c, dir);

        let bytes = vec![0u8, 1, 2, 0xfe, 0xff];
        let c = Case {
            file: "05-aes-bytes-no-id-version-3.txt",
            comment: "AES-256-GCM, bytes, no id bound, root key version 3",
            root: root_b,
            version: 3,
            sealed_for: &["support"],
            open_as: "support",
            context: ("survey", "answers", &[]),
            ty: "Vec<u8>",
            payload: &bytes,
            ..base
        };
        with(&library_seal(&c, &bytes), &c, dir);

        let c = Case {
            file: "06-xchacha-three-purposes-i64.txt",
            comment: "XChaCha20-Poly1305, three purposes, a negative i64, opened as the third",
            suite: Suite::XChaCha20Poly1305,
            sealed_for: &["fulfillment", "support", "marketing"],
            open_as: "marketing",
            context: ("customer", "balance_cents", &id42),
            ty: "i64",
            payload: &(-1234i64).to_be_bytes(),
            ..base
        };
        with(&library_seal(&c, &-1234i64), &c, dir);

        let c = Case {
            file: "07-aes-bool-string-id.txt",
            comment: "AES-256-GCM, a bool bound to a string id (its UTF-8 bytes)",
            sealed_for: &["marketing"],
            open_as: "marketing",
            context: ("customer", "newsletter", b"cust-0042"),
            ty: "bool",
            payload: &[1],
            ..base
        };
        with(&library_seal(&c, &true), &c, dir);

        let c = Case {
            file: "08-aes-u32-id.txt",
            comment: "AES-256-GCM, bound to a u32 id of 4000000000: widened to 16 bytes, as every integer id",
            context: ("customer", "name", &id_u32),
            ..base
        };
        with(&library_seal(&c, &name.to_owned()), &c, dir);

        let c = Case {
            file: "09-xchacha-negative-i64-id.txt",
            comment: "XChaCha20-Poly1305, bound to an i64 id of -42: sign-extended to 16 bytes",
            suite: Suite::XChaCha20Poly1305,
            context: ("customer", "name", &id_neg),
            ..base
        };
        with(&library_seal(&c, &name.to_owned()), &c, dir);

        let street = "1 Bill Street";
        let c = Case {
            file: "10-aes-nested-field-path.txt",
            comment: "AES-256-GCM, a field of a nested record: the top-level record type, the field path billing.street, the top-level id (section 13)",
            context: ("Customer", "billing.street", &id7),
            payload: street.as_bytes(),
            ..base
        };
        with(&library_seal(&c, &street.to_owned()), &c, dir);

        let c = Case {
            file: "11-not-sealed-for.txt",
            comment: "sealed for fulfillment only; marketing must get not-sealed-for, naming fulfillment",
            expect: "not-sealed-for",
            open_as: "marketing",
            ..base
        };
        with(&library_seal(&c, &name.to_owned()), &c, dir);

        let c = Case {
            file: "12-cannot-open-other-record.txt",
            comment: "sealed for customer 42, opened as customer 43: the context differs, so it must not open",
            expect: "cannot-open",
            open_context: Some(("customer", "name", &id43)),
            ..base
        };
        with(&library_seal(&c, &name.to_owned()), &c, dir);

        // Two seals of the same customer's email, for the same purposes in the same context; the
        // marketing part of the older one spliced into the newer (section 2).
        let c = Case {
            file: "13-cannot-open-spliced-part.txt",
            comment: "the marketing part comes from an older value of the same record, field and purposes: its nonce is not this value's, so marketing must not open (fulfillment still would)",
            expect: "cannot-open",
            sealed_for: &["fulfillment", "marketing"],
            open_as: "marketing",
            context: ("customer", "email", &id42),
            payload: email.as_bytes(),
            ..base
        };
        let newer = library_seal(&c, &email.to_owned());
        let older = library_seal(&c, &"old@example.com".to_owned());
        let marketing_at = |bytes: &[u8]| {
            // Header and nonce (9 + 12), then the fulfillment part (1 + 11 + 4 + 8 + 15 + 16).
            let start = 9 + 12 + 1 + 11 + 4 + 8 + 15 + 16;
            assert_eq!(&bytes[start + 1..start + 10], b"marketing");
            start
        };
        let mut spliced = newer.clone();
        let at = marketing_at(&newer);
        spliced[at..].copy_from_slice(&older[marketing_at(&older)..]);
        with(&spliced, &c, dir);

        let mangled = |c: &Case<'_>, at: usize, byte: u8| {
            let mut bytes = library_seal(c, &name.to_owned());
            bytes[at] = byte;
            bytes
        };
        let c = Case {
            file: "14-unknown-version.txt",
            comment: "version byte 0x02: readers of version 1 must reject it and name the version",
            expect: "unknown-version",
            ..base
        };
        with(&mangled(&c, 0, 2), &c, dir);

        let c = Case {
            file: "15-unknown-suite.txt",
            comment: "suite id 0x07: readers must reject it and name the id",
            expect: "unknown-suite",
            suite: Suite::XChaCha20Poly1305,
            root: root_b,
            ..base
        };
        with(&mangled(&c, 1, 7), &c, dir);

        let c = Case {
            file: "16-unknown-mode.txt",
            comment: "mode byte 0x02 (reserved for a later key mode): readers of this version must reject it and name it",
            expect: "unknown-mode",
            ..base
        };
        with(&mangled(&c, 2, 2), &c, dir);

        let c = Case {
            file: "17-unknown-type.txt",
            comment: "type byte 0x0e, not a type of version 1: unknown type",
            expect: "unknown-type",
            ..base
        };
        with(&mangled(&c, 3, 0x0e), &c, dir);

        let c = Case {
            file: "18-order-mode-before-type.txt",
            comment: "mode 0x02 and type 0x0e both unknown: the mode is checked first (section 9), so unknown mode",
            expect: "unknown-mode",
            ..base
        };
        let mut bytes = library_seal(&c, &name.to_owned());
        bytes[2] = 2;
        bytes[3] = 0x0e;
        with(&bytes, &c, dir);

        let c = Case {
            file: "19-type-mismatch.txt",
            comment: "a String value opened as a u64: type mismatch, before any cryptography",
            expect: "type-mismatch",
            ty: "u64",
            ..base
        };
        with(&library_seal(&c, &name.to_owned()), &c, dir);

        let c = Case {
            file: "20-truncated.txt",
            comment: "the last byte of the tag is missing: malformed (truncated)",
            expect: "malformed",
            ..base
        };
        let mut bytes = library_seal(&c, &name.to_owned());
        bytes.pop();
        with(&bytes, &c, dir);

        let c = Case {
            file: "21-payload-length.txt",
            comment: "a bool whose ct_len is 2 (with a valid tag): malformed at parsing, before any cryptography (section 8)",
            expect: "malformed",
            context: ("customer", "newsletter", &id42),
            ty: "bool",
            payload: &[0, 1],
            ..base
        };
        write_spec(dir, &c, 1, None);

        let c = Case {
            file: "22-bad-plaintext-bool.txt",
            comment: "a bool payload of 0x02 (with a valid tag): bad plaintext, found after decryption (section 8)",
            expect: "bad-plaintext",
            context: ("customer", "newsletter", &id42),
            ty: "bool",
            payload: &[2],
            ..base
        };
        write_spec(dir, &c, 1, None);

        let c = Case {
            file: "23-bad-plaintext-utf8.txt",
            comment: "a String payload that is not UTF-8 (with a valid tag): bad plaintext",
            expect: "bad-plaintext",
            suite: Suite::XChaCha20Poly1305,
            payload: &[b'A', 0xff, b'B'],
            ..base
        };
        write_spec(dir, &c, 1, None);

        let c = Case {
            file: "24-bad-context-empty-field.txt",
            comment: "sealed (by another writer) with an empty field name: readers must refuse the context, not open it (section 6)",
            expect: "bad-context",
            context: ("customer", "", &id42),
            ..base
        };
        write_spec(dir, &c, 1, None);

        let long_record = "r".repeat(65);
        let c = Case {
            file: "25-bad-context-long-record.txt",
            comment: "sealed (by another writer) with a 65-byte record type: readers must refuse the context, not open it",
            expect: "bad-context",
            context: (&long_record, "name", &id42),
            ..base
        };
        write_spec(dir, &c, 1, None);

        let c = Case {
            file: "26-duplicate-purpose.txt",
            comment: "two parts named fulfillment (each with a valid tag): malformed",
            expect: "malformed",
            sealed_for: &["fulfillment", "fulfillment"],
            ..base
        };
        write_spec(dir, &c, 1, None);

        let c = Case {
            file: "27-independent-writer-opens.txt",
            comment: "written by the independent writer from this document, with a fixed nonce and epoch ids: opens",
            sealed_for: &["fulfillment", "marketing"],
            open_as: "marketing",
            ..base
        };
        write_spec(dir, &c, 1, None);
    }
}
