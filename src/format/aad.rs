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

    fn write(&self, buf: &mut [u8]) {
        let mut w = Writer { buf, at: 0 };
        w.put(&[FORMAT_VERSION, self.suite.id(), self.type_byte]);
        w.put_lp16(self.purpose);
        w.put(&self.key_version.to_be_bytes());
        w.put_lp16(self.record.as_bytes());
        w.put_lp16(self.field.as_bytes());
        w.put_lp16(self.id);
        debug_assert_eq!(w.at, w.buf.len());
    }
}

struct Writer<'b> {
    buf: &'b mut [u8],
    at: usize,
}

impl Writer<'_> {
    fn put(&mut self, bytes: &[u8]) {
        self.buf[self.at..self.at + bytes.len()].copy_from_slice(bytes);
        self.at += bytes.len();
    }

    fn put_lp16(&mut self, bytes: &[u8]) {
        let len = u16::try_from(bytes.len()).expect("context lengths are checked");
        self.put(&len.to_be_bytes());
        self.put(bytes);
    }
}

const _: () = assert!(MAX_ID_LEN <= u16::MAX as usize && AAD_SMALL < AAD_MAX);
