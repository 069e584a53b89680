//! Where a value belongs: record type, field and record (or subject) id, bound into every part's
//! associated data (FORMAT.md §6). A ciphertext copied to another field, row or purpose fails to
//! open.

use std::fmt;

use crate::error::{Error, Result};
use crate::format::{MAX_FIELD_LEN, MAX_ID_LEN, MAX_RECORD_LEN};

/// Room for ids held inline (integers up to 128 bits, UUIDs).
const INLINE_ID: usize = 16;

#[derive(Clone, Copy)]
enum Id<'a> {
    Borrowed(&'a [u8]),
    Inline { bytes: [u8; INLINE_ID], len: u8 },
}

/// The context a value is sealed in and must be opened in.
///
/// ```
/// use fieldseal::Context;
/// let ctx = Context::new("customer", "email").with_id_u64(42);
/// assert_eq!(ctx.id(), 42u64.to_be_bytes());
/// let by_uuid = Context::new("order", "address").with_id(b"0b7e5c1a-5d4e-4a8e-9f1b-2c3d4e5f6a7b");
/// # let _ = by_uuid;
/// ```
#[derive(Clone, Copy)]
pub struct Context<'a> {
    record: &'a str,
    field: &'a str,
    id: Id<'a>,
}

impl<'a> Context<'a> {
    /// A context naming the record type and field; no id yet.
    pub const fn new(record: &'a str, field: &'a str) -> Self {
        Self {
            record,
            field,
            id: Id::Borrowed(&[]),
        }
    }

    /// Binds the record's (or subject's) id, as bytes. At most 256 bytes: hash longer ids.
    #[must_use]
    pub const fn with_id(mut self, id: &'a [u8]) -> Self {
        self.id = Id::Borrowed(id);
        self
    }

    /// Binds a string id (its UTF-8 bytes).
    #[must_use]
    pub const fn with_id_str(self, id: &'a str) -> Self {
        self.with_id(id.as_bytes())
    }

    /// Binds an integer id, as its 8 big-endian bytes.
    #[must_use]
    pub fn with_id_u64(self, id: u64) -> Self {
        self.with_inline_id(&id.to_be_bytes())
    }

    /// Binds a 128-bit id (a UUID, say), as its 16 big-endian bytes.
    #[must_use]
    pub fn with_id_u128(self, id: u128) -> Self {
        self.with_inline_id(&id.to_be_bytes())
    }

    fn with_inline_id(mut self, id: &[u8]) -> Self {
        let mut bytes = [0; INLINE_ID];
        bytes[..id.len()].copy_from_slice(id);
        self.id = Id::Inline {
            bytes,
            len: id.len() as u8,
        };
        self
    }

    /// The record type.
    pub fn record(&self) -> &str {
        self.record
    }

    /// The field name.
    pub fn field(&self) -> &str {
        self.field
    }

    /// The id bytes (empty when none was bound).
    #[inline]
    pub fn id(&self) -> &[u8] {
        match &self.id {
            Id::Borrowed(id) => id,
            Id::Inline { bytes, len } => &bytes[..usize::from(*len)],
        }
    }

    /// Checks every part against its FORMAT.md §6 limit.
    #[inline]
    pub(crate) fn check(&self) -> Result<()> {
        // The common case in one comparison: a total within the smallest limit breaks none.
        if self.record.len() + self.field.len() + self.id().len() <= MAX_RECORD_LEN {
            return Ok(());
        }
        self.check_each()
    }

    /// The record type, field and id, once each is checked against its FORMAT.md §6 limit.
    #[inline]
    pub(crate) fn parts(&self) -> Result<(&str, &str, &[u8])> {
        self.check()?;
        Ok((self.record, self.field, self.id()))
    }

    #[cold]
    fn check_each(&self) -> Result<()> {
        let parts = [
            ("record type", self.record.len(), MAX_RECORD_LEN),
            ("field", self.field.len(), MAX_FIELD_LEN),
            ("id", self.id().len(), MAX_ID_LEN),
        ];
        for (part, len, max) in parts {
            if len > max {
                return Err(Error::ContextTooLong { part, len, max });
            }
        }
        Ok(())
    }
}

impl fmt::Debug for Context<'_> {
    /// Shows the id's length, not the id: ids can be personal data (an email used as a key).
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Context")
            .field("record", &self.record)
            .field("field", &self.field)
            .field("id_len", &self.id().len())
            .finish()
    }
}
