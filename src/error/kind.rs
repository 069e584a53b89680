//! `Error::kind`: a stable, short name for each kind of error, for audit events and metrics.

use crate::error::{Error, KeyringError};

impl Error {
    /// A stable kebab-case name for the kind of error (`cannot-open`, `no-key-for-purpose`,
    /// `consent-withdrawn`, ...): what an audit event records of a failed operation (FORMAT.md
    /// §18.2). It names the variant only, never a field: no purpose, id or value.
    ///
    /// ```
    /// assert_eq!(fieldseal::Error::CannotOpen { hint: None }.kind(), "cannot-open");
    /// ```
    #[allow(clippy::too_many_lines, reason = "one arm per variant, nothing else")]
    pub fn kind(&self) -> &'static str {
        match self {
            Self::CannotOpen { .. } => "cannot-open",
            Self::Malformed(_) => "malformed",
            Self::UnknownVersion { .. } => "unknown-version",
            Self::UnknownSuite { .. } => "unknown-suite",
            Self::UnknownMode { .. } => "unknown-mode",
            Self::WrongMode { .. } => "wrong-mode",
            Self::UnknownPlaintextType { .. } => "unknown-plaintext-type",
            Self::NotSealedFor { .. } => "not-sealed-for",
            Self::UnknownKeyVersion { .. } => "unknown-key-version",
            Self::RetiredKeyVersion { .. } => "retired-key-version",
            Self::NoKeyForPurpose { .. } => "no-key-for-purpose",
            Self::KeyCheckFailed { .. } => "key-check-failed",
            Self::InvalidKeyCheck { .. } => "invalid-key-check",
            Self::InvalidPurposeName { .. } => "invalid-purpose-name",
            Self::NoPurpose => "no-purpose",
            Self::MixedSuites { .. } => "mixed-suites",
            Self::TooManyPurposes { .. } => "too-many-purposes",
            Self::DuplicatePurpose { .. } => "duplicate-purpose",
            Self::ContextTooLong { .. } => "context-too-long",
            Self::EmptyContext { .. } => "empty-context",
            Self::TypeMismatch { .. } => "type-mismatch",
            Self::PlaintextEncoding { .. } => "plaintext-encoding",
            Self::Unsealable { .. } => "unsealable",
            Self::TooLarge { .. } => "too-large",
            Self::Keyring(e) => keyring_kind(e),
            Self::BadRecord { .. } => "bad-record",
            Self::AtLine { source, .. } => source.kind(),
            Self::Io { .. } => "io",
            Self::KeyFile(_) => "key-file",
            Self::Vault(_) => "vault",
            Self::NoConsentCopy { .. } => "no-consent-copy",
            Self::ConsentWithdrawn { .. } => "consent-withdrawn",
            Self::RetentionExpired { .. } => "retention-expired",
            Self::SubjectErased { .. } => "subject-erased",
            Self::UnknownDataKey { .. } => "unknown-data-key",
            Self::UnknownIndex { .. } => "unknown-index",
            Self::InvalidIndexName { .. } => "invalid-index-name",
            Self::InvalidIndexSpec { .. } => "invalid-index-spec",
            Self::BadIndexParts { .. } => "bad-index-parts",
            Self::BadIndexTerm(_) => "bad-index-term",
            Self::UnknownIndexVersion { .. } => "unknown-index-version",
            Self::RetiredIndexVersion { .. } => "retired-index-version",
            Self::EmptyBundle { .. } => "empty-bundle",
            Self::DuplicateIndex { .. } => "duplicate-index",
            Self::UndeclaredConsent { .. } => "undeclared-consent",
            Self::ConsentNeeded { .. } => "consent-needed",
            Self::BundleTooLarge { .. } => "bundle-too-large",
            Self::Normalize { .. } => "normalize",
            Self::IndexNormalizerMismatch { .. } => "index-normalizer-mismatch",
            Self::Rng => "rng",
            Self::Audit(_) => "audit",
        }
    }
}

fn keyring_kind(e: &KeyringError) -> &'static str {
    match e {
        KeyringError::NoSuchVersion { .. } => "no-such-version",
        KeyringError::VersionExists { .. } => "version-exists",
        KeyringError::ZeroVersion => "zero-version",
        KeyringError::RetireActive { .. } => "retire-active",
        KeyringError::Retired { .. } => "retired",
        KeyringError::VersionsExhausted { .. } => "versions-exhausted",
        KeyringError::IndexExists { .. } => "index-exists",
        KeyringError::RootPinnedByIndex { .. } => "root-pinned-by-index",
        KeyringError::RootPinnedByAudit { .. } => "root-pinned-by-audit",
        KeyringError::NoAuditVersion { .. } => "no-audit-version",
        KeyringError::RetireCurrentAudit { .. } => "retire-current-audit",
    }
}
