//! Key bytes and plaintext never reach freed heap memory unwiped: a global allocator scans every
//! block as it is freed for a byte pattern.
//!
//! Covered: purpose keys, AES-256-GCM epoch keys (their expanded round keys start with the key
//! itself), XChaCha20-Poly1305 keys, index keys and the HMAC state keyed with them, and
//! `String`/`Vec<u8>` plaintext while sealing and opening, and the JSON text of a `Json<T>` field.
//! Not covered, and said so in SECURITY.md: what the caller holds (the value it seals, the value
//! an open returns), and `Json<T>`'s transient decoded copy.

// The scanning allocator needs `unsafe` (GlobalAlloc); the library itself forbids it.
#[allow(unsafe_code)]
#[path = "common/freed.rs"]
mod freed;

use freed::{freed_copies, serial};

use fieldseal::{
    AnyPurposes, Context, DynPurpose, DynPurposeKey, IndexSpec, Kek, KeyBundle, KeySet, Keyring,
    Sealed, SecretKey, Suite,
};
use hkdf::Hkdf;
use sha2::Sha256;
use zeroize::Zeroizing;

const PURPOSE_KEY: [u8; 32] = [0x5a; 32];

/// FORMAT.md §4.1's key check value of `PURPOSE_KEY` as marketing version 1, from the raw HKDF.
fn independent_key_check(pk: &[u8; 32]) -> fieldseal::KeyCheck {
    let mut info = b"fieldseal/v1/key-check".to_vec();
    info.extend_from_slice(&9u32.to_be_bytes());
    info.extend_from_slice(b"marketing");
    info.extend_from_slice(&1u32.to_be_bytes());
    let mut out = [0u8; 16];
    Hkdf::<Sha256>::from_prk(pk)
        .unwrap()
        .expand(&info, &mut out)
        .unwrap();
    fieldseal::KeyCheck::from_bytes(out)
}

fn key_set(suite: Suite) -> (KeySet, DynPurpose) {
    let purpose = DynPurpose::new("marketing").unwrap();
    let key = DynPurposeKey::from_versions(
        purpose.clone(),
        suite,
        [(
            1,
            Zeroizing::new(PURPOSE_KEY),
            independent_key_check(&PURPOSE_KEY),
        )],
        1,
    )
    .unwrap();
    let mut keys = KeySet::new();
    keys.insert(key);
    (keys, purpose)
}

/// The AES-256-GCM part's epoch id (FORMAT.md §4.2): the 8 bytes after the part's purpose name
/// (length-prefixed) and 4-byte version. Found by the name, not by a fixed offset, so that a
/// header field added before the parts cannot make the scan below look for the wrong key.
fn epoch_id<'a>(value: &'a [u8], purpose: &str) -> &'a [u8] {
    let mut named = vec![purpose.len() as u8];
    named.extend_from_slice(purpose.as_bytes());
    let at = value
        .windows(named.len())
        .position(|w| w == named)
        .expect("the value names its purpose")
        + named.len()
        + 4;
    &value[at..at + 8]
}

/// FORMAT.md §4.2 / §4.3, computed here independently.
fn aead_key(suite: Suite, nonce: &[u8]) -> [u8; 32] {
    let mut key = [0u8; 32];
    let hk = Hkdf::<Sha256>::from_prk(&PURPOSE_KEY).unwrap();
    match suite {
        Suite::Aes256Gcm => {
            hk.expand_multi_info(&[b"fieldseal/v1/aes-256-gcm/epoch", &nonce[..8]], &mut key)
        }
        _ => hk.expand(b"fieldseal/v1/xchacha20-poly1305", &mut key),
    }
    .unwrap();
    key
}

#[test]
fn keys_and_plaintext_are_wiped_before_their_memory_is_freed() {
    let _serial = serial();
    let ctx = Context::new("customer", "email").with_id_int(1);
    let secret = "SECRET-PLAINTEXT-0xC0FFEE-4711";
    for suite in Suite::ALL {
        let (keys, purpose) = key_set(suite);
        // Sealing and opening leave no plaintext behind.
        let mut sealed = None;
        let during_seal = freed_copies(secret.as_bytes(), || {
            sealed = Some(
                keys.seal_dyn::<String>(std::slice::from_ref(&purpose), secret, &ctx)
                    .unwrap(),
            );
        });
        assert_eq!(
            during_seal, 0,
            "{suite:?}: plaintext freed unwiped while sealing"
        );
        let sealed: Sealed<String, AnyPurposes> = sealed.unwrap();
        let mut opened = None;
        let during_open = freed_copies(secret.as_bytes(), || {
            opened = Some(keys.open_dyn(&sealed, &purpose, &ctx).unwrap());
        });
        assert_eq!(
            during_open, 0,
            "{suite:?}: plaintext freed unwiped while opening"
        );
        assert_eq!(opened.unwrap(), secret);
        let bytes = secret.as_bytes().to_vec();
        let during_bytes = freed_copies(secret.as_bytes(), || {
            let value = keys
                .seal_dyn::<Vec<u8>>(std::slice::from_ref(&purpose), &bytes[..], &ctx)
                .unwrap();
            assert_eq!(keys.open_dyn(&value, &purpose, &ctx).unwrap(), bytes);
        });
        // The opened Vec is the caller's and is freed (unwiped) inside the closure: one copy.
        assert_eq!(during_bytes, 1, "{suite:?}: Vec<u8> seal and open");

        // A large value: the RustCrypto provider seals it with its second AES-256-GCM
        // implementation (from 256 bytes, src/provider/rustcrypto/aes.rs), built on first use,
        // whose key schedule the drop below must wipe as well.
        let large = vec![0x33u8; 4096];
        let value = keys
            .seal_dyn::<Vec<u8>>(std::slice::from_ref(&purpose), &large[..], &ctx)
            .unwrap();
        assert_eq!(keys.open_dyn(&value, &purpose, &ctx).unwrap(), large);

        // Dropping the keys wipes the purpose key and every cipher built from it.
        let aead = aead_key(suite, epoch_id(sealed.as_bytes(), purpose.name()));
        assert_eq!(
            freed_copies(&aead[..16], || drop(keys)),
            0,
            "{suite:?}: the AEAD key (or its expanded schedule) was freed unwiped"
        );
        let (keys, _) = key_set(suite);
        assert_eq!(
            freed_copies(&PURPOSE_KEY, || drop(keys)),
            0,
            "{suite:?}: purpose key"
        );
    }
}

/// A `Json<T>` field's JSON text, the plaintext as it is sealed, is wiped: when its buffer grows
/// and when the seal is done. The pattern holds the JSON punctuation around the secret, so it
/// matches the text only, not the decoded copy the round-trip check makes (which the caller's
/// type owns and which is not covered, see the module documentation).
#[test]
fn json_text_is_wiped_while_sealing() {
    #[derive(serde::Serialize, serde::Deserialize)]
    struct Note {
        text: String,
        more: String,
    }
    let _serial = serial();
    let ctx = Context::new("customer", "notes").with_id_int(1);
    let (keys, purpose) = key_set(Suite::Aes256Gcm);
    // Within the buffer's first allocation (128 bytes); then a second member long enough to grow
    // it after the secret was written, so that the grown-out buffer holds the secret.
    for more in [0, 400] {
        let note = Note {
            text: "SECRET-0xC0FFEE-4711".to_owned(),
            more: "y".repeat(more),
        };
        let pattern = b"{\"text\":\"SECRET-0xC0FFEE";
        let freed = freed_copies(pattern, || {
            let sealed = keys
                .seal_dyn::<fieldseal::Json<Note>>(
                    std::slice::from_ref(&purpose),
                    &fieldseal::Json(&note),
                    &ctx,
                )
                .unwrap();
            drop(sealed);
        });
        assert_eq!(
            freed, 0,
            "a {more}-byte second member: JSON text freed unwiped"
        );
    }
}

/// Key files: writing and reading keyrings and bundles leaves no root or purpose key in freed
/// memory (the key file bodies are built and read in wiped buffers, keys copied, never moved).
#[test]
fn key_files_leave_no_key_behind() {
    let _serial = serial();
    let root: [u8; 32] = std::array::from_fn(|i| 0x80 ^ (i as u8 * 7));
    let mut keyring = Keyring::with_root(
        Suite::default(),
        1,
        SecretKey::from_bytes(Zeroizing::new(root)),
        std::time::SystemTime::now(),
    )
    .unwrap();
    keyring.rotate().unwrap();
    keyring.rotate().unwrap();
    keyring.retire(2).unwrap();
    let purpose = DynPurpose::new("marketing").unwrap();
    let purpose_key = keyring
        .dyn_purpose_key(&purpose)
        .dangerous_export_version(1)
        .unwrap();
    let kek = Kek::new(SecretKey::from_bytes(Zeroizing::new([0x11; 32])));
    let purposes = [purpose.clone(), DynPurpose::new("fulfillment").unwrap()];
    for pattern in [&root[..], &purpose_key[..]] {
        let mut file = Vec::new();
        let mut bundle_file = Vec::new();
        assert_eq!(
            freed_copies(pattern, || {
                file = keyring.to_protected_bytes(&kek).unwrap();
                let bundle = keyring.export_bundle("newsletter", &purposes).unwrap();
                bundle_file = bundle.to_protected_bytes(&kek).unwrap();
                drop(bundle);
            }),
            0,
            "writing key files"
        );
        let mut loaded = None;
        let a = freed_copies(pattern, || {
            loaded = Some(Keyring::from_protected_bytes(&file, &kek).unwrap());
        });
        let loaded = loaded.unwrap();
        let b = freed_copies(pattern, || {
            let key = loaded.dyn_purpose_key(&purpose);
            drop(key);
        });
        let c = freed_copies(pattern, || drop(loaded));
        let d = freed_copies(pattern, || {
            let bundle = KeyBundle::from_protected_bytes(&bundle_file, &kek).unwrap();
            drop(bundle.into_key_set());
        });
        assert_eq!((a, b, c, d), (0, 0, 0, 0), "reading key files");
    }
}

/// FORMAT.md §16.1's index key of `email` version 1 under `root`, from the raw HKDF.
fn index_key(root: &[u8; 32]) -> [u8; 32] {
    let mut info = b"fieldseal/v1/index".to_vec();
    info.extend_from_slice(&5u32.to_be_bytes());
    info.extend_from_slice(b"email");
    info.extend_from_slice(&1u32.to_be_bytes());
    let mut out = [0; 32];
    Hkdf::<Sha256>::new(Some(b"fieldseal/v1/root"), root)
        .expand(&info, &mut out)
        .unwrap();
    out
}

/// The SHA-256 state after HMAC's first block, `key XOR ipad` (RFC 2104), as the keyed HMAC
/// holds it in memory: it stands in for the key (whoever has it computes every term).
fn ipad_state(key: &[u8; 32]) -> Vec<u8> {
    let mut block = [0x36u8; 64];
    for (b, k) in block.iter_mut().zip(key) {
        *b ^= k;
    }
    let mut state: [u32; 8] = [
        0x6a09_e667,
        0xbb67_ae85,
        0x3c6e_f372,
        0xa54f_f53a,
        0x510e_527f,
        0x9b05_688c,
        0x1f83_d9ab,
        0x5be0_cd19,
    ];
    sha2::block_api::compress256(&mut state, &[block]);
    state.iter().flat_map(|w| w.to_ne_bytes()).collect()
}

/// Index keys: their key bytes and the HMAC state keyed with them are wiped when the last handle
/// is dropped, and neither is left behind by deriving the key, computing terms, or writing and
/// reading a bundle of index keys.
#[test]
fn index_keys_and_their_keyed_hmac_state_are_wiped() {
    let _serial = serial();
    let root: [u8; 32] = std::array::from_fn(|i| 0x41 ^ (i as u8 * 3));
    let mut keyring = Keyring::with_root(
        Suite::default(),
        1,
        SecretKey::from_bytes(Zeroizing::new(root)),
        std::time::SystemTime::now(),
    )
    .unwrap();
    keyring.add_index(IndexSpec::new("email").unwrap()).unwrap();
    let ik = index_key(&root);
    let state = ipad_state(&ik);
    let kek = Kek::new(SecretKey::from_bytes(Zeroizing::new([0x22; 32])));
    let bundle_file = keyring
        .export_bundle_with_indexes("search", &[], &["email"])
        .unwrap()
        .to_protected_bytes(&kek)
        .unwrap();
    for (what, pattern) in [("index key", &ik[..]), ("keyed HMAC state", &state[..16])] {
        let mut key = None;
        let derive = freed_copies(pattern, || key = Some(keyring.index_key("email").unwrap()));
        let key = key.unwrap();
        let terms = freed_copies(pattern, || {
            for i in 0..100u32 {
                key.terms(&i.to_be_bytes()).unwrap();
            }
        });
        let dropped = freed_copies(pattern, || drop(key));
        let bundle = freed_copies(pattern, || {
            let written = keyring
                .export_bundle_with_indexes("search", &[], &["email"])
                .unwrap()
                .to_protected_bytes(&kek)
                .unwrap();
            drop(written);
            let loaded = KeyBundle::from_protected_bytes(&bundle_file, &kek).unwrap();
            loaded
                .index("email")
                .unwrap()
                .term(b"ada@example.com")
                .unwrap();
            drop(loaded);
        });
        assert_eq!(
            (derive, terms, dropped, bundle),
            (0, 0, 0, 0),
            "{what}: derive, terms, drop, bundle"
        );
    }
}

/// The scan finds what it looks for: without this, a broken scanner would pass everything.
#[test]
fn the_scan_sees_an_unwiped_block() {
    let _serial = serial();
    let marker = b"UNWIPED-MARKER-1234567";
    assert_eq!(freed_copies(marker, || drop(marker.to_vec())), 1);
    assert_eq!(
        freed_copies(marker, || drop(Zeroizing::new(marker.to_vec()))),
        0
    );
}

/// A keyring of more than 11 versions (a year of monthly rotations) keeps its root keys in a
/// B-tree whose nodes split as versions are added, moving entries to new nodes: loading such a
/// keyring and dropping it frees no root key unwiped.
#[test]
fn a_keyring_of_many_versions_leaves_no_root_key_behind() {
    let _serial = serial();
    let root = |v: u32| -> [u8; 32] {
        std::array::from_fn(|i| 0xA0 ^ (v as u8) ^ (i as u8).wrapping_mul(13))
    };
    let mut keyring = Keyring::with_root(
        Suite::default(),
        1,
        SecretKey::from_bytes(Zeroizing::new(root(1))),
        std::time::SystemTime::now(),
    )
    .unwrap();
    for v in 2..=24 {
        keyring
            .insert_version(
                v,
                SecretKey::from_bytes(Zeroizing::new(root(v))),
                std::time::SystemTime::now(),
            )
            .unwrap();
    }
    keyring.set_active(24).unwrap();
    let kek = Kek::new(SecretKey::from_bytes(Zeroizing::new([0x11; 32])));
    let file = keyring.to_protected_bytes(&kek).unwrap();
    drop(keyring);
    let mut leaked = Vec::new();
    for v in 1..=24 {
        let hits = freed_copies(&root(v), || {
            let loaded = Keyring::from_protected_bytes(&file, &kek).unwrap();
            assert_eq!(loaded.versions().len(), 24);
            drop(loaded);
        });
        if hits > 0 {
            leaked.push((v, hits));
        }
    }
    assert!(
        leaked.is_empty(),
        "root keys freed unwiped (version, freed blocks holding it): {leaked:?}"
    );
}

/// A `Passphrase` keeps the key-encryption key it derived for each kind of file it loaded or
/// saved, in a list it removes from and pushes to. A load that fails (a bundle written under
/// another passphrase) removes an entry and pushes none back; no KEK is left in the list's spare
/// room, to be freed unwiped with the protector.
#[test]
fn a_failed_passphrase_load_leaves_no_kek_behind() {
    use fieldseal::{Argon2Params, Passphrase};
    let _serial = serial();
    let params = Argon2Params::new(Argon2Params::MIN_MEMORY_KIB, 2, 1).unwrap();
    let phrase = "the service's own passphrase";
    let passphrase = Passphrase::new(phrase.to_owned())
        .unwrap()
        .with_params(params);
    let keyring = Keyring::generate(Suite::default()).unwrap();
    let purposes = [DynPurpose::new("marketing").unwrap()];
    // One KEK per kind of file: the bundle's first, then the keyring's.
    let bundle = keyring.export_bundle("newsletter", &purposes).unwrap();
    bundle.to_protected_bytes(&passphrase).unwrap();
    let keyring_file = keyring.to_protected_bytes(&passphrase).unwrap();
    // The keyring file's KEK, computed here from its salt (FORMAT.md §14.2).
    let at = 17 + usize::from(keyring_file[16]) + 2;
    let salt = &keyring_file[at + 12..at + 28];
    let mut kek = [0u8; 32];
    argon2::Argon2::new(
        argon2::Algorithm::Argon2id,
        argon2::Version::V0x13,
        argon2::Params::new(params.memory_kib(), 2, 1, Some(32)).unwrap(),
    )
    .hash_password_into(phrase.as_bytes(), salt, &mut kek)
    .unwrap();
    // A bundle written under another passphrase: the service's load of it fails.
    let other = Passphrase::new("another passphrase".to_owned())
        .unwrap()
        .with_params(params);
    let foreign = bundle.to_protected_bytes(&other).unwrap();
    assert!(KeyBundle::from_protected_bytes(&foreign, &passphrase).is_err());
    let freed = freed_copies(&kek, || drop(passphrase));
    assert_eq!(freed, 0, "the keyring file's KEK was freed unwiped");
}

/// Epoch ciphers an opener keeps past its slots (in the map and in each opening thread's
/// recent epochs) are wiped when its keys are dropped, as the slotted ones are. Also, under ring
/// above all, that no copy of an epoch key left on the stack while its cipher was built reaches
/// the heap: a `thread_local` bucket's padding, copied from the stack, once carried one into a
/// freed block (`secret::with_stack_wiped`).
#[test]
fn epochs_kept_in_the_map_and_per_thread_are_wiped() {
    let _serial = serial();
    let ctx = Context::new("customer", "email").with_id_int(1);
    let (sealer, purpose) = key_set(Suite::Aes256Gcm);
    // One epoch per sealing thread: 40 threads, 40 epochs, more than the 16 slots.
    // All alive at once: a thread's epoch passes to the next thread started only after it exits.
    let barrier = std::sync::Barrier::new(40);
    let values: Vec<Sealed<String, AnyPurposes>> = std::thread::scope(|s| {
        let handles: Vec<_> = (0..40)
            .map(|_| {
                s.spawn(|| {
                    let v = sealer
                        .seal_dyn::<String>(std::slice::from_ref(&purpose), "v", &ctx)
                        .unwrap();
                    barrier.wait();
                    v
                })
            })
            .collect();
        handles.into_iter().map(|h| h.join().unwrap()).collect()
    });
    let keys: Vec<[u8; 32]> = values
        .iter()
        .map(|v| aead_key(Suite::Aes256Gcm, epoch_id(v.as_bytes(), purpose.name())))
        .collect();
    let mut distinct = keys.clone();
    distinct.sort_unstable();
    distinct.dedup();
    assert!(distinct.len() > 16, "{} epochs", distinct.len());
    let mut leaked = Vec::new();
    for k in &distinct {
        let (opener, _) = key_set(Suite::Aes256Gcm);
        std::thread::scope(|s| {
            for _ in 0..2 {
                s.spawn(|| {
                    for _ in 0..2 {
                        for v in &values {
                            assert_eq!(opener.open_dyn(v, &purpose, &ctx).unwrap(), "v");
                        }
                    }
                });
            }
        });
        let n = freed_copies(&k[..16], || drop(opener));
        if n > 0 {
            leaked.push(n);
        }
    }
    assert!(leaked.is_empty(), "epoch keys freed unwiped: {leaked:?}");
}
