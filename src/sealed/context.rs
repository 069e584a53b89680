//! Where a value belongs: record type, field and record (or subject) id, bound into every part's
//! associated data (FORMAT.md §6). A ciphertext copied to another field, row or purpose fails to
//! open.

use std::fmt;

use crate::error::{Error, Result};
use crate::format::{MAX_FIELD_LEN, MAX_ID_LEN, MAX_RECORD_LEN};
use crate::record::IntegerId;

/// Ids held inline: integers (FORMAT.md §6: always 16 bytes) and UUIDs.
const INLINE_ID: usize = 16;

#[derive(Clone, Copy)]
enum Id<'a> {
    Borrowed(&'a [u8]),
    Inline([u8; INLINE_ID]),
}

/// The context a value is sealed in and must be opened in: record type, field and the record's (or
/// subject's) id (FORMAT.md §6).
///
/// Built in two steps, so that binding no id is a visible choice: [`Context::new`] names the
/// record type and field, then one of the `with_id` methods, or [`without_id`](ContextBuilder::without_id),
/// makes the context.
///
/// ```
/// use fieldseal::Context;
/// let ctx = Context::new("customer", "email").with_id_int(42u64);
/// assert_eq!(ctx.id(), 42u128.to_be_bytes());
/// let by_name = Context::new("customer", "email").with_id_str("cust-0042");
/// let survey = Context::new("survey", "answers").without_id();
/// # let _ = (by_name, survey);
/// ```
///
/// A record type and field alone are not a context:
///
/// ```compile_fail
/// # use fieldseal::{Context, Keyring, Sealed, Suite};
/// # fieldseal::purpose!(Marketing = "marketing");
/// # let keyring = Keyring::generate(Suite::default()).unwrap();
/// let ctx = Context::new("customer", "email"); // no id chosen
/// let email: Sealed<String, Marketing> =
///     Sealed::seal("ada@example.com", &ctx, &keyring.purpose_key::<Marketing>()).unwrap();
/// ```
#[derive(Clone, Copy)]
pub struct Context<'a> {
    record: &'a str,
    field: &'a str,
    id: Id<'a>,
}

/// A record type and field waiting for an id: see [`Context`].
#[derive(Clone, Copy, Debug)]
#[must_use = "a ContextBuilder is not a context yet: bind an id with `with_id...`, or say `without_id()`"]
pub struct ContextBuilder<'a> {
    record: &'a str,
    field: &'a str,
}

impl<'a> Context<'a> {
    /// Names the record type (1 to 64 bytes) and the field (1 to 255 bytes; a field of a nested
    /// record is named by its path, `billing.street`, FORMAT.md §13). Bind an id next.
    #[allow(
        clippy::new_ret_no_self,
        reason = "two steps on purpose: `Context::new(record, field)` then an id, or `without_id()`"
    )]
    pub const fn new(record: &'a str, field: &'a str) -> ContextBuilder<'a> {
        ContextBuilder { record, field }
    }
}

impl<'a> ContextBuilder<'a> {
    const fn bind(self, id: Id<'a>) -> Context<'a> {
        Context {
            record: self.record,
            field: self.field,
            id,
        }
    }

    /// Binds the record's (or subject's) id, as the bytes given. At most 256 bytes: hash longer
    /// ids. For an integer id use [`with_id_int`](Self::with_id_int), which binds 16 bytes
    /// (FORMAT.md §6) as `#[derive(Seal)]` does: `with_id(&7u64.to_be_bytes())` binds 8 bytes,
    /// another id.
    #[inline]
    pub const fn with_id(self, id: &'a [u8]) -> Context<'a> {
        self.bind(Id::Borrowed(id))
    }

    /// Binds a string id (its UTF-8 bytes).
    #[inline]
    pub const fn with_id_str(self, id: &'a str) -> Context<'a> {
        self.with_id(id.as_bytes())
    }

    /// Binds an integer id of any integer type, as 16 big-endian bytes, two's complement
    /// (FORMAT.md §6): `with_id_int(7u32)` and `with_id_int(7i64)` bind the same bytes, so an id
    /// column can change integer type without breaking stored values.
    #[inline]
    pub fn with_id_int(self, id: impl IntegerId) -> Context<'a> {
        self.bind(Id::Inline(id.id_bytes()))
    }

    /// Binds a UUID, as its 16 bytes (the same bytes as `with_id_int(id.as_u128())`).
    #[cfg(feature = "uuid")]
    #[inline]
    pub fn with_id_uuid(self, id: uuid::Uuid) -> Context<'a> {
        self.bind(Id::Inline(id.into_bytes()))
    }

    /// Binds no id: the value is then bound to this field of *every* record of this type, and a
    /// value copied from one record to another opens. Right for data that belongs to no record
    /// (a configuration secret, say); for customer data, bind the record's id.
    #[inline]
    pub const fn without_id(self) -> Context<'a> {
        self.bind(Id::Borrowed(&[]))
    }
}

impl Context<'_> {
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
            Id::Inline(bytes) => bytes,
        }
    }

    /// Checks every part against its FORMAT.md §6 limits: a record type of 1 to 64 bytes, a field
    /// of 1 to 255, an id of at most 256. Sealing and opening both check, before any cryptography.
    #[inline]
    pub(crate) fn check(&self) -> Result<()> {
        // Three comparisons and no branch between them (`&`, not `&&`): `len - 1` wraps for an
        // empty name, so one comparison checks both ends.
        let fits = (self.record.len().wrapping_sub(1) < MAX_RECORD_LEN)
            & (self.field.len().wrapping_sub(1) < MAX_FIELD_LEN)
            & (self.id().len() <= MAX_ID_LEN);
        if fits {
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
        for (part, name) in [("record type", self.record), ("field", self.field)] {
            if name.is_empty() {
                return Err(Error::EmptyContext { part });
            }
        }
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
