//! `fieldseal init`: a new keyring file.

use std::io::Write;

use fieldseal::{Keyring, LockedKeyring};

use crate::args::InitArgs;
use crate::commands::{KeyringFile, refuse_existing};
use crate::failure::{Failure, Outcome};

pub(crate) fn run(file: &KeyringFile, args: &InitArgs, out: &mut dyn Write) -> Outcome {
    let path = file.path();
    refuse_existing(
        path,
        "init never overwrites a keyring (every value sealed under it would be lost); choose \
         another path with --keyring, or move the file away",
    )?; // before asking for a passphrase
    let protector = file.secret().protect_new(&file.what(), &args.kdf)?;
    let keyring = Keyring::generate(args.suite.suite())
        .map_err(|e| Failure::lib("cannot generate the root key", &e))?;
    // Saving never replaces a file this keyring was not loaded from, and is made under the
    // keyring's lock: a keyring that another `init` created since the check above is refused.
    let keyring = LockedKeyring::new(file.lock()?, keyring);
    keyring
        .save(protector.as_dyn())
        .map_err(|e| Failure::lib(format_args!("cannot write {}", path.display()), &e))?;
    writeln!(
        out,
        "created keyring {} in {}",
        keyring.id(),
        path.display()
    )?;
    writeln!(out, "suite:        {}", keyring.suite())?;
    writeln!(out, "version {}:    active", keyring.active_version())?;
    writeln!(out, "protected by: {protector}")?;
    writeln!(
        out,
        "keep a backup of {} and of its {}: losing either loses every value sealed under it",
        path.display(),
        protector.secret_name()
    )?;
    Ok(())
}
