//! postgres-types (feature `postgres`, for the `postgres` and `tokio-postgres` clients): a
//! [`Sealed`] binds to BYTEA as the binary form and to TEXT or VARCHAR as the `fs1:` form, the
//! client telling which the column is; it is read from either.

use std::error::Error as StdError;

use bytes::BytesMut;
use postgres_types::{FromSql, IsNull, ToSql, Type, to_sql_checked};

use super::{ColumnError, SealedText, parse};
use crate::purpose::Purposes;
use crate::sealed::{Plaintext, Sealed};

type BoxError = Box<dyn StdError + Sync + Send>;

/// The SQL types a sealed value is read from and written to, and the name of each for errors.
fn column_name(ty: &Type) -> Option<&'static str> {
    match *ty {
        Type::BYTEA => Some("BYTEA"),
        Type::TEXT => Some("TEXT"),
        Type::VARCHAR => Some("VARCHAR"),
        _ => None,
    }
}

impl<T: Plaintext, Ps: Purposes> ToSql for Sealed<T, Ps> {
    /// BYTEA: the binary form (FORMAT.md §2); TEXT, VARCHAR: the text form (FORMAT.md §7).
    fn to_sql(&self, ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        if *ty == Type::BYTEA {
            out.extend_from_slice(self.as_bytes());
        } else {
            out.extend_from_slice(self.to_text().as_bytes());
        }
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        column_name(ty).is_some()
    }

    to_sql_checked!();
}

impl<T: Plaintext, Ps: Purposes> ToSql for SealedText<T, Ps> {
    /// The text form (FORMAT.md §7), to TEXT or VARCHAR only.
    fn to_sql(&self, _ty: &Type, out: &mut BytesMut) -> Result<IsNull, BoxError> {
        out.extend_from_slice(self.as_str().as_bytes());
        Ok(IsNull::No)
    }

    fn accepts(ty: &Type) -> bool {
        matches!(*ty, Type::TEXT | Type::VARCHAR)
    }

    to_sql_checked!();
}

impl<'a, T: Plaintext, Ps: Purposes> FromSql<'a> for Sealed<T, Ps> {
    /// Parses BYTEA, TEXT or VARCHAR (either form in either: FORMAT.md §7's prefix tells).
    fn from_sql(ty: &Type, raw: &'a [u8]) -> Result<Self, BoxError> {
        let Some(column) = column_name(ty) else {
            let error = ColumnError::wrong_type::<T, Ps>("PostgreSQL", ty.name().to_owned());
            return Err(Box::new(error));
        };
        Ok(parse(raw, column)?)
    }

    fn accepts(ty: &Type) -> bool {
        column_name(ty).is_some()
    }
}
