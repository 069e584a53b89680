//! What a purpose demands of the data sealed for it in subject mode: the subject's consent, and a
//! retention period after which the data keys are destroyed (FORMAT.md §15, README "Consent,
//! erasure and retention").

use std::fmt;
use std::time::Duration;

/// The prefix of purposes that hand data to a third party: such a purpose always needs consent.
pub const THIRD_PARTY_PREFIX: &str = "third-party:";

/// A purpose's policy: whether sealing for it needs the subject's recorded consent, and how long
/// a subject's data key for it lives.
///
/// Declared on a purpose type (`purpose!(Marketing = "marketing", consent)`, `retention_days =
/// 365`), or on a [`DynPurpose`](crate::DynPurpose) at run time. A `third-party:` purpose always
/// needs consent, whatever was declared.
///
/// ```
/// use fieldseal::{Purpose, PurposePolicy};
/// fieldseal::purpose!(Marketing = "marketing", consent, retention_days = 730);
/// fieldseal::purpose!(Acme = "third-party:acme");
/// assert!(Marketing::POLICY.needs_consent());
/// assert_eq!(Marketing::POLICY.retention().unwrap().as_secs(), 730 * 86_400);
/// assert!(Acme::POLICY.needs_consent()); // by its name
/// ```
#[derive(Clone, Copy, PartialEq, Eq, Hash, Default)]
pub struct PurposePolicy {
    consent: bool,
    retention: Option<Duration>,
}

impl PurposePolicy {
    /// No consent needed, no retention period: data keys live until the subject is forgotten.
    pub const OPEN: Self = Self {
        consent: false,
        retention: None,
    };

    /// The policy declared for purpose `name`; a `third-party:` purpose needs consent whatever
    /// `consent` says.
    pub const fn declared(name: &str, consent: bool, retention: Option<Duration>) -> Self {
        Self {
            consent: consent || is_third_party(name),
            retention,
        }
    }

    /// The policy of purpose `name` when nothing was declared: consent for a `third-party:`
    /// purpose, none otherwise; no retention period.
    pub const fn for_name(name: &str) -> Self {
        Self::declared(name, false, None)
    }

    /// Whether sealing needs the subject's recorded consent (FORMAT.md §15): without it, a value
    /// gets no copy for this purpose.
    pub const fn needs_consent(&self) -> bool {
        self.consent
    }

    /// How long a subject's data key for this purpose lives from its creation, if limited: once
    /// it has passed, `sweep` destroys the key and what it sealed can no longer be opened.
    pub const fn retention(&self) -> Option<Duration> {
        self.retention
    }

    /// This policy with consent required.
    #[must_use]
    pub const fn with_consent(mut self) -> Self {
        self.consent = true;
        self
    }

    /// This policy with a retention period.
    #[must_use]
    pub const fn with_retention(mut self, retention: Duration) -> Self {
        self.retention = Some(retention);
        self
    }
}

impl fmt::Debug for PurposePolicy {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PurposePolicy")
            .field("consent", &self.consent)
            .field("retention_secs", &self.retention.map(|r| r.as_secs()))
            .finish()
    }
}

/// Whether `name` is a `third-party:` purpose.
pub const fn is_third_party(name: &str) -> bool {
    let (name, prefix) = (name.as_bytes(), THIRD_PARTY_PREFIX.as_bytes());
    if name.len() < prefix.len() {
        return false;
    }
    let mut i = 0;
    while i < prefix.len() {
        if name[i] != prefix[i] {
            return false;
        }
        i += 1;
    }
    true
}

/// Days as a [`Duration`], for `purpose!(.., retention_days = N)`.
#[doc(hidden)]
pub const fn days(n: u64) -> Duration {
    Duration::from_secs(n * 86_400)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn third_party_purposes_always_need_consent() {
        assert!(PurposePolicy::for_name("third-party:acme").needs_consent());
        assert!(PurposePolicy::declared("third-party:acme", false, None).needs_consent());
        assert!(!PurposePolicy::for_name("third-party").needs_consent());
        assert!(!PurposePolicy::for_name("marketing").needs_consent());
        assert!(PurposePolicy::declared("marketing", true, None).needs_consent());
        assert_eq!(
            PurposePolicy::OPEN.with_retention(days(2)).retention(),
            Some(Duration::from_secs(172_800))
        );
    }
}
