//! Errors of key files: keyrings and service key bundles on disk (FORMAT.md §14).
//!
//! Each way a key file can fail has its own variant, checked in this order: not a key file, a newer
//! format, truncated, damaged (checksum), wrong kind, wrong protector, wrong passphrase or KEK,
//! tampered (checksum recomputed but authentication fails), invalid content. Loading never
//! changes the file, so every one of them leaves it as it was.

use std::io;
use std::path::PathBuf;

/// Why a key file could not be read or written.
#[derive(Debug, thiserror::Error)]
#[non_exhaustive]
pub enum KeyFileError {
    /// The bytes do not start with the key file magic.
    #[error("not a fieldseal key file (it does not start with `fieldseal-key`); check the path")]
    NotAKeyFile,

    /// The file was written in a format version this library does not read.
    #[error(
        "key file format version {found} is newer than this fieldseal reads (version \
         {supported}); upgrade fieldseal to load it"
    )]
    NewerVersion {
        /// The version byte found.
        found: u8,
        /// The version this library reads.
        supported: u8,
    },

    /// The file ends early: an interrupted copy or a full disk.
    #[error(
        "the key file is truncated ({found} bytes, {expected} or more needed); restore it from a \
         backup"
    )]
    Truncated {
        /// The length needed to go on reading.
        expected: usize,
        /// The length found.
        found: usize,
    },

    /// The checksum over the file does not match: bytes changed on disk or on the way.
    #[error("the key file is damaged: {reason}; restore it from a backup (nothing was changed)")]
    Damaged {
        /// What does not match.
        reason: &'static str,
    },

    /// The file holds another kind of key file than the one asked for.
    #[error("this key file holds a {found}, not a {expected}; check the path")]
    WrongKind {
        /// The kind asked for.
        expected: &'static str,
        /// The kind found.
        found: &'static str,
    },

    /// The file is protected by another kind of protector than the one given.
    #[error(
        "this key file is protected by `{found}`, but a `{given}` protector was given; unlock it \
         with {hint}"
    )]
    WrongProtector {
        /// The protector id in the file.
        found: String,
        /// The protector id given.
        given: String,
        /// What to unlock it with.
        hint: &'static str,
    },

    /// The passphrase does not unlock the file.
    #[error("wrong passphrase for this key file; nothing was changed, try again")]
    WrongPassphrase,

    /// The key-encryption key does not unlock the file.
    #[error(
        "wrong key-encryption key for this key file; nothing was changed, check which KEK \
         protects it"
    )]
    WrongKek,

    /// The file was unlocked and its checksum matches, but its content fails authentication:
    /// someone altered it and recomputed the checksum.
    #[error(
        "the key file was tampered with: it unlocks but its content fails authentication; do not \
         use it, restore it from a backup"
    )]
    Tampered,

    /// The passphrase parameters in the file are outside the range this library accepts.
    #[error("the key file's Argon2id parameters are refused: {reason}")]
    UnsafeParameters {
        /// Which parameter and why.
        reason: String,
    },

    /// A reload found the very file it refused before (same bytes): it is not read again, for
    /// the reason it was refused then. The keys in force stay.
    #[error(
        "{} is the key file a reload refused before ({reason}); the keys in force stay: replace \
         the file (export the bundle again) to have it read",
        .path.display()
    )]
    RefusedBefore {
        /// The file.
        path: PathBuf,
        /// Why it was refused then.
        reason: String,
    },

    /// The content authenticated but does not follow FORMAT.md §14: a bug in whatever wrote it.
    #[error("the key file's content is invalid: {reason}; it was not written by this fieldseal")]
    Invalid {
        /// What is wrong (never key bytes).
        reason: String,
    },

    /// Saving would replace a key file this keyring was not loaded from, or one that changed
    /// since it was loaded: another keyring, or another process's save.
    #[error(
        "refusing to overwrite {}: it holds a key file this keyring was not loaded from, or it \
         changed since it was loaded (another process saved it?); nothing was written: load it \
         again and redo the change, or move it away if it must be replaced",
        .path.display()
    )]
    WouldOverwrite {
        /// The file.
        path: PathBuf,
    },

    /// Saving a bundle would replace a file that is not a key bundle (a keyring, say).
    #[error(
        "refusing to replace {}: it holds {found}, not a key bundle; nothing was written: choose \
         another path",
        .path.display()
    )]
    NotABundle {
        /// The file.
        path: PathBuf,
        /// What it holds.
        found: &'static str,
    },

    /// The bundle was exported for another service than the one loading it.
    #[error(
        "this key bundle was exported for service `{found}`, not `{expected}`; load the bundle \
         exported for `{expected}`"
    )]
    WrongService {
        /// The service expected.
        expected: String,
        /// The service the bundle names.
        found: String,
    },

    /// The bundle was exported from another keyring than the one expected.
    #[error(
        "this key bundle was exported from keyring {found}, not from keyring {expected}; load \
         the bundle exported from keyring {expected} (`fieldseal status` shows a keyring's id)"
    )]
    WrongKeyring {
        /// The keyring expected.
        expected: crate::KeyringId,
        /// The keyring the bundle names.
        found: crate::KeyringId,
    },

    /// Another process holds the administration lock of the keyring file (FORMAT.md §14.6).
    #[error(
        "another administrator holds the lock on {} ({}) and kept it for {} s; nothing was \
         changed: run the command again once theirs has finished",
        .path.display(),
        .lock.display(),
        .waited.as_secs()
    )]
    Locked {
        /// The keyring file.
        path: PathBuf,
        /// Its lock file.
        lock: PathBuf,
        /// How long the caller waited.
        waited: std::time::Duration,
    },

    /// The file is larger than any key file can be (FORMAT.md §14.1): reading stopped there.
    #[error(
        "{} is larger than any key file can be (at most {max} bytes); nothing was loaded: check \
         the path",
        .path.display()
    )]
    TooLarge {
        /// The file.
        path: PathBuf,
        /// The largest key file.
        max: u64,
    },

    /// A parameter given to a protector is refused.
    #[error("{0}")]
    BadProtector(String),

    /// An HSM or KMS protector could not do its part: its module, token, key or service is
    /// missing, unreachable, or refused the call (FORMAT.md §14.2). Nothing was read or written.
    #[error("{protector}: {reason}")]
    ProtectorFailed {
        /// The protector and what it was using: `PKCS#11 token `hsm1``, `AWS KMS`.
        protector: String,
        /// What went wrong and what to do (never a secret).
        reason: String,
    },

    /// The PKCS#11 token refused the PIN.
    #[error(
        "wrong PIN for PKCS#11 token `{token}`; nothing was changed: check the PIN before trying \
         again, as the token locks its user after a few wrong ones"
    )]
    WrongPin {
        /// The token's label.
        token: String,
    },

    /// The HSM or KMS key used does not unwrap this key file: another key wrapped it, or the
    /// bytes it binds (FORMAT.md §14.2) were changed.
    #[error(
        "{key} does not unwrap this key file: it was wrapped by another key, or its header was \
         changed; nothing was changed: check which key protects it"
    )]
    WrongProtectorKey {
        /// The key, as people name it: `PKCS#11 key labelled `k` on token `t``.
        key: String,
    },

    /// Reading or writing the file failed.
    #[error("cannot {action} {}: {source}", .path.display())]
    Io {
        /// What was being done.
        action: &'static str,
        /// The file.
        path: PathBuf,
        /// The operating system's error.
        source: io::Error,
    },
}
