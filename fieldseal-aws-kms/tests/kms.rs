//! The `aws-kms` protector against moto's KMS emulator: round trips, what KMS receives (checked
//! in moto's own record of the requests), files of other protectors and keys refused, the key
//! file's header bound through the encryption context, KMS failures named, and calls from inside
//! an async runtime.

mod moto;

use std::collections::BTreeMap;
use std::fmt::Write as _;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use fieldseal::{
    DynPurpose, Error, Kek, KeyBundle, KeyFileError, Keyring, KmsProtector, SecretKey, Suite,
};
use fieldseal_aws_kms::{AwsKms, AwsKmsProtector};
use serde_json::Value;
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

fn protector(endpoint: &str, key: &str) -> AwsKmsProtector {
    AwsKms::new(key, moto::client(endpoint))
        .unwrap()
        .into_protector()
}

fn key_file_error<T: std::fmt::Debug>(result: fieldseal::Result<T>) -> KeyFileError {
    match result {
        Err(Error::KeyFile(e)) => e,
        other => panic!("expected a key file error, got {other:?}"),
    }
}

fn rechecksum(bytes: &mut [u8]) {
    let n = bytes.len() - 32;
    let sum = Sha256::digest(&bytes[..n]);
    bytes[n..].copy_from_slice(&sum);
}

/// `(prefix, wrap, body)` of a key file (FORMAT.md §14.1).
fn split(file: &[u8]) -> (&[u8], &[u8], &[u8]) {
    let prefix_end = 17 + usize::from(file[16]);
    let wrap_len = usize::from(u16::from_be_bytes([file[prefix_end], file[prefix_end + 1]]));
    let wrap_end = prefix_end + 2 + wrap_len;
    (
        &file[..prefix_end],
        &file[prefix_end + 2..wrap_end],
        &file[wrap_end + 16..file.len() - 32],
    )
}

#[test]
fn a_keyring_and_a_bundle_round_trip_through_kms() {
    let Some(endpoint) = moto::endpoint() else {
        return;
    };
    let key = moto::create_key(&endpoint, "round trip");
    let kms = protector(&endpoint, &key);
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring.rotate().unwrap();
    let file = keyring.to_protected_bytes(&kms).unwrap();
    assert_eq!(
        KmsProtector::<AwsKms>::key_id_of_key_file(&file)
            .unwrap()
            .as_deref(),
        Some(key.as_str())
    );
    let loaded = Keyring::from_protected_bytes(&file, &kms).unwrap();
    for v in [1, 2] {
        assert_eq!(
            loaded.dangerous_root_key(v).unwrap(),
            keyring.dangerous_root_key(v).unwrap()
        );
    }
    let bundle = keyring
        .export_bundle("newsletter", &[DynPurpose::new("marketing").unwrap()])
        .unwrap()
        .to_protected_bytes(&kms)
        .unwrap();
    assert_eq!(
        KeyBundle::from_protected_bytes(&bundle, &kms)
            .unwrap()
            .keyring_id(),
        keyring.id()
    );
}

/// moto records every request it receives: for one save and one load, KMS got one `Encrypt`
/// of 32 bytes (the file key) and one `Decrypt` of the ciphertext the file stores, each with the
/// key id and the encryption context FORMAT.md §14.2 defines, and no other field: no byte of
/// the key file's body, nor any other key, left the process.
#[test]
fn kms_receives_the_file_key_its_ciphertext_and_the_context_and_nothing_else() {
    let Some(endpoint) = moto::endpoint() else {
        return;
    };
    let key = moto::create_key(&endpoint, "recorded");
    let kms = protector(&endpoint, &key);
    let keyring = Keyring::generate(Suite::default()).unwrap();
    moto::moto_api(&endpoint, "POST", "/moto-api/recorder/start-recording");
    let file = keyring.to_protected_bytes(&kms).unwrap();
    Keyring::from_protected_bytes(&file, &kms).unwrap();
    let recording = moto::moto_api(&endpoint, "GET", "/moto-api/recorder/download-recording");

    let (prefix, wrap, body) = split(&file);
    let key_part = &wrap[..2 + key.len()];
    let context_value =
        Sha256::digest([prefix, key_part].concat())
            .iter()
            .fold(String::new(), |mut hex, b| {
                let _ = write!(hex, "{b:02x}");
                hex
            });
    let mut seen = Vec::new();
    for line in recording.lines().filter(|l| !l.trim().is_empty()) {
        let entry: Value = serde_json::from_str(line).unwrap();
        let raw = entry["body"].as_str().unwrap_or_default();
        let raw = if entry["body_encoded"] == Value::Bool(true) {
            STANDARD.decode(raw).unwrap()
        } else {
            raw.as_bytes().to_vec()
        };
        let Ok(request) = serde_json::from_slice::<BTreeMap<String, Value>>(&raw) else {
            continue;
        };
        if request.get("KeyId").and_then(Value::as_str) != Some(key.as_str()) {
            continue; // another test's request
        }
        let target = entry["headers"]["X-Amz-Target"]
            .as_str()
            .unwrap()
            .to_owned();
        let fields: Vec<&str> = request.keys().map(String::as_str).collect();
        assert_eq!(
            request["EncryptionContext"],
            serde_json::json!({ "fieldseal:header-sha256": context_value }),
            "{target}"
        );
        match target.as_str() {
            "TrentService.Encrypt" => {
                assert_eq!(fields, ["EncryptionContext", "KeyId", "Plaintext"]);
                let plaintext = STANDARD
                    .decode(request["Plaintext"].as_str().unwrap())
                    .unwrap();
                assert_eq!(plaintext.len(), 32, "only the file key");
            }
            "TrentService.Decrypt" => {
                assert_eq!(fields, ["CiphertextBlob", "EncryptionContext", "KeyId"]);
                let blob = STANDARD
                    .decode(request["CiphertextBlob"].as_str().unwrap())
                    .unwrap();
                assert_eq!(
                    blob,
                    &wrap[key_part.len()..],
                    "the ciphertext the file stores"
                );
            }
            other => panic!("unexpected request {other}"),
        }
        // Belt and braces: the body's ciphertext appears in no request, raw or in base64.
        assert!(!raw.windows(32).any(|w| w == &body[..32]));
        assert!(!String::from_utf8_lossy(&raw).contains(&STANDARD.encode(&body[..24])));
        seen.push(target);
    }
    assert_eq!(seen, ["TrentService.Encrypt", "TrentService.Decrypt"]);
}

#[test]
fn files_of_other_protectors_and_keys_are_refused_and_the_header_is_bound() {
    let Some(endpoint) = moto::endpoint() else {
        return;
    };
    let key_a = moto::create_key(&endpoint, "a");
    let key_b = moto::create_key(&endpoint, "b");
    let a = protector(&endpoint, &key_a);
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let file = keyring.to_protected_bytes(&a).unwrap();

    let kek = Kek::new(SecretKey::from_bytes(Zeroizing::new([9; 32])));
    let e = key_file_error(Keyring::from_protected_bytes(&file, &kek));
    assert!(
        matches!(&e, KeyFileError::WrongProtector { found, .. } if found == "aws-kms"),
        "{e:?}"
    );
    let e = key_file_error(Keyring::from_protected_bytes(
        &keyring.to_protected_bytes(&kek).unwrap(),
        &a,
    ));
    assert!(
        matches!(&e, KeyFileError::WrongProtector { found, given, .. } if found == "kek" && given == "aws-kms"),
        "{e:?}"
    );

    // Another KMS key: the protector refuses the file, which names key a, without asking KMS
    // (were it asked, AWS would answer IncorrectKeyException, moto AccessDeniedException).
    let e = key_file_error(Keyring::from_protected_bytes(
        &file,
        &protector(&endpoint, &key_b),
    ));
    assert!(
        matches!(&e, KeyFileError::WrongProtectorKey { .. }),
        "{e:?}"
    );
    assert!(e.to_string().contains(&key_b), "{e}");

    // A file whose recorded key id changed (checksum recomputed) names another key: refused.
    // (That the KMS binding covers the key id too is tested with a stub KMS, tests/kms.rs.)
    let mut renamed = file.clone();
    let at = renamed
        .windows(key_a.len())
        .position(|w| w == key_a.as_bytes())
        .unwrap();
    renamed[at + key_a.len() - 1] ^= 1;
    rechecksum(&mut renamed);
    let e = key_file_error(Keyring::from_protected_bytes(&renamed, &a));
    assert!(matches!(e, KeyFileError::WrongProtectorKey { .. }), "{e:?}");
}

#[test]
fn kms_failures_are_named_and_leave_nothing_behind() {
    let Some(endpoint) = moto::endpoint() else {
        return;
    };
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let failure = |kms: &AwsKmsProtector| {
        let e = key_file_error(keyring.to_protected_bytes(kms));
        assert!(matches!(e, KeyFileError::ProtectorFailed { .. }), "{e:?}");
        e.to_string()
    };

    // Nothing listens there (a port just freed).
    let closed = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        format!("http://{}", listener.local_addr().unwrap())
    };
    let message = failure(&protector(&closed, "alias/anything"));
    assert!(
        message.contains("cannot reach AWS KMS") && message.contains("AWS_REGION"),
        "{message}"
    );

    let missing = "arn:aws:kms:us-east-1:123456789012:key/00000000-0000-0000-0000-000000000000";
    let message = failure(&protector(&endpoint, missing));
    assert!(
        message.contains("no such key") && message.contains(missing),
        "{message}"
    );

    // (A disabled key: moto encrypts with it all the same; src/errors.rs's tests map AWS's
    // DisabledException.)

    let e = key_file_error(AwsKms::new("", moto::client(&endpoint)));
    assert!(matches!(e, KeyFileError::BadProtector(_)), "{e:?}");
}

/// A service inside an async runtime (Tokio's `main`, say) can load its bundle: the protector's
/// own runtime then runs on a scoped thread instead of panicking.
#[test]
fn a_protector_works_from_inside_an_async_runtime() {
    let Some(endpoint) = moto::endpoint() else {
        return;
    };
    let key = moto::create_key(&endpoint, "async");
    let kms = protector(&endpoint, &key);
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let outer = fieldseal_aws_kms::runtime::Runtime::new().unwrap();
    let id = outer.run(async {
        let file = keyring.to_protected_bytes(&kms).unwrap();
        Keyring::from_protected_bytes(&file, &kms).unwrap().id()
    });
    assert_eq!(id, keyring.id());
}
