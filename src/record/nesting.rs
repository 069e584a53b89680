//! Where a record sits: the contexts of its sealed fields, nested records included (FORMAT.md §13).
//!
//! A field of a top-level record is bound to `(record type, field name, id)`. A field of a record
//! nested in another is bound to the *top-level* record type, the *path* of field names from the
//! top down joined with `.` (`billing.street`), and the id of the outermost record that has one.
//! So a nested value moved to another field (`billing.street` into `shipping.street`), another
//! record type (a `Customer`'s billing address pasted into an `Order`'s `ship_to`) or another row
//! fails to open.

use crate::error::{Error, Result};
use crate::format::MAX_FIELD_LEN;
use crate::sealed::Context;

/// Separates the field names of a path (FORMAT.md §13). `#[derive(Seal)]` refuses it in field
/// names, so a path reads back one way only.
pub const PATH_SEPARATOR: char = '.';

/// Where a record is being sealed or opened: at the top, or nested inside another record.
///
/// Generated code passes it down; applications see it only in the [`SealRecord`](super::SealRecord)
/// family of traits. A record entered at the top binds its own record type and id; a nested one
/// inherits the top-level record type and the path to it.
#[derive(Clone, Copy, Debug)]
pub struct Nesting<'a> {
    /// `None` at the top, before any record was entered.
    record: Option<&'a str>,
    /// Field names from the top-level record down to this one, joined by `.`; empty for the
    /// top-level record itself.
    path: &'a str,
    /// The id of the outermost record that has one, or empty.
    id: &'a [u8],
}

impl Default for Nesting<'_> {
    fn default() -> Self {
        Self::TOP
    }
}

impl<'a> Nesting<'a> {
    /// The top: the record entered next is a top-level record.
    pub const TOP: Nesting<'static> = Nesting {
        record: None,
        path: "",
        id: &[],
    };

    /// Whether a record here is a top-level one: no field path leads to it (the top, or a record
    /// entered there). The derived `*_nested` methods record such a record as one event, and stay
    /// quiet for one nested in another, whose outer record's event lists its fields.
    pub fn is_top(&self) -> bool {
        self.path.is_empty()
    }

    /// Enters a record of type `record` whose own id is `own_id` (empty without one). Glue for
    /// the code `#[derive(Seal)]` writes, as are [`field`](Self::field) and [`nest`](Self::nest):
    /// what it seals or opens below the top records no event of its own.
    ///
    /// At the top, the record binds its own type and id. Nested, it keeps the top-level type and
    /// path, and the outer id unless that is empty.
    #[doc(hidden)]
    pub fn enter<'b>(&self, record: &'b str, own_id: &'b [u8]) -> Nesting<'b>
    where
        'a: 'b,
    {
        match self.record {
            None => Nesting {
                record: Some(record),
                path: "",
                id: own_id,
            },
            Some(top) => Nesting {
                record: Some(top),
                path: self.path,
                id: if self.id.is_empty() { own_id } else { self.id },
            },
        }
    }

    /// Calls `f` with the context of the sealed field `field` of the record entered here.
    ///
    /// # Errors
    /// [`Error::ContextTooLong`] if the path to the field exceeds FORMAT.md §6's field limit, and
    /// whatever `f` returns.
    #[doc(hidden)]
    #[inline]
    pub fn field<R>(&self, field: &str, f: impl FnOnce(&Context<'_>) -> Result<R>) -> Result<R> {
        let record = self.record.unwrap_or_default();
        if self.path.is_empty() {
            return f(&Context::new(record, field).with_id(self.id));
        }
        with_path(self.path, field, |path| {
            f(&Context::new(record, path).with_id(self.id))
        })
    }

    /// Calls `f` with the nesting of a record held in field `field` of the record entered here.
    ///
    /// # Errors
    /// [`Error::ContextTooLong`] if the path exceeds FORMAT.md §6's field limit, and whatever `f`
    /// returns.
    #[doc(hidden)]
    pub fn nest<R>(&self, field: &str, f: impl FnOnce(&Nesting<'_>) -> Result<R>) -> Result<R> {
        with_path(self.path, field, |path| {
            f(&Nesting {
                record: self.record,
                path,
                id: self.id,
            })
        })
    }

    /// The record type bound (the top-level record's), once a record was entered.
    pub fn record(&self) -> Option<&'a str> {
        self.record
    }

    /// The path from the top-level record to the record entered here (empty at the top level).
    pub fn path(&self) -> &'a str {
        self.path
    }

    /// The id bound.
    pub fn id(&self) -> &'a [u8] {
        self.id
    }
}

/// Calls `f` with `prefix.field` (or `field` alone when `prefix` is empty), built on the stack.
fn with_path<R>(prefix: &str, field: &str, f: impl FnOnce(&str) -> Result<R>) -> Result<R> {
    if prefix.is_empty() {
        return f(field);
    }
    let len = prefix.len() + 1 + field.len();
    if len > MAX_FIELD_LEN {
        return Err(Error::ContextTooLong {
            part: "field",
            len,
            max: MAX_FIELD_LEN,
        });
    }
    let mut buf = [0u8; MAX_FIELD_LEN];
    buf[..prefix.len()].copy_from_slice(prefix.as_bytes());
    buf[prefix.len()] = PATH_SEPARATOR as u8;
    buf[prefix.len() + 1..len].copy_from_slice(field.as_bytes());
    // Two UTF-8 strings joined by an ASCII byte are UTF-8.
    let path = std::str::from_utf8(&buf[..len]).map_err(|_| Error::ContextTooLong {
        part: "field",
        len,
        max: MAX_FIELD_LEN,
    })?;
    f(path)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn context_of(at: &Nesting<'_>, field: &str) -> (String, String, Vec<u8>) {
        at.field(field, |ctx| {
            Ok((
                ctx.record().to_owned(),
                ctx.field().to_owned(),
                ctx.id().to_vec(),
            ))
        })
        .unwrap()
    }

    #[test]
    fn a_top_level_record_binds_its_own_type_field_and_id() {
        let at = Nesting::TOP.enter("Customer", b"7");
        assert_eq!(
            context_of(&at, "email"),
            ("Customer".into(), "email".into(), b"7".to_vec())
        );
    }

    #[test]
    fn a_nested_record_binds_the_top_type_the_whole_path_and_the_outer_id() {
        let top = Nesting::TOP.enter("Customer", b"7");
        let seen = top
            .nest("billing", |at| {
                let address = at.enter("Address", b"");
                let street = context_of(&address, "street");
                let geo = address.nest("geo", |at| {
                    let geo = at.enter("Geo", b"99");
                    Ok(context_of(&geo, "lat"))
                })?;
                Ok((street, geo))
            })
            .unwrap();
        assert_eq!(
            seen.0,
            ("Customer".into(), "billing.street".into(), b"7".to_vec())
        );
        // The outer id wins over the nested record's own.
        assert_eq!(
            seen.1,
            ("Customer".into(), "billing.geo.lat".into(), b"7".to_vec())
        );
    }

    #[test]
    fn a_nested_record_under_a_record_without_id_binds_its_own() {
        let top = Nesting::TOP.enter("Survey", b"");
        let seen = top
            .nest("respondent", |at| {
                Ok(context_of(&at.enter("Person", b"p-1"), "name"))
            })
            .unwrap();
        assert_eq!(
            seen,
            ("Survey".into(), "respondent.name".into(), b"p-1".to_vec())
        );
    }

    #[test]
    fn a_path_longer_than_the_field_limit_is_an_error_not_a_panic() {
        let long = "f".repeat(200);
        let top = Nesting::TOP.enter("R", b"");
        let err = top
            .nest(&long, |at| at.nest(&long, |at| at.field("x", |_| Ok(()))))
            .unwrap_err();
        assert!(
            matches!(err, Error::ContextTooLong { part: "field", len: 401, max } if max == MAX_FIELD_LEN),
            "{err:?}"
        );
    }
}
