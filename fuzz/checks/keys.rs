//! The fixed keys every target uses: two root key versions with known bytes, a stranger's root
//! key, a KEK for key files, and the one context the `open` target's values are sealed in.
//! Fixed, so that a saved input means the same thing in every run; built once per process, so
//! that a fuzz iteration derives nothing.

use std::sync::LazyLock;
use std::time::UNIX_EPOCH;

use fieldseal::{
    Context, DynPurpose, DynPurposeKey, Kek, KeySet, Keyring, PurposeKey, SecretKey, Suite,
};
use zeroize::Zeroizing;

fieldseal::purpose!(pub(crate) Fulfillment = "fulfillment");
fieldseal::purpose!(pub(crate) Marketing = "marketing");

/// Root key of version 1.
const ROOT_V1: [u8; 32] = [0x11; 32];
/// Root key of version 2.
const ROOT_V2: [u8; 32] = [0x22; 32];
/// Root keys of versions 1 and 2 of another keyring, which sealed nothing.
const STRANGERS: [[u8; 32]; 2] = [[0x33; 32], [0x44; 32]];
/// The KEK of every key file the `keyfile` target loads. The same bytes as the KEK of
/// tests/vectors/keyfiles (`secret: 4b4b...`), so that those files open here too.
pub(crate) const KEK: [u8; 32] = [0x4b; 32];

/// The purposes values are sealed for.
pub(crate) const PURPOSES: [&str; 2] = ["fulfillment", "marketing"];

/// The context of the `open` target: every value it may open was sealed in it.
pub(crate) fn ctx() -> Context<'static> {
    Context::new("customer", "note").with_id(b"fuzz-42")
}

/// The same record type and field, another record: nothing was ever sealed in it.
pub(crate) fn other_ctx() -> Context<'static> {
    Context::new("customer", "note").with_id(b"fuzz-43")
}

/// A keyring holding versions 1 and 2 of the fixed root keys, `active` sealing, in `suite`.
pub(crate) fn keyring(suite: Suite, active: u32) -> Keyring {
    keyring_of(suite, [ROOT_V1, ROOT_V2], active)
}

fn keyring_of(suite: Suite, roots: [[u8; 32]; 2], active: u32) -> Keyring {
    let key = |bytes| SecretKey::from_bytes(Zeroizing::new(bytes));
    let mut keyring =
        Keyring::with_root(suite, 1, key(roots[0]), UNIX_EPOCH).expect("version 1 is valid");
    keyring
        .insert_version(2, key(roots[1]), UNIX_EPOCH)
        .expect("version 2 is new");
    keyring.set_active(active).expect("versions 1 and 2 exist");
    keyring
}

/// Every purpose's key of `keyring`.
pub(crate) fn key_set(keyring: &Keyring) -> KeySet {
    let purposes = PURPOSES.map(|p| DynPurpose::new(p).expect("a valid purpose name"));
    KeySet::from_keyring(keyring, &purposes)
}

/// The keys the checks open and re-seal with (built once).
pub(crate) struct Fixed {
    /// Versions 1 and 2, version 2 active, AES-256-GCM: opens what the seeds sealed under
    /// either version, and re-seals to version 2.
    pub(crate) keyring: Keyring,
    /// [`key_set`] of `keyring`.
    pub(crate) keys: KeySet,
    /// Each purpose's key of `keyring`, in [`PURPOSES`] order.
    pub(crate) purpose_keys: Vec<DynPurposeKey>,
    /// The same purposes' keys, versions 1 and 2, from root keys nothing was sealed under.
    pub(crate) strangers: Vec<DynPurposeKey>,
    /// [`key_set`] of the stranger keyring.
    pub(crate) stranger_keys: KeySet,
    /// The marketing key of `keyring`, for the typed views of records.
    pub(crate) marketing: PurposeKey<Marketing>,
    /// The KEK protector.
    pub(crate) kek: Kek,
}

/// The fixed keys, derived on first use.
pub(crate) static FIXED: LazyLock<Fixed> = LazyLock::new(|| {
    let keyring = keyring(Suite::Aes256Gcm, 2);
    let stranger = keyring_of(Suite::Aes256Gcm, STRANGERS, 2);
    let dyn_keys = |k: &Keyring| {
        PURPOSES
            .iter()
            .map(|p| k.dyn_purpose_key(&DynPurpose::new(p).expect("a valid purpose name")))
            .collect()
    };
    Fixed {
        keys: key_set(&keyring),
        marketing: keyring.purpose_key::<Marketing>(),
        purpose_keys: dyn_keys(&keyring),
        strangers: dyn_keys(&stranger),
        stranger_keys: key_set(&stranger),
        keyring,
        kek: Kek::new(SecretKey::from_bytes(Zeroizing::new(KEK))),
    }
});
