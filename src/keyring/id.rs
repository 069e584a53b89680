//! The keyring id: names one keyring across its key files and bundles.

use std::fmt;

use crate::error::Result;

/// A keyring's id: 16 random bytes drawn when the keyring is generated, kept for its life and
/// written into its key file and every bundle exported from it (FORMAT.md §14). Not secret.
///
/// Shown as 32 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyringId([u8; 16]);

impl KeyringId {
    pub(crate) fn generate() -> Result<Self> {
        let mut id = [0; 16];
        crate::rng::os_random(&mut id)?;
        Ok(Self(id))
    }

    /// The id from its bytes.
    pub const fn from_bytes(bytes: [u8; 16]) -> Self {
        Self(bytes)
    }

    /// The id's bytes.
    pub const fn as_bytes(&self) -> &[u8; 16] {
        &self.0
    }
}

impl fmt::Display for KeyringId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        self.0.iter().try_for_each(|b| write!(f, "{b:02x}"))
    }
}

impl fmt::Debug for KeyringId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "KeyringId({self})")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn shows_as_hex_and_generated_ids_differ() {
        let id = KeyringId::from_bytes([0xab; 16]);
        assert_eq!(id.to_string(), "ab".repeat(16));
        assert_eq!(format!("{id:?}"), format!("KeyringId({})", "ab".repeat(16)));
        assert_ne!(
            KeyringId::generate().unwrap(),
            KeyringId::generate().unwrap()
        );
    }
}
