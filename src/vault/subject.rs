//! Subjects: the customers records are about, named by the bytes of their id (FORMAT.md §6
//! encodings), as a context names its record.

use std::fmt;

use crate::error::{Error, Result};
use crate::format::MAX_ID_LEN;
use crate::record::IntegerId;

#[derive(Clone, Copy)]
enum Id<'a> {
    Borrowed(&'a [u8]),
    Inline([u8; 16]),
}

/// The subject (customer) a value is sealed for in subject mode: the key to their data keys in the
/// vault. Its id is encoded as a record id is (FORMAT.md §6): an integer of any type as 16 bytes,
/// a string as UTF-8, a UUID as its 16 bytes. 1 to 256 bytes.
///
/// ```
/// use fieldseal::vault::Subject;
/// assert_eq!(Subject::int(7u32).as_bytes(), Subject::int(7u64).as_bytes());
/// assert_eq!(Subject::str("cust-7").as_bytes(), b"cust-7");
/// assert_eq!(Subject::int(7u8), Subject::int(7i128));
/// assert_ne!(Subject::int(7), Subject::str("7"));
/// ```
#[derive(Clone, Copy)]
pub struct Subject<'a>(Id<'a>);

impl<'a> Subject<'a> {
    /// A subject named by an integer id (16 bytes, as every integer id).
    pub fn int(id: impl IntegerId) -> Subject<'static> {
        Subject(Id::Inline(id.id_bytes()))
    }

    /// A subject named by a string id (its UTF-8 bytes).
    pub const fn str(id: &'a str) -> Self {
        Self(Id::Borrowed(id.as_bytes()))
    }

    /// A subject named by id bytes as they are (as [`RecordId`](crate::record::RecordId) gives
    /// them).
    pub const fn bytes(id: &'a [u8]) -> Self {
        Self(Id::Borrowed(id))
    }

    /// A subject named by a UUID (its 16 bytes).
    #[cfg(feature = "uuid")]
    pub fn uuid(id: uuid::Uuid) -> Subject<'static> {
        Subject(Id::Inline(id.into_bytes()))
    }

    /// The id bytes.
    #[inline]
    pub fn as_bytes(&self) -> &[u8] {
        match &self.0 {
            Id::Borrowed(id) => id,
            Id::Inline(bytes) => bytes,
        }
    }

    /// Checks the id's length: 1 to 256 bytes.
    pub(crate) fn check(&self) -> Result<()> {
        let len = self.as_bytes().len();
        if len == 0 {
            return Err(Error::EmptyContext { part: "subject id" });
        }
        if len > MAX_ID_LEN {
            return Err(Error::ContextTooLong {
                part: "subject id",
                len,
                max: MAX_ID_LEN,
            });
        }
        Ok(())
    }
}

impl fmt::Debug for Subject<'_> {
    /// The id's length, not the id: ids can be personal data.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Subject")
            .field("id_len", &self.as_bytes().len())
            .finish()
    }
}

/// Subjects are equal when their id bytes are: `Subject::int(7u8) == Subject::int(7u64)`, as the
/// vault sees them.
impl PartialEq for Subject<'_> {
    fn eq(&self, other: &Self) -> bool {
        self.as_bytes() == other.as_bytes()
    }
}

impl Eq for Subject<'_> {}

impl std::hash::Hash for Subject<'_> {
    fn hash<H: std::hash::Hasher>(&self, state: &mut H) {
        self.as_bytes().hash(state);
    }
}
