//! [`SealedText`]: a sealed value bound in its text form, for TEXT and VARCHAR columns.

use std::fmt;
use std::marker::PhantomData;

use crate::purpose::Purposes;
use crate::sealed::{Plaintext, Sealed};

/// A [`Sealed`] value in its text form (FORMAT.md §7: `fs1:` and unpadded base64url), to bind to
/// a TEXT or VARCHAR column; a [`Sealed`] itself binds its binary form (BLOB, BYTEA). Decoding
/// needs no such wrapper: a [`Sealed`] decodes from either form.
///
/// ```
/// # use fieldseal::{Context, Keyring, Sealed, Suite};
/// # use fieldseal::column::SealedText;
/// fieldseal::purpose!(Fulfillment = "fulfillment");
/// # let keyring = Keyring::generate(Suite::default())?;
/// # let key = keyring.purpose_key::<Fulfillment>();
/// # let ctx = Context::new("customer", "email").with_id_int(42);
/// let email: Sealed<String, Fulfillment> = Sealed::seal("ada@example.com", &ctx, &key)?;
/// let text = SealedText::from(&email); // bind this to a TEXT column
/// assert!(text.as_str().starts_with("fs1:"));
/// assert_eq!(text.to_sealed()?, email);
/// # Ok::<(), fieldseal::Error>(())
/// ```
pub struct SealedText<T, Ps> {
    text: String,
    _type: PhantomData<fn() -> (T, Ps)>,
}

impl<T, Ps> SealedText<T, Ps> {
    /// The text form.
    pub fn as_str(&self) -> &str {
        &self.text
    }
}

impl<T: Plaintext, Ps: Purposes> SealedText<T, Ps> {
    /// Back to the [`Sealed`] value (parsing the text again).
    ///
    /// # Errors
    /// As [`Sealed::from_text`].
    pub fn to_sealed(&self) -> crate::Result<Sealed<T, Ps>> {
        Sealed::from_text(&self.text)
    }
}

impl<T, Ps> From<&Sealed<T, Ps>> for SealedText<T, Ps> {
    fn from(sealed: &Sealed<T, Ps>) -> Self {
        Self {
            text: sealed.to_text(),
            _type: PhantomData,
        }
    }
}

impl<T, Ps> From<Sealed<T, Ps>> for SealedText<T, Ps> {
    fn from(sealed: Sealed<T, Ps>) -> Self {
        Self::from(&sealed)
    }
}

impl<T, Ps> Clone for SealedText<T, Ps> {
    fn clone(&self) -> Self {
        Self {
            text: self.text.clone(),
            _type: PhantomData,
        }
    }
}

impl<T, Ps> fmt::Debug for SealedText<T, Ps> {
    /// The length only, as [`Sealed`]'s Debug: ciphertext is noise in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("SealedText")
            .field("len", &self.text.len())
            .finish()
    }
}
