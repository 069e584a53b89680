//! The purpose naming rule, usable in `const` context.

use crate::error::{Error, Result};

/// The longest purpose name, in bytes.
pub const MAX_NAME_LEN: usize = 64;

/// Whether `name` is a valid purpose name: 1 to 64 bytes of `a-z`, `0-9`, `-` and `:`.
/// A `const fn`, so [`purpose!`](crate::purpose!) checks names at compile time.
pub const fn is_valid_name(name: &str) -> bool {
    rule_broken(name).is_none()
}

pub(crate) const fn rule_broken(name: &str) -> Option<&'static str> {
    let bytes = name.as_bytes();
    if bytes.is_empty() {
        return Some("it is empty");
    }
    if bytes.len() > MAX_NAME_LEN {
        return Some("it is longer than 64 bytes");
    }
    let mut i = 0;
    while i < bytes.len() {
        match bytes[i] {
            b'a'..=b'z' | b'0'..=b'9' | b'-' | b':' => {}
            _ => return Some("it holds a character outside a-z, 0-9, '-' and ':'"),
        }
        i += 1;
    }
    None
}

/// Checks a purpose name, saying which rule it breaks.
pub(crate) fn validate_name(name: &str) -> Result<()> {
    match rule_broken(name) {
        None => Ok(()),
        Some(reason) => Err(Error::InvalidPurposeName {
            name: name.chars().take(80).collect(),
            reason,
        }),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rules() {
        for ok in [
            "a",
            "fulfillment",
            "third-party:acme",
            "x9",
            &"a".repeat(64),
        ] {
            assert!(is_valid_name(ok), "{ok}");
        }
        for bad in [
            "",
            "Marketing",
            "with space",
            "é",
            "under_score",
            &"a".repeat(65),
        ] {
            assert!(!is_valid_name(bad), "{bad}");
            assert!(matches!(
                validate_name(bad),
                Err(Error::InvalidPurposeName { .. })
            ));
        }
    }
}
