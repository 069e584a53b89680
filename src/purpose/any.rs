//! Purpose sets known only at run time.

use crate::error::{Malformed, Result};
use crate::purpose::{PurposePolicy, PurposeSet};

/// The purpose set of a value whose purposes are known only at run time (config-driven services,
/// tools that inspect any value): `Sealed<T, AnyPurposes>`. Such a value opens only through the
/// run-time path (`open_dyn`), which checks the purpose when it runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct AnyPurposes;

/// What the second parameter of [`Sealed`](crate::Sealed) can be: a [`PurposeSet`], checked by
/// the compiler, or [`AnyPurposes`], checked at run time.
pub trait Purposes: Send + Sync + 'static {
    /// Checks the purposes found in a value coming in from outside; `subject_mode` if the value
    /// is in subject mode (FORMAT.md §15), where a value may hold no copy at all.
    #[doc(hidden)]
    fn check(found: &[&str], subject_mode: bool) -> Result<()>;
}

impl<Ps: PurposeSet> Purposes for Ps {
    /// The value's purposes must be the set's, except that in subject mode a purpose needing
    /// consent may have no copy (the subject had not consented when it was sealed: FORMAT.md
    /// §15.1); a subject-mode value may hold none at all if every purpose of the set needs
    /// consent. A direct-mode value always holds a copy for every purpose it was sealed for.
    fn check(found: &[&str], subject_mode: bool) -> Result<()> {
        // `found` holds distinct names (the parser rejects duplicates). A set type that repeats a
        // purpose never matches: the count of its distinct names is below its length.
        let distinct = Ps::NAMES
            .iter()
            .enumerate()
            .all(|(i, name)| !Ps::NAMES[..i].contains(name));
        let all_known = found.iter().all(|name| Ps::NAMES.contains(name));
        let required_present = Ps::NAMES
            .iter()
            .zip(Ps::POLICIES)
            .all(|(name, policy)| (subject_mode && policy.needs_consent()) || found.contains(name));
        let may_be_empty = subject_mode && Ps::POLICIES.iter().all(PurposePolicy::needs_consent);
        let matches =
            distinct && (!found.is_empty() || may_be_empty) && all_known && required_present;
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
    fn check(_: &[&str], _: bool) -> Result<()> {
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
        assert!(<Both as Purposes>::check(&["marketing", "fulfillment"], false).is_ok());
        assert!(<Fulfillment as Purposes>::check(&["fulfillment"], false).is_ok());
        for found in [
            &["fulfillment"][..],
            &["fulfillment", "analytics"],
            &["a", "b", "c"],
        ] {
            assert!(matches!(
                <Both as Purposes>::check(found, false),
                Err(Error::Malformed(Malformed::PurposeSetMismatch { .. }))
            ));
        }
        // A set type that repeats a purpose matches no value (values never repeat one).
        assert!(<Twice as Purposes>::check(&["marketing", "fulfillment"], false).is_err());
        assert!(<Twice as Purposes>::check(&["marketing"], false).is_err());
        assert!(<AnyPurposes as Purposes>::check(&["x", "y"], false).is_ok());
    }

    crate::purpose!(Newsletter = "newsletter", consent);
    crate::purpose!(Acme = "third-party:acme");

    #[test]
    fn a_purpose_needing_consent_may_have_no_copy_and_no_other_may() {
        type Set = (Fulfillment, Newsletter, Acme);
        for found in [
            &["fulfillment", "newsletter", "third-party:acme"][..],
            &["fulfillment", "newsletter"],
            &["third-party:acme", "fulfillment"],
            &["fulfillment"],
        ] {
            assert!(<Set as Purposes>::check(found, true).is_ok(), "{found:?}");
        }
        // In direct mode every purpose has its copy: a missing one was removed.
        assert!(<Set as Purposes>::check(&["fulfillment", "newsletter"], false).is_err());
        assert!(<Set as Purposes>::check(&["fulfillment"], false).is_err());
        for found in [
            &["newsletter", "third-party:acme"][..],
            &["fulfillment", "marketing"],
            &[],
        ] {
            assert!(<Set as Purposes>::check(found, true).is_err(), "{found:?}");
        }
        // A set of consent purposes only still needs one copy in direct mode.
        assert!(<(Newsletter, Acme) as Purposes>::check(&[], false).is_err());
    }
}
