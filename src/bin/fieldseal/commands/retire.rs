//! `fieldseal retire`: destroys the key of a decrypt-only version.

use std::io::{self, BufRead as _, IsTerminal as _, Write};

use fieldseal::VersionState;

use crate::args::RetireArgs;
use crate::commands::KeyringFile;
use crate::failure::{Exit, Failure, Outcome};

pub(crate) fn run(file: &KeyringFile, args: &RetireArgs, out: &mut dyn Write) -> Outcome {
    let version = args.version;
    let (mut keyring, protector) = file.load()?;
    match keyring.state(version) {
        Some(VersionState::Retired) => {
            writeln!(out, "version {version} is retired already; nothing changed")?;
            return Ok(());
        }
        Some(VersionState::DecryptOnly) => {}
        _ => {
            // Active, or no such version: the library says why it refuses (nothing is saved).
            return Err(match keyring.retire(version) {
                Err(e) => Failure::lib(format_args!("cannot retire version {version}"), &e),
                Ok(()) => Failure::new(
                    Exit::Refused,
                    format!("version {version} is not decrypt-only; nothing changed"),
                ),
            });
        }
    }
    if !args.yes {
        confirm(version)?;
    }
    keyring
        .retire(version)
        .map_err(|e| Failure::lib(format_args!("cannot retire version {version}"), &e))?;
    file.save(&keyring, &protector)?;
    writeln!(
        out,
        "retired version {version} of keyring {}: its key is destroyed, and values still sealed \
         under it can no longer be opened by anyone",
        keyring.id()
    )?;
    writeln!(
        out,
        "bundles exported before still hold version {version}'s key: re-export them \
         (fieldseal export-bundle --force) and replace the services' copies"
    )?;
    Ok(())
}

/// Asks at the terminal; refuses without one.
fn confirm(version: u32) -> Outcome {
    let warning = format!(
        "retiring version {version} destroys its key for good: values still sealed under it can \
         never be opened again, so re-seal them first (fieldseal reseal) and check that none is \
         left, services' new writes included (fieldseal scan)"
    );
    if !(io::stdin().is_terminal() && io::stderr().is_terminal()) {
        return Err(Failure::new(
            Exit::Refused,
            format!("{warning}; run again with --yes to retire it; nothing changed"),
        ));
    }
    let expected = format!("retire {version}");
    eprint!("{warning}.\nType `{expected}` to go on: ");
    let mut answer = String::new();
    io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::new(Exit::Failure, format!("cannot read the answer: {e}")))?;
    if answer.trim() == expected {
        Ok(())
    } else {
        Err(Failure::new(
            Exit::Refused,
            "not confirmed; nothing changed",
        ))
    }
}
