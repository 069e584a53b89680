//! FORMAT.md §16.2: the encoding of a term's parts, `u8(count) || (u32be(len) || part){count}`,
//! one rule for single and compound indexes, so that parts can never run into each other.

use hmac::digest::Update;

use crate::error::{Error, Result};

/// The most parts one term covers (FORMAT.md §16.2).
pub const MAX_PARTS: usize = 16;

/// Checks that `parts` can be encoded: 1 to [`MAX_PARTS`] parts of at most `u32::MAX` bytes.
pub(crate) fn check(index: &str, parts: &[&[u8]]) -> Result<()> {
    let reason = if parts.is_empty() {
        "no part was given; give the value, or one part per field of a compound index".to_owned()
    } else if parts.len() > MAX_PARTS {
        format!(
            "{} parts were given, and a term covers at most {MAX_PARTS}",
            parts.len()
        )
    } else if let Some(i) = parts.iter().position(|p| u32::try_from(p.len()).is_err()) {
        format!(
            "part {} is {} bytes, more than the {} a part may hold",
            i + 1,
            parts[i].len(),
            u32::MAX
        )
    } else {
        return Ok(());
    };
    Err(Error::BadIndexParts {
        index: index.to_owned(),
        reason,
    })
}

/// Feeds the encoding of `parts`, already [`check`]ed, into `mac`.
#[inline]
pub(crate) fn feed(mac: &mut impl Update, parts: &[&[u8]]) {
    debug_assert!(!parts.is_empty() && parts.len() <= MAX_PARTS);
    mac.update(&[parts.len() as u8]);
    for part in parts {
        mac.update(&(part.len() as u32).to_be_bytes());
        mac.update(part);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Collects what is fed.
    #[derive(Default)]
    struct Bytes(Vec<u8>);

    impl Update for Bytes {
        fn update(&mut self, data: &[u8]) {
            self.0.extend_from_slice(data);
        }
    }

    fn encode(parts: &[&[u8]]) -> Vec<u8> {
        check("test", parts).unwrap();
        let mut out = Bytes::default();
        feed(&mut out, parts);
        out.0
    }

    #[test]
    fn parts_are_counted_and_length_prefixed() {
        assert_eq!(encode(&[b"ab"]), [1, 0, 0, 0, 2, b'a', b'b']);
        assert_eq!(encode(&[b""]), [1, 0, 0, 0, 0]);
        assert_eq!(encode(&[b"a", b""]), [2, 0, 0, 0, 1, b'a', 0, 0, 0, 0]);
        // Naive concatenation would give "abc" for both.
        assert_ne!(encode(&[b"ab", b"c"]), encode(&[b"a", b"bc"]));
        assert_ne!(encode(&[b"abc"]), encode(&[b"ab", b"c"]));
    }

    #[test]
    fn counts_outside_1_to_16_are_refused() {
        let part: &[u8] = b"x";
        assert!(check("test", &[]).is_err());
        assert!(check("test", &[part; 16]).is_ok());
        let err = check("test", &[part; 17]).unwrap_err();
        assert!(err.to_string().contains("17 parts"), "{err}");
    }
}
