//! The fixed audit key: service `orders` of the root key of tests/vectors/audit, audit key
//! versions 1 and 2, as the library's `AuditKey` and as its parts derived here from FORMAT.md
//! §18.1 alone, with the honest logs and every secret a message must not show.

use std::sync::LazyLock;
use std::time::UNIX_EPOCH;

use ed25519_dalek::{SigningKey, VerifyingKey};
use fieldseal::audit::{AuditKey, Checkpoint};
use fieldseal::{Keyring, SecretKey, Suite};
use hmac::{Hmac, KeyInit as _, Mac as _};
use sha2::Sha256;
use zeroize::Zeroizing;

use super::honest::{VECTOR_LOG, genuine_log};
use super::reader::lines;

/// The root key of tests/vectors/audit (bytes 0 to 31), root version 1.
const ROOT: [u8; 32] = {
    let mut k = [0u8; 32];
    let mut i = 0;
    while i < 32 {
        k[i] = i as u8;
        i += 1;
    }
    k
};
pub(super) const SERVICE: &str = "orders";
/// The audit key versions of the fixed key.
const VERSIONS: [u32; 2] = [1, 2];

/// A keyring of the fixed root key with `audits` audit key versions.
pub(super) fn keyring(audits: u32) -> Keyring {
    let root = SecretKey::from_bytes(Zeroizing::new(ROOT));
    let mut keyring = Keyring::with_root(Suite::default(), 1, root, UNIX_EPOCH)
        .expect("the fixed root key is valid");
    for _ in 0..audits {
        keyring
            .rotate_audit_key()
            .expect("a keyring has room for two audit versions");
    }
    keyring
}

/// One audit key version's keys, derived here from FORMAT.md §18.1.
pub(super) struct VersionKeys {
    pub(super) version: u32,
    ak: [u8; 32],
    pub(super) ck: [u8; 32],
    pub(super) nk: [u8; 32],
    seed: [u8; 32],
    pub(super) public: VerifyingKey,
}

fn derive(version: u32) -> VersionKeys {
    let expand = |prk: &[u8], info: &[u8]| {
        let mut out = [0u8; 32];
        hkdf::Hkdf::<Sha256>::from_prk(prk)
            .expect("a 32-byte PRK")
            .expand(info, &mut out)
            .expect("32 bytes of HKDF-SHA256");
        out
    };
    let mut info = b"fieldseal/v1/audit".to_vec();
    info.extend_from_slice(&(SERVICE.len() as u32).to_be_bytes());
    info.extend_from_slice(SERVICE.as_bytes());
    info.extend_from_slice(&version.to_be_bytes());
    let mut ak = [0u8; 32];
    hkdf::Hkdf::<Sha256>::new(Some(b"fieldseal/v1/root"), &ROOT)
        .expand(&info, &mut ak)
        .expect("32 bytes of HKDF-SHA256");
    let seed = expand(&ak, b"fieldseal/v1/audit/checkpoint-key");
    VersionKeys {
        version,
        ak,
        ck: expand(&ak, b"fieldseal/v1/audit/chain"),
        nk: expand(&ak, b"fieldseal/v1/audit/pseudonym"),
        seed,
        public: SigningKey::from_bytes(&seed).verifying_key(),
    }
}

pub(super) fn hmac(key: &[u8], parts: &[&[u8]]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256>>::new_from_slice(key).expect("HMAC takes any key");
    for p in parts {
        mac.update(p);
    }
    mac.finalize().into_bytes().into()
}

pub(super) struct Fixed {
    /// The library's audit key: versions 1 and 2.
    pub(super) key: AuditKey,
    /// The same, derived here.
    pub(super) versions: Vec<VersionKeys>,
    /// Every secret, as text a message could show it in.
    pub(super) secrets: Vec<String>,
    /// The honest logs: the vector log, and one [`genuine_log`] wrote.
    pub(super) honest: [Vec<Vec<u8>>; 2],
    /// The last checkpoint of the vector log (another log's anchor, for the others) and its line.
    pub(super) vector_anchor: (Checkpoint, Vec<u8>),
}

pub(super) static FIXED: LazyLock<Fixed> = LazyLock::new(|| {
    let key = keyring(2)
        .audit_key(SERVICE)
        .expect("the keyring has audit versions");
    let versions: Vec<VersionKeys> = VERSIONS.into_iter().map(derive).collect();
    assert_eq!(
        key.checkpoint_public_key(2),
        Some(versions[1].public.to_bytes()),
        "FORMAT.md §18.1 derives the library's keys"
    );
    let mut secrets = Vec::new();
    let mut add = |bytes: &[u8]| {
        secrets.push(hex::encode(bytes));
        secrets.push(hex::encode_upper(bytes));
        secrets.push(format!("{bytes:?}"));
        secrets.push(String::from_utf8_lossy(bytes).into_owned());
    };
    add(&ROOT);
    for v in &versions {
        for k in [&v.ak, &v.ck, &v.nk, &v.seed] {
            add(k);
        }
    }
    let vector: Vec<Vec<u8>> = VECTOR_LOG.iter().map(|f| f.to_vec()).collect();
    let last = lines(&vector[1]).0.last().copied().expect("the vector log");
    let anchor = Checkpoint::from_line(std::str::from_utf8(last).expect("UTF-8"))
        .expect("the vector log ends with a checkpoint");
    Fixed {
        key,
        versions,
        secrets,
        vector_anchor: (anchor, last.to_vec()),
        honest: [vector, genuine_log()],
    }
});
