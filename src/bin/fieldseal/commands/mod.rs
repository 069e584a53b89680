//! One module per command; this one dispatches and holds what several share: the keyring file.

mod export_bundle;
mod init;
mod inspect;
mod layout;
mod rekey;
mod reseal;
mod retire;
mod rotate;
mod scan;
mod status;

use std::io::Write;
use std::path::{Path, PathBuf};

use fieldseal::Keyring;

use crate::args::{Cli, Command, DEFAULT_KEYRING, KEYRING_ENV, KeyringArgs};
use crate::failure::{Exit, Failure, Outcome};
use crate::secrets::{Protector, Secret};

/// Runs the command, writing its results to `out`.
pub(crate) fn run(cli: Cli, out: &mut dyn Write) -> Outcome {
    let keyring = KeyringFile::new(&cli.keyring)?;
    match cli.command {
        Command::Init(args) => init::run(&keyring, &args, out),
        Command::Rotate => rotate::run(&keyring, out),
        Command::Retire(args) => retire::run(&keyring, &args, out),
        Command::Status(args) => status::run(&keyring, &args, out),
        Command::ExportBundle(args) => export_bundle::run(&keyring, &args, out),
        Command::Inspect(args) => inspect::run(&args, out),
        Command::Reseal(args) => reseal::run(&keyring, &args, out),
        Command::Rekey(args) => rekey::run(&keyring, &args, out),
        Command::Scan(args) => scan::run(&args, out),
    }
}

/// The keyring file named on the command line, and how to unlock it.
pub(crate) struct KeyringFile {
    path: PathBuf,
    secret: Secret,
}

impl KeyringFile {
    /// `--keyring`, else `$FIELDSEAL_KEYRING`, else `keyring.fsk`.
    fn new(args: &KeyringArgs) -> Outcome<Self> {
        let path = args
            .keyring
            .clone()
            .or_else(|| {
                std::env::var_os(KEYRING_ENV)
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .unwrap_or_else(|| PathBuf::from(DEFAULT_KEYRING));
        Ok(Self {
            path,
            secret: Secret::keyring(&args.secret)?,
        })
    }

    /// The file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// Its secret.
    pub(crate) fn secret(&self) -> &Secret {
        &self.secret
    }

    /// `keyring <path>`, for prompts and messages.
    pub(crate) fn what(&self) -> String {
        format!("keyring {}", self.path.display())
    }

    /// Loads the keyring, asking for its secret once the file is known to exist.
    pub(crate) fn load(&self) -> Outcome<(Keyring, Protector)> {
        require_file(&self.path, || {
            format!(
                "no keyring at {}: create one with `fieldseal init`, or name it with --keyring \
                 PATH or {KEYRING_ENV}",
                self.path.display()
            )
        })?;
        self.secret
            .unlock(&self.what(), |p| Keyring::load(&self.path, p))
    }

    /// Saves the keyring over its file, atomically, with the protector it was loaded with.
    pub(crate) fn save(&self, keyring: &Keyring, protector: &Protector) -> Outcome {
        keyring
            .save(&self.path, protector.as_dyn())
            .map_err(|e| Failure::lib(format_args!("cannot save {}", self.what()), &e))
    }
}

/// Fails with `missing()` unless `path` exists: checked before asking for a secret.
pub(crate) fn require_file(path: &Path, missing: impl FnOnce() -> String) -> Outcome {
    match path.try_exists() {
        Ok(true) => Ok(()),
        Ok(false) => Err(Failure::new(Exit::Failure, missing())),
        Err(e) => Err(Failure::new(
            Exit::Failure,
            format!("cannot read {}: {e}", path.display()),
        )),
    }
}

/// Fails unless `path` is free: nothing is ever overwritten by accident.
pub(crate) fn refuse_existing(path: &Path, why: &str) -> Outcome {
    match path.symlink_metadata() {
        Ok(_) => Err(Failure::new(
            Exit::Refused,
            format!("{} exists already; {why}", path.display()),
        )),
        Err(_) => Ok(()),
    }
}

/// `1, 2, 3`, or `none`.
pub(crate) fn list(versions: &[u32]) -> String {
    if versions.is_empty() {
        return "none".to_owned();
    }
    versions
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join(", ")
}
