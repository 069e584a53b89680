//! `fieldseal rotate`: a new active key version.

use std::io::Write;

use crate::commands::KeyringFile;
use crate::failure::{Failure, Outcome};

pub(crate) fn run(file: &KeyringFile, out: &mut dyn Write) -> Outcome {
    // Under the keyring's lock from load to save: a rotation racing another is made after it.
    let (mut keyring, protector) = file.load_locked()?;
    let old = keyring.active_version();
    let new = keyring
        .rotate()
        .map_err(|e| Failure::lib("cannot rotate", &e))?;
    file.save(&keyring, &protector)?;
    let id = keyring.id();
    drop(keyring); // the lock
    writeln!(
        out,
        "rotated keyring {id}: version {new} is active, new values are sealed under it"
    )?;
    writeln!(
        out,
        "version {old} is decrypt-only: it still opens what it sealed, and seals nothing new"
    )?;
    writeln!(
        out,
        "next: re-export every service's bundle (fieldseal export-bundle --force), re-seal stored \
         data (fieldseal reseal), then retire version {old} (fieldseal retire {old})"
    )?;
    Ok(())
}
