//! FORMAT.md §6: the associated data that binds each part to where it belongs.
//!
//! ```text
//! aad = AAD_LABEL version:u8 suite:u8 lp(purpose) key_version:u32be lp(record) lp(field) lp(id)
//! lp(x) = u32be(len(x)) x
//! ```
//! Built on the stack: the context limits keep it under [`AAD_MAX`] bytes.

use crate::aead::Suite;
use crate::format::{FORMAT_VERSION, MAX_FIELD_LEN, MAX_ID_LEN, MAX_RECORD_LEN};

/// FORMAT.md §6: the first bytes of every part's associated data.
pub const AAD_LABEL: &[u8] = b"fieldseal/v1/aad";

/// The longest associated data: label, version, suite, four length-prefixed strings, key version.
pub(crate) const AAD_MAX: usize =
    AAD_LABEL.len() + 2 + 4 * 4 + 64 + 4 + MAX_RECORD_LEN + MAX_FIELD_LEN + MAX_ID_LEN;

/// Associated data of one part, on the stack.
pub(crate) struct Aad {
    buf: [u8; AAD_MAX],
    len: usize,
}

impl Aad {
    /// Lays out the associated data. Callers have checked every length against its limit.
    pub(crate) fn new(
        suite: Suite,
        purpose: &str,
        key_version: u32,
        record: &str,
        field: &str,
        id: &[u8],
    ) -> Self {
        let mut aad = Self {
            buf: [0; AAD_MAX],
            len: 0,
        };
        aad.put(AAD_LABEL);
        aad.put(&[FORMAT_VERSION, suite.id()]);
        aad.put_lp(purpose.as_bytes());
        aad.put(&key_version.to_be_bytes());
        aad.put_lp(record.as_bytes());
        aad.put_lp(field.as_bytes());
        aad.put_lp(id);
        aad
    }

    fn put(&mut self, bytes: &[u8]) {
        self.buf[self.len..self.len + bytes.len()].copy_from_slice(bytes);
        self.len += bytes.len();
    }

    fn put_lp(&mut self, bytes: &[u8]) {
        let len = u32::try_from(bytes.len()).expect("context lengths are checked");
        self.put(&len.to_be_bytes());
        self.put(bytes);
    }

    pub(crate) fn as_bytes(&self) -> &[u8] {
        &self.buf[..self.len]
    }
}
