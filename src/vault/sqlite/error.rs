//! What an SQLite failure means for the vault: busy, read-only, full and damaged files each get a
//! [`VaultError`] of their own, anything else is a backend error with SQLite's own message.

use std::fmt;

use rusqlite::ErrorCode;

use crate::error::VaultError;

/// A failure inside the SQLite vault, before it is told what was being done.
pub(super) enum Fail {
    /// SQLite reported an error.
    Sql(rusqlite::Error),
    /// A vault error already (a row that does not read back, a newer schema).
    Vault(VaultError),
    /// Something the vault refuses, in its own words (becomes a backend error).
    Refused(String),
}

impl From<rusqlite::Error> for Fail {
    fn from(e: rusqlite::Error) -> Self {
        Self::Sql(e)
    }
}

impl From<VaultError> for Fail {
    fn from(e: VaultError) -> Self {
        Self::Vault(e)
    }
}

/// A row that does not read back as the schema says (FORMAT.md §15.5). `what` names the table and
/// column, never a subject id or key bytes.
pub(super) fn corrupt(what: impl fmt::Display) -> Fail {
    Fail::Vault(VaultError::Corrupt {
        reason: format!("a row of the SQLite key vault does not read back: {what}"),
    })
}

impl Fail {
    /// The vault error of this failure, while doing `action`.
    pub(super) fn into_vault(self, action: &'static str) -> VaultError {
        match self {
            Self::Vault(e) => e,
            Self::Refused(message) => VaultError::Backend {
                action,
                source: Box::new(Message(message)),
            },
            Self::Sql(e) => match e.sqlite_error_code() {
                Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked) => {
                    VaultError::Busy { action }
                }
                Some(ErrorCode::ReadOnly) => VaultError::ReadOnly { action },
                Some(ErrorCode::DiskFull) => VaultError::Full { action },
                Some(ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase) => VaultError::Corrupt {
                    reason: format!(
                        "the SQLite key vault file is damaged or is not a database ({action}: \
                             {e})"
                    ),
                },
                _ => VaultError::Backend {
                    action,
                    source: Box::new(e),
                },
            },
        }
    }
}

/// The vault's own words, as the source of a backend error.
#[derive(Debug)]
struct Message(String);

impl fmt::Display for Message {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl std::error::Error for Message {}
