//! Purposes known only at run time.

use std::fmt;
use std::sync::Arc;

use std::hash::{Hash, Hasher};
use std::time::Duration;

use crate::error::Result;
use crate::purpose::{Purpose, PurposePolicy, is_valid_name, validate_name};

/// A purpose whose name comes from configuration, checked when created, with its policy
/// ([`PurposePolicy`]: consent, retention).
///
/// Two `DynPurpose`s are equal when their names are: the name is what keys and values carry.
///
/// ```
/// use fieldseal::DynPurpose;
/// let p = DynPurpose::new("third-party:acme").unwrap();
/// assert_eq!(p.name(), "third-party:acme");
/// assert!(p.policy().needs_consent()); // every third-party purpose does
/// let marketing = DynPurpose::new("marketing")?.with_consent();
/// assert!(marketing.policy().needs_consent());
/// assert!(DynPurpose::new("Third Party").is_err());
/// # Ok::<(), fieldseal::Error>(())
/// ```
#[derive(Clone)]
pub struct DynPurpose(Arc<str>, PurposePolicy);

impl PartialEq for DynPurpose {
    fn eq(&self, other: &Self) -> bool {
        self.0 == other.0
    }
}

impl Eq for DynPurpose {}

impl Hash for DynPurpose {
    fn hash<H: Hasher>(&self, state: &mut H) {
        self.0.hash(state);
    }
}

impl DynPurpose {
    /// A run-time purpose.
    ///
    /// # Errors
    /// [`Error::InvalidPurposeName`](crate::Error::InvalidPurposeName) saying which rule the name
    /// breaks.
    pub fn new(name: &str) -> Result<Self> {
        validate_name(name)?;
        Ok(Self(Arc::from(name), PurposePolicy::for_name(name)))
    }

    /// This purpose, needing the subject's consent in subject mode.
    #[must_use]
    pub fn with_consent(mut self) -> Self {
        self.1 = self.1.with_consent();
        self
    }

    /// This purpose, with a retention period for its data keys in subject mode.
    #[must_use]
    pub fn with_retention(mut self, retention: Duration) -> Self {
        self.1 = self.1.with_retention(retention);
        self
    }

    /// This purpose with `policy` (a `third-party:` purpose keeps needing consent).
    #[must_use]
    pub fn with_policy(mut self, policy: PurposePolicy) -> Self {
        self.1 = PurposePolicy::declared(&self.0, policy.needs_consent(), policy.retention());
        self
    }

    /// The purpose's policy in subject mode.
    pub fn policy(&self) -> PurposePolicy {
        self.1
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
        // A hand-written `POLICY` cannot lift the consent of a third-party purpose either.
        let policy = P::POLICY;
        let policy = PurposePolicy::declared(P::NAME, policy.needs_consent(), policy.retention());
        Self(Arc::from(P::NAME), policy)
    }

    /// The purpose's name.
    pub fn name(&self) -> &str {
        &self.0
    }
}

impl<P: Purpose> From<P> for DynPurpose {
    /// The run-time form of a purpose value: `Marketing.into()`.
    fn from(_: P) -> Self {
        Self::of::<P>()
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
