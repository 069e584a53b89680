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
        let matches =
            found.len() == Ps::NAMES.len() && Ps::NAMES.iter().all(|name| found.contains(name));
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
