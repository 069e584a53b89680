//! The `pkcs11` protector (FORMAT.md §14.2) against SoftHSM2: round trips by key label and id,
//! the wrap checked by a reader written from FORMAT.md with the token's key known, files of
//! other protectors and keys refused, and every token failure named: a missing or broken module,
//! a token that is not present, a wrong PIN, a missing key, a key that could leave the token, a
//! session lost midway and a token directory removed. Each test runs on a token of its own
//! (tests/hsm/mod.rs); without SoftHSM2 and outside CI they are skipped, saying so.

mod common;
mod hsm;

use std::fs;
use std::path::{Path, PathBuf};

use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use common::{Marketing, ROOT_KEY, known_keyring};
use fieldseal::{
    DynPurpose, Error, Kek, KeyBundle, KeyFileError, Keyring, Pkcs11Key, Pkcs11Protector,
    SecretKey, Suite,
};
use hsm::{Hsm, with_token};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

fn open(hsm: &Hsm, key: Option<Pkcs11Key>) -> fieldseal::Result<Pkcs11Protector> {
    Pkcs11Protector::open(
        &hsm.module,
        &hsm.token,
        key,
        Zeroizing::new(hsm.pin.clone()),
    )
}

#[allow(clippy::unnecessary_wraps, reason = "the form `open` takes")]
fn label(name: &str) -> Option<Pkcs11Key> {
    Some(Pkcs11Key::Label(name.to_owned()))
}

fn key_file_error<T: std::fmt::Debug>(result: fieldseal::Result<T>) -> KeyFileError {
    match result {
        Err(Error::KeyFile(e)) => e,
        other => panic!("expected a key file error, got {other:?}"),
    }
}

/// `(prefix, key_part, iv, ciphertext || tag)` of a `pkcs11` key file, read from FORMAT.md
/// §14.1 and §14.2 alone.
fn pkcs11_wrap(file: &[u8]) -> (Vec<u8>, Vec<u8>, [u8; 12], Vec<u8>) {
    let id_len = usize::from(file[16]);
    assert_eq!(&file[17..17 + id_len], b"pkcs11");
    let prefix = file[..17 + id_len].to_vec();
    let at = 17 + id_len;
    let wrap_len = usize::from(u16::from_be_bytes([file[at], file[at + 1]]));
    let wrap = &file[at + 2..at + 2 + wrap_len];
    let ref_len = usize::from(wrap[1]);
    let key_part = wrap[..2 + ref_len].to_vec();
    let iv: [u8; 12] = wrap[2 + ref_len..14 + ref_len].try_into().unwrap();
    let sealed = wrap[14 + ref_len..].to_vec();
    assert_eq!(sealed.len(), 48, "a 32-byte file key and a 16-byte tag");
    (prefix, key_part, iv, sealed)
}

#[test]
fn a_keyring_and_a_bundle_round_trip_through_the_token_by_label_and_by_id() {
    with_token(
        "a_keyring_and_a_bundle_round_trip_through_the_token_by_label_and_by_id",
        |hsm| {
            hsm.generate_key("root-a", b"\x0a\x01", false);
            hsm.generate_key("root-b", b"\x0b\x02", false);
            let dir = hsm.dir.join("files");
            fs::create_dir_all(&dir).unwrap();
            let mut keyring = Keyring::generate(Suite::default()).unwrap();
            keyring.rotate().unwrap();

            let by_label = open(hsm, label("root-a")).unwrap();
            let path = dir.join("keyring.fsk");
            keyring.save(&path, &by_label).unwrap();
            let bytes = fs::read(&path).unwrap();
            assert_eq!(
                Pkcs11Protector::key_of_key_file(&bytes).unwrap(),
                label("root-a")
            );
            // By the key given, and by the key the file names when none is given.
            for protector in [&by_label, &open(hsm, None).unwrap()] {
                let loaded = Keyring::load(&path, protector).unwrap();
                assert_eq!(loaded.id(), keyring.id());
                for v in [1, 2] {
                    assert_eq!(
                        loaded.dangerous_root_key(v).unwrap(),
                        keyring.dangerous_root_key(v).unwrap()
                    );
                }
                assert_eq!(protector.last_key(), label("root-a"));
            }

            let by_id = open(hsm, Some(Pkcs11Key::Id(vec![0x0b, 0x02]))).unwrap();
            let bundle = keyring
                .export_bundle("newsletter", &[DynPurpose::of::<Marketing>()])
                .unwrap();
            let bundle_path = dir.join("newsletter.fsb");
            bundle.save(&bundle_path, &by_id).unwrap();
            assert_eq!(
                Pkcs11Protector::key_of_key_file(&fs::read(&bundle_path).unwrap()).unwrap(),
                Some(Pkcs11Key::Id(vec![0x0b, 0x02]))
            );
            let loaded = KeyBundle::load(&bundle_path, &open(hsm, None).unwrap()).unwrap();
            assert_eq!(loaded.keyring_id(), keyring.id());
            assert_eq!(loaded.service(), "newsletter");
        },
    );
}

/// The token's AES-GCM is the one FORMAT.md §14.2 describes: with the key on the token known
/// (imported), a reader written from FORMAT.md opens the wrap, and the 32 bytes it holds open the
/// body. This is also what shows that nothing but the file key went to the token: the token's
/// ciphertext is of exactly the 32-byte key that opens the body, bound to the prefix and key
/// reference (`KeyProtector` is handed nothing else; tests/kms.rs checks that boundary).
#[test]
fn the_wrap_is_aes_gcm_under_the_token_key_bound_to_the_prefix_and_key() {
    with_token(
        "the_wrap_is_aes_gcm_under_the_token_key_bound_to_the_prefix_and_key",
        |hsm| {
            let known = [0x5a; 32];
            hsm.import_key("known", &known);
            let protector = open(hsm, label("known")).unwrap();
            let keyring = known_keyring(Suite::default());
            let file = keyring.to_protected_bytes(&protector).unwrap();
            let (prefix, key_part, iv, sealed) = pkcs11_wrap(&file);
            assert_eq!(key_part, b"\x01\x05known");
            let cipher = Aes256Gcm::new(&known.into());
            let aad = [prefix.as_slice(), &key_part].concat();
            let file_key = cipher
                .decrypt(
                    Nonce::from_slice(&iv),
                    Payload {
                        msg: &sealed,
                        aad: &aad,
                    },
                )
                .expect("the wrap opens under the known key");
            assert_eq!(file_key.len(), 32);
            // Not bound to the prefix alone: the key reference is in the associated data.
            assert!(
                cipher
                    .decrypt(
                        Nonce::from_slice(&iv),
                        Payload {
                            msg: &sealed,
                            aad: &prefix
                        }
                    )
                    .is_err()
            );
            let body = open_body(&file, &file_key);
            assert_eq!(&body[..16], keyring.id().as_bytes());
            // A fresh IV and file key per save.
            let again = keyring.to_protected_bytes(&protector).unwrap();
            assert_ne!(pkcs11_wrap(&again).2, iv);
        },
    );
}

/// The body of a key file under `file_key` (FORMAT.md §14.1).
fn open_body(file: &[u8], file_key: &[u8]) -> Vec<u8> {
    let id_len = usize::from(file[16]);
    let mut at = 17 + id_len;
    at += 2 + usize::from(u16::from_be_bytes([file[at], file[at + 1]]));
    let nonce = &file[at..at + 12];
    let body_len = u32::from_be_bytes(file[at + 12..at + 16].try_into().unwrap()) as usize;
    let header = &file[..at + 16];
    let body = &file[at + 16..at + 16 + body_len];
    Aes256Gcm::new_from_slice(file_key)
        .unwrap()
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: header,
            },
        )
        .expect("the body opens")
}

#[test]
fn files_of_other_protectors_and_keys_are_refused_by_name() {
    with_token(
        "files_of_other_protectors_and_keys_are_refused_by_name",
        |hsm| {
            hsm.generate_key("root-a", b"a", false);
            hsm.generate_key("root-b", b"b", false);
            let keyring = Keyring::generate(Suite::default()).unwrap();
            let a = open(hsm, label("root-a")).unwrap();
            let b = open(hsm, label("root-b")).unwrap();
            let kek = Kek::new(SecretKey::from_bytes(Zeroizing::new([7; 32])));

            let under_kek = keyring.to_protected_bytes(&kek).unwrap();
            let e = key_file_error(Keyring::from_protected_bytes(&under_kek, &a));
            assert!(
                matches!(&e, KeyFileError::WrongProtector { found, given, .. } if found == "kek" && given == "pkcs11"),
                "{e:?}"
            );

            let under_a = keyring.to_protected_bytes(&a).unwrap();
            let e = key_file_error(Keyring::from_protected_bytes(&under_a, &kek));
            assert!(
                matches!(&e, KeyFileError::WrongProtector { found, .. } if found == "pkcs11"),
                "{e:?}"
            );
            assert!(e.to_string().contains("PKCS#11 token and key"), "{e}");

            // Another key on the same token.
            let e = key_file_error(Keyring::from_protected_bytes(&under_a, &b));
            assert!(matches!(e, KeyFileError::WrongProtectorKey { .. }), "{e:?}");
            let message = e.to_string();
            assert!(
                message.contains("label `root-b`") && message.contains("label `root-a`"),
                "{message}"
            );

            // The key reference is bound: renamed to the other key (checksum recomputed), the
            // wrap does not open even under the key it was made with.
            let mut renamed = under_a.clone();
            let at = renamed
                .windows(6)
                .position(|w| w == b"root-a")
                .expect("the key label");
            renamed[at + 5] = b'b';
            rechecksum(&mut renamed);
            let e = key_file_error(Keyring::from_protected_bytes(
                &renamed,
                &open(hsm, None).unwrap(),
            ));
            assert!(matches!(e, KeyFileError::WrongProtectorKey { .. }), "{e:?}");
            let e = key_file_error(Keyring::from_protected_bytes(&renamed, &a));
            assert!(matches!(e, KeyFileError::WrongProtectorKey { .. }), "{e:?}");
        },
    );
}

fn rechecksum(bytes: &mut [u8]) {
    let n = bytes.len() - 32;
    let sum = Sha256::digest(&bytes[..n]);
    bytes[n..].copy_from_slice(&sum);
}

#[test]
fn every_token_failure_is_named_and_never_shows_the_pin() {
    with_token(
        "every_token_failure_is_named_and_never_shows_the_pin",
        |hsm| {
            hsm.generate_key("root", b"r", false);
            hsm.generate_key("exportable", b"x", true);
            let failed = |result: fieldseal::Result<Pkcs11Protector>| {
                let e = key_file_error(result);
                let message = e.to_string();
                assert!(!message.contains(&hsm.pin), "{message}");
                (e, message)
            };

            let (e, message) = failed(Pkcs11Protector::open(
                hsm.dir.join("no-such-module.so"),
                &hsm.token,
                None,
                Zeroizing::new(hsm.pin.clone()),
            ));
            assert!(matches!(e, KeyFileError::ProtectorFailed { .. }), "{e:?}");
            assert!(
                message.contains("no-such-module.so") && message.contains("no such file"),
                "{message}"
            );

            let not_a_module = hsm.dir.join("softhsm2.conf"); // a file, but no library
            let (_, message) = failed(Pkcs11Protector::open(
                &not_a_module,
                &hsm.token,
                None,
                Zeroizing::new(hsm.pin.clone()),
            ));
            assert!(
                message.contains("cannot be loaded as a PKCS#11 library"),
                "{message}"
            );

            let (_, message) = failed(Pkcs11Protector::open(
                &hsm.module,
                "not-plugged-in",
                None,
                Zeroizing::new(hsm.pin.clone()),
            ));
            assert!(
                message.contains("token `not-plugged-in`")
                    && message.contains("no token of that label is present")
                    && message.contains(hsm::TOKEN),
                "{message}"
            );

            let (e, message) = failed(Pkcs11Protector::open(
                &hsm.module,
                &hsm.token,
                None,
                Zeroizing::new("0000-wrong".to_owned()),
            ));
            assert!(
                matches!(&e, KeyFileError::WrongPin { token } if token == hsm::TOKEN),
                "{e:?}"
            );
            assert!(!message.contains("0000-wrong"), "{message}");

            let (e, message) = failed(open(hsm, label("no-such-key")));
            assert!(matches!(e, KeyFileError::ProtectorFailed { .. }), "{e:?}");
            assert!(
                message.contains("no AES key with label `no-such-key`"),
                "{message}"
            );
            let (_, message) = failed(open(hsm, Some(Pkcs11Key::Id(vec![0xee]))));
            assert!(message.contains("no AES key with id ee"), "{message}");

            let (e, _) = failed(Pkcs11Protector::open(
                &hsm.module,
                &hsm.token,
                None,
                Zeroizing::new(String::new()),
            ));
            assert!(matches!(e, KeyFileError::BadProtector(_)), "{e:?}");

            // A key that could leave the token never wraps a new file; nothing is written.
            let keyring = Keyring::generate(Suite::default()).unwrap();
            let path = hsm.dir.join("exportable.fsk");
            let e = key_file_error(keyring.save(&path, &open(hsm, label("exportable")).unwrap()));
            assert!(e.to_string().contains("can leave the token"), "{e}");
            assert!(!path.exists());

            // Without a key, a protector unwraps (by the file's key) but does not wrap.
            let e = key_file_error(keyring.save(&path, &open(hsm, None).unwrap()));
            assert!(matches!(e, KeyFileError::BadProtector(_)), "{e:?}");
            assert!(!path.exists());
        },
    );
}

/// The session is lost between opening the protector and using it: the module is finalized
/// underneath (as another part of the process, or a crashed HSM client, can do), then the token
/// directory is removed (as a token pulled out). Each is named, and the file stays as it was.
#[test]
fn a_session_lost_midway_is_named_and_leaves_the_file_as_it_was() {
    with_token(
        "a_session_lost_midway_is_named_and_leaves_the_file_as_it_was",
        |hsm| {
            hsm.generate_key("root", b"r", false);
            let keyring = Keyring::generate(Suite::default()).unwrap();
            let path = hsm.dir.join("keyring.fsk");
            keyring
                .save(&path, &open(hsm, label("root")).unwrap())
                .unwrap();
            let before = fs::read(&path).unwrap();

            let protector = open(hsm, label("root")).unwrap();
            finalize(&hsm.module);
            let lost = |result: fieldseal::Result<()>| {
                let e = key_file_error(result);
                assert_eq!(fs::read(&path).unwrap(), before, "the file changed");
                e.to_string()
            };
            let message = lost(keyring.save(&path, &protector));
            assert!(
                message.contains("session with the token was lost")
                    && message.contains("CryptokiNotInitialized"),
                "{message}"
            );
            let message = lost(Keyring::load(&path, &protector).map(drop));
            assert!(
                message.contains("session with the token was lost"),
                "{message}"
            );

            // A new protector initializes the module again and works.
            let protector = open(hsm, label("root")).unwrap();
            assert_eq!(Keyring::load(&path, &protector).unwrap().id(), keyring.id());

            // The token's directory goes away under an open session: SoftHSM2 then finds no
            // object on the token, and that is what is said.
            remove_token_files(&hsm.dir.join("tokens"));
            for message in [
                lost(Keyring::load(&path, &protector).map(drop)),
                lost(keyring.save(&path, &protector)),
            ] {
                assert!(
                    message.starts_with(
                        "PKCS#11 token `fieldseal-test`: no AES key with label `root`"
                    ),
                    "{message}"
                );
            }
        },
    );
}

/// `C_Finalize` through a context of the test's own on the same module.
fn finalize(module: &Path) {
    cryptoki::context::Pkcs11::new(module)
        .unwrap()
        .finalize()
        .unwrap();
}

fn remove_token_files(tokens: &Path) {
    for entry in fs::read_dir(tokens).unwrap() {
        fs::remove_dir_all(entry.unwrap().path()).unwrap();
    }
}

/// FORMAT.md §14.5's `pkcs11` vector, loaded through the library: its token key imported into
/// SoftHSM2 under the label the file names. (tests/keyfiles.rs opens it with the independent
/// reader, with no token.)
#[test]
fn the_pkcs11_vector_loads_with_its_known_key_on_a_token() {
    with_token(
        "the_pkcs11_vector_loads_with_its_known_key_on_a_token",
        |hsm| {
            let text = fs::read_to_string(vector_path()).unwrap();
            let field = |key: &str| vector_field(&text, key);
            let secret: [u8; 32] = hex::decode(field("secret")).unwrap().try_into().unwrap();
            hsm.import_key(&field("token_key_label"), &secret);
            let file = hex::decode(field("file")).unwrap();
            let keyring = Keyring::from_protected_bytes(&file, &open(hsm, None).unwrap()).unwrap();
            assert_eq!(keyring.id().to_string(), field("keyring_id"));
            assert_eq!(
                hex::encode(keyring.dangerous_root_key(1).unwrap().expose_secret()),
                field("root_key_active")
            );
        },
    );
}

fn vector_path() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/vectors/keyfiles/05-keyring-pkcs11.txt")
}

fn vector_field(text: &str, key: &str) -> String {
    text.lines()
        .find_map(|l| l.strip_prefix(key).and_then(|r| r.strip_prefix(':')))
        .unwrap_or_else(|| panic!("no {key}"))
        .trim()
        .to_owned()
}

/// Writes FORMAT.md §14.5's `pkcs11` vector: `cargo test --features pkcs11 --test pkcs11
/// write_pkcs11_key_file_vector -- --ignored` (needs SoftHSM2).
#[test]
#[ignore = "writes tests/vectors/keyfiles/05-keyring-pkcs11.txt; run by hand after a deliberate format change"]
fn write_pkcs11_key_file_vector() {
    with_token("write_pkcs11_key_file_vector", |hsm| {
        let known = [0x5a; 32];
        hsm.import_key("fieldseal-root", &known);
        let protector = open(hsm, label("fieldseal-root")).unwrap();
        let keyring = known_keyring(Suite::default());
        let file = keyring.to_protected_bytes(&protector).unwrap();
        let (prefix, key_part, iv, sealed) = pkcs11_wrap(&file);
        let file_key = Aes256Gcm::new(&known.into())
            .decrypt(
                Nonce::from_slice(&iv),
                Payload {
                    msg: &sealed,
                    aad: &[prefix.as_slice(), &key_part].concat(),
                },
            )
            .unwrap();
        let body = open_body(&file, &file_key);
        fs::write(
            vector_path(),
            format!(
                "comment: a keyring file (§14.3) under the pkcs11 protector (§14.2): the file key wrapped with AES-256-GCM on a SoftHSM2 token by the AES key `secret`, imported under the label `fieldseal-root`\n\
                 kind: keyring\nprotector: pkcs11\nsecret: {}\ntoken_key_label: fieldseal-root\nkeyring_id: {}\nactive: 1\nroot_key_active: {}\n\
                 body: {}\nfile: {}\n",
                hex::encode(known),
                keyring.id(),
                hex::encode(ROOT_KEY),
                hex::encode(&body),
                hex::encode(&file),
            ),
        )
        .unwrap();
    });
}

/// The protector is `Send + Sync`, like the others, so a service can keep it.
#[test]
fn the_protector_can_be_shared_between_threads() {
    fn shareable<T: Send + Sync>() {}
    shareable::<Pkcs11Protector>();
}
