//! Reading columns back as the schema says they are (FORMAT.md §15.5), and writing numbers in the
//! range the schema allows. A column of another type, a negative or too large number, a wrapped
//! key of the wrong length or an unknown reason is a corrupt row, never a panic; the error names
//! the table and column, never a subject id or key bytes.

use rusqlite::Row;
use rusqlite::types::ValueRef;

use crate::vault::records::{DestroyReason, Destruction, WRAPPED_LEN};
use crate::vault::sqlite::error::{Fail, corrupt};

/// One column of one table, for reading and for saying which one does not read back.
#[derive(Clone, Copy)]
pub(super) struct Col {
    pub(super) table: &'static str,
    pub(super) name: &'static str,
    pub(super) index: usize,
}

impl Col {
    pub(super) const fn new(table: &'static str, name: &'static str, index: usize) -> Self {
        Self { table, name, index }
    }

    fn bad(self, what: &str) -> Fail {
        corrupt(format_args!(
            "column `{}` of table `{}` {what}",
            self.name, self.table
        ))
    }

    fn value<'r>(self, row: &'r Row<'_>) -> Result<ValueRef<'r>, Fail> {
        Ok(row.get_ref(self.index)?)
    }

    /// An integer, or `None` for NULL.
    fn opt_i64(self, row: &Row<'_>) -> Result<Option<i64>, Fail> {
        match self.value(row)? {
            ValueRef::Null => Ok(None),
            ValueRef::Integer(i) => Ok(Some(i)),
            _ => Err(self.bad("is not an integer")),
        }
    }

    /// A number from 0 to 2^32 - 1, or `None` for NULL.
    pub(super) fn opt_u32(self, row: &Row<'_>) -> Result<Option<u32>, Fail> {
        self.opt_i64(row)?
            .map(|i| u32::try_from(i).map_err(|_| self.bad("is out of range (0 to 2^32 - 1)")))
            .transpose()
    }

    /// A number from 0 to 2^32 - 1.
    pub(super) fn u32(self, row: &Row<'_>) -> Result<u32, Fail> {
        self.opt_u32(row)?.ok_or_else(|| self.bad("is NULL"))
    }

    /// A generation: 1 to 2^32 - 1.
    pub(super) fn generation(self, row: &Row<'_>) -> Result<u32, Fail> {
        match self.u32(row)? {
            0 => Err(self.bad("is 0, not a generation (1 to 2^32 - 1)")),
            g => Ok(g),
        }
    }

    /// A time or count: 0 to 2^63 - 1, or `None` for NULL.
    pub(super) fn opt_u64(self, row: &Row<'_>) -> Result<Option<u64>, Fail> {
        self.opt_i64(row)?
            .map(|i| u64::try_from(i).map_err(|_| self.bad("is negative")))
            .transpose()
    }

    /// A time or count: 0 to 2^63 - 1.
    pub(super) fn u64(self, row: &Row<'_>) -> Result<u64, Fail> {
        self.opt_u64(row)?.ok_or_else(|| self.bad("is NULL"))
    }

    /// UTF-8 text, or `None` for NULL.
    pub(super) fn opt_text(self, row: &Row<'_>) -> Result<Option<String>, Fail> {
        match self.value(row)? {
            ValueRef::Null => Ok(None),
            ValueRef::Text(t) => std::str::from_utf8(t)
                .map(|s| Some(s.to_owned()))
                .map_err(|_| self.bad("is not UTF-8 text")),
            _ => Err(self.bad("is not text")),
        }
    }

    /// UTF-8 text.
    pub(super) fn text(self, row: &Row<'_>) -> Result<String, Fail> {
        self.opt_text(row)?.ok_or_else(|| self.bad("is NULL"))
    }

    /// A blob (a subject id).
    pub(super) fn blob(self, row: &Row<'_>) -> Result<Vec<u8>, Fail> {
        match self.value(row)? {
            ValueRef::Blob(b) => Ok(b.to_vec()),
            _ => Err(self.bad("is not a blob")),
        }
    }

    /// A subject id (FORMAT.md §15.1: 1 to 256 bytes).
    pub(super) fn subject(self, row: &Row<'_>) -> Result<Vec<u8>, Fail> {
        let subject = self.blob(row)?;
        if subject.is_empty() || subject.len() > crate::format::MAX_ID_LEN {
            return Err(self.bad("is not a subject id (1 to 256 bytes)"));
        }
        Ok(subject)
    }

    /// A purpose name (a-z, 0-9, '-' and ':', 1 to 64 bytes).
    pub(super) fn purpose(self, row: &Row<'_>) -> Result<String, Fail> {
        let name = self.text(row)?;
        if !crate::purpose::is_valid_name(&name) {
            return Err(self.bad("is not a purpose name"));
        }
        Ok(name)
    }

    /// A wrapped data key (FORMAT.md §15.2: 60 bytes), or `None` for NULL.
    pub(super) fn opt_wrapped(self, row: &Row<'_>) -> Result<Option<[u8; WRAPPED_LEN]>, Fail> {
        match self.value(row)? {
            ValueRef::Null => Ok(None),
            ValueRef::Blob(b) => <[u8; WRAPPED_LEN]>::try_from(b).map(Some).map_err(|_| {
                self.bad(&format!(
                    "holds a wrapped key of {} bytes, not {WRAPPED_LEN}",
                    b.len()
                ))
            }),
            _ => Err(self.bad("is not a blob")),
        }
    }

    /// A destruction reason (`withdrawn`, `expired`), or `None` for NULL.
    pub(super) fn opt_reason(self, row: &Row<'_>) -> Result<Option<DestroyReason>, Fail> {
        self.opt_text(row)?
            .map(|name| {
                DestroyReason::from_name(&name)
                    .ok_or_else(|| self.bad("is not a destruction reason (withdrawn, expired)"))
            })
            .transpose()
    }
}

/// The latest destruction of a slot from its three columns (generation, reason, time): all NULL
/// for none, all set for one.
pub(super) fn destruction(
    row: &Row<'_>,
    generation: Col,
    reason: Col,
    at: Col,
) -> Result<Option<Destruction>, Fail> {
    match (
        generation.opt_u32(row)?,
        reason.opt_reason(row)?,
        at.opt_u64(row)?,
    ) {
        (None, None, None) => Ok(None),
        (Some(generation), Some(reason), Some(at)) if generation > 0 => Ok(Some(Destruction {
            generation,
            reason,
            at,
        })),
        _ => Err(corrupt(format_args!(
            "columns `{}`, `{}` and `{}` of table `slots` are neither all NULL nor a destruction",
            generation.name, reason.name, at.name
        ))),
    }
}

/// A time or count as the schema stores it: a non-negative 64-bit integer.
pub(super) fn int(value: u64, what: &'static str) -> Result<i64, Fail> {
    i64::try_from(value).map_err(|_| {
        Fail::Refused(format!(
            "{what} is {value}, beyond what the SQLite vault stores (2^63 - 1)"
        ))
    })
}

/// A count or position as SQLite takes it (saturating: no vault holds 2^63 of anything).
pub(super) fn count(n: usize) -> i64 {
    i64::try_from(n).unwrap_or(i64::MAX)
}
