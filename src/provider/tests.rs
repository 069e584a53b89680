//! Every provider against every other, at the suite layer: the same bytes out, and each opens what
//! each sealed. Sizes straddle the RustCrypto provider's thresholds (AES-256-GCM at 256 bytes,
//! XChaCha20-Poly1305 at 512), where it changes implementation.

use zeroize::Zeroizing;

use super::Provider;
use crate::aead::TAG_LEN;
use crate::aead::raw::{AES_NONCE_LEN, AesGcm, XCHACHA_NONCE_LEN, XChaCha};
use crate::secret::{KEY_LEN, SecretKey};

const SIZES: [usize; 17] = [
    0, 1, 15, 16, 17, 24, 64, 255, 256, 257, 511, 512, 513, 1024, 4096, 65_536, 1_048_579,
];

/// Deterministic, position-dependent filler: different per call site, not all one byte.
fn filler(len: usize, seed: u8) -> Vec<u8> {
    (0..len)
        .map(|i| (i as u8).wrapping_mul(31).wrapping_add(seed) ^ (i >> 8) as u8)
        .collect()
}

fn key(seed: u8) -> SecretKey {
    let bytes: [u8; KEY_LEN] = filler(KEY_LEN, seed).try_into().unwrap();
    SecretKey::from_bytes(Zeroizing::new(bytes))
}

/// Seals `pt` under every provider with `seal`, checks they agree, then opens the result under
/// every provider with `open` and checks it authenticates and tampering does not.
fn cross_check(
    what: &str,
    pt: &[u8],
    seal: impl Fn(Provider, &mut [u8]) -> [u8; TAG_LEN],
    open: impl Fn(Provider, &mut [u8], &[u8; TAG_LEN]) -> Result<(), ()>,
) {
    let sealed: Vec<(Provider, Vec<u8>, [u8; TAG_LEN])> = Provider::ALL
        .iter()
        .map(|&p| {
            let mut buf = pt.to_vec();
            let tag = seal(p, &mut buf);
            (p, buf, tag)
        })
        .collect();
    let (first, ct, tag) = &sealed[0];
    if !pt.is_empty() {
        assert_ne!(&ct[..], pt, "{what}: {first} left the plaintext as it was");
    }
    for (p, other_ct, other_tag) in &sealed[1..] {
        assert!(
            other_ct == ct && other_tag == tag,
            "{what}, {} B: {p} and {first} sealed different bytes",
            pt.len()
        );
    }
    for (sealer, ct, tag) in &sealed {
        for &opener in Provider::ALL {
            let mut buf = ct.clone();
            assert_eq!(
                open(opener, &mut buf, tag),
                Ok(()),
                "{what}, {} B: {opener} did not open what {sealer} sealed",
                pt.len()
            );
            assert!(buf == pt, "{what}: {opener} opened to other bytes");
            let mut bad_tag = *tag;
            bad_tag[0] ^= 0x40;
            let mut buf = ct.clone();
            assert_eq!(open(opener, &mut buf, &bad_tag), Err(()), "{what}: tag");
            if let Some(last) = ct.len().checked_sub(1) {
                let mut buf = ct.clone();
                buf[last] ^= 1;
                assert_eq!(open(opener, &mut buf, tag), Err(()), "{what}: ciphertext");
            }
        }
    }
}

#[test]
fn every_provider_seals_the_same_aes_256_gcm_bytes_and_opens_every_others() {
    let key = key(1);
    let ciphers: Vec<_> = Provider::ALL
        .iter()
        .map(|&p| (p, AesGcm::with_provider(p, &key)))
        .collect();
    let cipher = |p: Provider| &ciphers.iter().find(|(q, _)| *q == p).unwrap().1;
    let nonce: [u8; AES_NONCE_LEN] = filler(AES_NONCE_LEN, 2).try_into().unwrap();
    for len in SIZES {
        let (pt, aad) = (filler(len, 3), filler(len % 61, 4));
        cross_check(
            "AES-256-GCM",
            &pt,
            |p, buf| cipher(p).seal_detached(&nonce, &aad, buf),
            |p, buf, tag| cipher(p).open(&nonce, &aad, buf, tag),
        );
    }
}

#[test]
fn every_provider_seals_the_same_xchacha20_poly1305_bytes_and_opens_every_others() {
    let key = key(5);
    let ciphers: Vec<_> = Provider::ALL
        .iter()
        .map(|&p| (p, XChaCha::with_provider(p, &key)))
        .collect();
    let cipher = |p: Provider| &ciphers.iter().find(|(q, _)| *q == p).unwrap().1;
    let nonce: [u8; XCHACHA_NONCE_LEN] = filler(XCHACHA_NONCE_LEN, 6).try_into().unwrap();
    for len in SIZES {
        let (pt, aad) = (filler(len, 7), filler(len % 61, 8));
        cross_check(
            "XChaCha20-Poly1305",
            &pt,
            |p, buf| cipher(p).seal_detached(&nonce, &aad, buf),
            |p, buf, tag| cipher(p).open(&nonce, &aad, buf, tag),
        );
    }
}

/// A changed nonce byte in either half of the XChaCha nonce (the HChaCha20 input, or the IETF
/// nonce) does not open: both halves reach the AEAD under every provider.
#[test]
fn every_xchacha_nonce_byte_counts_under_every_provider() {
    let key = key(9);
    for &p in Provider::ALL {
        let cipher = XChaCha::with_provider(p, &key);
        let nonce = [0x11; XCHACHA_NONCE_LEN];
        for len in [24, 600] {
            let mut buf = filler(len, 10);
            let tag = cipher.seal_detached(&nonce, b"aad", &mut buf);
            for i in 0..XCHACHA_NONCE_LEN {
                let mut other = nonce;
                other[i] ^= 1;
                let mut copy = buf.clone();
                assert_eq!(
                    cipher.open(&other, b"aad", &mut copy, &tag),
                    Err(()),
                    "{p}, {len} B: nonce byte {i} ignored"
                );
            }
        }
    }
}

#[test]
fn names_round_trip_and_the_compiled_default_comes_first() {
    for &p in Provider::ALL {
        assert_eq!(Provider::from_name(p.name()), Some(p));
        assert_eq!(p.to_string(), p.name());
    }
    assert_eq!(Provider::from_name("openssl"), None);
    assert_eq!(Provider::compiled_default(), Provider::ALL[0]);
    #[cfg(feature = "aws-lc")]
    assert_eq!(Provider::compiled_default(), Provider::AwsLc);
    #[cfg(all(feature = "ring", not(feature = "aws-lc")))]
    assert_eq!(Provider::compiled_default(), Provider::Ring);
    #[cfg(not(any(feature = "ring", feature = "aws-lc")))]
    assert_eq!(Provider::compiled_default(), Provider::RustCrypto);
}

/// The refusal names both providers and what to do, and the one in use stays.
#[test]
fn a_second_install_is_refused_and_the_first_stays() {
    let in_use = super::get_default();
    assert_eq!(super::install_default(in_use), Ok(()));
    for &other in Provider::ALL.iter().filter(|&&p| p != in_use) {
        let refused = super::install_default(other).unwrap_err();
        assert_eq!((refused.in_use, refused.requested), (in_use, other));
        let text = refused.to_string();
        assert!(text.contains(in_use.name()) && text.contains(other.name()));
        assert!(text.contains("install_default"), "{text}");
    }
    assert_eq!(super::get_default(), in_use);
}

/// Every provider against the raw RustCrypto crates (the reference), over every
/// plaintext length up to past both thresholds and AAD lengths up to past a GHASH/Poly1305 block
/// multiple and the largest AAD a value can have.
#[test]
fn every_provider_matches_the_raw_crates_over_lengths_and_aad() {
    use aes_gcm::aead::{AeadInPlace as _, KeyInit as _};
    let key = key(0x33);
    let aes_ref = aes_gcm::Aes256Gcm::new_from_slice(key.expose_secret()).unwrap();
    let x_ref = chacha20poly1305::XChaCha20Poly1305::new_from_slice(key.expose_secret()).unwrap();
    let aad_lens = [
        0usize, 1, 15, 16, 17, 31, 32, 33, 63, 64, 65, 255, 256, 257, 511, 512, 513, 700,
    ];
    let aes: Vec<_> = Provider::ALL
        .iter()
        .map(|&p| (p, AesGcm::with_provider(p, &key)))
        .collect();
    let xc: Vec<_> = Provider::ALL
        .iter()
        .map(|&p| (p, XChaCha::with_provider(p, &key)))
        .collect();
    let nonce12: [u8; AES_NONCE_LEN] = filler(AES_NONCE_LEN, 0x44).try_into().unwrap();
    let nonce24: [u8; XCHACHA_NONCE_LEN] = filler(XCHACHA_NONCE_LEN, 0x45).try_into().unwrap();
    for len in (0..=600).chain([1023, 1024, 1025, 4095, 4097]) {
        for &alen in &aad_lens {
            let pt = filler(len, len as u8);
            let aad = filler(alen, 0x99 ^ alen as u8);
            let mut r = pt.clone();
            let rtag = aes_ref
                .encrypt_in_place_detached(&nonce12.into(), &aad, &mut r)
                .unwrap();
            for (p, c) in &aes {
                let mut b = pt.clone();
                let t = c.seal_detached(&nonce12, &aad, &mut b);
                assert!(b == r && t[..] == rtag[..], "AES {p} len {len} aad {alen}");
                assert_eq!(
                    c.open(&nonce12, &aad, &mut b, &t),
                    Ok(()),
                    "AES open {p} {len} {alen}"
                );
                assert!(b == pt);
            }
            let mut r = pt.clone();
            let rtag = x_ref
                .encrypt_in_place_detached(
                    chacha20poly1305::XNonce::from_slice(&nonce24),
                    &aad,
                    &mut r,
                )
                .unwrap();
            for (p, c) in &xc {
                let mut b = pt.clone();
                let t = c.seal_detached(&nonce24, &aad, &mut b);
                assert!(
                    b == r && t[..] == rtag[..],
                    "XChaCha {p} len {len} aad {alen}"
                );
                assert_eq!(
                    c.open(&nonce24, &aad, &mut b, &t),
                    Ok(()),
                    "XChaCha open {p} {len} {alen}"
                );
                assert!(b == pt);
            }
        }
    }
}
