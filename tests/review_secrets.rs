//! Review: failing tests for faults in the "secrets stay secret" and "purpose limitation"
//! promises (README, SECURITY.md). Each test fails on the code as reviewed.

// The scanning allocator needs `unsafe` (GlobalAlloc); the library itself forbids it.
#[allow(unsafe_code)]
#[path = "common/freed.rs"]
mod freed;

use freed::{freed_copies, serial};
#[cfg(feature = "pkcs11")]
use zeroize::Zeroizing;

/// `Pkcs11Protector::open` takes the PIN as a `Zeroizing<String>` and says it is "moved, not
/// copied: `AuthPin` wipes the PIN when dropped" (src/keyfile/pkcs11/mod.rs). But `AuthPin` is
/// `secrecy::SecretString`, whose `From<String>` calls `String::into_boxed_str`, which shrinks
/// the buffer to its length: a PIN with spare capacity (every PIN read from a prompt, a file or
/// a line buffer has some) is copied into a new allocation and the old one is freed unwiped,
/// the HSM user's PIN left in freed heap memory. SECURITY.md promises secrets are held in
/// wiped buffers; whoever reads freed memory (a core dump, a later allocation's uninitialised
/// bytes) gets the PIN that unlocks the token holding the key-encryption key.
#[cfg(feature = "pkcs11")]
#[test]
fn a_pkcs11_pin_with_spare_capacity_is_not_freed_unwiped() {
    let _serial = serial();
    let secret = "review-pin-7c1e9a40";
    let copies = freed_copies(secret.as_bytes(), || {
        // As a prompt or a line reader leaves it: the text in a larger buffer.
        let mut pin = String::with_capacity(64);
        pin.push_str(secret);
        let opened = fieldseal::Pkcs11Protector::open(
            "/nonexistent/review-pkcs11-module.so",
            "review",
            None,
            Zeroizing::new(pin),
        );
        assert!(opened.is_err(), "no such module");
    });
    assert_eq!(
        copies, 0,
        "the PKCS#11 PIN was left in {copies} freed heap block(s), unwiped"
    );
}

/// SECURITY.md ("What fieldseal does not protect"): "fieldseal zeroizes its own buffers", naming
/// `Json<T>`'s transient copies as the one exception inside fieldseal. A blind index term of a
/// record's field (`RecordIndex::term`, what `#[derive(Seal)]` calls for every indexed field it
/// seals) normalizes the field's plaintext into `String`s of its own (src/record/index.rs,
/// `normalize` and `term_with`; the normalizers in src/normalize/) and frees them unwiped: a
/// customer's email or phone number, the very fields indexes are for, left in freed heap memory
/// on every seal and lookup.
#[test]
fn an_index_term_leaves_no_copy_of_the_plaintext_in_freed_memory() {
    use fieldseal::record::RecordIndex;
    use fieldseal::{IndexSpec, KeySet, Keyring, Suite};

    let _serial = serial();
    let mut keyring = Keyring::generate(Suite::default()).unwrap();
    keyring
        .add_index(
            IndexSpec::new("email")
                .unwrap()
                .with_normalizer("text")
                .unwrap(),
        )
        .unwrap();
    let keys = KeySet::new().with_index(keyring.index_key("email").unwrap());
    let index = RecordIndex::new("email")
        .unwrap()
        .part("email", "text")
        .unwrap();
    // Already in normal form, so every normalized copy holds it whole. The caller's own copy
    // (`value`) lives through the scan and is not freed in it.
    let value = String::from("ada-lovelace-7731-review");
    index.term(&keys, &[value.as_str()]).unwrap(); // first use: any one-time set-up done
    let copies = freed_copies(value.as_bytes(), || {
        index.term(&keys, &[value.as_str()]).unwrap();
    });
    assert_eq!(
        copies, 0,
        "computing one index term left the field's plaintext in {copies} freed heap block(s)"
    );
}
