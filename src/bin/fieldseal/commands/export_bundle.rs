//! `fieldseal export-bundle`: the keys of some purposes and indexes, for one service.

use std::io::Write;
use std::path::{Path, PathBuf};

use fieldseal::{KeyBundle, KeyringId, KeyringLock};

use crate::args::{AUDIT_SERVICE, ExportBundleArgs, KEYRING_ENV};
use crate::commands::{KeyringFile, list, refuse_existing};
use crate::failure::{Exit, Failure, Outcome};
use crate::secrets::{Protector, Secret};

pub(crate) fn run(file: &KeyringFile, args: &ExportBundleArgs, out: &mut dyn Write) -> Outcome {
    // The tool keeps its own administration log with the audit key of this service name: a
    // bundle of that name would hand the administrators' log key to a service.
    if args.service == AUDIT_SERVICE {
        return Err(Failure::new(
            Exit::Refused,
            format!(
                "the service name `{AUDIT_SERVICE}` is reserved: the tool's own audit log \
                 (--audit-log) is kept with its audit key, which a bundle of that name would \
                 carry; nothing was written: name the service otherwise"
            ),
        ));
    }
    if !args.force {
        refuse_existing(
            &args.out,
            "give --force to replace it (as after a rotation), or choose another --out",
        )?;
    }
    // A first look: the keyring's secret is checked before the bundle's is asked for, and no
    // lock is held while either is typed.
    let (keyring, keyring_protector) = file.load()?;
    let what = format!("bundle {} (service {})", args.out.display(), args.service);
    let protector = Secret::bundle(&args.bundle_secret, file.ceiling(), file.remote())?
        .protect_new(&what, &args.kdf)?;
    drop(keyring);
    // Under the lock from here to the keyring's save: the export is recorded in the keyring as
    // it is now, and no other administrator's change is undone by this save.
    let keyring = file.relock(&keyring_protector)?;
    // And under the lock of `--out`, from the checks of what is there to the save: two exports
    // from two keyrings (whose locks order nothing) could otherwise each check before the
    // other's bundle landed, and the later replace the earlier unseen.
    // Its own lock file, `<out>.export.lock`: never the keyring's, should `--out` name it.
    let mut exports = args.out.clone().into_os_string();
    exports.push(".export");
    let _out = KeyringLock::acquire(PathBuf::from(exports), KeyringLock::DEFAULT_TIMEOUT)
        .map_err(|e| Failure::lib(format_args!("cannot lock {}", args.out.display()), &e))?;
    if !args.force {
        refuse_existing(
            &args.out,
            "give --force to replace it (as after a rotation), or choose another --out",
        )?;
    }
    let protector = refuse_another_keyrings_bundle(&args.out, keyring.id(), file, protector)?;
    let indexes: Vec<&str> = args.indexes.iter().map(String::as_str).collect();
    let bundle = keyring
        .export_bundle_with_indexes(&args.service, &args.purposes, &indexes)
        .map_err(|e| Failure::lib("cannot export the bundle", &e))?;
    bundle
        .save(&args.out, protector.as_dyn())
        .map_err(|e| Failure::lib(format_args!("cannot write {}", args.out.display()), &e))?;
    // The keyring records the export (service, purposes, versions; no key) for `status`.
    file.save(&keyring, &keyring_protector)?;
    let id = keyring.id();
    drop(keyring); // the lock
    writeln!(
        out,
        "exported the bundle of service `{}` to {}",
        args.service,
        args.out.display()
    )?;
    writeln!(out, "keyring:      {id}")?;
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
    for name in bundle.indexes() {
        if let Some(key) = bundle.index(&name) {
            writeln!(
                out,
                "index {name}: versions {} (current {})",
                list(&key.versions()),
                key.current_version()
            )?;
        }
    }
    if bundle.purposes().is_empty() {
        writeln!(
            out,
            "the bundle holds index keys alone: the service finds rows and opens no value"
        )?;
    }
    writeln!(
        out,
        "hand the bundle and its secret to the service by separate channels; export it again \
         after every rotation or retirement, and after an index rotation or finished migration"
    )?;
    Ok(())
}

/// Refuses to replace a bundle exported from another keyring: exporting from the wrong keyring
/// (another `--keyring` or `$FIELDSEAL_KEYRING`, staging's say) would hand the service keys that
/// nothing else in its deployment opens. Only a bundle that opens with the new bundle's secret
/// can be checked; another is replaced as before. Returns the protector, ready for the new file.
fn refuse_another_keyrings_bundle(
    out: &Path,
    keyring: KeyringId,
    file: &KeyringFile,
    protector: Protector,
) -> Outcome<Protector> {
    if !out.is_file() {
        return Ok(protector);
    }
    let params = protector.argon2(); // those chosen for the new file: nothing derived yet
    let found = KeyBundle::load(out, protector.as_dyn())
        .ok()
        .map(|b| b.keyring_id());
    let protector = protector.for_new_file(params);
    match found {
        Some(other) if other != keyring => Err(Failure::new(
            Exit::Refused,
            format!(
                "{} holds a bundle of another keyring, {other}, not of keyring {keyring} ({}); \
                 nothing was written: check --keyring and {KEYRING_ENV}, or, if the service is to \
                 move to this keyring, remove {} first",
                out.display(),
                file.what(),
                out.display()
            ),
        )),
        _ => Ok(protector),
    }
}
