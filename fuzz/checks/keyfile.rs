//! Target `keyfile`: loading keyrings and key bundles under the fixed KEK.
//!
//! The first byte of an input says what the rest is: `0` a whole key file, loaded as a keyring
//! and as a bundle; `1` a keyring body and `2` a bundle body (FORMAT.md §14.3, §14.4), which
//! [`container`] encrypts into a genuine key file first, so that the fuzzer reaches the body
//! reader behind the AEAD. Any other first byte is read as `0`.
//!
//! Never a panic; what loads saves and loads again to the same keyring or bundle (its blind
//! indexes, FORMAT.md §16, included, and the terms their keys compute), and seals and opens a
//! value.

use aes_gcm::aead::{Aead as _, KeyInit as _, Payload};
use aes_gcm::{Aes256Gcm, Nonce};
use fieldseal::{DynPurpose, KeyBundle, KeySet, Keyring};
use sha2::{Digest as _, Sha256};

use super::keys::{FIXED, KEK, ctx};

/// The `kind` byte of a keyring file (FORMAT.md §14.1).
pub(crate) const KEYRING: u8 = 1;
/// The `kind` byte of a bundle file.
pub(crate) const BUNDLE: u8 = 2;

const MAGIC: &[u8] = b"fieldseal-key\n";
const FILE_VERSION: u8 = 1;
const PROTECTOR: &[u8] = b"kek";
/// The file key and nonces of [`container`]: fixed, so that an input always makes the same file.
const FILE_KEY: [u8; 32] = [0x5f; 32];
const WRAP_NONCE: [u8; 12] = [0x01; 12];
const BODY_NONCE: [u8; 12] = [0x02; 12];

/// Loads the input as its first byte says; whether it loaded.
pub(crate) fn check(data: &[u8]) -> bool {
    let Some((&mode, rest)) = data.split_first() else {
        return false;
    };
    match mode {
        KEYRING => load_keyring(&container(KEYRING, rest)),
        BUNDLE => load_bundle(&container(BUNDLE, rest)),
        _ => load_keyring(rest) | load_bundle(rest),
    }
}

fn load_keyring(file: &[u8]) -> bool {
    let kek = &FIXED.kek;
    let keyring = match Keyring::from_protected_bytes(file, kek) {
        Ok(keyring) => keyring,
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
            return false;
        }
    };
    let saved = keyring
        .to_protected_bytes(kek)
        .expect("a loaded keyring saves");
    let again = Keyring::from_protected_bytes(&saved, kek).expect("a saved keyring loads");
    assert_eq!(describe_keyring(&again), describe_keyring(&keyring));
    for version in keyring.live_versions() {
        let key = |k: &Keyring| *k.dangerous_root_key(version).expect("live").expose_secret();
        assert!(
            key(&again) == key(&keyring),
            "root key {version} changed on a save"
        );
    }
    let purposes = [DynPurpose::new("fulfillment").expect("a valid purpose name")];
    seals_and_opens(&KeySet::from_keyring(&keyring, &purposes), &purposes);
    true
}

/// Everything a keyring shows but its keys.
fn describe_keyring(k: &Keyring) -> String {
    let created: Vec<_> = k.versions().into_iter().map(|v| k.created(v)).collect();
    format!(
        "{:?} {:?} active {} versions {:?} live {:?} retired {:?} created {created:?} exports {:?} \
         indexes {:?} terms {:?}",
        k.id(),
        k.suite(),
        k.active_version(),
        k.versions(),
        k.live_versions(),
        k.retired_versions(),
        k.bundle_exports(),
        k.indexes(),
        k.indexes()
            .iter()
            .map(|i| probe_terms(
                &k.index_key(&i.name)
                    .expect("a loaded index derives its key")
            ))
            .collect::<Vec<_>>(),
    )
}

/// The terms of a probe value under every version an index key holds: they change if a key does.
fn probe_terms(key: &fieldseal::IndexKey) -> Vec<fieldseal::IndexTerm> {
    key.terms(b"probe").expect("a short value has terms")
}

fn load_bundle(file: &[u8]) -> bool {
    let kek = &FIXED.kek;
    let bundle = match KeyBundle::from_protected_bytes(file, kek) {
        Ok(bundle) => bundle,
        Err(e) => {
            let _ = (e.to_string(), format!("{e:?}"));
            return false;
        }
    };
    let saved = bundle
        .to_protected_bytes(kek)
        .expect("a loaded bundle saves");
    let again = KeyBundle::from_protected_bytes(&saved, kek).expect("a saved bundle loads");
    assert_eq!(describe_bundle(&again), describe_bundle(&bundle));
    for purpose in bundle.purposes() {
        let (a, b) = (bundle.key(purpose.name()), again.key(purpose.name()));
        let (a, b) = (a.expect("its own purpose"), b.expect("kept on a save"));
        for version in a.versions() {
            let key = |k: &fieldseal::DynPurposeKey| k.dangerous_export_version(version);
            assert!(
                *key(a).expect("live") == *key(b).expect("kept on a save"),
                "key {version} of {purpose} changed on a save"
            );
        }
    }
    seals_and_opens(bundle.key_set(), &bundle.purposes());
    true
}

/// Everything a bundle shows but its keys.
fn describe_bundle(b: &KeyBundle) -> String {
    let keys: Vec<String> = b
        .purposes()
        .iter()
        .map(|p| {
            let k = b.key(p.name()).expect("its own purpose");
            format!(
                "{p} {:?} active {} live {:?} retired {:?}",
                k.suite(),
                k.active_version(),
                k.versions(),
                k.retired_versions()
            )
        })
        .collect();
    let indexes: Vec<String> = b
        .indexes()
        .iter()
        .map(|name| {
            let k = b.index(name).expect("its own index");
            format!("{:?} {:?}", k.info(), probe_terms(k))
        })
        .collect();
    format!(
        "{:?} {:?} {:?} {keys:?} {indexes:?}",
        b.keyring_id(),
        b.service(),
        b.created()
    )
}

/// Keys that loaded seal a value for each purpose, and open it again.
fn seals_and_opens(keys: &KeySet, purposes: &[DynPurpose]) {
    for purpose in purposes {
        let sealed = keys
            .seal_dyn::<String>(std::slice::from_ref(purpose), "probe", &ctx())
            .expect("loaded keys seal");
        let opened: String = keys
            .open_dyn(&sealed, purpose, &ctx())
            .expect("loaded keys open what they sealed");
        assert_eq!(opened, "probe");
    }
}

fn aes(key: &[u8; 32]) -> Aes256Gcm {
    Aes256Gcm::new(key.into())
}

/// A genuine key file of `kind` around `body`, under the fixed KEK, written from FORMAT.md
/// §14.1 and §14.2 alone (not with fieldseal's writer, which takes only a well-formed body).
pub(crate) fn container(kind: u8, body: &[u8]) -> Vec<u8> {
    let mut file = MAGIC.to_vec();
    file.extend([FILE_VERSION, kind, PROTECTOR.len() as u8]);
    file.extend(PROTECTOR);
    let prefix = file.clone();
    let wrapped = aes(&KEK)
        .encrypt(
            Nonce::from_slice(&WRAP_NONCE),
            Payload {
                msg: &FILE_KEY,
                aad: &prefix,
            },
        )
        .expect("AES-GCM encrypts 32 bytes");
    let wrap_len = (WRAP_NONCE.len() + wrapped.len()) as u16;
    file.extend(wrap_len.to_be_bytes());
    file.extend(WRAP_NONCE);
    file.extend(wrapped);
    file.extend(BODY_NONCE);
    let body_len = u32::try_from(body.len() + 16).expect("a fuzz input is small");
    file.extend(body_len.to_be_bytes());
    let sealed = aes(&FILE_KEY)
        .encrypt(
            Nonce::from_slice(&BODY_NONCE),
            Payload {
                msg: body,
                aad: &file,
            },
        )
        .expect("AES-GCM encrypts a small body");
    file.extend(sealed);
    let checksum = Sha256::digest(&file);
    file.extend(checksum);
    file
}

/// The body of a key file under the fixed KEK, read from FORMAT.md §14 alone; `None` if it is
/// not one.
pub(crate) fn body_of(file: &[u8]) -> Option<Vec<u8>> {
    let mut at = MAGIC.len() + 2;
    let mut take = |n: usize| {
        let part = file.get(at..at + n)?;
        at += n;
        Some(part)
    };
    let protector_len = usize::from(take(1)?[0]);
    take(protector_len)?;
    let prefix_len = MAGIC.len() + 3 + protector_len;
    let wrap_len = usize::from(u16::from_be_bytes(take(2)?.try_into().ok()?));
    let wrap = take(wrap_len)?;
    let nonce = take(12)?;
    let body_len = u32::from_be_bytes(take(4)?.try_into().ok()?) as usize;
    let header_len = prefix_len + 2 + wrap_len + 12 + 4;
    let body = take(body_len)?;
    let (wrap_nonce, wrapped) = wrap.split_at_checked(12)?;
    let file_key = aes(&KEK)
        .decrypt(
            Nonce::from_slice(wrap_nonce),
            Payload {
                msg: wrapped,
                aad: &file[..prefix_len],
            },
        )
        .ok()?;
    aes(&file_key.try_into().ok()?)
        .decrypt(
            Nonce::from_slice(nonce),
            Payload {
                msg: body,
                aad: &file[..header_len],
            },
        )
        .ok()
}
