//! `fieldseal status`: the keyring's versions, or a bundle's purposes.

use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

use fieldseal::{KeyBundle, Keyring, VersionState};
use serde_json::{Value, json};

use crate::args::StatusArgs;
use crate::commands::{KeyringFile, list, require_file};
use crate::dates::{age, ago, unix_secs, utc};
use crate::failure::{Failure, Outcome};
use crate::secrets::{Protector, Secret};

pub(crate) fn run(file: &KeyringFile, args: &StatusArgs, out: &mut dyn Write) -> Outcome {
    let now = SystemTime::now();
    if let Some(path) = &args.bundle {
        require_file(path, || format!("no bundle at {}", path.display()))?;
        let what = format!("bundle {}", path.display());
        let (bundle, protector) =
            Secret::bundle(&args.bundle_secret, file.ceiling())?
                .unlock(&what, path, |p| KeyBundle::load(path, p))?;
        // --bundle unlocks the bundle only, never the keyring, so it checks the bundle's keyring
        // against the id it is given, if any.
        let bundle = match args.expect_keyring {
            Some(id) => bundle
                .require_keyring(id)
                .map_err(|e| Failure::lib(&what, &e))?,
            None => bundle,
        };
        if args.json {
            writeln!(out, "{}", bundle_json(path, &bundle, &protector, now))?;
        } else {
            bundle_text(out, path, &bundle, &protector, now)?;
        }
        return Ok(());
    }
    let (keyring, protector) = file.load()?;
    if args.json {
        writeln!(
            out,
            "{}",
            keyring_json(file.path(), &keyring, &protector, now)
        )?;
    } else {
        keyring_text(out, file.path(), &keyring, &protector, now)?;
    }
    Ok(())
}

fn keyring_text(
    out: &mut dyn Write,
    path: &Path,
    keyring: &Keyring,
    protector: &Protector,
    now: SystemTime,
) -> Outcome {
    writeln!(out, "keyring     {}", keyring.id())?;
    writeln!(out, "file        {}", path.display())?;
    writeln!(out, "suite       {}", keyring.suite())?;
    writeln!(out, "protection  {protector}")?;
    writeln!(out, "active      version {}", keyring.active_version())?;
    writeln!(out)?;
    writeln!(
        out,
        "{:<7}  {:<12}  {:<23}  AGE",
        "VERSION", "STATE", "CREATED"
    )?;
    for version in keyring.versions() {
        let state = keyring.state(version).map_or("?", VersionState::name);
        let created = keyring.created(version).unwrap_or(SystemTime::UNIX_EPOCH);
        writeln!(
            out,
            "{version:<7}  {state:<12}  {:<23}  {}",
            utc(created),
            age(created, now)
        )?;
    }
    let exports = keyring.bundle_exports();
    writeln!(out)?;
    if exports.is_empty() {
        writeln!(
            out,
            "purposes    none exported yet (fieldseal export-bundle)"
        )?;
    } else {
        let purposes: Vec<String> = keyring
            .exported_purposes()
            .iter()
            .map(|p| p.name().to_owned())
            .collect();
        writeln!(out, "purposes    {}", purposes.join(", "))?;
        writeln!(out)?;
        let width = exports
            .iter()
            .map(|e| e.service.len())
            .max()
            .unwrap_or(0)
            .max("BUNDLE".len());
        writeln!(
            out,
            "{:<width$}  {:<23}  VERSIONS  STATUS  PURPOSES",
            "BUNDLE", "EXPORTED"
        )?;
        let live = keyring.live_versions();
        for e in &exports {
            let purposes: Vec<&str> = e.purposes.iter().map(fieldseal::DynPurpose::name).collect();
            let status = if e.is_stale(keyring.active_version(), &live) {
                "stale"
            } else {
                "current"
            };
            writeln!(
                out,
                "{:<width$}  {:<23}  {:<8}  {status:<7}  {}",
                e.service,
                utc(e.exported),
                list(&e.versions),
                purposes.join(", ")
            )?;
        }
        if exports
            .iter()
            .any(|e| e.is_stale(keyring.active_version(), &live))
        {
            writeln!(
                out,
                "stale bundles lag a rotation or retirement: export them again \
                 (fieldseal export-bundle --force)"
            )?;
        }
    }
    let decrypt_only: Vec<u32> = keyring
        .versions()
        .into_iter()
        .filter(|&v| keyring.state(v) == Some(VersionState::DecryptOnly))
        .collect();
    if !decrypt_only.is_empty() {
        writeln!(out)?;
        writeln!(
            out,
            "decrypt-only: {}; re-seal their data (fieldseal reseal), then retire them \
             (fieldseal retire VERSION)",
            list(&decrypt_only)
        )?;
    }
    Ok(())
}

fn keyring_json(path: &Path, keyring: &Keyring, protector: &Protector, now: SystemTime) -> Value {
    let versions: Vec<Value> = keyring
        .versions()
        .into_iter()
        .map(|version| {
            let created = keyring.created(version).unwrap_or(SystemTime::UNIX_EPOCH);
            json!({
                "version": version,
                "state": keyring.state(version).map(VersionState::name),
                "created": utc(created),
                "created_unix": unix_secs(created),
                "age": age(created, now),
            })
        })
        .collect();
    json!({
        "keyring_id": keyring.id().to_string(),
        "file": path.display().to_string(),
        "suite": keyring.suite().name(),
        "protector": protector_json(protector),
        "active_version": keyring.active_version(),
        "versions": versions,
        "purposes": keyring
            .exported_purposes()
            .iter()
            .map(|p| p.name().to_owned())
            .collect::<Vec<_>>(),
        "bundles": keyring
            .bundle_exports()
            .iter()
            .map(|e| json!({
                "service": e.service,
                "purposes": e.purposes.iter().map(|p| p.name().to_owned()).collect::<Vec<_>>(),
                "exported": utc(e.exported),
                "active_version": e.active_version,
                "versions": e.versions,
                "stale": e.is_stale(keyring.active_version(), &keyring.live_versions()),
            }))
            .collect::<Vec<_>>(),
    })
}

fn bundle_text(
    out: &mut dyn Write,
    path: &Path,
    bundle: &KeyBundle,
    protector: &Protector,
    now: SystemTime,
) -> Outcome {
    writeln!(out, "bundle      {}", path.display())?;
    writeln!(out, "service     {}", bundle.service())?;
    writeln!(out, "keyring     {}", bundle.keyring_id())?;
    writeln!(
        out,
        "exported    {} ({})",
        utc(bundle.created()),
        ago(bundle.created(), now)
    )?;
    writeln!(out, "protection  {protector}")?;
    writeln!(out)?;
    let purposes = bundle.purposes();
    let width = purposes
        .iter()
        .map(|p| p.name().len())
        .max()
        .unwrap_or(0)
        .max("PURPOSE".len());
    writeln!(
        out,
        "{:<width$}  {:<18}  ACTIVE  VERSIONS  RETIRED",
        "PURPOSE", "SUITE"
    )?;
    for purpose in &purposes {
        let Some(key) = bundle.key(purpose.name()) else {
            continue;
        };
        writeln!(
            out,
            "{:<width$}  {:<18}  {:<6}  {:<8}  {}",
            purpose.name(),
            key.suite().name(),
            key.active_version(),
            list(&key.versions()),
            list(&key.retired_versions())
        )?;
    }
    Ok(())
}

fn bundle_json(path: &Path, bundle: &KeyBundle, protector: &Protector, now: SystemTime) -> Value {
    let purposes: Vec<Value> = bundle
        .purposes()
        .iter()
        .filter_map(|purpose| {
            let key = bundle.key(purpose.name())?;
            Some(json!({
                "purpose": purpose.name(),
                "suite": key.suite().name(),
                "active_version": key.active_version(),
                "versions": key.versions(),
                "retired_versions": key.retired_versions(),
            }))
        })
        .collect();
    json!({
        "bundle": path.display().to_string(),
        "service": bundle.service(),
        "keyring_id": bundle.keyring_id().to_string(),
        "created": utc(bundle.created()),
        "created_unix": unix_secs(bundle.created()),
        "age": age(bundle.created(), now),
        "protector": protector_json(protector),
        "purposes": purposes,
    })
}

fn protector_json(protector: &Protector) -> Value {
    match protector.argon2() {
        Some(p) => json!({
            "kind": protector.kind(),
            "argon2id": {
                "memory_kib": p.memory_kib(),
                "iterations": p.iterations(),
                "parallelism": p.parallelism(),
            },
        }),
        None => json!({ "kind": protector.kind() }),
    }
}
