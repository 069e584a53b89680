//! KMS protectors (FORMAT.md §14.2): a `KmsProtector` on an in-process KMS stand-in that records
//! every call. Round trips; what the KMS is handed (the 32-byte file key that opens the body and
//! the binding FORMAT.md defines, nothing else); files of other protectors and KMSs refused; the
//! key id bound; a misbehaving client named.

mod common;

use std::sync::Mutex;

use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use common::Marketing;
use fieldseal::{
    DynPurpose, Error, Kek, KeyBundle, KeyFileError, Keyring, KmsBinding, KmsClient, KmsProtector,
    SecretKey, Suite,
};
use sha2::{Digest as _, Sha256};
use zeroize::Zeroizing;

/// One call the KMS received.
#[derive(Clone, Debug, PartialEq)]
enum Call {
    Encrypt {
        plaintext: Vec<u8>,
        binding: [u8; 32],
    },
    Decrypt {
        key_id: String,
        ciphertext: Vec<u8>,
        binding: [u8; 32],
    },
}

/// A KMS holding one AES-256 key, binding the binding as associated data, recording each call.
struct Recording {
    id: &'static str,
    key_id: String,
    key: [u8; 32],
    calls: Mutex<Vec<Call>>,
    /// Return this many bytes from decrypt instead of the plaintext, to test a broken client.
    short: Option<usize>,
}

impl Recording {
    fn new(key_id: &str, key: u8) -> Self {
        Self {
            id: "stub-kms",
            key_id: key_id.to_owned(),
            key: [key; 32],
            calls: Mutex::new(Vec::new()),
            short: None,
        }
    }

    fn calls(&self) -> Vec<Call> {
        self.calls.lock().unwrap().clone()
    }
}

impl KmsClient for Recording {
    fn protector_id(&self) -> &str {
        self.id
    }

    fn key_id(&self) -> &str {
        &self.key_id
    }

    fn encrypt(&self, plaintext: &[u8], binding: &KmsBinding) -> fieldseal::Result<Vec<u8>> {
        self.calls.lock().unwrap().push(Call::Encrypt {
            plaintext: plaintext.to_vec(),
            binding: *binding.bytes(),
        });
        let nonce = [0x11; 12];
        let mut out = nonce.to_vec();
        out.extend(
            Aes256Gcm::new(&self.key.into())
                .encrypt(
                    Nonce::from_slice(&nonce),
                    Payload {
                        msg: plaintext,
                        aad: binding.bytes(),
                    },
                )
                .unwrap(),
        );
        Ok(out)
    }

    fn decrypt(
        &self,
        key_id: &str,
        ciphertext: &[u8],
        binding: &KmsBinding,
    ) -> fieldseal::Result<Zeroizing<Vec<u8>>> {
        self.calls.lock().unwrap().push(Call::Decrypt {
            key_id: key_id.to_owned(),
            ciphertext: ciphertext.to_vec(),
            binding: *binding.bytes(),
        });
        if let Some(n) = self.short {
            return Ok(Zeroizing::new(vec![0; n]));
        }
        Aes256Gcm::new(&self.key.into())
            .decrypt(
                Nonce::from_slice(&ciphertext[..12]),
                Payload {
                    msg: &ciphertext[12..],
                    aad: binding.bytes(),
                },
            )
            .map(Zeroizing::new)
            .map_err(|_| {
                KeyFileError::WrongProtectorKey {
                    key: format!("stub KMS key `{}`", self.key_id),
                }
                .into()
            })
    }
}

fn key_file_error<T: std::fmt::Debug>(result: fieldseal::Result<T>) -> KeyFileError {
    match result {
        Err(Error::KeyFile(e)) => e,
        other => panic!("expected a key file error, got {other:?}"),
    }
}

/// `(prefix, wrap, header, nonce, body)` of a key file, from FORMAT.md §14.1 alone.
#[allow(
    clippy::type_complexity,
    reason = "five slices of one file, named where it is called"
)]
fn split(file: &[u8]) -> (&[u8], &[u8], &[u8], &[u8], &[u8]) {
    let prefix_end = 17 + usize::from(file[16]);
    let wrap_len = usize::from(u16::from_be_bytes([file[prefix_end], file[prefix_end + 1]]));
    let wrap = &file[prefix_end + 2..prefix_end + 2 + wrap_len];
    let at = prefix_end + 2 + wrap_len;
    let body_len = u32::from_be_bytes(file[at + 12..at + 16].try_into().unwrap()) as usize;
    (
        &file[..prefix_end],
        wrap,
        &file[..at + 16],
        &file[at..at + 12],
        &file[at + 16..at + 16 + body_len],
    )
}

#[test]
fn a_keyring_and_a_bundle_round_trip_and_name_their_kms_key() {
    let protector = KmsProtector::new(Recording::new("arn:stub:key/1", 0x42));
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring.rotate().unwrap();
    let file = keyring.to_protected_bytes(&protector).unwrap();
    assert_eq!(
        KmsProtector::<Recording>::key_id_of_key_file(&file)
            .unwrap()
            .as_deref(),
        Some("arn:stub:key/1")
    );
    let loaded = Keyring::from_protected_bytes(&file, &protector).unwrap();
    for v in [1, 2] {
        assert_eq!(
            loaded.dangerous_root_key(v).unwrap(),
            keyring.dangerous_root_key(v).unwrap()
        );
    }
    let bundle = keyring
        .export_bundle("newsletter", &[DynPurpose::of::<Marketing>()])
        .unwrap()
        .to_protected_bytes(&protector)
        .unwrap();
    assert_eq!(
        KeyBundle::from_protected_bytes(&bundle, &protector)
            .unwrap()
            .keyring_id(),
        keyring.id()
    );
    // Not a KMS file: no key id.
    let kek = Kek::new(SecretKey::generate().unwrap());
    let other = keyring.to_protected_bytes(&kek).unwrap();
    assert_eq!(
        KmsProtector::<Recording>::key_id_of_key_file(&other).unwrap(),
        None
    );
}

/// What leaves the process for the KMS: on save, exactly the 32 bytes that open the body and the
/// binding of FORMAT.md §14.2 (SHA-256 of the prefix and the key-id part of the wrap); on load,
/// the key id, the ciphertext the wrap stores and the same binding. No byte of the body.
#[test]
fn the_kms_is_handed_the_file_key_and_the_binding_and_nothing_else() {
    let protector = KmsProtector::new(Recording::new("arn:stub:key/1", 0x42));
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let file = keyring.to_protected_bytes(&protector).unwrap();
    let (prefix, wrap, header, nonce, body) = split(&file);
    let key_part = &wrap[..2 + "arn:stub:key/1".len()];
    assert_eq!(key_part, b"\x00\x0earn:stub:key/1");
    let binding: [u8; 32] = Sha256::digest([prefix, key_part].concat()).into();

    let calls = protector.client().calls();
    let [
        Call::Encrypt {
            plaintext,
            binding: sent,
        },
    ] = calls.as_slice()
    else {
        panic!("one encrypt call: {calls:?}")
    };
    assert_eq!(*sent, binding);
    assert_eq!(plaintext.len(), 32);
    // The 32 bytes are the file key: they open the body.
    let opened = Aes256Gcm::new_from_slice(plaintext)
        .unwrap()
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: header,
            },
        )
        .expect("the body opens under what the KMS was given");
    assert_eq!(&opened[..16], keyring.id().as_bytes());

    Keyring::from_protected_bytes(&file, &protector).unwrap();
    let calls = protector.client().calls();
    let Call::Decrypt {
        key_id,
        ciphertext,
        binding: sent,
    } = &calls[1]
    else {
        panic!("{calls:?}")
    };
    assert_eq!((key_id.as_str(), *sent), ("arn:stub:key/1", binding));
    assert_eq!(ciphertext.as_slice(), &wrap[key_part.len()..]);
    assert_eq!(calls.len(), 2);
}

#[test]
fn files_of_other_protectors_and_kmss_are_refused_and_the_key_id_is_bound() {
    let stub = KmsProtector::new(Recording::new("arn:stub:key/1", 0x42));
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let file = keyring.to_protected_bytes(&stub).unwrap();

    let kek = Kek::new(SecretKey::generate().unwrap());
    let e = key_file_error(Keyring::from_protected_bytes(&file, &kek));
    assert!(
        matches!(&e, KeyFileError::WrongProtector { found, given, .. } if found == "stub-kms" && given == "kek"),
        "{e:?}"
    );
    let e = key_file_error(Keyring::from_protected_bytes(
        &keyring.to_protected_bytes(&kek).unwrap(),
        &stub,
    ));
    assert!(matches!(e, KeyFileError::WrongProtector { .. }), "{e:?}");
    // Another KMS: never handed the file.
    let mut aws = Recording::new("arn:stub:key/1", 0x42);
    aws.id = "aws-kms";
    let aws = KmsProtector::new(aws);
    let e = key_file_error(Keyring::from_protected_bytes(&file, &aws));
    assert!(
        matches!(&e, KeyFileError::WrongProtector { found, given, .. } if found == "stub-kms" && given == "aws-kms"),
        "{e:?}"
    );
    assert!(aws.client().calls().is_empty());
    // Another key of the same KMS.
    let other = KmsProtector::new(Recording::new("arn:stub:key/1", 0x43));
    let e = key_file_error(Keyring::from_protected_bytes(&file, &other));
    assert!(matches!(e, KeyFileError::WrongProtectorKey { .. }), "{e:?}");

    // The key id is bound: changed in the file (checksum recomputed), a protector configured
    // for the old name refuses it unasked, and one configured for the new name (the same key
    // bytes here) is refused by the KMS, as the binding changed with the name.
    let mut renamed = file.clone();
    let at = renamed.windows(5).position(|w| w == b"key/1").unwrap();
    renamed[at + 4] = b'2';
    let n = renamed.len() - 32;
    let sum = Sha256::digest(&renamed[..n]);
    renamed[n..].copy_from_slice(&sum);
    let e = key_file_error(Keyring::from_protected_bytes(&renamed, &stub));
    assert!(matches!(e, KeyFileError::WrongProtectorKey { .. }), "{e:?}");
    let same_key = KmsProtector::new(Recording::new("arn:stub:key/2", 0x42));
    let e = key_file_error(Keyring::from_protected_bytes(&renamed, &same_key));
    assert!(matches!(e, KeyFileError::WrongProtectorKey { .. }), "{e:?}");
    assert_eq!(same_key.client().calls().len(), 1, "the KMS was asked");
}

#[test]
fn bad_ids_key_ids_and_answers_of_a_client_are_named() {
    let keyring = Keyring::generate(Suite::default()).unwrap();
    for id in ["kek", "argon2id", "pkcs11", "", "Upper", "has space"] {
        let mut client = Recording::new("k", 1);
        client.id = Box::leak(id.to_owned().into_boxed_str());
        let e = key_file_error(keyring.to_protected_bytes(&KmsProtector::new(client)));
        assert!(matches!(e, KeyFileError::BadProtector(_)), "{id}: {e:?}");
    }
    for key_id in [String::new(), "k".repeat(2049)] {
        let e = key_file_error(
            keyring.to_protected_bytes(&KmsProtector::new(Recording::new(&key_id, 1))),
        );
        assert!(matches!(e, KeyFileError::BadProtector(_)), "{e:?}");
    }
    let good = KmsProtector::new(Recording::new("k", 1));
    let file = keyring.to_protected_bytes(&good).unwrap();
    let mut short = Recording::new("k", 1);
    short.short = Some(31);
    let e = key_file_error(Keyring::from_protected_bytes(
        &file,
        &KmsProtector::new(short),
    ));
    assert!(
        matches!(&e, KeyFileError::ProtectorFailed { reason, .. } if reason.contains("31 bytes")),
        "{e:?}"
    );
}

/// A wrap copied into another keyring file under the same KMS key: the binding covers the file's
/// kind, protector and key, not its body, so the KMS unwraps it, and the body then fails its tag
/// (SECURITY.md, "Binding"): nothing opens.
#[test]
fn a_wrap_copied_into_another_key_file_opens_nothing() {
    let stub = KmsProtector::new(Recording::new("arn:stub:key/1", 0x42));
    let a = Keyring::generate(Suite::default())
        .unwrap()
        .to_protected_bytes(&stub)
        .unwrap();
    let b = Keyring::generate(Suite::default())
        .unwrap()
        .to_protected_bytes(&stub)
        .unwrap();
    let (_, wrap_a, ..) = split(&a);
    let (prefix_b, wrap_b, ..) = split(&b);
    assert_eq!(wrap_a.len(), wrap_b.len());
    let at = prefix_b.len() + 2;
    let mut moved = b.clone();
    moved[at..at + wrap_a.len()].copy_from_slice(wrap_a);
    let n = moved.len() - 32;
    let sum = Sha256::digest(&moved[..n]);
    moved[n..].copy_from_slice(&sum);
    let e = key_file_error(Keyring::from_protected_bytes(&moved, &stub));
    assert!(matches!(e, KeyFileError::Tampered), "{e:?}");
}

/// A KMS holding several keys that decrypts under whichever key it is asked for, as Vault
/// Transit or Google Cloud KMS do when handed a key name: the client is configured for one key.
struct ManyKeys {
    key_id: &'static str,
    keys: Vec<Recording>,
}

impl KmsClient for ManyKeys {
    fn protector_id(&self) -> &'static str {
        "stub-kms"
    }

    fn key_id(&self) -> &str {
        self.key_id
    }

    fn encrypt(&self, plaintext: &[u8], binding: &KmsBinding) -> fieldseal::Result<Vec<u8>> {
        let key = self.keys.iter().find(|k| k.key_id == self.key_id).unwrap();
        key.encrypt(plaintext, binding)
    }

    fn decrypt(
        &self,
        key_id: &str,
        ciphertext: &[u8],
        binding: &KmsBinding,
    ) -> fieldseal::Result<Zeroizing<Vec<u8>>> {
        let key = self.keys.iter().find(|k| k.key_id == key_id).unwrap();
        key.decrypt(key_id, ciphertext, binding)
    }
}

/// A keyring wrapped under another key of the same KMS (one the service's credentials may also
/// use: staging's, another team's) is a substituted keyring whose keys someone else knows: a
/// protector configured for one KMS key refuses it, before asking the KMS, even when its client
/// would decrypt under the key the file names.
#[test]
fn a_file_wrapped_under_another_key_of_the_kms_is_refused() {
    let kms = |key_id| ManyKeys {
        key_id,
        keys: vec![
            Recording::new("arn:stub:key/prod", 0x42),
            Recording::new("arn:stub:key/staging", 0x43),
        ],
    };
    let substitute = Keyring::generate(Suite::default()).unwrap();
    let file = substitute
        .to_protected_bytes(&KmsProtector::new(kms("arn:stub:key/staging")))
        .unwrap();
    let service = KmsProtector::new(kms("arn:stub:key/prod"));
    let e = key_file_error(Keyring::from_protected_bytes(&file, &service));
    assert!(
        matches!(&e, KeyFileError::WrongProtectorKey { key } if key.contains("arn:stub:key/prod") && key.contains("arn:stub:key/staging")),
        "{e:?}"
    );
    assert!(
        service.client().keys.iter().all(|k| k.calls().is_empty()),
        "the KMS was asked to unwrap a file of another key"
    );
    // The file opens with a protector configured for the key that wrapped it.
    let staging = KmsProtector::new(kms("arn:stub:key/staging"));
    assert_eq!(
        Keyring::from_protected_bytes(&file, &staging).unwrap().id(),
        substitute.id()
    );
}
