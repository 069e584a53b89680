//! `fieldseal rekey`: the keyring file re-encrypted under a new passphrase or KEK.

use std::io::Write;

use crate::args::RekeyArgs;
use crate::commands::KeyringFile;
use crate::failure::Outcome;
use crate::secrets::Secret;

pub(crate) fn run(file: &KeyringFile, args: &RekeyArgs, out: &mut dyn Write) -> Outcome {
    // Checked before anything is asked: at most one new source.
    let new_secret = Secret::new_keyring(&args.new_secret)?;
    let (keyring, old) = file.load()?;
    let what = format!("{} (new secret)", file.what());
    let new = new_secret.protect_new(&what, &args.kdf)?;
    file.save(&keyring, &new)?;
    writeln!(out, "re-encrypted {} under {new}", file.what())?;
    writeln!(out, "was: {old}")?;
    writeln!(
        out,
        "the keys are unchanged; back up the new file, and remember that older backups still open \
         with the old secret"
    )?;
    Ok(())
}
