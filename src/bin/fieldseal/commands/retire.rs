//! `fieldseal retire`: destroys the root key of a decrypt-only version.

use std::io::Write;

use fieldseal::vault::{KeyVault as _, VersionRetirement};
use fieldseal::{Keyring, VersionState};

use crate::args::{RetireArgs, VAULT_ENV};
use crate::commands::KeyringFile;
use crate::commands::vault::VaultFile;
use crate::failure::{Exit, Failure, Outcome};

pub(crate) fn run(file: &KeyringFile, args: &RetireArgs, out: &mut dyn Write) -> Outcome {
    let version = args.version;
    // A first look, without the lock: nobody waits while the operator confirms.
    let (keyring, protector) = file.load()?;
    if !check(&keyring, version, out)? {
        return Ok(());
    }
    check_vaults(&keyring, version, &args.vaults, Pass::Look)?;
    if !args.yes {
        confirm(version)?;
    }
    // Under the lock, the keyring as it is now: another administrator may have changed it. The
    // vaults are counted again, and the version retired in each as it is counted: a service
    // still on an old bundle may have wrapped new data keys under `version` while the operator
    // was reading the confirmation, and from then on it cannot wrap any more.
    let mut keyring = file.relock(&protector)?;
    if !check(&keyring, version, out)? {
        return Ok(());
    }
    check_vaults(&keyring, version, &args.vaults, Pass::Look)?;
    check_vaults(&keyring, version, &args.vaults, Pass::Retire)?;
    keyring
        .retire(version)
        .map_err(|e| Failure::lib(format_args!("cannot retire version {version}"), &e))?;
    file.save(&keyring, &protector)?;
    let id = keyring.id();
    drop(keyring); // the lock
    writeln!(
        out,
        "retired version {version} of keyring {id}: its root key is destroyed in the keyring \
         file, so the keyring and bundles exported from now on can no longer open values sealed \
         under it"
    )?;
    writeln!(
        out,
        "bundles exported before the retirement still hold version {version}'s purpose keys and \
         still open those values: re-export them (fieldseal export-bundle --force), replace the \
         services' copies and destroy the old ones; older backups of the keyring file still hold \
         the root key too"
    )?;
    Ok(())
}

/// Whether `version` is decrypt-only, so that retiring it is to go on. A retired version is
/// said so (`false`); the active version or a missing one is refused, as the library says.
fn check(keyring: &Keyring, version: u32, out: &mut dyn Write) -> Outcome<bool> {
    match keyring.state(version) {
        Some(VersionState::Retired) => {
            writeln!(out, "version {version} is retired already; nothing changed")?;
            Ok(false)
        }
        // A decrypt-only version that an index version in use derives from is refused before
        // the operator is asked, as the library would refuse it after.
        Some(VersionState::DecryptOnly) => match keyring.check_retire(version) {
            Ok(()) => Ok(true),
            Err(e) => Err(Failure::lib(
                format_args!("cannot retire version {version}"),
                &e,
            )),
        },
        // Active, or no such version: the library says why it refuses (and changes nothing;
        // nothing is saved either way).
        _ => Err(match keyring.check_retire(version) {
            Err(e) => Failure::lib(format_args!("cannot retire version {version}"), &e),
            Ok(()) => Failure::new(
                Exit::Refused,
                format!("version {version} is not decrypt-only; nothing changed"),
            ),
        }),
    }
}

/// Asks at the terminal; refuses without one.
fn confirm(version: u32) -> Outcome {
    let warning = format!(
        "retiring version {version} destroys its root key in the keyring file for good: the \
         keyring can then never open values still sealed under it, so re-seal them first \
         (fieldseal reseal) and check that none is left, services' new writes included \
         (fieldseal scan)"
    );
    crate::confirm::confirm(&warning, &format!("retire {version}"), "retire it")
}

/// What [`check_vaults`] does with each vault.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Pass {
    /// Counts the keys under the version, read-only.
    Look,
    /// Counts them and, with none, retires the version in the vault, in one transaction.
    Retire,
}

/// Refuses while a key vault of this keyring still has data keys wrapped under `version`:
/// retiring would destroy the only key that unwraps them (FORMAT.md §15.2). Without a vault named,
/// says how to have one checked (on the first look). A retiring pass records the version as
/// retired in each vault it finds without such keys, so that none is wrapped under it again.
fn check_vaults(
    keyring: &Keyring,
    version: u32,
    given: &[std::path::PathBuf],
    pass: Pass,
) -> Outcome {
    let vaults = VaultFile::named(given);
    if vaults.is_empty() && pass == Pass::Look {
        crate::stderr::line(format_args!(
            "note: no key vault checked; if subject mode keeps data keys for this keyring, name \
             its vault with --vault PATH (or {VAULT_ENV}) so that retire refuses while any of \
             them is still wrapped under version {version}"
        ));
    }
    // The vaults the retiring pass retired the version in, for an error in a later one.
    let mut retired: Vec<String> = Vec::new();
    for file in vaults {
        let what = file.what();
        check_vault(keyring, version, &file, pass).map_err(|failure| {
            if retired.is_empty() {
                return failure;
            }
            failure.then(format!(
                "but version {version} is already retired in {} (no data key is wrapped under it \
                 there any more) while the keyring still holds it: fix the cause and run the same \
                 command again, which finishes the retirement (each step is done once)",
                retired.join(", ")
            ))
        })?;
        if pass == Pass::Retire {
            retired.push(what);
        }
    }
    Ok(())
}

/// [`check_vaults`] for one vault.
fn check_vault(keyring: &Keyring, version: u32, file: &VaultFile, pass: Pass) -> Outcome {
    {
        let vault = match pass {
            Pass::Look => file.read()?,
            Pass::Retire => file.write()?,
        };
        match file.bound(&vault)? {
            Some(bound) if bound == keyring.id() => {}
            Some(other) => {
                return Err(Failure::new(
                    Exit::Failure,
                    format!(
                        "{} belongs to keyring {other}, not to {}; nothing changed: name the \
                         vaults of this keyring",
                        file.what(),
                        keyring.id()
                    ),
                ));
            }
            // Bound to no keyring: it holds no data key. Named as this keyring's, it is bound to
            // it before the version is retired in it, so that a service still on an old bundle
            // that opens it first cannot wrap keys under the version.
            None if pass == Pass::Look => return Ok(()),
            None => {
                let bound = vault
                    .bind_keyring(keyring.id())
                    .map_err(|e| file.failed("cannot bind the vault to the keyring", &e))?;
                if bound != keyring.id() {
                    return Err(Failure::new(
                        Exit::Failure,
                        format!(
                            "{} was bound to keyring {bound} meanwhile, not to {}; nothing was \
                             retired in it: name the vaults of this keyring",
                            file.what(),
                            keyring.id()
                        ),
                    ));
                }
            }
        }
        let under: u64 = match pass {
            Pass::Look => vault
                .key_versions()
                .map_err(|e| file.failed("cannot count the keys", &e))?
                .iter()
                .filter(|count| count.key_version == version)
                .map(|count| count.keys)
                .sum(),
            Pass::Retire => match vault
                .retire_version(version)
                .map_err(|e| file.failed("cannot retire the version", &e))?
            {
                VersionRetirement::Retired => 0,
                VersionRetirement::InUse { keys } => keys,
            },
        };
        if under > 0 {
            return Err(Failure::new(
                Exit::Refused,
                format!(
                    "{} still has {under} data key(s) wrapped under version {version}: retiring \
                     it would lose them, and every value sealed under them; run `fieldseal vault \
                     rewrap` first (after the rotation), then retire; nothing changed",
                    file.what()
                ),
            ));
        }
    }
    Ok(())
}
