//! FORMAT.md §6: the associated data that binds each part to where it belongs.
//!
//! ```text
//! aad = version:u8 suite:u8 type:u8 lp16(purpose) key_version:u32be lp16(record) lp16(field)
//!       lp16(id)
//! lp16(x) = u16be(len(x)) x
//! ```
//! No label: the AEAD keys are already separated by their HKDF labels (FORMAT.md §4), and every
//! byte here is hashed again on each seal and open. The context limits keep it under [`AAD_MAX`].

use crate::aead::Suite;
use crate::format::{FORMAT_VERSION, MAX_FIELD_LEN, MAX_ID_LEN, MAX_RECORD_LEN};
use crate::purpose::MAX_NAME_LEN;

/// The longest associated data.
pub(crate) const AAD_MAX: usize =
    3 + 2 + MAX_NAME_LEN + 4 + 2 + MAX_RECORD_LEN + 2 + MAX_FIELD_LEN + 2 + MAX_ID_LEN;

/// Associated data this long or shorter is laid out in a small stack buffer.
const AAD_SMALL: usize = 80;

/// The inputs of one part's associated data. Callers have checked every length against its limit.
pub(crate) struct AadInput<'a> {
    pub(crate) suite: Suite,
    pub(crate) type_byte: u8,
    pub(crate) purpose: &'a [u8],
    pub(crate) key_version: u32,
    pub(crate) record: &'a str,
    pub(crate) field: &'a str,
    pub(crate) id: &'a [u8],
}

impl AadInput<'_> {
    fn len(&self) -> usize {
        3 + 2
            + self.purpose.len()
            + 4
            + 2
            + self.record.len()
            + 2
            + self.field.len()
            + 2
            + self.id.len()
    }

    /// Calls `f` with the associated data, laid out on the stack.
    #[inline]
    pub(crate) fn with<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        let len = self.len();
        if len <= AAD_SMALL {
            let mut buf = [0u8; AAD_SMALL];
            self.write(&mut buf[..len]);
            f(&buf[..len])
        } else {
            let mut buf = [0u8; AAD_MAX];
            self.write(&mut buf[..len]);
            f(&buf[..len])
        }
    }

    /// Lays the associated data out in `buf`, exactly [`len`](Self::len) bytes.
    #[inline]
    fn write(&self, buf: &mut [u8]) {
        let rest = put(buf, &[FORMAT_VERSION, self.suite.id(), self.type_byte]);
        let rest = put_lp16(rest, self.purpose);
        let rest = put(rest, &self.key_version.to_be_bytes());
        let rest = put_lp16(rest, self.record.as_bytes());
        let rest = put_lp16(rest, self.field.as_bytes());
        let rest = put_lp16(rest, self.id);
        debug_assert!(rest.is_empty());
    }
}

/// Copies `bytes` to the front of `buf` and returns the rest of `buf`.
#[inline]
fn put<'b>(buf: &'b mut [u8], bytes: &[u8]) -> &'b mut [u8] {
    let (head, rest) = buf.split_at_mut(bytes.len());
    head.copy_from_slice(bytes);
    rest
}

/// `put` of a 16-bit big-endian length and then the bytes. Callers checked every length against
/// a limit far below 2^16 (the assertion below).
#[inline]
fn put_lp16<'b>(buf: &'b mut [u8], bytes: &[u8]) -> &'b mut [u8] {
    #[allow(
        clippy::cast_possible_truncation,
        reason = "lengths are checked, see above"
    )]
    let len = bytes.len() as u16;
    put(put(buf, &len.to_be_bytes()), bytes)
}

const _: () = assert!(MAX_ID_LEN <= u16::MAX as usize && AAD_SMALL < AAD_MAX);
