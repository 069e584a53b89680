//! How a command fails: the message printed after `error: ` and the exit status.

use std::fmt;
use std::io;
use std::process::ExitCode;

use fieldseal::{Error, KeyFileError, KeyringError, VaultError};

/// Exit statuses other than success (also listed in `fieldseal --help`).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Exit {
    /// A file or value could not be read, written or re-sealed.
    Failure = 1,
    /// Bad arguments (clap uses 2 too), or a secret source that cannot be used.
    Usage = 2,
    /// A key file did not unlock: wrong passphrase, KEK, PIN or HSM/KMS key, or another kind of
    /// protector.
    Locked = 3,
    /// Refused: it would overwrite a file or destroy a key.
    Refused = 4,
    /// Another administrator held the keyring's lock, or another process the key vault's, for
    /// longer than the wait.
    Busy = 5,
}

/// A failed command.
#[derive(Debug)]
pub(crate) struct Failure {
    exit: Exit,
    message: String,
    broken_pipe: bool,
}

impl Failure {
    /// A failure with its own message.
    pub(crate) fn new(exit: Exit, message: impl Into<String>) -> Self {
        Self {
            exit,
            message: message.into(),
            broken_pipe: false,
        }
    }

    /// A library error, after `doing` ("cannot load keyring.fsk"); the exit status follows
    /// from the error.
    pub(crate) fn lib(doing: impl fmt::Display, error: &Error) -> Self {
        if let Error::Audit(fieldseal::AuditError::InUse { dir, .. }) = error {
            // The tool's own log (src/bin/fieldseal/admin_log.rs), waited for as the keyring's
            // lock is: the library's advice to give each writer a directory is for services.
            return Self::new(
                Exit::Busy,
                format!(
                    "{doing}: another fieldseal command kept the audit log {} in use for more \
                     than {} s; nothing was changed: run the command again once it is done",
                    dir.display(),
                    fieldseal::KeyringLock::DEFAULT_TIMEOUT.as_secs()
                ),
            );
        }
        Self::new(exit_of(error), format!("{doing}: {error}"))
    }

    /// The same failure, `note` added after it: what was done before it failed.
    pub(crate) fn then(mut self, note: impl fmt::Display) -> Self {
        self.message = format!("{}; {note}", self.message);
        self
    }

    /// Standard output went away (`fieldseal inspect ... | head`): not worth a message.
    pub(crate) fn is_broken_pipe(&self) -> bool {
        self.broken_pipe
    }

    /// The process's exit status.
    pub(crate) fn exit_code(&self) -> ExitCode {
        ExitCode::from(self.exit as u8)
    }
}

impl fmt::Display for Failure {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.message)
    }
}

/// Writing the results to standard output failed.
impl From<io::Error> for Failure {
    fn from(error: io::Error) -> Self {
        Self {
            exit: Exit::Failure,
            broken_pipe: error.kind() == io::ErrorKind::BrokenPipe,
            message: format!("cannot write to standard output: {error}"),
        }
    }
}

/// The exit status of a library error.
fn exit_of(error: &Error) -> Exit {
    match error {
        Error::KeyFile(
            KeyFileError::WrongPassphrase
            | KeyFileError::WrongKek
            | KeyFileError::WrongPin { .. }
            | KeyFileError::WrongProtectorKey { .. }
            | KeyFileError::WrongProtector { .. },
        ) => Exit::Locked,
        Error::Keyring(
            KeyringError::RetireActive { .. }
            | KeyringError::RootPinnedByIndex { .. }
            | KeyringError::RootPinnedByAudit { .. }
            | KeyringError::RetireCurrentAudit { .. },
        )
        | Error::KeyFile(KeyFileError::WouldOverwrite { .. } | KeyFileError::NotABundle { .. }) => {
            Exit::Refused
        }
        Error::KeyFile(KeyFileError::Locked { .. }) | Error::Vault(VaultError::Busy { .. }) => {
            Exit::Busy
        }
        // From the command line's arguments: the tool's export takes them as given.
        Error::DuplicateIndex { .. }
        | Error::DuplicatePurpose { .. }
        | Error::BundleTooLarge { .. } => Exit::Usage,
        _ => Exit::Failure,
    }
}

/// The result of a command.
pub(crate) type Outcome<T = ()> = Result<T, Failure>;
