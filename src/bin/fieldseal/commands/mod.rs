//! One module per command; this one dispatches and holds what several share: the keyring file.

mod audit;
mod export_bundle;
mod index;
mod index_status;
mod init;
mod inspect;
mod layout;
mod rekey;
mod reseal;
mod retire;
mod rotate;
mod scan;
mod status;
pub(crate) mod vault;

use std::io::Write;
use std::path::{Path, PathBuf};

use fieldseal::{Keyring, KeyringLock, LockedKeyring};

use crate::args::{
    AUDIT_LOG_ENV, AUDIT_SERVICE, Cli, Command, DEFAULT_KEYRING, KEYRING_ENV, KeyringArgs,
};
use crate::failure::{Exit, Failure, Outcome};
use crate::remote::Remote;
use crate::secrets::{Ceiling, Protector, Secret};

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
        Command::Index(command) => index::run(&keyring, &command, out),
        Command::Vault(args) => vault::run(&keyring, &args, out),
        Command::Audit(command) => audit::run(&keyring, &command, out),
    }
}

/// The keyring file named on the command line, and how to unlock it.
///
/// Commands that only read it (`status`, `reseal`) [`load`](Self::load) it. Commands that change
/// it hold its [`KeyringLock`] from loading to saving ([`load_locked`](Self::load_locked), or
/// [`relock`](Self::relock) after a first look and a question), so that two administrators'
/// changes are made one after the other.
/// When the tool's audit log is opened (src/bin/fieldseal/admin_log.rs).
#[derive(Clone, Copy)]
enum Open {
    /// Now, and held to the command's end: a command's changes all come after it.
    Now,
    /// Tried now, then opened at the first event: a long command that records at its end.
    AtFirstEvent,
}

pub(crate) struct KeyringFile {
    path: PathBuf,
    secret: Secret,
    ceiling: Ceiling,
    /// `--audit-log DIR` or `$FIELDSEAL_AUDIT_LOG`: where administration is recorded.
    audit_log: Option<PathBuf>,
    remote: Remote,
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
        let ceiling = Ceiling::new(&args.ceiling)?;
        let audit_log = args.audit_log.clone().or_else(|| {
            std::env::var_os(AUDIT_LOG_ENV)
                .filter(|v| !v.is_empty())
                .map(PathBuf::from)
        });
        let remote = Remote::new(&args.remote)?;
        Ok(Self {
            path,
            secret: Secret::keyring(&args.secret, ceiling, &remote)?,
            ceiling,
            audit_log,
            remote,
        })
    }

    /// Where the HSM and the KMS are, for the secrets of other files.
    pub(crate) fn remote(&self) -> &Remote {
        &self.remote
    }

    /// The most Argon2id work a key file may ask for, for the secrets of other files.
    pub(crate) fn ceiling(&self) -> Ceiling {
        self.ceiling
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

    /// Loads the keyring to read it, asking for its secret once the file is known to exist.
    pub(crate) fn load(&self) -> Outcome<(Keyring, Protector)> {
        self.require()?;
        self.secret
            .unlock(&self.what(), &self.path, |p| Keyring::load(&self.path, p))
    }

    /// Loads the keyring to change it: under its lock, taken after its secret is asked for (a
    /// passphrase being typed holds no lock). With an audit log, what is done to it is recorded.
    pub(crate) fn load_locked(&self) -> Outcome<(LockedKeyring, Protector)> {
        self.require()?;
        let (mut keyring, protector) = self.secret.unlock(&self.what(), &self.path, |p| {
            LockedKeyring::load(self.lock_waiting()?, p)
        })?;
        self.audit(&mut keyring)?;
        Ok((keyring, protector))
    }

    /// As [`load_locked`](Self::load_locked), without attaching the audit log: for the first
    /// audit key, which the log needs.
    pub(crate) fn load_locked_unaudited(&self) -> Outcome<(LockedKeyring, Protector)> {
        self.require()?;
        self.secret.unlock(&self.what(), &self.path, |p| {
            LockedKeyring::load(self.lock_waiting()?, p)
        })
    }

    /// Records what is done through `keyring` in the audit log, if one was given
    /// (`--audit-log`, `$FIELDSEAL_AUDIT_LOG`): the log of service `fieldseal`, actor
    /// `fieldseal:$USER`. The log is closed (a last checkpoint, synced) when the keyring is
    /// dropped.
    pub(crate) fn audit(&self, keyring: &mut Keyring) -> Outcome {
        keyring.set_auditor(self.auditor(keyring)?);
        Ok(())
    }

    /// As [`audit`](Self::audit), for a long command that records once, when its work is over
    /// (`reseal`): the log is tried now (opened and closed, so that a log that cannot be written
    /// stops the command before its work), and held only from that last event to the end.
    pub(crate) fn audit_at_end(&self, keyring: &mut Keyring) -> Outcome {
        keyring.set_auditor(self.auditor_with(keyring, Open::AtFirstEvent)?);
        Ok(())
    }

    /// Whether an audit log was given (`--audit-log`, `$FIELDSEAL_AUDIT_LOG`).
    pub(crate) fn audited(&self) -> bool {
        self.audit_log.is_some()
    }

    /// The auditor recording in the audit log, if one was given, under `keyring`'s audit key: for
    /// what is done through other keys than the keyring's own (the vault's subject keys).
    pub(crate) fn auditor(&self, keyring: &Keyring) -> Outcome<Option<fieldseal::audit::Auditor>> {
        self.auditor_with(keyring, Open::Now)
    }

    fn auditor_with(
        &self,
        keyring: &Keyring,
        open: Open,
    ) -> Outcome<Option<fieldseal::audit::Auditor>> {
        let Some(dir) = &self.audit_log else {
            return Ok(None);
        };
        let key = keyring.audit_key(AUDIT_SERVICE).map_err(|e| {
            Failure::lib(
                format_args!("cannot record in the audit log {}", dir.display()),
                &e,
            )
        })?;
        let sink = crate::admin_log::AdminLog::new(dir.clone(), key);
        // Opened now (held to the command's end), or tried now and opened at the first event.
        match open {
            Open::Now => sink.open_now(),
            Open::AtFirstEvent => sink.try_open(),
        }
        .map_err(|e| {
            Failure::lib(
                format_args!("cannot open the audit log {}", dir.display()),
                &e.into(),
            )
        })?;
        let user = std::env::var("USER").unwrap_or_else(|_| "unknown".to_owned());
        Ok(Some(fieldseal::audit::Auditor::new(
            sink,
            format!("fieldseal:{user}"),
        )))
    }

    /// Loads the keyring again under its lock, with the protector of a first [`load`](Self::load):
    /// for a change decided after a look at the keyring or a question to the operator, made to
    /// the file as it is once the lock is held. (A passphrase protector derives nothing again.)
    pub(crate) fn relock(&self, protector: &Protector) -> Outcome<LockedKeyring> {
        let mut keyring = self
            .lock_waiting()
            .and_then(|lock| LockedKeyring::load(lock, protector.as_dyn()))
            .map_err(|e| Failure::lib(format_args!("cannot load {}", self.what()), &e))?;
        self.audit(&mut keyring)?;
        Ok(keyring)
    }

    /// The keyring's lock, for creating it (`init`).
    pub(crate) fn lock(&self) -> Outcome<KeyringLock> {
        self.lock_waiting()
            .map_err(|e| Failure::lib(format_args!("cannot lock {}", self.what()), &e))
    }

    /// Takes the lock, saying so on standard error when another administrator holds it, and
    /// waiting up to [`KeyringLock::DEFAULT_TIMEOUT`].
    fn lock_waiting(&self) -> fieldseal::Result<KeyringLock> {
        if let Some(lock) = KeyringLock::try_acquire(&self.path)? {
            return Ok(lock);
        }
        crate::stderr::line(format_args!(
            "note: another administrator holds the lock on {}; waiting for it (up to {} s)",
            self.what(),
            KeyringLock::DEFAULT_TIMEOUT.as_secs()
        ));
        KeyringLock::acquire(&self.path, KeyringLock::DEFAULT_TIMEOUT)
    }

    /// Saves the keyring over its file under the lock it was loaded with.
    pub(crate) fn save(&self, keyring: &LockedKeyring, protector: &Protector) -> Outcome {
        keyring
            .save(protector.as_dyn())
            .map_err(|e| Failure::lib(format_args!("cannot save {}", self.what()), &e))
    }

    fn require(&self) -> Outcome {
        require_file(&self.path, || {
            format!(
                "no keyring at {}: create one with `fieldseal init`, or name it with --keyring \
                 PATH or {KEYRING_ENV}",
                self.path.display()
            )
        })
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
