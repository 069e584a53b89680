//! Sealed values: a value of type `T` sealed for the purposes `Ps`.

mod context;
mod engine;
mod hint;
mod inspect;
mod keys;
mod plaintext;
mod reseal;
mod serde;

use std::fmt;
use std::marker::PhantomData;

pub use context::{Context, ContextBuilder};
pub use hint::{ContextHint, IdBinding};
pub use inspect::{Inspection, KeyMode};
#[doc(hidden)]
pub use keys::KeyRef;
pub use keys::SealingKeys;
pub use plaintext::{AsPlaintext, Json, Plaintext};

use crate::aead::Suite;
use crate::error::{Error, Result};
use crate::format::{self, decode_text, encode_text};
use crate::keyring::{DynPurposeKey, PurposeKey};
use crate::keyset::KeySet;
use crate::purpose::{DynPurpose, Includes, Purpose, PurposeSet, Purposes};

/// A value of type `T` sealed for the purposes `Ps`: one purpose `P` or a tuple of up to eight.
///
/// Each purpose gets its own copy, sealed under its own key, bound to the [`Context`]. Opening
/// needs the key of a purpose in `Ps`; any other purpose does not compile:
///
/// ```
/// use fieldseal::{Context, Keyring, Sealed, Suite};
/// fieldseal::purpose!(Fulfillment = "fulfillment");
/// fieldseal::purpose!(Marketing = "marketing");
///
/// let keyring = Keyring::generate(Suite::default())?;
/// let fulfillment = keyring.purpose_key::<Fulfillment>();
/// let marketing = keyring.purpose_key::<Marketing>();
///
/// let ctx = Context::new("customer", "email").with_id_int(42);
/// let email: Sealed<String, (Fulfillment, Marketing)> =
///     Sealed::seal("ada@example.com", &ctx, &(&fulfillment, &marketing))?;
/// assert_eq!(email.open(&marketing, &ctx)?, "ada@example.com");
/// # Ok::<(), fieldseal::Error>(())
/// ```
///
/// ```compile_fail
/// # use fieldseal::{Context, Keyring, Sealed, Suite};
/// # fieldseal::purpose!(Fulfillment = "fulfillment");
/// # fieldseal::purpose!(Marketing = "marketing");
/// # let keyring = Keyring::generate(Suite::default()).unwrap();
/// # let ctx = Context::new("customer", "name").with_id_int(42);
/// let name: Sealed<String, Fulfillment> =
///     Sealed::seal(&"Ada".to_string(), &ctx, &keyring.purpose_key::<Fulfillment>()).unwrap();
/// name.open(&keyring.purpose_key::<Marketing>(), &ctx); // not sealed for marketing
/// ```
pub struct Sealed<T, Ps> {
    bytes: Vec<u8>,
    _type: PhantomData<fn() -> (T, Ps)>,
}

impl<T: Plaintext, Ps: PurposeSet> Sealed<T, Ps> {
    /// Seals `value` for every purpose in `Ps`, bound to `ctx`. A value has one suite: the suite
    /// of the first purpose's key (keys from one keyring all share the keyring's suite).
    ///
    /// # Errors
    /// [`Error::NoKeyForPurpose`](crate::Error::NoKeyForPurpose) if a [`KeySet`] lacks a purpose,
    /// [`Error::ContextTooLong`](crate::Error::ContextTooLong), [`Error::TooLarge`](crate::Error::TooLarge),
    /// [`Error::Rng`](crate::Error::Rng).
    pub fn seal<V: AsPlaintext<T> + ?Sized>(
        value: &V,
        ctx: &Context<'_>,
        keys: &impl SealingKeys<Ps>,
    ) -> Result<Self> {
        let seal =
            || keys::private::Sealed::with_keys(keys, |states| engine::seal(states, value, ctx));
        let bytes = match keys::private::Sealed::auditor(keys) {
            None => seal()?,
            Some(auditor) => {
                let version = || {
                    keys::private::Sealed::with_keys(keys, |states| Ok(states[0].active().version))
                        .ok()
                };
                crate::audit::hooks::value(
                    Some(auditor),
                    crate::audit::Operation::Seal,
                    crate::audit::Names::Strs(Ps::NAMES),
                    ctx,
                    &[],
                    version,
                    seal,
                )?
            }
        };
        Ok(Self::from_trusted(bytes))
    }

    /// Opens the copy of purpose `P`; `P` must be in `Ps`, or this does not compile.
    ///
    /// # Errors
    /// [`Error::CannotOpen`](crate::Error::CannotOpen) if the value was altered or `ctx` differs
    /// from the sealing context; [`Error::UnknownKeyVersion`](crate::Error::UnknownKeyVersion) if
    /// `key` lacks the version the value was sealed under; [`Error::TypeMismatch`](crate::Error::TypeMismatch).
    pub fn open<P: Purpose, I>(&self, key: &PurposeKey<P>, ctx: &Context<'_>) -> Result<T>
    where
        Ps: Includes<P, I>,
    {
        match key.auditor() {
            None => engine::open(&key.inner.state, &self.bytes, ctx),
            Some(auditor) => open_audited(&self.bytes, auditor, &key.inner.state, P::NAME, ctx),
        }
    }

    /// Opens the copy of purpose `P` with the matching key of a [`KeySet`].
    ///
    /// # Errors
    /// As [`open`](Self::open), and [`Error::NoKeyForPurpose`](crate::Error::NoKeyForPurpose) if
    /// the key set lacks `P`.
    pub fn open_with<P: Purpose, I>(&self, keys: &KeySet, ctx: &Context<'_>) -> Result<T>
    where
        Ps: Includes<P, I>,
    {
        crate::audit::hooks::value(
            keys.auditor(),
            crate::audit::Operation::Open,
            crate::audit::Names::Strs(&[P::NAME]),
            ctx,
            &[],
            || crate::audit::hooks::part_version(&self.bytes, P::NAME),
            || {
                keys.with_states(&[P::NAME], |states| {
                    engine::open(states[0], &self.bytes, ctx)
                })
            },
        )
    }
}

impl<T: Plaintext, Ps: Purposes> Sealed<T, Ps> {
    /// Opens with a run-time purpose's key. Checked at run time: a value not sealed for that
    /// purpose gives [`Error::NotSealedFor`](crate::Error::NotSealedFor), naming the purposes it
    /// was sealed for.
    ///
    /// # Errors
    /// As [`open`](Self::open), and [`Error::NotSealedFor`](crate::Error::NotSealedFor).
    pub fn open_dyn(&self, key: &DynPurposeKey, ctx: &Context<'_>) -> Result<T> {
        match key.auditor() {
            None => engine::open(&key.state, &self.bytes, ctx),
            Some(auditor) => {
                open_audited(&self.bytes, auditor, &key.state, key.purpose().name(), ctx)
            }
        }
    }

    /// Takes a value from its binary form, checking its shape, that it holds a `T`, and that its
    /// purposes are `Ps`
    /// (any purposes, for [`AnyPurposes`](crate::AnyPurposes)).
    ///
    /// # Errors
    /// [`Error::Malformed`](crate::Error::Malformed), [`Error::UnknownVersion`](crate::Error::UnknownVersion),
    /// [`Error::UnknownSuite`](crate::Error::UnknownSuite).
    pub fn from_bytes(bytes: Vec<u8>) -> Result<Self> {
        {
            let (header, names) = format::parse(&bytes)?;
            if header.type_byte != T::TYPE_BYTE {
                return Err(Error::TypeMismatch {
                    expected: T::TYPE_NAME,
                    found: plaintext::type_name(header.type_byte),
                });
            }
            Ps::check(&names, header.mode == format::MODE_SUBJECT)?;
        }
        Ok(Self::from_trusted(bytes))
    }

    /// Takes a value from its text form (`fs1:` and unpadded base64url).
    ///
    /// # Errors
    /// As [`from_bytes`](Self::from_bytes).
    pub fn from_text(text: &str) -> Result<Self> {
        Self::from_bytes(decode_text(text)?)
    }
}

pub(crate) use reseal::reseal;

/// Opens `bytes` with `state`, the key of purpose `purpose`, recorded by `auditor`. Kept out of
/// line so that an unaudited open is a short function, without the registers and stack the
/// audit needs (callgrind: about 25 instructions an open).
#[cold]
#[inline(never)]
fn open_audited<T: Plaintext>(
    bytes: &[u8],
    auditor: &crate::audit::Auditor,
    state: &crate::keyring::KeyState,
    purpose: &str,
    ctx: &Context<'_>,
) -> Result<T> {
    crate::audit::hooks::value(
        Some(auditor),
        crate::audit::Operation::Open,
        crate::audit::Names::Strs(&[purpose]),
        ctx,
        &[],
        || crate::audit::hooks::part_version(bytes, purpose),
        || engine::open(state, bytes, ctx),
    )
}

/// Opens `bytes` with one key state (subject mode's data keys).
pub(crate) fn open_state<T: Plaintext>(
    key: &crate::keyring::KeyState,
    bytes: &[u8],
    ctx: &Context<'_>,
) -> Result<T> {
    engine::open(key, bytes, ctx)
}

/// Opens a part already found (subject mode: its generation names the key).
pub(crate) fn open_found<T: Plaintext>(
    key: &crate::keyring::KeyState,
    header: &format::Header<'_>,
    part: &format::PartRef<'_>,
    ctx: &Context<'_>,
) -> Result<T> {
    engine::open_found(key, header, part, ctx)
}

/// A subject-mode value without copies (FORMAT.md §15.1).
pub(crate) fn seal_empty<T: Plaintext>(suite: Suite, ctx: &Context<'_>) -> Result<Vec<u8>> {
    engine::seal_empty(suite, T::TYPE_BYTE, ctx)
}

/// Seals for the given key states (the run-time path of [`KeySet::seal_dyn`]).
pub(crate) fn seal_states<T: Plaintext, V: AsPlaintext<T> + ?Sized>(
    states: &[&crate::keyring::KeyState],
    value: &V,
    ctx: &Context<'_>,
) -> Result<Vec<u8>> {
    engine::seal(states, value, ctx)
}

/// Opens `key`'s part of `bytes` whatever its plaintext type: the type byte and the encoded
/// plaintext, wiped when dropped (subject mode hands a copy over to direct mode with it).
pub(crate) fn open_payload(
    key: &crate::keyring::KeyState,
    bytes: &[u8],
    ctx: &Context<'_>,
) -> Result<(u8, zeroize::Zeroizing<Vec<u8>>)> {
    engine::open_payload(key, bytes, ctx)
}

/// Seals an encoded plaintext of type `type_byte` for the given key states.
pub(crate) fn seal_payload(
    states: &[&crate::keyring::KeyState],
    type_byte: u8,
    payload: &[u8],
    ctx: &Context<'_>,
) -> Result<Vec<u8>> {
    engine::seal_payload(states, type_byte, payload, ctx)
}

impl<T, Ps> Sealed<T, Ps> {
    pub(crate) fn from_trusted(bytes: Vec<u8>) -> Self {
        Self {
            bytes,
            _type: PhantomData,
        }
    }

    /// The binary form (FORMAT.md §2), for BYTEA or BLOB columns.
    pub fn as_bytes(&self) -> &[u8] {
        &self.bytes
    }

    /// The binary form, owned.
    pub fn into_bytes(self) -> Vec<u8> {
        self.bytes
    }

    /// The text form (FORMAT.md §7), for JSON, VARCHAR and CSV.
    pub fn to_text(&self) -> String {
        encode_text(&self.bytes)
    }

    fn parts(&self) -> Vec<(DynPurpose, u32)> {
        let mut parts = Vec::new();
        format::for_each_part(&self.bytes, |p| {
            let purpose = DynPurpose::new(p.purpose_name()).expect("a Sealed holds checked values");
            parts.push((purpose, p.key_version));
        })
        .expect("a Sealed holds checked values");
        parts
    }

    /// The purposes the value is sealed for, in the order of its parts.
    pub fn purposes(&self) -> Vec<DynPurpose> {
        self.parts().into_iter().map(|(p, _)| p).collect()
    }

    /// The key version each purpose's copy is sealed under.
    pub fn key_versions(&self) -> Vec<(DynPurpose, u32)> {
        self.parts()
    }

    /// The suite the value is sealed with.
    pub fn suite(&self) -> Suite {
        // A Sealed holds only checked values, whose second byte is a known suite id.
        Suite::from_id(self.bytes[1]).unwrap_or_default()
    }
}

impl<T, Ps> Clone for Sealed<T, Ps> {
    fn clone(&self) -> Self {
        Self::from_trusted(self.bytes.clone())
    }
}

impl<T, Ps> PartialEq for Sealed<T, Ps> {
    fn eq(&self, other: &Self) -> bool {
        self.bytes == other.bytes
    }
}

impl<T, Ps> Eq for Sealed<T, Ps> {}

impl<T, Ps> fmt::Debug for Sealed<T, Ps> {
    /// Purposes, suite and size: ciphertext is not secret, but it is noise in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let purposes: Vec<String> = self.purposes().iter().map(ToString::to_string).collect();
        f.debug_struct("Sealed")
            .field("purposes", &purposes)
            .field("suite", &self.suite())
            .field("len", &self.bytes.len())
            .finish()
    }
}
