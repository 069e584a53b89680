//! Purposes and helpers shared by the integration tests, including an independent walker of the
//! FORMAT v1 byte layout so that tests can aim at one region (header, name, nonce, tag) of a value.

#![allow(
    dead_code,
    reason = "every test crate includes this module and uses a different subset of it"
)]

pub(crate) mod vault_suite;

use std::ops::Range;
use std::sync::LazyLock;
use std::time::SystemTime;

use fieldseal::{Context, ContextBuilder, Keyring, SecretKey, Suite};
use zeroize::Zeroizing;

fieldseal::purpose!(pub(crate) Fulfillment = "fulfillment");
fieldseal::purpose!(pub(crate) Marketing = "marketing");
fieldseal::purpose!(pub(crate) Analytics = "analytics");
fieldseal::purpose!(pub(crate) Support = "support");
fieldseal::purpose!(pub(crate) Billing = "billing");
fieldseal::purpose!(pub(crate) Fraud = "fraud");
fieldseal::purpose!(pub(crate) Research = "research");
fieldseal::purpose!(pub(crate) Partner = "third-party:acme");

/// A plaintext that is easy to spot in any output.
pub(crate) const PLAINTEXT: &str = "SECRET-PLAINTEXT-4711";

/// A root key with known bytes, so tests can look for them (and for keys derived from them).
pub(crate) const ROOT_KEY: [u8; 32] = [
    0xa7, 0x3c, 0x91, 0x5e, 0xd2, 0x08, 0x6b, 0xf4, 0x1d, 0xc9, 0x72, 0x3a, 0xe5, 0x8f, 0x46, 0xb0,
    0x29, 0xdd, 0x64, 0x17, 0xca, 0x5b, 0xee, 0x83, 0x3f, 0x90, 0x0c, 0x7d, 0xb6, 0x21, 0xf8, 0x55,
];

/// Header bytes before the value's nonce: version, suite, mode, plaintext type, count, ct_len.
pub(crate) const HEADER_LEN: usize = 9;

/// Length of every tag.
pub(crate) const TAG_LEN: usize = 16;

/// The usual context of the tests.
pub(crate) fn ctx() -> Context<'static> {
    place().with_id_int(42)
}

/// The record type and field of [`ctx`], to bind another id.
#[allow(dead_code)] // not every test binary uses it
pub(crate) fn place() -> ContextBuilder<'static> {
    Context::new("customer", "email")
}

/// A fresh random keyring.
pub(crate) fn keyring(suite: Suite) -> Keyring {
    Keyring::generate(suite).expect("the OS supplies randomness")
}

/// A keyring whose only root key (version 1) is [`ROOT_KEY`].
pub(crate) fn known_keyring(suite: Suite) -> Keyring {
    let root = SecretKey::from_bytes(Zeroizing::new(ROOT_KEY));
    Keyring::with_root(suite, 1, root, SystemTime::now()).expect("version 1 is valid")
}

/// One random keyring per suite, shared by the tests of one crate (derived keys are cached in it).
pub(crate) static KEYRINGS: LazyLock<[Keyring; 2]> = LazyLock::new(|| Suite::ALL.map(keyring));

/// The shared keyring of `suite`.
pub(crate) fn shared_keyring(suite: Suite) -> &'static Keyring {
    let index = Suite::ALL
        .iter()
        .position(|&s| s == suite)
        .expect("a known suite");
    &KEYRINGS[index]
}

/// Where each region of one part lies in a value's bytes.
#[derive(Debug, Clone)]
pub(crate) struct PartLayout {
    pub(crate) name: String,
    pub(crate) name_len_at: usize,
    pub(crate) name_bytes: Range<usize>,
    pub(crate) key_version: Range<usize>,
    /// The epoch id (AES-256-GCM), empty for XChaCha20-Poly1305.
    pub(crate) epoch: Range<usize>,
    pub(crate) ciphertext: Range<usize>,
    pub(crate) tag: Range<usize>,
}

impl PartLayout {
    /// The whole part.
    pub(crate) fn all(&self) -> Range<usize> {
        self.name_len_at..self.tag.end
    }
}

/// The layout of a value, read independently of the library from the FORMAT v1 description.
#[derive(Debug, Clone)]
pub(crate) struct Layout {
    pub(crate) suite: Suite,
    pub(crate) ct_len: usize,
    /// The value's nonce, shared by its parts.
    pub(crate) nonce: Range<usize>,
    pub(crate) parts: Vec<PartLayout>,
}

/// The value nonce's length: a 12-byte GCM IV or a 24-byte XChaCha nonce.
pub(crate) fn nonce_len(suite: Suite) -> usize {
    match suite {
        Suite::Aes256Gcm => 12,
        _ => 24,
    }
}

/// Each part's epoch id length: 8 for AES-256-GCM, 0 for XChaCha20-Poly1305.
pub(crate) fn epoch_len(suite: Suite) -> usize {
    match suite {
        Suite::Aes256Gcm => 8,
        _ => 0,
    }
}

/// Walks a well-formed value (one the library wrote), checking the header as FORMAT v1 says.
pub(crate) fn layout(bytes: &[u8]) -> Layout {
    assert_eq!(bytes[0], 0x01, "format version");
    let suite = Suite::ALL
        .into_iter()
        .find(|s| s.id() == bytes[1])
        .expect("a known suite id");
    assert_eq!(bytes[2], 0x01, "key mode: direct");
    let count = usize::from(bytes[4]);
    assert!((1..=8).contains(&count), "part count {count}");
    let ct_len = u32::from_be_bytes(bytes[5..9].try_into().expect("4 bytes")) as usize;
    let nonce = HEADER_LEN..HEADER_LEN + nonce_len(suite);
    let mut at = nonce.end;
    let mut parts = Vec::with_capacity(count);
    for _ in 0..count {
        let name_len_at = at;
        let name_bytes = at + 1..at + 1 + usize::from(bytes[at]);
        let key_version = name_bytes.end..name_bytes.end + 4;
        let epoch = key_version.end..key_version.end + epoch_len(suite);
        let ciphertext = epoch.end..epoch.end + ct_len;
        let tag = ciphertext.end..ciphertext.end + TAG_LEN;
        at = tag.end;
        parts.push(PartLayout {
            name: String::from_utf8(bytes[name_bytes.clone()].to_vec()).expect("ASCII name"),
            name_len_at,
            name_bytes,
            key_version,
            epoch,
            ciphertext,
            tag,
        });
    }
    assert_eq!(at, bytes.len(), "the parts fill the value exactly");
    Layout {
        suite,
        ct_len,
        nonce,
        parts,
    }
}

/// The nonce material the first part of a value is sealed with: for AES-256-GCM its epoch id,
/// then the value's IV; for XChaCha20-Poly1305 the value's nonce.
pub(crate) fn first_nonce(bytes: &[u8]) -> Vec<u8> {
    let layout = layout(bytes);
    [
        &bytes[layout.parts[0].epoch.clone()],
        &bytes[layout.nonce.clone()],
    ]
    .concat()
}

/// The key check value of FORMAT.md §4.1, computed from the spec with the raw HKDF (not through
/// fieldseal), for handing raw purpose keys to `DynPurposeKey::from_versions` in tests.
#[allow(dead_code)] // not every test binary uses it
pub(crate) fn key_check(pk: &[u8; 32], purpose: &str, version: u32) -> fieldseal::KeyCheck {
    let mut info = b"fieldseal/v1/key-check".to_vec();
    info.extend_from_slice(&u32::try_from(purpose.len()).unwrap().to_be_bytes());
    info.extend_from_slice(purpose.as_bytes());
    info.extend_from_slice(&version.to_be_bytes());
    let mut out = [0u8; 16];
    hkdf::Hkdf::<sha2::Sha256>::from_prk(pk)
        .unwrap()
        .expand(&info, &mut out)
        .unwrap();
    fieldseal::KeyCheck::from_bytes(out)
}

/// A raw purpose key version as `DynPurposeKey::from_versions` takes it: with its check value.
#[allow(dead_code)] // not every test binary uses it
pub(crate) fn checked(
    purpose: &str,
    version: u32,
    key: [u8; 32],
) -> (u32, Zeroizing<[u8; 32]>, fieldseal::KeyCheck) {
    (
        version,
        Zeroizing::new(key),
        key_check(&key, purpose, version),
    )
}
