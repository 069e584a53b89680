//! Sealed values as database columns: [`Sealed`] binds and decodes directly with the database
//! crates, each behind its own feature (README, "Sealed values in a database").
//!
//! - A BLOB or BYTEA column holds the binary form (FORMAT.md §2): bind the [`Sealed`] itself.
//! - A TEXT column holds the text form (FORMAT.md §7, `fs1:` and base64url): bind a
//!   [`SealedText`] (`SealedText::from(&sealed)`); with feature `postgres` the [`Sealed`] itself
//!   also binds to TEXT, since that client says the column's type at bind time.
//! - Decoding a [`Sealed`] accepts either form from a column of either type, and only parses
//!   (FORMAT.md §2 and §7: its shape, type and purposes are checked, as by
//!   [`Sealed::from_bytes`]); opening still needs the key. A column that does not hold a sealed
//!   value of that type gives a [`ColumnError`], never a panic.
//!
//! One file per integration, each behind the feature of its name: `rusqlite`, `postgres`
//! (postgres-types), `sqlx` (sqlx-core) and `diesel`.

mod error;
mod text;

#[cfg(feature = "diesel")]
mod diesel;
#[cfg(feature = "postgres")]
mod postgres;
#[cfg(feature = "rusqlite")]
mod rusqlite;
#[cfg(feature = "sqlx")]
mod sqlx;

pub use error::ColumnError;
pub use text::SealedText;

use crate::format::TEXT_PREFIX;
use crate::purpose::Purposes;
use crate::sealed::{Plaintext, Sealed};

/// Parses a column's raw bytes, as every integration here does: the text form if they start with
/// `fs1:` (FORMAT.md §7), the binary form otherwise (FORMAT.md §2: its first byte is the format
/// version, never `f`). `column` names the SQL type the value came from, for the error. For a
/// database crate without an integration of its own.
///
/// # Errors
/// [`ColumnError`] if the bytes are not a sealed `T` for the purposes `Ps`.
pub fn parse<T: Plaintext, Ps: Purposes>(
    raw: &[u8],
    column: &'static str,
) -> Result<Sealed<T, Ps>, ColumnError> {
    let parsed = if raw.starts_with(TEXT_PREFIX.as_bytes()) {
        match std::str::from_utf8(raw) {
            Ok(text) => Sealed::from_text(text),
            Err(_) => return Err(ColumnError::not_utf8::<T, Ps>(column)),
        }
    } else {
        Sealed::from_bytes(raw.to_vec())
    };
    parsed.map_err(|source| ColumnError::parse::<T, Ps>(column, source))
}
