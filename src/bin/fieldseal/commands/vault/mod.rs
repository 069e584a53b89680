//! `fieldseal vault ...`: the key vault of subject mode in one SQLite file (FORMAT.md §15.5), one
//! module per command; this one dispatches and holds what they share: the vault file, opened to
//! read or to write, and subject keys over it with or without the keyring's purpose keys.

mod consent;
mod disclose;
mod forget;
mod log;
mod records;
mod rewrap;
mod show;
mod status;
pub(crate) mod subject;
mod sweep;

use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::Arc;
use std::time::{Duration, UNIX_EPOCH};

use fieldseal::audit::Auditor;
use fieldseal::vault::{KeyVault, SqliteOptions, SqliteVault, SubjectKeys};
use fieldseal::{DynPurpose, KeySet, Keyring, KeyringId};

use crate::args::{ConsentCommand, LogCommand, VAULT_ENV, VaultArgs, VaultCommand};
use crate::commands::{KeyringFile, require_file};
use crate::failure::{Exit, Failure, Outcome};

/// Runs a vault command.
pub(crate) fn run(keyring: &KeyringFile, args: &VaultArgs, out: &mut dyn Write) -> Outcome {
    let mut vault = VaultFile::new(args.vault.as_deref())?;
    let json = args.json;
    // Consent, erasure and the sweep need no key; recorded in an audit log, they need the
    // keyring's audit key. (Disclose takes the keyring's keys anyway, and records through them.)
    let records = matches!(
        &args.command,
        VaultCommand::Consent(ConsentCommand::Grant(_) | ConsentCommand::Withdraw(_))
            | VaultCommand::Forget(_)
            | VaultCommand::Sweep(_)
    );
    if records && keyring.audited() {
        let (loaded, _) = keyring.load()?;
        vault.auditor = keyring.auditor(&loaded)?;
    }
    match &args.command {
        VaultCommand::Status(a) => status::run(&vault, keyring, a, json, out),
        VaultCommand::Consent(ConsentCommand::Grant(a)) => consent::grant(&vault, a, json, out),
        VaultCommand::Consent(ConsentCommand::Withdraw(a)) => {
            consent::withdraw(&vault, a, json, out)
        }
        VaultCommand::Consent(ConsentCommand::List(a)) => consent::list(&vault, a, json, out),
        VaultCommand::Forget(a) => forget::run(&vault, a, json, out),
        VaultCommand::Sweep(a) => sweep::run(&vault, a, json, out),
        VaultCommand::Rewrap(a) => rewrap::run(&vault, keyring, a, json, out),
        VaultCommand::Disclose(a) => disclose::run(&vault, keyring, a, json, out),
        VaultCommand::Log(LogCommand::Erasures) => log::erasures(&vault, json, out),
        VaultCommand::Log(LogCommand::Disclosures(a)) => log::disclosures(&vault, a, json, out),
    }
}

/// The vault file named on the command line. It must exist: no vault command creates one.
pub(crate) struct VaultFile {
    path: PathBuf,
    /// What records consent, erasure and the sweep, when an audit log was given.
    auditor: Option<Auditor>,
}

impl VaultFile {
    /// `--vault`, else `$FIELDSEAL_VAULT`.
    fn new(given: Option<&Path>) -> Outcome<Self> {
        let path = given
            .map(Path::to_path_buf)
            .or_else(|| {
                std::env::var_os(VAULT_ENV)
                    .filter(|v| !v.is_empty())
                    .map(PathBuf::from)
            })
            .ok_or_else(|| {
                Failure::new(
                    Exit::Usage,
                    format!("name the key vault's file with --vault PATH or {VAULT_ENV}"),
                )
            })?;
        Ok(Self {
            path,
            auditor: None,
        })
    }

    /// The vaults named by `given`, else by `$FIELDSEAL_VAULT`, if any: for commands that check
    /// vaults when told of them.
    pub(crate) fn named(given: &[PathBuf]) -> Vec<Self> {
        if given.is_empty() {
            Self::new(None).into_iter().collect()
        } else {
            given
                .iter()
                .map(|path| Self {
                    path: path.clone(),
                    auditor: None,
                })
                .collect()
        }
    }

    /// The file.
    pub(crate) fn path(&self) -> &Path {
        &self.path
    }

    /// `vault <path>`, for messages.
    pub(crate) fn what(&self) -> String {
        format!("vault {}", self.path.display())
    }

    /// Fails unless the file exists and holds something: an empty file is not a vault, and is
    /// not made one here.
    fn require(&self) -> Outcome {
        let missing = |what: &str| {
            format!(
                "{what} at {}: the services create the vault when they first open it \
                 (SqliteVault::open); check the path given with --vault or {VAULT_ENV}",
                self.path.display()
            )
        };
        require_file(&self.path, || missing("no key vault"))?;
        match self.path.metadata() {
            Ok(m) if m.len() == 0 => Err(Failure::new(
                Exit::Failure,
                missing("an empty file, not a key vault,"),
            )),
            _ => Ok(()),
        }
    }

    /// Opens the vault to read it: read-only, so that nothing is created, migrated or changed.
    pub(crate) fn read(&self) -> Outcome<SqliteVault> {
        self.require()?;
        SqliteVault::open_with(&self.path, SqliteOptions::new().read_only(true)).map_err(|e| {
            match e {
                // A database without the vault's tables: not made a vault here.
                fieldseal::Error::Vault(fieldseal::VaultError::ReadOnly { .. }) => Failure::new(
                    Exit::Failure,
                    format!(
                        "{} is a SQLite database without a key vault's tables: not a key vault \
                         (yet); nothing was changed: the services create the vault when they \
                         first open it (SqliteVault::open); check the path given with --vault or \
                         {VAULT_ENV}",
                        self.path.display()
                    ),
                ),
                e => Failure::lib(format_args!("cannot open {}", self.what()), &e),
            }
        })
    }

    /// Opens the vault to change it: a file that does not open read-only as a key vault (another
    /// application's database, one with no table yet) is refused before the writable open,
    /// which would make it one (no vault command creates a vault).
    pub(crate) fn write(&self) -> Outcome<SqliteVault> {
        drop(self.read()?);
        SqliteVault::open(&self.path)
            .map_err(|e| Failure::lib(format_args!("cannot open {}", self.what()), &e))
    }

    /// Subject keys holding no purpose key, over the vault as it is bound: for consent,
    /// withdrawal, erasure and the sweep, which need no key. `now` (seconds since the Unix
    /// epoch) stands for the clock if given.
    pub(crate) fn admin(&self, now: Option<u64>) -> Outcome<SubjectKeys<SqliteVault>> {
        let vault = self.write()?;
        let bound = vault
            .keyring()
            .map_err(|e| Failure::lib(format_args!("cannot read {}", self.what()), &e))?
            .ok_or_else(|| self.unbound())?;
        let keys = match &self.auditor {
            Some(auditor) => KeySet::new()
                .with_auditor(auditor.clone())
                .map_err(|e| Failure::lib("cannot record in the audit log", &e))?,
            None => KeySet::new(),
        };
        let subjects = SubjectKeys::new(vault, keys, bound)
            .map_err(|e| Failure::lib(format_args!("cannot open {}", self.what()), &e))?;
        Ok(match now {
            Some(secs) => subjects.with_clock(move || UNIX_EPOCH + Duration::from_secs(secs)),
            None => subjects,
        })
    }

    /// Subject keys with the keyring's keys of `purposes`, over the vault opened to write; a
    /// vault of another keyring is refused (an unbound one is bound to this keyring). With
    /// `auditor`, what they open and disclose is recorded.
    pub(crate) fn keyed(
        &self,
        vault: Arc<SqliteVault>,
        keyring: &Keyring,
        purposes: &[DynPurpose],
        auditor: Option<Auditor>,
    ) -> Outcome<SubjectKeys<Arc<SqliteVault>>> {
        let mut keys = KeySet::from_keyring(keyring, purposes);
        if let Some(auditor) = auditor {
            keys = keys
                .with_auditor(auditor)
                .map_err(|e| Failure::lib("cannot record in the audit log", &e))?;
        }
        SubjectKeys::new(vault, keys, keyring.id())
            .map_err(|e| Failure::lib(format_args!("cannot use {}", self.what()), &e))
    }

    fn unbound(&self) -> Failure {
        Failure::new(
            Exit::Failure,
            format!(
                "{} is not bound to a keyring yet (no service has opened it with its keys, so it \
                 holds no data key); nothing was changed: let a service open it first, or bind \
                 it to the keyring with `fieldseal vault rewrap`, which rewraps nothing in an \
                 empty vault",
                self.what()
            ),
        )
    }

    /// The keyring the vault is bound to, if it is.
    pub(crate) fn bound(&self, vault: &impl KeyVault) -> Outcome<Option<KeyringId>> {
        vault
            .keyring()
            .map_err(|e| Failure::lib(format_args!("cannot read {}", self.what()), &e))
    }

    /// A library error while doing `doing` on the vault.
    pub(crate) fn failed(
        &self,
        doing: impl std::fmt::Display,
        error: &fieldseal::Error,
    ) -> Failure {
        Failure::lib(format_args!("{doing} in {}", self.what()), error)
    }

    /// After a destruction: empties the vault's WAL of the destroyed keys' copies if other
    /// connections let it, and says so on standard error when they do not.
    pub(crate) fn checkpoint(&self, vault: &SqliteVault) {
        match vault.checkpoint() {
            Ok(true) => {}
            Ok(false) | Err(_) => crate::stderr::line(format_args!(
                "note: another process is using {}, so its write-ahead log ({}-wal) may still \
                 hold the destroyed keys, wrapped, until the vault's next checkpoint (after the \
                 next destruction, or SqliteVault::checkpoint)",
                self.what(),
                self.path.display()
            )),
        }
    }
}
