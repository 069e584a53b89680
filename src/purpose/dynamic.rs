//! Purposes known only at run time.

use std::fmt;
use std::sync::Arc;

use crate::error::Result;
use crate::purpose::{Purpose, is_valid_name, validate_name};

/// A purpose whose name comes from configuration, checked when created.
///
/// ```
/// use fieldseal::DynPurpose;
/// let p = DynPurpose::new("third-party:acme").unwrap();
/// assert_eq!(p.name(), "third-party:acme");
/// assert!(DynPurpose::new("Third Party").is_err());
/// ```
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct DynPurpose(Arc<str>);

impl DynPurpose {
    /// A run-time purpose.
    ///
    /// # Errors
    /// [`Error::InvalidPurposeName`](crate::Error::InvalidPurposeName) saying which rule the name
    /// breaks.
    pub fn new(name: &str) -> Result<Self> {
        validate_name(name)?;
        Ok(Self(Arc::from(name)))
    }

    /// The run-time form of a compile-time purpose.
    ///
    /// `P::NAME` is checked when this is compiled for `P`: [`purpose!`](crate::purpose!) checks it
    /// already, and a hand-written `impl Purpose` with an invalid name fails to build as soon as
    /// a key or value uses it, rather than sealing values no reader accepts:
    ///
    /// ```compile_fail
    /// use fieldseal::{Keyring, Purpose, Suite};
    ///
    /// struct Loyalty;
    /// impl Purpose for Loyalty {
    ///     const NAME: &'static str = "Loyalty Program"; // upper case and a space
    /// }
    ///
    /// let keyring = Keyring::generate(Suite::Aes256Gcm).unwrap();
    /// let key = keyring.purpose_key::<Loyalty>(); // error: invalid purpose name
    /// ```
    pub fn of<P: Purpose>() -> Self {
        const {
            assert!(
                is_valid_name(P::NAME),
                "invalid purpose name: 1 to 64 bytes of a-z, 0-9, '-' and ':'"
            );
        };
        Self(Arc::from(P::NAME))
    }

    /// The purpose's name.
    pub fn name(&self) -> &str {
        &self.0
    }
}

impl fmt::Debug for DynPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DynPurpose({:?})", &*self.0)
    }
}

impl fmt::Display for DynPurpose {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}
