//! `fieldseal export-bundle`: the keys of some purposes, for one service.

use std::io::Write;

use crate::args::ExportBundleArgs;
use crate::commands::{KeyringFile, list, refuse_existing};
use crate::failure::{Failure, Outcome};
use crate::secrets::Secret;

pub(crate) fn run(file: &KeyringFile, args: &ExportBundleArgs, out: &mut dyn Write) -> Outcome {
    if !args.force {
        refuse_existing(
            &args.out,
            "give --force to replace it (as after a rotation), or choose another --out",
        )?;
    }
    let (keyring, keyring_protector) = file.load()?;
    let bundle = keyring
        .export_bundle(&args.service, &args.purposes)
        .map_err(|e| Failure::lib("cannot export the bundle", &e))?;
    let what = format!("bundle {} (service {})", args.out.display(), args.service);
    let protector = Secret::bundle(&args.bundle_secret)?.protect_new(&what, &args.kdf)?;
    bundle
        .save(&args.out, protector.as_dyn())
        .map_err(|e| Failure::lib(format_args!("cannot write {}", args.out.display()), &e))?;
    // The keyring records the export (service, purposes, versions; no key) for `status`.
    file.save(&keyring, &keyring_protector)?;
    writeln!(
        out,
        "exported the bundle of service `{}` to {}",
        args.service,
        args.out.display()
    )?;
    writeln!(out, "keyring:      {}", keyring.id())?;
    writeln!(out, "protected by: {protector}")?;
    for purpose in bundle.purposes() {
        if let Some(key) = bundle.key(purpose.name()) {
            writeln!(
                out,
                "purpose {}: versions {} (active {})",
                purpose.name(),
                list(&key.versions()),
                key.active_version()
            )?;
        }
    }
    writeln!(
        out,
        "hand the bundle and its secret to the service by separate channels; export it again \
         after every rotation or retirement"
    )?;
    Ok(())
}
