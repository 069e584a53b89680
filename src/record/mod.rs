//! Typed records: what `#[derive(Seal)]` generates code against.
//!
//! A record type declares once which field is sealed for which purposes; the derive writes a
//! sealed twin type (what the database stores) and, per purpose, a view type holding exactly the
//! fields that purpose may read. See [`Seal`](crate::Seal) for the attributes.

use crate::error::Result;
use crate::keyring::PurposeKey;
use crate::keyset::KeySet;

/// A record's id, bound into the context of each of its sealed fields so that a value moved to
/// another record does not open.
///
/// Integers bind as their big-endian bytes (as [`Context::with_id_u64`](crate::Context::with_id_u64)
/// does), strings as UTF-8, byte strings as they are. Implement it for your own id types:
///
/// ```
/// struct CustomerId(u64);
/// impl fieldseal::record::RecordId for CustomerId {
///     fn with_id_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
///         self.0.with_id_bytes(f)
///     }
/// }
/// # use fieldseal::record::RecordId as _;
/// ```
pub trait RecordId {
    /// Calls `f` with the id's bytes (at most 256: hash longer ids).
    fn with_id_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R;
}

macro_rules! integer_ids {
    ($($ty:ty),*) => {$(
        impl RecordId for $ty {
            fn with_id_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
                f(&self.to_be_bytes())
            }
        }
    )*};
}

integer_ids!(u16, u32, u64, u128, i16, i32, i64, i128);

impl RecordId for str {
    fn with_id_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.as_bytes())
    }
}

impl RecordId for String {
    fn with_id_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.as_bytes())
    }
}

impl RecordId for [u8] {
    fn with_id_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self)
    }
}

impl RecordId for Vec<u8> {
    fn with_id_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self)
    }
}

impl<const N: usize> RecordId for [u8; N] {
    fn with_id_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self)
    }
}

impl<T: RecordId + ?Sized> RecordId for &T {
    fn with_id_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        (**self).with_id_bytes(f)
    }
}

/// A record `#[derive(Seal)]` can seal: what a nested record field needs of its type.
pub trait SealRecord {
    /// The sealed twin type.
    type Sealed: OpenRecord + ResealRecord;

    /// Seals the record, binding its fields to its own id, or to `outer_id` (the id of the record
    /// it is nested in) when it has none.
    ///
    /// # Errors
    /// As the derived `seal`.
    fn seal_with_id(&self, keys: &KeySet, outer_id: &[u8]) -> Result<Self::Sealed>;
}

/// A sealed twin opened at run time: what a nested record field needs of its sealed type.
pub trait OpenRecord {
    /// The run-time view.
    type DynView;

    /// Opens every field `keys` may read; `outer_id` as in [`SealRecord::seal_with_id`].
    ///
    /// # Errors
    /// As the derived `open_dyn`.
    fn open_dyn_with_id(&self, keys: &KeySet, outer_id: &[u8]) -> Result<Self::DynView>;
}

/// A sealed twin re-sealed after a rotation: what a nested record field needs of its sealed type.
pub trait ResealRecord: Sized {
    /// Re-seals every sealed field under the active key versions; `Ok(None)` if all are current.
    /// `outer_id` as in [`SealRecord::seal_with_id`].
    ///
    /// # Errors
    /// As [`KeySet::reseal`].
    fn reseal_with_id(&self, keys: &KeySet, outer_id: &[u8]) -> Result<Option<Self>>;
}

/// The view a sealed record gives to purpose `P`: implemented by `#[derive(Seal)]` for every
/// purpose the record uses.
#[diagnostic::on_unimplemented(
    message = "`{Self}` has no field sealed for purpose `{P}`",
    label = "no view for `{P}`",
    note = "a purpose sees a record only if at least one field is sealed for it"
)]
pub trait View<P> {
    /// The view type: the plain fields and the fields sealed for `P`.
    type View;

    /// Opens every field sealed for `P`.
    ///
    /// # Errors
    /// As [`Sealed::open`](crate::Sealed::open), for the first field that fails.
    fn open_view(&self, key: &PurposeKey<P>) -> Result<Self::View> {
        self.open_view_with_id(key, &[])
    }

    /// Opens every field sealed for `P`; `outer_id` as in [`SealRecord::seal_with_id`].
    ///
    /// # Errors
    /// As [`open_view`](Self::open_view).
    fn open_view_with_id(&self, key: &PurposeKey<P>, outer_id: &[u8]) -> Result<Self::View>;
}
