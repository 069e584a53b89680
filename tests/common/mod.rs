//! Purposes and helpers shared by the integration tests, including an independent walker of the
//! FORMAT v1 byte layout so that tests can aim at one region (header, name, nonce, tag) of a value.

#![allow(
    dead_code,
    reason = "every test crate includes this module and uses a different subset of it"
)]

use std::ops::Range;
use std::sync::LazyLock;
use std::time::SystemTime;

use fieldseal::{Context, Keyring, SecretKey, Suite};
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

/// Header bytes before the first part: version, suite, plaintext type, count, ct_len.
pub(crate) const HEADER_LEN: usize = 8;

/// Length of every tag.
pub(crate) const TAG_LEN: usize = 16;

/// The usual context of the tests.
pub(crate) fn ctx() -> Context<'static> {
    Context::new("customer", "email").with_id_u64(42)
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
    pub(crate) nonce: Range<usize>,
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
    pub(crate) parts: Vec<PartLayout>,
}

/// Nonce bytes per part: 8-byte epoch id and 12-byte GCM nonce, or a 24-byte XChaCha nonce.
pub(crate) fn nonce_len(suite: Suite) -> usize {
    match suite {
        Suite::Aes256Gcm => 20,
        _ => 24,
    }
}

/// Walks a well-formed value (one the library wrote), checking the header as FORMAT v1 says.
pub(crate) fn layout(bytes: &[u8]) -> Layout {
    assert_eq!(bytes[0], 0x01, "format version");
    let suite = Suite::ALL
        .into_iter()
        .find(|s| s.id() == bytes[1])
        .expect("a known suite id");
    let count = usize::from(bytes[3]);
    assert!((1..=8).contains(&count), "part count {count}");
    let ct_len = u32::from_be_bytes(bytes[4..8].try_into().expect("4 bytes")) as usize;
    let mut at = HEADER_LEN;
    let mut parts = Vec::with_capacity(count);
    for _ in 0..count {
        let name_len_at = at;
        let name_bytes = at + 1..at + 1 + usize::from(bytes[at]);
        let key_version = name_bytes.end..name_bytes.end + 4;
        let nonce = key_version.end..key_version.end + nonce_len(suite);
        let ciphertext = nonce.end..nonce.end + ct_len;
        let tag = ciphertext.end..ciphertext.end + TAG_LEN;
        at = tag.end;
        parts.push(PartLayout {
            name: String::from_utf8(bytes[name_bytes.clone()].to_vec()).expect("ASCII name"),
            name_len_at,
            name_bytes,
            key_version,
            nonce,
            ciphertext,
            tag,
        });
    }
    assert_eq!(at, bytes.len(), "the parts fill the value exactly");
    Layout {
        suite,
        ct_len,
        parts,
    }
}

/// The nonce region (for AES-256-GCM: epoch id, then nonce) of the first part of a value.
pub(crate) fn first_nonce(bytes: &[u8]) -> Vec<u8> {
    let suite = Suite::ALL
        .into_iter()
        .find(|s| s.id() == bytes[1])
        .expect("a known suite id");
    let start = HEADER_LEN + 1 + usize::from(bytes[HEADER_LEN]) + 4;
    bytes[start..start + nonce_len(suite)].to_vec()
}
