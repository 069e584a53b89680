//! How a blind index term fails to parse (FORMAT.md §16.3). Lengths and index names only: a term
//! is derived from personal data, so no message quotes one.

/// Why bytes or text are not an index term.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum BadTerm {
    /// The text form is not unpadded base64url (RFC 4648 §5), or not its canonical form.
    #[error("its text form is not unpadded base64url")]
    NotBase64,
    /// The byte form is not 4 + width bytes for any width from 2 to 32.
    #[error("it is {len} bytes, and a term is 4 + width bytes, 6 to 36")]
    Length {
        /// The length found, in bytes.
        len: usize,
    },
    /// The term names index version 0, which no index version ever has.
    #[error("it names index version 0, and index versions start at 1")]
    ZeroVersion,
    /// The term is not as long as the terms of the index it was checked against.
    #[error(
        "it is {len} bytes, and a term of index `{index}` is {expected} (4 + its width): it was \
         computed for another index"
    )]
    WrongWidth {
        /// The index it was checked against.
        index: String,
        /// The term's length.
        len: usize,
        /// The length of that index's terms.
        expected: usize,
    },
}
