//! Errors of key vaults (subject mode, FORMAT.md §15): what the storage behind it reports, and
//! what a vault row that does not read back means. Opening errors that concern a subject's
//! choices (no consent, consent withdrawn, erased, expired) are variants of
//! [`Error`](crate::Error), since they are answers rather than failures.

/// Why a key vault operation failed.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum VaultError {
    /// A row does not read back as what it should be: changed by hand, damaged, or wrapped under
    /// another keyring. Nothing was changed.
    #[error(
        "{reason}; nothing was changed: restore the vault from a backup, or ask who changed it"
    )]
    Corrupt {
        /// What does not read back (names, never key bytes or subject ids).
        reason: String,
    },

    /// The vault belongs to another keyring: its keys cannot be unwrapped with this one.
    #[error(
        "this key vault belongs to keyring {vault}, not to keyring {given}; open the vault of \
         this keyring, or load the keys of keyring {vault}"
    )]
    WrongKeyring {
        /// The keyring id the vault was bound to.
        vault: crate::KeyringId,
        /// The keyring id of the keys given.
        given: crate::KeyringId,
    },

    /// The vault's schema is newer than this fieldseal reads.
    #[error(
        "the key vault's schema version {found} is newer than this fieldseal reads (version \
         {supported}); upgrade fieldseal to use it"
    )]
    NewerSchema {
        /// The schema version found.
        found: u32,
        /// The schema version this library reads and writes.
        supported: u32,
    },

    /// Another process holds the vault's database locked for longer than the vault waits.
    #[error(
        "the key vault is busy ({action}): another process holds it locked; nothing was changed, \
         try again"
    )]
    Busy {
        /// What was being done.
        action: &'static str,
    },

    /// The vault cannot be written: a read-only file, database or user.
    #[error(
        "the key vault is read-only ({action}); nothing was changed: open it writable to seal \
         new subjects, record consent or erase"
    )]
    ReadOnly {
        /// What was being done.
        action: &'static str,
    },

    /// The disk (or the database's quota) is full.
    #[error(
        "the key vault's storage is full ({action}); nothing was changed: free space and retry"
    )]
    Full {
        /// What was being done.
        action: &'static str,
    },

    /// A [`SubjectSession`](crate::vault::SubjectSession) made by `session_async` cannot
    /// [`seal`](crate::vault::SubjectSession::seal): this process changed some subject's keys
    /// since it was made (a withdrawal, an erasure, a sweep), or its keys are older than the
    /// cache's time to live, and the cache no longer answers for them; `seal`, which does not
    /// await, cannot ask the vault. Nothing was sealed.
    #[error(
        "this subject session is outdated: its keys may have been destroyed since it resolved \
         them (a withdrawal, an erasure or a sweep, or their time to live passed); nothing was \
         sealed: seal with `seal_async`, or make a new session, and seal again"
    )]
    SessionOutdated,

    /// The key vault refuses data keys wrapped under a root key version that was retired
    /// ([`KeyVault::retire_version`](crate::vault::KeyVault::retire_version)): this process holds
    /// keys from before a rotation (an old bundle), and a key it made now could be unwrapped by no
    /// one else. Nothing was sealed or stored.
    #[error(
        "the key vault no longer takes data keys wrapped under root key version {version}, which \
         was retired; nothing was stored: this process holds keys from before a rotation, so \
         load the current key bundle and try again"
    )]
    VersionRetired {
        /// The retired version.
        version: u32,
    },

    /// The storage failed in another way.
    #[error("the key vault failed ({action}): {source}")]
    Backend {
        /// What was being done.
        action: &'static str,
        /// The storage's own error (never holds key bytes: none reach the storage in the clear).
        source: Box<dyn std::error::Error + Send + Sync>,
    },
}

#[cfg(test)]
mod tests {
    use super::VaultError;
    use crate::KeyringId;

    /// One of each variant (the match below fails to compile when a variant is added).
    fn every() -> Vec<VaultError> {
        let id = KeyringId::from_bytes([7; 16]);
        vec![
            VaultError::Corrupt {
                reason: "a row".into(),
            },
            VaultError::WrongKeyring {
                vault: id,
                given: id,
            },
            VaultError::NewerSchema {
                found: 3,
                supported: 2,
            },
            VaultError::Busy { action: "read" },
            VaultError::ReadOnly { action: "write" },
            VaultError::Full { action: "write" },
            VaultError::SessionOutdated,
            VaultError::VersionRetired { version: 1 },
            VaultError::Backend {
                action: "read",
                source: "down".into(),
            },
        ]
    }

    #[test]
    fn every_message_reads_as_one_line_of_text() {
        for e in every() {
            match e {
                VaultError::Corrupt { .. }
                | VaultError::WrongKeyring { .. }
                | VaultError::NewerSchema { .. }
                | VaultError::Busy { .. }
                | VaultError::ReadOnly { .. }
                | VaultError::Full { .. }
                | VaultError::SessionOutdated
                | VaultError::VersionRetired { .. }
                | VaultError::Backend { .. } => {}
            }
            let shown = e.to_string();
            assert!(!shown.contains("  "), "a broken line in {shown:?}");
            assert!(!shown.contains('\n'), "{shown:?}");
            assert!(!shown.ends_with(' ') && !shown.ends_with('.'), "{shown:?}");
        }
    }
}
