//! Wycheproof AEAD vectors run through our own suite layer ([`raw::AesGcm`], [`raw::XChaCha`]),
//! under every crypto provider the build has, not only through the crates underneath.
//!
//! For every vector whose shape our suites accept: a valid vector must seal to exactly its
//! ciphertext and tag, open back to its message, and stop opening when one bit of its tag or
//! ciphertext flips; an invalid vector must not open. Shapes our suites cannot express are counted
//! and skipped (see `Shape`), and every test asserts how many vectors it ran, so an empty loop or a
//! data set that stopped matching fails loudly.

use wycheproof::TestResult;
use wycheproof::aead::{Test, TestFlag, TestName, TestSet};
use zeroize::Zeroizing;

use super::TAG_LEN;
use super::raw::{self, AES_NONCE_LEN, XCHACHA_NONCE_LEN};
use crate::provider::Provider;
use crate::secret::{KEY_LEN, SecretKey};

/// The suite layer of one AEAD, with its nonce length as a type parameter.
trait RawAead<const N: usize>: Sized {
    fn new(provider: Provider, key: &SecretKey) -> Self;
    fn seal(&self, nonce: &[u8; N], aad: &[u8], buf: &mut [u8]) -> [u8; TAG_LEN];
    fn open(
        &self,
        nonce: &[u8; N],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()>;
}

impl RawAead<AES_NONCE_LEN> for raw::AesGcm {
    fn new(provider: Provider, key: &SecretKey) -> Self {
        raw::AesGcm::with_provider(provider, key)
    }
    fn seal(&self, nonce: &[u8; AES_NONCE_LEN], aad: &[u8], buf: &mut [u8]) -> [u8; TAG_LEN] {
        raw::AesGcm::seal_detached(self, nonce, aad, buf)
    }
    fn open(
        &self,
        nonce: &[u8; AES_NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        raw::AesGcm::open(self, nonce, aad, buf, tag)
    }
}

impl RawAead<XCHACHA_NONCE_LEN> for raw::XChaCha {
    fn new(provider: Provider, key: &SecretKey) -> Self {
        raw::XChaCha::with_provider(provider, key)
    }
    fn seal(&self, nonce: &[u8; XCHACHA_NONCE_LEN], aad: &[u8], buf: &mut [u8]) -> [u8; TAG_LEN] {
        raw::XChaCha::seal_detached(self, nonce, aad, buf)
    }
    fn open(
        &self,
        nonce: &[u8; XCHACHA_NONCE_LEN],
        aad: &[u8],
        buf: &mut [u8],
        tag: &[u8; TAG_LEN],
    ) -> Result<(), ()> {
        raw::XChaCha::open(self, nonce, aad, buf, tag)
    }
}

/// How many vectors of a set went where.
#[derive(Debug, Default)]
struct Counts {
    /// Valid vectors sealed, opened and tamper-checked.
    valid: usize,
    /// Invalid vectors checked to fail to open.
    invalid: usize,
    /// Vectors of a shape (key, nonce or tag size) our suite cannot take, skipped.
    skipped: usize,
}

/// Runs every vector of `set` whose key, nonce and tag sizes fit `A`.
///
/// Vectors of another shape are skipped, not failed: our suite layer takes the key as a 32-byte
/// [`SecretKey`], the nonce as `[u8; N]` and the tag as `[u8; TAG_LEN]`, so a vector with another
/// key, nonce or tag size (e.g. AES-128/192, GCM with a non-96-bit IV, XChaCha with a truncated
/// nonce) is not a call our code can even make: the type system rejects it before any crypto runs.
fn run_set<A: RawAead<N>, const N: usize>(provider: Provider, name: TestName) -> Counts {
    let set = TestSet::load(name).expect("the wycheproof crate ships this data set");
    let mut counts = Counts::default();
    for group in &set.test_groups {
        let fits = group.key_size == KEY_LEN * 8
            && group.nonce_size == N * 8
            && group.tag_size == TAG_LEN * 8;
        for test in &group.tests {
            if !fits {
                counts.skipped += 1;
                continue;
            }
            match test.result {
                TestResult::Valid => {
                    check_valid::<A, N>(provider, test);
                    counts.valid += 1;
                }
                TestResult::Invalid => {
                    check_invalid::<A, N>(provider, test);
                    counts.invalid += 1;
                }
                // Neither data set has "acceptable" AEAD vectors today; if one appears it needs a
                // decision (accept or reject), not a silent pass.
                TestResult::Acceptable => panic!(
                    "tcId {}: acceptable vector needs a decision: {:?}",
                    test.tc_id, test.flags
                ),
            }
        }
    }
    counts
}

/// Key, nonce and tag of a vector in the fixed-size types our suite takes. The group sizes were
/// checked by the caller, so a mismatch here is a broken data set.
fn parts<A: RawAead<N>, const N: usize>(
    provider: Provider,
    test: &Test,
) -> (A, [u8; N], [u8; TAG_LEN]) {
    let key: [u8; KEY_LEN] = test
        .key
        .as_slice()
        .try_into()
        .expect("key size of its group");
    let nonce: [u8; N] = test
        .nonce
        .as_slice()
        .try_into()
        .expect("nonce size of its group");
    let tag: [u8; TAG_LEN] = test
        .tag
        .as_slice()
        .try_into()
        .expect("tag size of its group");
    (
        A::new(provider, &SecretKey::from_bytes(Zeroizing::new(key))),
        nonce,
        tag,
    )
}

fn check_valid<A: RawAead<N>, const N: usize>(provider: Provider, test: &Test) {
    let id = format!("{provider}, tcId {}", test.tc_id);
    let (aead, nonce, tag) = parts::<A, N>(provider, test);

    let mut buf = test.pt.to_vec();
    let sealed_tag = aead.seal(&nonce, &test.aad, &mut buf);
    assert_eq!(buf, *test.ct, "{id}: ciphertext");
    assert_eq!(sealed_tag, tag, "{id}: tag");

    let mut buf = test.ct.to_vec();
    assert_eq!(
        aead.open(&nonce, &test.aad, &mut buf, &tag),
        Ok(()),
        "{id}: open"
    );
    assert_eq!(buf, *test.pt, "{id}: plaintext");

    let mut bad_tag = tag;
    bad_tag[TAG_LEN - 1] ^= 0x01;
    let mut buf = test.ct.to_vec();
    assert_eq!(
        aead.open(&nonce, &test.aad, &mut buf, &bad_tag),
        Err(()),
        "{id}: flipped tag bit opened"
    );
    if !test.ct.is_empty() {
        let mut buf = test.ct.to_vec();
        buf[0] ^= 0x80;
        assert_eq!(
            aead.open(&nonce, &test.aad, &mut buf, &tag),
            Err(()),
            "{id}: flipped ciphertext bit opened"
        );
    }
}

fn check_invalid<A: RawAead<N>, const N: usize>(provider: Provider, test: &Test) {
    let (aead, nonce, tag) = parts::<A, N>(provider, test);
    let mut buf = test.ct.to_vec();
    assert_eq!(
        aead.open(&nonce, &test.aad, &mut buf, &tag),
        Err(()),
        "{provider}, tcId {}: invalid vector opened ({}; {:?})",
        test.tc_id,
        test.comment,
        test.flags
    );
}

#[test]
fn wycheproof_aes_256_gcm() {
    for &provider in Provider::ALL {
        let counts = run_set::<raw::AesGcm, AES_NONCE_LEN>(provider, TestName::AesGcm);
        // aes_gcm_test.json (wycheproof 0.7.0): 66 vectors with a 256-bit key, 96-bit IV and
        // 128-bit tag (39 valid, 27 invalid); the other 250 are AES-128/192 or other IV sizes.
        assert!(counts.valid >= 39, "{provider}: {counts:?}");
        assert!(counts.invalid >= 27, "{provider}: {counts:?}");
        assert!(counts.skipped <= 250, "{provider}: {counts:?}");
    }
}

#[test]
fn wycheproof_xchacha20_poly1305() {
    for &provider in Provider::ALL {
        let counts =
            run_set::<raw::XChaCha, XCHACHA_NONCE_LEN>(provider, TestName::XChaCha20Poly1305);
        // xchacha20_poly1305_test.json (wycheproof 0.7.0): 306 vectors with a 192-bit nonce (246
        // valid, 60 invalid); the other 9 are invalid because their nonce is not 192 bits.
        assert!(counts.valid >= 246, "{provider}: {counts:?}");
        assert!(counts.invalid >= 60, "{provider}: {counts:?}");
        assert!(counts.skipped <= 9, "{provider}: {counts:?}");
    }
}

/// The skipped XChaCha vectors are exactly the ones Wycheproof marks invalid for their nonce size:
/// skipping never hides a valid vector, and never an invalid one of a shape we do accept.
#[test]
fn wycheproof_xchacha20_poly1305_skips_only_bad_nonce_sizes() {
    let set = TestSet::load(TestName::XChaCha20Poly1305).expect("shipped data set");
    let mut skipped = 0;
    for group in set
        .test_groups
        .iter()
        .filter(|g| g.nonce_size != XCHACHA_NONCE_LEN * 8)
    {
        for test in &group.tests {
            assert_eq!(test.result, TestResult::Invalid, "tcId {}", test.tc_id);
            assert!(
                test.flags.contains(&TestFlag::InvalidNonceSize),
                "tcId {}",
                test.tc_id
            );
            skipped += 1;
        }
    }
    assert!(skipped >= 9, "{skipped}");
}
