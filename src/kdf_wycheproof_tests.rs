//! Wycheproof HKDF-SHA256 vectors run through our own key derivation layer
//! ([`kdf::hkdf_sha256`] and [`kdf::hkdf_expand_sha256`]), not only through the `hkdf` crate.
//!
//! Every vector runs, none is skipped: a valid one must derive exactly its output (with `info`
//! passed whole and split in two, since our derivations pass `info` in pieces), an invalid one
//! (an output longer than 255 * 32 bytes) must return `Err` from both calls.

use hkdf::Hkdf;
use sha2::Sha256;
use wycheproof::TestResult;
use wycheproof::hkdf::{Test, TestFlag, TestName, TestSet};

use crate::kdf;

/// The PRK of RFC 5869 §2.2 (`HMAC-SHA256(salt, ikm)`), the input of our expand-only call. Our
/// layer has no extract-only call, so this one step comes from the `hkdf` crate.
fn prk(test: &Test) -> Vec<u8> {
    Hkdf::<Sha256>::extract(Some(&test.salt), &test.ikm)
        .0
        .to_vec()
}

fn check_valid(test: &Test) {
    let id = test.tc_id;
    let (ikm, salt, info) = (&test.ikm[..], &test.salt[..], &test.info[..]);
    let mut okm = vec![0u8; test.size];

    kdf::hkdf_sha256(Some(salt), ikm, &[info], &mut okm).expect("valid size");
    assert_eq!(okm, *test.okm, "tcId {id}: hkdf_sha256");

    okm.fill(0);
    let (head, tail) = info.split_at(info.len() / 2);
    kdf::hkdf_sha256(Some(salt), ikm, &[head, tail], &mut okm).expect("valid size");
    assert_eq!(okm, *test.okm, "tcId {id}: hkdf_sha256 with split info");

    // RFC 5869 §2.2: no salt means HashLen zero bytes, which HMAC treats like an empty key.
    if salt.is_empty() {
        okm.fill(0);
        kdf::hkdf_sha256(None, ikm, &[info], &mut okm).expect("valid size");
        assert_eq!(okm, *test.okm, "tcId {id}: hkdf_sha256 with no salt");
    }

    okm.fill(0);
    kdf::hkdf_expand_sha256(&prk(test), &[head, tail], &mut okm).expect("valid size");
    assert_eq!(okm, *test.okm, "tcId {id}: hkdf_expand_sha256");
}

fn check_invalid(test: &Test) {
    let id = test.tc_id;
    // The only invalid HKDF-SHA256 vectors ask for more than 255 * HashLen bytes; any other kind
    // would need its own check here.
    assert!(
        test.flags.contains(&TestFlag::SizeTooLarge),
        "tcId {id}: {:?}",
        test.flags
    );
    let mut okm = vec![0u8; test.size];
    assert_eq!(
        kdf::hkdf_sha256(Some(&test.salt), &test.ikm, &[&test.info], &mut okm),
        Err(()),
        "tcId {id}: hkdf_sha256 accepted size {}",
        test.size
    );
    assert_eq!(
        kdf::hkdf_expand_sha256(&prk(test), &[&test.info], &mut okm),
        Err(()),
        "tcId {id}: hkdf_expand_sha256 accepted size {}",
        test.size
    );
}

#[test]
fn wycheproof_hkdf_sha256() {
    let set =
        TestSet::load(TestName::HkdfSha256).expect("the wycheproof crate ships this data set");
    let (mut valid, mut invalid, mut no_salt) = (0usize, 0usize, 0usize);
    for test in set.test_groups.iter().flat_map(|g| &g.tests) {
        match test.result {
            TestResult::Valid => {
                check_valid(test);
                valid += 1;
                no_salt += usize::from(test.salt.is_empty());
            }
            TestResult::Invalid => {
                check_invalid(test);
                invalid += 1;
            }
            // None today; one would need a decision, not a silent pass.
            TestResult::Acceptable => panic!("tcId {}: acceptable vector", test.tc_id),
        }
    }
    // hkdf_sha256_test.json (wycheproof 0.7.0): 86 vectors, 83 valid (23 of them with an empty
    // salt) and 3 invalid (output size 8161 = 255 * 32 + 1).
    assert!(valid >= 83, "{valid}");
    assert!(invalid >= 3, "{invalid}");
    assert!(no_salt >= 23, "{no_salt}");
}
