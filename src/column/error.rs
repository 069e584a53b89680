//! The error of a column that does not hold the sealed value its Rust type expects.

use std::fmt;

use crate::error::Error;
use crate::purpose::Purposes;
use crate::sealed::Plaintext;

/// A database column could not be decoded as a [`Sealed`](crate::Sealed) value: it holds
/// something else (another field's type or purposes, plain data, a truncated or altered value),
/// or its SQL type is neither text nor binary. Says which SQL type the value came from and what
/// was expected; never contains the column's bytes.
#[derive(Debug)]
pub struct ColumnError {
    column: &'static str,
    expected: &'static str,
    purposes: &'static str,
    reason: Reason,
}

#[derive(Debug)]
enum Reason {
    Parse(Error),
    NotUtf8,
    WrongType(String),
}

impl ColumnError {
    fn new<T: Plaintext, Ps: Purposes>(column: &'static str, reason: Reason) -> Self {
        Self {
            column,
            expected: T::TYPE_NAME,
            purposes: std::any::type_name::<Ps>(),
            reason,
        }
    }

    pub(crate) fn parse<T: Plaintext, Ps: Purposes>(column: &'static str, source: Error) -> Self {
        // The column may hold clear text stored by mistake: never name its header bytes.
        Self::new::<T, Ps>(column, Reason::Parse(source.without_input_bytes()))
    }

    pub(crate) fn not_utf8<T: Plaintext, Ps: Purposes>(column: &'static str) -> Self {
        Self::new::<T, Ps>(column, Reason::NotUtf8)
    }

    /// The column's SQL type is neither text nor binary (`found`, as the database names it).
    #[cfg_attr(not(any(feature = "rusqlite", feature = "postgres")), allow(dead_code))]
    pub(crate) fn wrong_type<T: Plaintext, Ps: Purposes>(
        column: &'static str,
        found: String,
    ) -> Self {
        Self::new::<T, Ps>(column, Reason::WrongType(found))
    }

    /// The fieldseal error the column's bytes gave, if they were parsed at all.
    pub fn parse_error(&self) -> Option<&Error> {
        match &self.reason {
            Reason::Parse(error) => Some(error),
            _ => None,
        }
    }
}

impl fmt::Display for ColumnError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let (column, expected, purposes) = (self.column, self.expected, self.purposes);
        write!(
            f,
            "a {column} column does not hold a Sealed<{expected}, {purposes}>: "
        )?;
        match &self.reason {
            Reason::Parse(error) => write!(f, "{error}")?,
            Reason::NotUtf8 => f.write_str("it starts like the fs1: text form but is not UTF-8")?,
            Reason::WrongType(found) => write!(f, "the value is of SQL type {found}")?,
        }
        f.write_str(
            "; a sealed column is TEXT (the fs1: form) or BLOB/BYTEA (the binary form), written by \
             fieldseal for this field: check the column selected and its type in the schema",
        )
    }
}

impl std::error::Error for ColumnError {
    fn source(&self) -> Option<&(dyn std::error::Error + 'static)> {
        match &self.reason {
            Reason::Parse(error) => Some(error),
            _ => None,
        }
    }
}
