//! The bytes of a sealed value: layout only, no cryptography (FORMAT.md is the normative spec).
//!
//! The crypto that fills these bytes lives in the sealing engine; this layer only writes and parses.

mod aad;
mod text;
mod value;

pub(crate) use aad::{AadHead, AadInput};
pub use text::TEXT_PREFIX;
pub(crate) use text::{decode_text, encode_json_string, encode_text};
pub(crate) use value::{Header, Layout, PartHead, PartRef, find_part, for_each_part, parse};

/// FORMAT.md §2: the format version this library writes and reads.
pub const FORMAT_VERSION: u8 = 0x01;

/// FORMAT.md §2, §4: key mode `0x01`, *direct*: each part is sealed under a key derived from its
/// purpose key (FORMAT.md §4.1). Other mode bytes are reserved for later modes (subject mode:
/// per-subject data keys) and rejected by this version as [`Error::UnknownMode`](crate::Error::UnknownMode).
pub const MODE_DIRECT: u8 = 0x01;

/// FORMAT.md §2, §15: key mode `0x02`, *subject*: each part is sealed under a key derived from the
/// subject's data key for its purpose, kept in a key vault; a part's `key_version` names that data
/// key's generation, and a value may hold no part at all (no purpose it is sealed for had
/// consent).
pub const MODE_SUBJECT: u8 = 0x02;

/// Whether `mode` is a key mode of this format version.
pub(crate) const fn is_known_mode(mode: u8) -> bool {
    matches!(mode, MODE_DIRECT | MODE_SUBJECT)
}

/// FORMAT.md §2: the most purposes one value is sealed for.
pub const MAX_PARTS: usize = 8;

/// FORMAT.md §2: the largest plaintext one value holds: 1 GiB.
pub const MAX_PLAINTEXT: usize = 1 << 30;

/// FORMAT.md §8: whether `type_byte` names a plaintext type of this format version (`0x01` to
/// `0x0d`, and `0x10`). Newer versions may add types; a reader rejects those it does not know.
pub(crate) const fn is_known_type(type_byte: u8) -> bool {
    matches!(type_byte, 0x01..=0x0d | 0x10)
}

/// FORMAT.md §8: the payload length of a fixed-width type (`bool` and the integers), `None` for the
/// types whose payload has any length. A value whose `ct_len` differs is malformed, and is
/// refused when it is parsed, before any cryptography.
pub(crate) const fn fixed_payload_len(type_byte: u8) -> Option<usize> {
    match type_byte {
        0x03 | 0x04 | 0x09 => Some(1),
        0x05 | 0x0a => Some(2),
        0x06 | 0x0b => Some(4),
        0x07 | 0x0c => Some(8),
        0x08 | 0x0d => Some(16),
        _ => None,
    }
}

/// FORMAT.md §6: the longest record type name in a context.
pub const MAX_RECORD_LEN: usize = 64;
/// FORMAT.md §6: the longest field name (or field path, `outer.inner`, for a field of a nested
/// record) in a context.
pub const MAX_FIELD_LEN: usize = 255;
/// FORMAT.md §6: the longest record or subject id in a context.
pub const MAX_ID_LEN: usize = 256;
