//! Key derivation: every key fieldseal uses comes from HKDF-SHA256 under its own label.
//!
//! FORMAT.md §4 is the normative text; each label below is written next to its spec line.
//! `lp(x)` is `u32be(len(x)) || x`, so that no two inputs concatenate to the same bytes.

use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

use crate::secret::{KEY_LEN, SecretKey};

/// HKDF salt for purpose keys (FORMAT.md §4.1).
pub const ROOT_SALT: &[u8] = b"fieldseal/v1/root";

/// FORMAT.md §4.1: `PK = HKDF-SHA256[salt = ROOT_SALT, info = PURPOSE_KEY_LABEL || lp(purpose) ||
/// u32be(version)](root_key, 32)`.
pub const PURPOSE_KEY_LABEL: &[u8] = b"fieldseal/v1/purpose";

/// FORMAT.md §16.1: `IK = HKDF-SHA256[salt = ROOT_SALT, info = INDEX_KEY_LABEL || lp(index) ||
/// u32be(index_version)](root_key_r, 32)`, the key of one blind index version, derived from the
/// root version `r` the index version is pinned to.
pub const INDEX_KEY_LABEL: &[u8] = b"fieldseal/v1/index";

/// FORMAT.md §4.2: `K_epoch = HKDF-Expand-SHA256[info = AES_EPOCH_LABEL || epoch](PK, 32)`, the
/// AES-256-GCM key of one 8-byte epoch id.
pub const AES_EPOCH_LABEL: &[u8] = b"fieldseal/v1/aes-256-gcm/epoch";

/// FORMAT.md §4.3: `K = HKDF-Expand-SHA256[info = XCHACHA_KEY_LABEL](PK, 32)`, the
/// XChaCha20-Poly1305 key of a purpose key.
pub const XCHACHA_KEY_LABEL: &[u8] = b"fieldseal/v1/xchacha20-poly1305";

/// FORMAT.md §4.1: `KCV = HKDF-Expand-SHA256[info = KEY_CHECK_LABEL || lp(purpose) ||
/// u32be(version)](PK, 16)`, the public check value of a purpose key version.
pub const KEY_CHECK_LABEL: &[u8] = b"fieldseal/v1/key-check";

/// FORMAT.md §15.2: `KEK = HKDF-Expand-SHA256[info = VAULT_WRAP_LABEL](PK, 32)`, the key that
/// wraps subjects' data keys of one purpose key version.
pub const VAULT_WRAP_LABEL: &[u8] = b"fieldseal/v1/vault-wrap";

/// FORMAT.md §15.2: the first bytes of a wrapped data key's associated data.
pub const VAULT_ENTRY_LABEL: &[u8] = b"fieldseal/v1/vault-entry";

/// FORMAT.md §18.1: `AK = HKDF-SHA256[salt = ROOT_SALT, info = AUDIT_KEY_LABEL || lp(service) ||
/// u32be(audit_version)](root_key_r, 32)`, one service's audit key at one audit key version,
/// derived from the root version `r` that audit version is pinned to.
pub const AUDIT_KEY_LABEL: &[u8] = b"fieldseal/v1/audit";

/// FORMAT.md §18.1: `CK = HKDF-Expand-SHA256[info = AUDIT_CHAIN_LABEL](AK, 32)`, the HMAC key of
/// the log's chain.
pub const AUDIT_CHAIN_LABEL: &[u8] = b"fieldseal/v1/audit/chain";

/// FORMAT.md §18.1: `NK = HKDF-Expand-SHA256[info = AUDIT_PSEUDONYM_LABEL](AK, 32)`, the HMAC key
/// of record id and subject pseudonyms.
pub const AUDIT_PSEUDONYM_LABEL: &[u8] = b"fieldseal/v1/audit/pseudonym";

/// FORMAT.md §18.1: `seed = HKDF-Expand-SHA256[info = AUDIT_SIGNING_LABEL](AK, 32)`, the Ed25519
/// secret key (RFC 8032 §5.1.5) that signs checkpoints.
pub const AUDIT_SIGNING_LABEL: &[u8] = b"fieldseal/v1/audit/checkpoint-key";

/// Length of a key check value.
pub(crate) const KEY_CHECK_LEN: usize = 16;

/// HKDF-SHA256 (RFC 5869): extract with `salt` (or none), expand with the concatenation of
/// `info`, fill `out`. The one HKDF call of the crate, so the RFC 5869 and Wycheproof vectors test
/// exactly what the derivations use. `Err(())` only if `out` is longer than 255 * 32 bytes.
pub(crate) fn hkdf_sha256(
    salt: Option<&[u8]>,
    ikm: &[u8],
    info: &[&[u8]],
    out: &mut [u8],
) -> Result<(), ()> {
    Hkdf::<Sha256>::new(salt, ikm)
        .expand_multi_info(info, out)
        .map_err(|_| ())
}

/// HKDF-Expand-SHA256 with `prk` (RFC 5869 §2.3), for keys that are already uniformly random.
pub(crate) fn hkdf_expand_sha256(prk: &[u8], info: &[&[u8]], out: &mut [u8]) -> Result<(), ()> {
    Hkdf::<Sha256>::from_prk(prk)
        .map_err(|_| ())?
        .expand_multi_info(info, out)
        .map_err(|_| ())
}

/// Derives the purpose key of `purpose` from one root key version (FORMAT.md §4.1).
pub(crate) fn purpose_key(root: &SecretKey, purpose: &str, version: u32) -> SecretKey {
    let name = purpose.as_bytes();
    let name_len = u32::try_from(name.len()).expect("purpose names are at most 64 bytes");
    let info: [&[u8]; 4] = [
        PURPOSE_KEY_LABEL,
        &name_len.to_be_bytes(),
        name,
        &version.to_be_bytes(),
    ];
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    hkdf_sha256(Some(ROOT_SALT), root.expose_secret(), &info, out.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    SecretKey::from_bytes(out)
}

/// Derives the key of version `index_version` of blind index `index` from the root key its
/// version is pinned to (FORMAT.md §16.1).
pub(crate) fn index_key(root: &SecretKey, index: &str, index_version: u32) -> SecretKey {
    let name = index.as_bytes();
    let name_len = u32::try_from(name.len()).expect("index names are at most 64 bytes");
    let info: [&[u8]; 4] = [
        INDEX_KEY_LABEL,
        &name_len.to_be_bytes(),
        name,
        &index_version.to_be_bytes(),
    ];
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    hkdf_sha256(Some(ROOT_SALT), root.expose_secret(), &info, out.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    SecretKey::from_bytes(out)
}

/// Derives the audit key of `service` at `audit_version` from the root key that version is pinned
/// to (FORMAT.md §18.1).
pub(crate) fn audit_key(root: &SecretKey, service: &str, audit_version: u32) -> SecretKey {
    let name = service.as_bytes();
    let name_len = u32::try_from(name.len()).expect("service names are at most 255 bytes");
    let info: [&[u8]; 4] = [
        AUDIT_KEY_LABEL,
        &name_len.to_be_bytes(),
        name,
        &audit_version.to_be_bytes(),
    ];
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    hkdf_sha256(Some(ROOT_SALT), root.expose_secret(), &info, out.as_mut())
        .expect("32 bytes is a valid HKDF-SHA256 output length");
    SecretKey::from_bytes(out)
}

/// The key check value of purpose key `pk` of `purpose` at `version` (FORMAT.md §4.1).
pub(crate) fn key_check(pk: &SecretKey, purpose: &str, version: u32) -> [u8; KEY_CHECK_LEN] {
    let name = purpose.as_bytes();
    let name_len = u32::try_from(name.len()).expect("purpose names are at most 64 bytes");
    let info: [&[u8]; 4] = [
        KEY_CHECK_LABEL,
        &name_len.to_be_bytes(),
        name,
        &version.to_be_bytes(),
    ];
    let mut out = [0u8; KEY_CHECK_LEN];
    hkdf_expand_sha256(pk.expose_secret(), &info, &mut out)
        .expect("a 32-byte PRK and a 16-byte output are valid for HKDF-SHA256");
    out
}

/// Expands a purpose key into a suite key (FORMAT.md §4.2 and §4.3).
pub(crate) fn suite_key(purpose_key: &SecretKey, label: &[u8], extra: &[u8]) -> SecretKey {
    let mut out = Zeroizing::new([0u8; KEY_LEN]);
    hkdf_expand_sha256(purpose_key.expose_secret(), &[label, extra], out.as_mut())
        .expect("a 32-byte PRK and a 32-byte output are valid for HKDF-SHA256");
    SecretKey::from_bytes(out)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    /// RFC 5869 test case 1, run through the same HKDF calls our derivations use.
    #[test]
    fn rfc5869_case_1() {
        let ikm = hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        let salt = hex("000102030405060708090a0b0c");
        let info = hex("f0f1f2f3f4f5f6f7f8f9");
        let mut prk = [0u8; 32];
        // Extract alone is HMAC(salt, ikm): check it through the expand-only path's input.
        let (extracted, _) = Hkdf::<Sha256>::extract(Some(&salt), &ikm);
        prk.copy_from_slice(&extracted);
        assert_eq!(
            prk.as_slice(),
            hex("077709362c2e32df0ddc3f0dc47bba6390b6c73bb50f9c3122ec844ad7c2b3e5").as_slice()
        );
        let mut okm = [0u8; 42];
        hkdf_sha256(Some(&salt), &ikm, &[&info[..3], &info[3..]], &mut okm).unwrap();
        let mut okm_from_prk = [0u8; 42];
        hkdf_expand_sha256(&prk, &[&info], &mut okm_from_prk).unwrap();
        assert_eq!(okm, okm_from_prk);
        assert_eq!(
            okm.as_slice(),
            hex("3cb25f25faacd57a90434f64d0362f2a2d2d0a90cf1a5a4c5db02d56ecc4c5bf34007208d5b887185865")
                .as_slice()
        );
    }

    /// RFC 5869 test case 3: empty salt and info.
    #[test]
    fn rfc5869_case_3() {
        let ikm = hex("0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b0b");
        let mut okm = [0u8; 42];
        hkdf_sha256(None, &ikm, &[], &mut okm).unwrap();
        assert_eq!(
            okm.as_slice(),
            hex("8da4e775a563c18f715f802a063c5a31b8a11f5c5ee1879ec3454e5f3c738d2d9d201395faa4b61a96c8")
                .as_slice()
        );
    }

    #[test]
    fn purpose_keys_separate_purposes_and_versions() {
        let root = SecretKey::from_bytes(Zeroizing::new([7; KEY_LEN]));
        let a = purpose_key(&root, "marketing", 1);
        assert_ne!(a, purpose_key(&root, "fulfillment", 1));
        assert_ne!(a, purpose_key(&root, "marketing", 2));
        assert_eq!(a, purpose_key(&root, "marketing", 1));
        let epoch = suite_key(&a, AES_EPOCH_LABEL, &[0; 8]);
        assert_ne!(epoch, suite_key(&a, AES_EPOCH_LABEL, &[1; 8]));
        assert_ne!(epoch, suite_key(&a, XCHACHA_KEY_LABEL, &[]));
    }

    #[test]
    fn index_keys_separate_names_versions_and_purposes() {
        let root = SecretKey::from_bytes(Zeroizing::new([7; KEY_LEN]));
        let email = index_key(&root, "email", 1);
        assert_eq!(email, index_key(&root, "email", 1));
        assert_ne!(email, index_key(&root, "email", 2));
        assert_ne!(email, index_key(&root, "phone", 1));
        // Its own label: an index and a purpose of the same name never share a key.
        assert_ne!(email, purpose_key(&root, "email", 1));
    }
}
