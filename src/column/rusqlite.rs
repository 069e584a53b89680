//! rusqlite (feature `rusqlite`): [`Sealed`] is a BLOB parameter, [`SealedText`] a TEXT one;
//! a [`Sealed`] is read from either.

use rusqlite::types::{FromSql, FromSqlError, FromSqlResult, ToSql, ToSqlOutput, ValueRef};

use super::{ColumnError, SealedText, parse};
use crate::purpose::Purposes;
use crate::sealed::{Plaintext, Sealed};

impl<T, Ps> ToSql for Sealed<T, Ps> {
    /// The binary form (FORMAT.md §2), borrowed.
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Blob(self.as_bytes())))
    }
}

impl<T, Ps> ToSql for SealedText<T, Ps> {
    /// The text form (FORMAT.md §7), borrowed.
    fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
        Ok(ToSqlOutput::Borrowed(ValueRef::Text(
            self.as_str().as_bytes(),
        )))
    }
}

impl<T: Plaintext, Ps: Purposes> FromSql for Sealed<T, Ps> {
    /// Parses a BLOB (binary form) or TEXT (`fs1:` form); any other value is an error.
    fn column_result(value: ValueRef<'_>) -> FromSqlResult<Self> {
        let (raw, column) = match value {
            ValueRef::Blob(raw) => (raw, "BLOB"),
            ValueRef::Text(raw) => (raw, "TEXT"),
            other => {
                let found = other.data_type().to_string();
                let error = ColumnError::wrong_type::<T, Ps>("SQLite", found);
                return Err(FromSqlError::Other(Box::new(error)));
            }
        };
        parse(raw, column).map_err(|error| FromSqlError::Other(Box::new(error)))
    }
}
