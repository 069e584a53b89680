//! `fieldseal rekey`: the keyring file re-encrypted under a new passphrase or KEK.

use std::io::Write;

use crate::args::RekeyArgs;
use crate::commands::KeyringFile;
use crate::failure::Outcome;
use crate::secrets::Secret;

pub(crate) fn run(file: &KeyringFile, args: &RekeyArgs, out: &mut dyn Write) -> Outcome {
    // Checked before anything is asked: at most one new source.
    let new_secret = Secret::new_keyring(&args.new_secret, file.ceiling(), file.remote())?;
    // The old secret is checked before the new one is asked for; the lock is taken after both,
    // so that nobody waits while they are typed.
    let (_, old) = file.load()?;
    let what = format!("{} (new secret)", file.what());
    let new = new_secret.protect_new(&what, &args.kdf)?;
    let keyring = file.relock(&old)?;
    file.save(&keyring, &new)?;
    drop(keyring); // the lock
    writeln!(out, "re-encrypted {} under {new}", file.what())?;
    writeln!(out, "was: {old}")?;
    writeln!(
        out,
        "the keys are unchanged; back up the new file, and remember that older backups still open \
         with the old secret"
    )?;
    Ok(())
}
