//! Record ids: the bytes that bind a sealed field to its record (FORMAT.md §6).
//!
//! One rule for every integer type, signed or not: the id is bound as 16 bytes, its value as a
//! 128-bit big-endian two's complement integer (zero-extended if unsigned, sign-extended if
//! signed). So `7u32`, `7u64` and `7i64` bind the same bytes, and changing an id column's integer
//! type keeps the data opening. Strings bind as UTF-8, byte strings as they are, UUIDs (feature
//! `uuid`) as their 16 bytes, which equal the `u128` encoding of [`uuid::Uuid::as_u128`].

/// A record's id, bound into the context of each of its sealed fields so that a value moved to
/// another record does not open.
///
/// Integers bind as 16 big-endian bytes (see [`IntegerId`]), strings as UTF-8, byte strings as
/// they are. Implement it for your own id types:
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
#[diagnostic::on_unimplemented(
    message = "`{Self}` cannot be a record id",
    label = "not a record id",
    note = "record ids: the integer types, String, &str, Vec<u8>, [u8; N], uuid::Uuid (feature \
            `uuid`), or your own type implementing `fieldseal::record::RecordId`"
)]
pub trait RecordId {
    /// Calls `f` with the id's bytes (at most 256: hash longer ids).
    fn with_id_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R;
}

mod private {
    pub trait Sealed {}
}

/// An integer record id: bound as its value in 16 big-endian bytes, two's complement, whatever
/// its Rust type (FORMAT.md §6). Implemented for every primitive integer type.
///
/// ```
/// use fieldseal::record::IntegerId;
/// assert_eq!(7u32.id_bytes(), 7i64.id_bytes());
/// assert_eq!((-1i8).id_bytes(), [0xff; 16]);
/// assert_eq!(u128::MAX.id_bytes(), [0xff; 16]); // the one overlap: see FORMAT.md §6
/// ```
pub trait IntegerId: private::Sealed + Copy {
    /// The 16 bytes bound.
    fn id_bytes(self) -> [u8; 16];
}

macro_rules! integer_ids {
    ($wide:ty => $($ty:ty),*) => {$(
        impl private::Sealed for $ty {}
        impl IntegerId for $ty {
            #[inline]
            fn id_bytes(self) -> [u8; 16] {
                // Widening: zero-extends unsigned types, sign-extends signed ones.
                <$wide>::from(self).to_be_bytes()
            }
        }
        impl RecordId for $ty {
            #[inline]
            fn with_id_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
                f(&self.id_bytes())
            }
        }
    )*};
}

integer_ids!(u128 => u8, u16, u32, u64, u128);
integer_ids!(i128 => i8, i16, i32, i64, i128);

macro_rules! pointer_sized_ids {
    ($($ty:ty => $wide:ty),*) => {$(
        impl private::Sealed for $ty {}
        impl IntegerId for $ty {
            #[inline]
            fn id_bytes(self) -> [u8; 16] {
                // Lossless: pointer-sized integers are at most 128 bits wide.
                #[allow(clippy::cast_lossless, reason = "no From impl for pointer-sized types")]
                (self as $wide).to_be_bytes()
            }
        }
        impl RecordId for $ty {
            #[inline]
            fn with_id_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
                f(&self.id_bytes())
            }
        }
    )*};
}

pointer_sized_ids!(usize => u128, isize => i128);

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

/// A UUID binds as its 16 bytes (RFC 9562 order), the same bytes as `as_u128()` bound as an
/// integer id.
#[cfg(feature = "uuid")]
impl RecordId for uuid::Uuid {
    fn with_id_bytes<R>(&self, f: impl FnOnce(&[u8]) -> R) -> R {
        f(self.as_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn bytes(id: &impl RecordId) -> Vec<u8> {
        id.with_id_bytes(<[u8]>::to_vec)
    }

    #[test]
    fn every_integer_type_binds_the_same_sixteen_bytes_for_the_same_value() {
        let seven = bytes(&7u8);
        assert_eq!(seven.len(), 16);
        assert_eq!(seven[15], 7);
        for other in [
            bytes(&7u16),
            bytes(&7u32),
            bytes(&7u64),
            bytes(&7u128),
            bytes(&7usize),
            bytes(&7i8),
            bytes(&7i16),
            bytes(&7i32),
            bytes(&7i64),
            bytes(&7i128),
            bytes(&7isize),
        ] {
            assert_eq!(other, seven);
        }
    }

    #[test]
    fn signed_ids_are_sign_extended() {
        assert_eq!(bytes(&-2i32), bytes(&-2i64));
        assert_eq!(bytes(&-2i64), (-2i128).to_be_bytes());
        assert_ne!(bytes(&-2i32), bytes(&(u32::MAX - 1)));
    }

    #[test]
    fn strings_and_bytes_bind_as_they_are() {
        assert_eq!(bytes(&"cust-7"), b"cust-7");
        assert_eq!(bytes(&String::from("cust-7")), b"cust-7");
        assert_eq!(bytes(&[1u8, 2]), [1, 2]);
    }

    #[cfg(feature = "uuid")]
    #[test]
    fn a_uuid_binds_as_its_u128() {
        let id = uuid::Uuid::from_u128(0x0b7e_5c1a_5d4e_4a8e_9f1b_2c3d_4e5f_6a7b);
        assert_eq!(bytes(&id), bytes(&id.as_u128()));
    }
}
