//! sqlx (feature `sqlx`): `Type`, `Encode` and `Decode` for every sqlx database, through the
//! traits of sqlx-core. A [`Sealed`] binds as the database's binary type (BLOB, BYTEA) and a
//! [`SealedText`] as its text type; a [`Sealed`] decodes from a column of either.
//!
//! The impls delegate to sqlx's own for `&[u8]`, `Vec<u8>` and `String`, so they hold for each
//! driver (SQLite, PostgreSQL, MySQL) without this crate linking any of them.

use sqlx_core::database::Database;
use sqlx_core::decode::Decode;
use sqlx_core::encode::{Encode, IsNull};
use sqlx_core::error::BoxDynError;
use sqlx_core::type_info::TypeInfo as _;
use sqlx_core::types::Type;
use sqlx_core::value::ValueRef as _;

use super::{SealedText, parse};
use crate::purpose::Purposes;
use crate::sealed::{Plaintext, Sealed};

impl<T, Ps, DB> Type<DB> for Sealed<T, Ps>
where
    DB: Database,
    Vec<u8>: Type<DB>,
    String: Type<DB>,
{
    /// The database's binary type: what a [`Sealed`] binds as.
    fn type_info() -> DB::TypeInfo {
        <Vec<u8> as Type<DB>>::type_info()
    }

    /// Binary or text columns: a [`Sealed`] decodes from either form.
    fn compatible(ty: &DB::TypeInfo) -> bool {
        <Vec<u8> as Type<DB>>::compatible(ty) || <String as Type<DB>>::compatible(ty)
    }
}

impl<'q, T, Ps, DB> Encode<'q, DB> for Sealed<T, Ps>
where
    DB: Database,
    Vec<u8>: Encode<'q, DB>,
{
    /// The binary form (FORMAT.md §2).
    fn encode_by_ref(&self, buf: &mut DB::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <Vec<u8> as Encode<'q, DB>>::encode(self.as_bytes().to_vec(), buf)
    }

    fn encode(self, buf: &mut DB::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <Vec<u8> as Encode<'q, DB>>::encode(self.into_bytes(), buf)
    }
}

impl<'r, T, Ps, DB> Decode<'r, DB> for Sealed<T, Ps>
where
    T: Plaintext,
    Ps: Purposes,
    DB: Database,
    Vec<u8>: Decode<'r, DB> + Type<DB>,
    String: Decode<'r, DB> + Type<DB>,
{
    /// Parses the column: a text column through sqlx's `String`, a binary one through its
    /// `Vec<u8>` (so that either wire format of a driver works); the text form if the bytes start
    /// with `fs1:`, the binary form otherwise (FORMAT.md §2, §7). Opening still needs the key.
    fn decode(value: DB::ValueRef<'r>) -> Result<Self, BoxDynError> {
        // SQLite's `String` and `Vec<u8>` decode NULL as empty: say NULL, as the other drivers do,
        // rather than call the column a truncated value.
        if value.is_null() {
            return Err(Box::new(sqlx_core::error::UnexpectedNullError));
        }
        let type_info = value.type_info();
        let column = column_name(type_info.name());
        if <String as Type<DB>>::compatible(&type_info) {
            let text = <String as Decode<'r, DB>>::decode(value)?;
            Ok(parse(text.as_bytes(), column)?)
        } else {
            let raw = <Vec<u8> as Decode<'r, DB>>::decode(value)?;
            Ok(parse(&raw, column)?)
        }
    }
}

/// The SQL type's name, for errors (a `&'static str`: the names sqlx gives binary and text types).
fn column_name(name: &str) -> &'static str {
    match name.to_ascii_uppercase().as_str() {
        "BYTEA" => "BYTEA",
        "BLOB" | "VARBINARY" | "BINARY" | "LONGBLOB" | "MEDIUMBLOB" | "TINYBLOB" => "BLOB",
        "TEXT" | "VARCHAR" | "CHAR" | "LONGTEXT" | "MEDIUMTEXT" | "TINYTEXT" => "TEXT",
        _ => "binary or text",
    }
}

impl<T, Ps, DB> Type<DB> for SealedText<T, Ps>
where
    DB: Database,
    String: Type<DB>,
{
    /// The database's text type.
    fn type_info() -> DB::TypeInfo {
        <String as Type<DB>>::type_info()
    }

    fn compatible(ty: &DB::TypeInfo) -> bool {
        <String as Type<DB>>::compatible(ty)
    }
}

impl<'q, T, Ps, DB> Encode<'q, DB> for SealedText<T, Ps>
where
    DB: Database,
    String: Encode<'q, DB>,
{
    /// The text form (FORMAT.md §7).
    fn encode_by_ref(&self, buf: &mut DB::ArgumentBuffer) -> Result<IsNull, BoxDynError> {
        <String as Encode<'q, DB>>::encode(self.as_str().to_owned(), buf)
    }
}
