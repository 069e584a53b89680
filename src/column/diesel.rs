//! diesel (feature `diesel`): a [`Sealed`] is a `Binary` expression and value, a [`SealedText`]
//! a `Text` one; a [`Sealed`] is read from `Binary` and `Text` columns alike. What
//! `#[derive(AsExpression, FromSqlRow)]` would generate, written out because neither type is
//! diesel's, generic over backends (diesel's own `[u8]`, `Vec<u8>`, `str` and `String` impls
//! carry each backend's encoding).

use diesel::backend::Backend;
use diesel::deserialize::{self, FromSql, Queryable};
use diesel::expression::AsExpression;
use diesel::internal::derives::as_expression::Bound;
use diesel::serialize::{self, Output, ToSql};
use diesel::sql_types::{Binary, Nullable, SingleValue, Text};

use super::{SealedText, parse};
use crate::purpose::Purposes;
use crate::sealed::{Plaintext, Sealed};

/// `AsExpression` for the type, one and two references to it (an `Insertable` struct of
/// references gives `&&`), each for the SQL type and its nullable form, as diesel's derive
/// generates.
macro_rules! as_expression {
    ($sql:ty => $($ty:ty),+) => {$(
        impl<'a, 'b, T, Ps> AsExpression<$sql> for $ty {
            type Expression = Bound<$sql, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }
        impl<'a, 'b, T, Ps> AsExpression<Nullable<$sql>> for $ty {
            type Expression = Bound<Nullable<$sql>, Self>;
            fn as_expression(self) -> Self::Expression {
                Bound::new(self)
            }
        }
    )+};
}

as_expression!(Binary => Sealed<T, Ps>, &'a Sealed<T, Ps>, &'b &'a Sealed<T, Ps>);
as_expression!(Text => SealedText<T, Ps>, &'a SealedText<T, Ps>, &'b &'a SealedText<T, Ps>);

impl<T, Ps, DB> ToSql<Binary, DB> for Sealed<T, Ps>
where
    DB: Backend,
    [u8]: ToSql<Binary, DB>,
{
    /// The binary form (FORMAT.md §2).
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        <[u8] as ToSql<Binary, DB>>::to_sql(self.as_bytes(), out)
    }
}

impl<T, Ps, DB> ToSql<Text, DB> for SealedText<T, Ps>
where
    DB: Backend,
    str: ToSql<Text, DB>,
{
    /// The text form (FORMAT.md §7).
    fn to_sql<'b>(&'b self, out: &mut Output<'b, '_, DB>) -> serialize::Result {
        <str as ToSql<Text, DB>>::to_sql(self.as_str(), out)
    }
}

impl<T: Plaintext, Ps: Purposes, DB> FromSql<Binary, DB> for Sealed<T, Ps>
where
    DB: Backend,
    Vec<u8>: FromSql<Binary, DB>,
{
    /// Parses the column's bytes (FORMAT.md §2, or §7 if they start with `fs1:`).
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let raw = <Vec<u8> as FromSql<Binary, DB>>::from_sql(bytes)?;
        Ok(parse(&raw, "BLOB/BYTEA")?)
    }
}

impl<T: Plaintext, Ps: Purposes, DB> FromSql<Text, DB> for Sealed<T, Ps>
where
    DB: Backend,
    String: FromSql<Text, DB>,
{
    /// Parses the column's text (FORMAT.md §7).
    fn from_sql(bytes: DB::RawValue<'_>) -> deserialize::Result<Self> {
        let text = <String as FromSql<Text, DB>>::from_sql(bytes)?;
        Ok(parse(text.as_bytes(), "TEXT")?)
    }
}

impl<T, Ps, ST, DB> Queryable<ST, DB> for Sealed<T, Ps>
where
    DB: Backend,
    ST: SingleValue,
    Self: FromSql<ST, DB>,
{
    type Row = Self;

    fn build(row: Self) -> deserialize::Result<Self> {
        Ok(row)
    }
}
