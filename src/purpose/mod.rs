//! Purposes: named uses of data, checked by the compiler where they are known at compile time.
//!
//! A purpose is a zero-sized type implementing [`Purpose`], declared in one line with
//! [`purpose!`](crate::purpose!). Its name is checked at compile time. Purposes known only at run
//! time (config-driven services) use [`DynPurpose`], checked when created.

mod any;
mod dynamic;
mod name;
mod set;

pub use any::{AnyPurposes, Purposes};
pub use dynamic::DynPurpose;
pub(crate) use name::validate_name;
pub use name::{MAX_NAME_LEN, is_valid_name};
pub use set::{I0, I1, I2, I3, I4, I5, I6, I7, Includes, PurposeSet};

/// A named use of data, such as `fulfillment` or `marketing`.
///
/// Declare purposes with [`purpose!`](crate::purpose!), which checks the name at compile time:
///
/// ```
/// fieldseal::purpose!(pub Fulfillment = "fulfillment");
/// use fieldseal::Purpose as _;
/// assert_eq!(Fulfillment::NAME, "fulfillment");
/// ```
pub trait Purpose: Send + Sync + 'static {
    /// The purpose's name: 1 to 64 bytes of `a-z`, `0-9`, `-` and `:`. It is written into every
    /// value and into key derivation, so it must never change once data is sealed.
    const NAME: &'static str;
}

/// Declares a zero-sized purpose type, checking its name at compile time.
///
/// ```
/// fieldseal::purpose!(pub Marketing = "marketing");
/// fieldseal::purpose!(
///     /// Sharing with the delivery partner Acme.
///     pub AcmeDelivery = "third-party:acme"
/// );
/// ```
///
/// A name that breaks the rules does not compile:
///
/// ```compile_fail
/// fieldseal::purpose!(pub Bad = "Marketing Team");
/// ```
#[macro_export]
macro_rules! purpose {
    ($(#[$meta:meta])* $vis:vis $ty:ident = $name:literal) => {
        #[doc = concat!("The `", $name, "` purpose.")]
        $(#[$meta])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        $vis struct $ty;

        impl $crate::Purpose for $ty {
            const NAME: &'static str = $name;
        }

        const _: () = assert!(
            $crate::purpose::is_valid_name($name),
            concat!(
                "invalid purpose name \"", $name,
                "\": use 1 to 64 bytes of a-z, 0-9, '-' and ':'"
            )
        );
    };
}
