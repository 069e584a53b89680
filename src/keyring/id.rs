//! The keyring id: names one keyring across its key files and bundles.

use std::fmt;
use std::str::FromStr;

/// A keyring's id: 16 random bytes drawn when the keyring is generated, kept for its life and
/// written into its key file and every bundle exported from it (FORMAT.md §14). Not secret.
///
/// Shown as 32 lowercase hex digits.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct KeyringId([u8; 16]);

impl KeyringId {
    pub(crate) fn generate() -> crate::Result<Self> {
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

/// Parses the 32 hex digits a keyring id is shown as (upper or lower case), as a service reads
/// the id of its keyring from its configuration for
/// [`KeyBundle::require_keyring`](crate::KeyBundle::require_keyring).
///
/// ```
/// use fieldseal::{Keyring, KeyringId, Suite};
/// let keyring = Keyring::generate(Suite::default())?;
/// let id: KeyringId = keyring.id().to_string().parse().unwrap();
/// assert_eq!(id, keyring.id());
/// assert!("not an id".parse::<KeyringId>().is_err());
/// # Ok::<(), fieldseal::Error>(())
/// ```
impl FromStr for KeyringId {
    type Err = ParseKeyringIdError;

    fn from_str(text: &str) -> Result<Self, ParseKeyringIdError> {
        let digits = text.as_bytes();
        if digits.len() != 32 || !digits.iter().all(u8::is_ascii_hexdigit) {
            return Err(ParseKeyringIdError { len: digits.len() });
        }
        let mut id = [0; 16];
        for (byte, pair) in id.iter_mut().zip(digits.chunks_exact(2)) {
            // Checked above: both are hex digits.
            let nibble = |d: u8| (d as char).to_digit(16).expect("a hex digit") as u8;
            *byte = (nibble(pair[0]) << 4) | nibble(pair[1]);
        }
        Ok(Self(id))
    }
}

/// A keyring id that is not 32 hex digits.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseKeyringIdError {
    len: usize,
}

impl fmt::Display for ParseKeyringIdError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "a keyring id is 32 hex digits, as `fieldseal status` shows it (this is {} \
             characters{})",
            self.len,
            if self.len == 32 {
                ", not all hex digits"
            } else {
                ""
            }
        )
    }
}

impl std::error::Error for ParseKeyringIdError {}

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

    #[test]
    fn parses_what_it_shows_and_nothing_else() {
        let id = KeyringId::generate().unwrap();
        assert_eq!(id.to_string().parse::<KeyringId>().unwrap(), id);
        assert_eq!(
            id.to_string().to_uppercase().parse::<KeyringId>().unwrap(),
            id
        );
        for bad in [
            "",
            "ab",
            &"g".repeat(32),
            &"a".repeat(33),
            &format!(" {}", "a".repeat(31)),
        ] {
            let err = bad.parse::<KeyringId>().unwrap_err();
            assert!(err.to_string().contains("32 hex digits"), "{err}");
        }
        // Not `+` or `-` signs that a number parser would take.
        assert!(format!("+{}", "a".repeat(31)).parse::<KeyringId>().is_err());
    }
}
