#![doc = include_str!("../README.md")]
#![forbid(unsafe_code)]

pub mod aead;
pub mod audit;
pub mod bulk;
pub mod column;
mod error;
pub mod format;
pub mod index;
mod kdf;
#[cfg(test)]
mod kdf_wycheproof_tests;
mod keyfile;
mod keyring;
mod keyset;
pub mod normalize;
mod padded;
pub mod provider;
pub mod purpose;
pub mod record;
#[cfg(feature = "tokio")]
mod reload;
mod rng;
mod sealed;
mod secret;
pub mod vault;

pub use kdf::{
    AES_EPOCH_LABEL, AUDIT_CHAIN_LABEL, AUDIT_KEY_LABEL, AUDIT_PSEUDONYM_LABEL,
    AUDIT_SIGNING_LABEL, INDEX_KEY_LABEL, KEY_CHECK_LABEL, PURPOSE_KEY_LABEL, ROOT_SALT,
    VAULT_ENTRY_LABEL, VAULT_WRAP_LABEL, XCHACHA_KEY_LABEL,
};

/// What generated code names; not part of the public API.
#[doc(hidden)]
pub mod __private {
    pub use serde;

    pub use crate::sealed::KeyRef;

    pub use crate::audit::record as audit;
}

/// Derives, for a record with sealed fields, a sealed twin type (`SealedRecord`) and one view
/// type per purpose; see the crate documentation and `fieldseal::record`.
///
/// Attributes: on the struct, `#[seal(id = field)]` (the field that binds every sealed field to
/// its record) or `#[seal(without_id)]` (none: one of the two is required, so that binding no id
/// is a visible choice), `#[seal(sealed = TypeName)]` (the twin's name, default `Sealed` + the
/// record's), `#[seal(record = "name")]` (the record type bound into each context, default the
/// struct's name). On a field, `#[seal(Purpose, ...)]` seals it for up to eight purposes;
/// `#[seal(rename = "name")]` binds a stable name instead of the Rust field's; `#[seal(json)]`
/// seals through JSON a type the derive would otherwise take for a plaintext type;
/// `#[seal(nested(Purpose, ...))]` marks a field whose type derives `Seal` itself, shown in the
/// views of those purposes (without an id of its own it is bound to the outer record's id).
/// `Option<T>` fields seal `Some` and keep `None`; fields that are not `String`, `Vec<u8>`,
/// `bool` or an integer seal as [`Json`]. Every derived record also gets a run-time view,
/// `open_dyn(&KeySet)`, for services whose purposes come from configuration, and the twin a
/// `reseal(&KeySet)` that moves every sealed field to the active key versions after a rotation
/// (`None` when all are current), and `record_layout()`, the layout of its JSON for bulk
/// re-sealing (`fieldseal::bulk`), written from the same declarations. A record nested in
/// another binds the top-level record type, the path of fields (`billing.street`) and the
/// outermost non-empty id (FORMAT.md §13).
///
/// **Blind indexes** (FORMAT.md §13, §16): `#[seal(Purpose, index(email_lookup = email))]` on a
/// sealed `String` or `Option<String>` field adds the member `email_lookup: IndexTerm` to the
/// twin, the term of index `email-lookup` (`name = "..."` names another) over the field's value
/// normalized as the description says: a bare word (`email`, `text`, `date-of-birth`), a string
/// (`"phone:GB|last-digits:4"`), or `"custom:NAME"` with `with = path::to::function`. On the
/// struct, `#[seal(index(name_postcode = (last_name: text, postcode: "postcode:GB")))]` declares a
/// compound index over several fields, in order. Sealing computes each term with the current
/// version of the index key in the key set (`Option<IndexTerm>`, `None` when a field read is
/// `None`); `SealedX::email_lookup_terms(&keys, value)` gives the terms a lookup asks for, one per
/// version in use; the twin's `reseal` recomputes a stale term, and `record_layout()` lists the
/// columns for bulk re-sealing. See the README's "Finding customers: blind indexes".
///
/// **Subject mode** (FORMAT.md §15): `#[seal(subject = field)]` names the plain field whose value
/// is the subject the record is about (encoded as a record id: an integer as 16 bytes, a string
/// as UTF-8, a UUID as its 16 bytes). Each sealed field is then sealed under the subject's own
/// data key for each of its purposes, created on first use in a [`vault::KeyVault`], so that
/// consent, its withdrawal, retention and erasure decide what opens. The id defaults to the
/// subject field; `id = other` binds another (an order, `id = order_id`, about a customer,
/// `subject = customer_id`), and `without_id` none. Such a record's entry points take the
/// [`vault::SubjectKeys`] instead of purpose keys: `seal(&keys)`, `open::<P>(&keys)`,
/// `open_dyn(&keys)` (a field whose copy the subject's choices withhold is `None` and listed in
/// `missing`), `open_<field>::<P, _>(&keys)` and `with_subject(|subject| ..)`; there is no direct
/// `reseal` or `record_layout()` (a rotation rewraps the vault's keys). The subject's data keys
/// are looked up once per record, not per field. Records nested in a subject-mode record, whatever
/// their own attributes, are sealed under the top-level record's subject; every derived record can
/// be nested in either mode.
///
/// ```
/// use fieldseal::vault::{MemoryVault, SubjectKeys};
/// use fieldseal::{Error, KeySet, Keyring, Seal, Suite};
/// fieldseal::purpose!(Fulfillment = "fulfillment");
/// fieldseal::purpose!(Marketing = "marketing", consent);
///
/// #[derive(Seal)]
/// #[seal(subject = customer_id)]
/// struct Customer {
///     customer_id: u64,
///     #[seal(Fulfillment, Marketing)]
///     email: String,
/// }
///
/// let keyring = Keyring::generate(Suite::default())?;
/// let keys = KeySet::new()
///     .with(keyring.purpose_key::<Fulfillment>())
///     .with(keyring.purpose_key::<Marketing>());
/// let subjects = SubjectKeys::new(MemoryVault::new(), keys, keyring.id())?;
/// let customer = Customer { customer_id: 42, email: "ada@example.com".into() };
///
/// // No marketing consent yet: the email gets no marketing copy.
/// let stored = customer.seal(&subjects)?;
/// assert!(matches!(stored.open::<Marketing>(&subjects), Err(Error::NoConsentCopy { .. })));
/// customer.with_subject(|ada| subjects.grant(ada, &Marketing.into(), "signup form", None))?;
/// let stored = customer.seal(&subjects)?;
/// assert_eq!(stored.open::<Marketing>(&subjects)?.email, "ada@example.com");
///
/// // Erasure: every copy, wherever it is kept, stops opening.
/// stored.with_subject(|ada| subjects.forget(ada))?;
/// assert!(matches!(stored.open::<Fulfillment>(&subjects), Err(Error::SubjectErased { .. })));
/// # Ok::<(), fieldseal::Error>(())
/// ```
///
/// ```
/// use fieldseal::{KeySet, Keyring, Seal, Suite};
/// fieldseal::purpose!(Fulfillment = "fulfillment");
/// fieldseal::purpose!(Marketing = "marketing");
///
/// #[derive(Seal)]
/// #[seal(id = customer_id)]
/// struct Customer {
///     customer_id: u64,
///     #[seal(Fulfillment)]
///     name: String,
///     #[seal(Fulfillment, Marketing)]
///     email: String,
///     loyalty_points: u32,
/// }
///
/// let keyring = Keyring::generate(Suite::default())?;
/// let ingest = KeySet::new()
///     .with(keyring.purpose_key::<Fulfillment>())
///     .with(keyring.purpose_key::<Marketing>());
/// let customer = Customer {
///     customer_id: 42,
///     name: "Ada Lovelace".into(),
///     email: "ada@example.com".into(),
///     loyalty_points: 120,
/// };
/// let stored: SealedCustomer = customer.seal(&ingest)?;
///
/// let view = stored.open(&keyring.purpose_key::<Marketing>())?;
/// assert_eq!(view.email, "ada@example.com");
/// assert_eq!(view.loyalty_points, 120);
/// # Ok::<(), fieldseal::Error>(())
/// ```
///
/// The marketing view has no `name`:
///
/// ```compile_fail
/// # use fieldseal::{KeySet, Keyring, Seal, Suite};
/// # fieldseal::purpose!(Fulfillment = "fulfillment");
/// # fieldseal::purpose!(Marketing = "marketing");
/// # #[derive(Seal)]
/// # #[seal(id = customer_id)]
/// # struct Customer { customer_id: u64, #[seal(Fulfillment)] name: String, #[seal(Fulfillment, Marketing)] email: String }
/// # let keyring = Keyring::generate(Suite::default()).unwrap();
/// # let stored = Customer { customer_id: 1, name: "Ada".into(), email: "a@b.c".into() }
/// #     .seal(&KeySet::new().with(keyring.purpose_key::<Fulfillment>()).with(keyring.purpose_key::<Marketing>())).unwrap();
/// let view = stored.open(&keyring.purpose_key::<Marketing>()).unwrap();
/// println!("{}", view.name);
/// ```
#[cfg(feature = "derive")]
pub use fieldseal_derive::Seal;

// The public interface is:
pub use aead::Suite;
pub use error::{
    AuditError, BadTerm, Error, KeyFileError, KeyringError, Malformed, Result, VaultError,
};
pub use index::{IndexKey, IndexSpec, IndexTerm};
#[cfg(feature = "tokio")]
pub use keyfile::SharedProtector;
pub use keyfile::{
    Argon2Params, Kek, KeyBundle, KeyProtector, KeyringLock, KmsBinding, KmsClient, KmsProtector,
    LockedKeyring, Passphrase,
};
#[cfg(feature = "pkcs11")]
pub use keyfile::{Pkcs11Key, Pkcs11Protector};
pub use keyring::{
    BundleExport, DynPurposeKey, IndexExport, KeyCheck, Keyring, KeyringId, ParseKeyringIdError,
    PurposeKey, VersionState,
};
pub use keyset::KeySet;
pub use purpose::{
    AnyPurposes, DynPurpose, Includes, Purpose, PurposePolicy, PurposeSet, Purposes,
};
#[cfg(feature = "tokio")]
pub use reload::{ReloadableKeys, Reloaded, WatchHandle};
pub use sealed::{
    AsPlaintext, Context, ContextBuilder, ContextHint, IdBinding, Inspection, Json, KeyMode,
    Plaintext, Sealed, SealingKeys,
};
pub use secret::{KEY_LEN, SecretKey};
