//! Purpose sets known only at run time.

use crate::error::{Malformed, Result};
use crate::purpose::PurposeSet;

/// The purpose set of a value whose purposes are known only at run time (config-driven services,
/// tools that inspect any value): `Sealed<T, AnyPurposes>`. Such a value opens only through the
/// run-time path (`open_dyn`), which checks the purpose when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AnyPurposes;

/// What the second parameter of [`Sealed`](crate::Sealed) can be: a [`PurposeSet`], checked by
/// the compiler, or [`AnyPurposes`], checked at run time.
pub trait Purposes: Send + Sync + 'static {
    /// Checks the purposes found in a value coming in from outside.
    #[doc(hidden)]
    fn check(found: &[&str]) -> Result<()>;
}

impl<Ps: PurposeSet> Purposes for Ps {
    fn check(found: &[&str]) -> Result<()> {
        // `found` holds distinct names (the parser rejects duplicates), so equal lengths and
        // every found name in the set mean the same set, and a set type that repeats a purpose
        // never matches.
        let matches =
            found.len() == Ps::NAMES.len() && found.iter().all(|name| Ps::NAMES.contains(name));
        if matches {
            Ok(())
        } else {
            Err(Malformed::PurposeSetMismatch {
                expected: Ps::NAMES.join(", "),
                found: found.join(", "),
            }
            .into())
        }
    }
}

impl Purposes for AnyPurposes {
    fn check(_: &[&str]) -> Result<()> {
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::Error;

    crate::purpose!(Fulfillment = "fulfillment");
    crate::purpose!(Marketing = "marketing");

    type Both = (Fulfillment, Marketing);
    type Twice = (Marketing, Marketing);

    #[test]
    fn a_set_matches_its_own_purposes_in_any_order_and_nothing_else() {
        assert!(<Both as Purposes>::check(&["marketing", "fulfillment"]).is_ok());
        assert!(<Fulfillment as Purposes>::check(&["fulfillment"]).is_ok());
        for found in [
            &["fulfillment"][..],
            &["fulfillment", "analytics"],
            &["a", "b", "c"],
        ] {
            assert!(matches!(
                <Both as Purposes>::check(found),
                Err(Error::Malformed(Malformed::PurposeSetMismatch { .. }))
            ));
        }
        // A set type that repeats a purpose matches no value (values never repeat one).
        assert!(<Twice as Purposes>::check(&["marketing", "fulfillment"]).is_err());
        assert!(<AnyPurposes as Purposes>::check(&["x", "y"]).is_ok());
    }
}
