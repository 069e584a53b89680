//! Purposes: named uses of data, checked by the compiler where they are known at compile time.
//!
//! A purpose is a zero-sized type implementing [`Purpose`], declared in one line with
//! [`purpose!`](crate::purpose!). Its name is checked at compile time. Purposes known only at run
//! time (config-driven services) use [`DynPurpose`], checked when created.

mod any;
mod dynamic;
mod name;
mod policy;
mod set;

pub use any::{AnyPurposes, Purposes};
pub use dynamic::DynPurpose;
pub use name::{MAX_NAME_LEN, is_valid_name};
pub(crate) use name::{rule_broken, validate_name};
#[doc(hidden)]
pub use policy::days;
pub use policy::{PurposePolicy, THIRD_PARTY_PREFIX, is_third_party};
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

    /// What sealing for this purpose demands in subject mode: consent, a retention period
    /// (declared with [`purpose!`](crate::purpose!); a `third-party:` purpose always needs
    /// consent).
    const POLICY: PurposePolicy = PurposePolicy::for_name(Self::NAME);
}

/// Declares a zero-sized purpose type, checking its name at compile time, with its policy in
/// subject mode: `consent` (sealing needs the subject's recorded consent) and `retention_days = N`
/// (a subject's data key for it is destroyed by `sweep` N days after it was created).
///
/// ```
/// fieldseal::purpose!(pub Fulfillment = "fulfillment");
/// fieldseal::purpose!(pub Marketing = "marketing", consent);
/// fieldseal::purpose!(pub Analytics = "analytics", retention_days = 365);
/// fieldseal::purpose!(pub Newsletter = "newsletter", consent, retention_days = 730);
/// fieldseal::purpose!(
///     /// Sharing with the delivery partner Acme: needs consent, by its name.
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
        $crate::purpose!(@define [$(#[$meta])*] $vis $ty = $name, false, None);
    };
    ($(#[$meta:meta])* $vis:vis $ty:ident = $name:literal, consent) => {
        $crate::purpose!(@define [$(#[$meta])*] $vis $ty = $name, true, None);
    };
    ($(#[$meta:meta])* $vis:vis $ty:ident = $name:literal, retention_days = $days:expr) => {
        $crate::purpose!(
            @define [$(#[$meta])*] $vis $ty = $name, false,
            Some($crate::purpose::days($days))
        );
    };
    (
        $(#[$meta:meta])* $vis:vis $ty:ident = $name:literal, consent,
        retention_days = $days:expr
    ) => {
        $crate::purpose!(
            @define [$(#[$meta])*] $vis $ty = $name, true,
            Some($crate::purpose::days($days))
        );
    };
    (@define [$($meta:tt)*] $vis:vis $ty:ident = $name:literal, $consent:expr, $retention:expr) => {
        #[doc = concat!("The `", $name, "` purpose.")]
        $($meta)*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
        $vis struct $ty;

        impl $crate::Purpose for $ty {
            const NAME: &'static str = $name;
            const POLICY: $crate::PurposePolicy =
                $crate::PurposePolicy::declared($name, $consent, $retention);
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
