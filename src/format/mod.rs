//! The bytes of a sealed value: layout only, no cryptography (FORMAT.md is the normative spec).
//!
//! The crypto that fills these bytes lives in the sealing engine; this layer only writes and parses.

mod aad;
mod text;
mod value;

pub(crate) use aad::{AadHead, AadInput};
pub use text::TEXT_PREFIX;
pub(crate) use text::{decode_text, encode_text};
pub(crate) use value::{HEADER_LEN, Header, Layout, PartRef, find_part, for_each_part, parse};

/// FORMAT.md §2: the format version this library writes and reads.
pub const FORMAT_VERSION: u8 = 0x01;

/// FORMAT.md §2: the most purposes one value is sealed for.
pub const MAX_PARTS: usize = 8;

/// FORMAT.md §2: the largest plaintext one value holds: 1 GiB.
pub const MAX_PLAINTEXT: usize = 1 << 30;

/// FORMAT.md §8: whether `type_byte` names a plaintext type of this format version (`0x01` to
/// `0x0d`, and `0x10`). Newer versions may add types; a reader rejects those it does not know.
pub(crate) const fn is_known_type(type_byte: u8) -> bool {
    matches!(type_byte, 0x01..=0x0d | 0x10)
}

/// FORMAT.md §6: the longest record type name in a context.
pub const MAX_RECORD_LEN: usize = 64;
/// FORMAT.md §6: the longest field name in a context.
pub const MAX_FIELD_LEN: usize = 64;
/// FORMAT.md §6: the longest record or subject id in a context.
pub const MAX_ID_LEN: usize = 256;
