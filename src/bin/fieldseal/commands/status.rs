//! `fieldseal status`: the keyring's versions, indexes and bundles, or a bundle's purposes and
//! indexes.

use std::io::Write;
use std::path::Path;
use std::time::SystemTime;

use fieldseal::audit::AuditVersion;
use fieldseal::index::{IndexInfo, IndexVersionState};
use fieldseal::{KeyBundle, Keyring, VersionState};
use serde_json::{Value, json};

use crate::args::StatusArgs;
use crate::commands::index::normalizer;
use crate::commands::{KeyringFile, list, require_file};
use crate::dates::{age, ago, unix_secs, utc};
use crate::failure::{Failure, Outcome};
use crate::secrets::{Protector, Secret};

pub(crate) fn run(file: &KeyringFile, args: &StatusArgs, out: &mut dyn Write) -> Outcome {
    let now = SystemTime::now();
    if let Some(path) = &args.bundle {
        require_file(path, || format!("no bundle at {}", path.display()))?;
        let what = format!("bundle {}", path.display());
        let (bundle, protector) = Secret::bundle(
            &args.bundle_secret,
            file.ceiling(),
            file.remote(),
        )?
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
    indexes_text(out, keyring, now)?;
    audit_text(out, keyring, now)?;
    bundles_text(out, keyring)?;
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
        for v in decrypt_only {
            let pinned = pinned_to(keyring, v);
            if !pinned.is_empty() {
                writeln!(
                    out,
                    "root version {v} still derives the keys of {}: rotate each of those \
                     (an index, then finish its migration; the audit key, then retire its old \
                     version once its logs are verified and archived) before retiring version {v}",
                    pinned.join(", ")
                )?;
            }
        }
    }
    Ok(())
}

/// The audit key versions (FORMAT.md §18.1), each with the root version it is pinned to.
fn audit_text(out: &mut dyn Write, keyring: &Keyring, now: SystemTime) -> Outcome {
    let versions = keyring.audit_versions();
    writeln!(out)?;
    if versions.is_empty() {
        writeln!(out, "audit keys  none (fieldseal audit rotate-key)")?;
        return Ok(());
    }
    writeln!(out, "AUDIT KEY  ROOT  STATE    {:<23}  AGE", "CREATED")?;
    for v in versions {
        writeln!(
            out,
            "{:<9}  {:<4}  {:<7}  {:<23}  {}",
            v.version,
            v.root_version,
            audit_state(keyring, v),
            utc(v.created),
            age(v.created, now)
        )?;
    }
    Ok(())
}

/// `active` for the version new log files are written under (the last: it cannot be retired),
/// `retired`, or `in-use` (its logs still verify).
fn audit_state(keyring: &Keyring, v: &AuditVersion) -> &'static str {
    let current = keyring.audit_versions().last().map(|a| a.version);
    if v.retired {
        "retired"
    } else if current == Some(v.version) {
        "active"
    } else {
        "in-use"
    }
}

/// The bundles exported, and which lag the keyring.
fn bundles_text(out: &mut dyn Write, keyring: &Keyring) -> Outcome {
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
        writeln!(
            out,
            "purposes    {}",
            if purposes.is_empty() {
                "none exported (the bundles hold index keys alone)".to_owned()
            } else {
                purposes.join(", ")
            }
        )?;
        writeln!(out)?;
        let width = exports
            .iter()
            .map(|e| e.service.len())
            .max()
            .unwrap_or(0)
            .max("BUNDLE".len());
        writeln!(
            out,
            "{:<width$}  {:<23}  VERSIONS  STATUS  PURPOSES  INDEXES",
            "BUNDLE", "EXPORTED"
        )?;
        for e in &exports {
            let purposes: Vec<&str> = e.purposes.iter().map(fieldseal::DynPurpose::name).collect();
            let status = if e.is_stale_in(keyring) {
                "stale"
            } else {
                "current"
            };
            let indexes: Vec<String> = e
                .indexes
                .iter()
                .map(|i| format!("{} ({})", i.index, list(&i.versions)))
                .collect();
            writeln!(
                out,
                "{:<width$}  {:<23}  {:<8}  {status:<7}  {:<8}  {}",
                e.service,
                utc(e.exported),
                if purposes.is_empty() {
                    "-".to_owned()
                } else {
                    list(&e.versions)
                },
                or_dash(&purposes.join(", ")),
                or_dash(&indexes.join(", "))
            )?;
        }
        if exports.iter().any(|e| e.is_stale_in(keyring)) {
            writeln!(
                out,
                "stale bundles lag a rotation or retirement, or an index rotation or finished \
                 migration: export them again (fieldseal export-bundle --force)"
            )?;
        }
    }
    Ok(())
}

/// The indexes, one row per version, and what each migration under way still needs.
fn indexes_text(out: &mut dyn Write, keyring: &Keyring, now: SystemTime) -> Outcome {
    let indexes = keyring.indexes();
    writeln!(out)?;
    if indexes.is_empty() {
        writeln!(out, "indexes     none defined (fieldseal index add)")?;
        return Ok(());
    }
    let name_width = indexes
        .iter()
        .map(|i| i.name.len())
        .max()
        .unwrap_or(0)
        .max("INDEX".len());
    let norm_width = indexes
        .iter()
        .map(|i| normalizer(&i.normalizer).len())
        .max()
        .unwrap_or(0)
        .max("NORMALIZER".len());
    writeln!(
        out,
        "{:<name_width$}  WIDTH  {:<norm_width$}  VERSION  ROOT  STATE    {:<23}  AGE",
        "INDEX", "NORMALIZER", "CREATED"
    )?;
    for index in &indexes {
        for v in &index.versions {
            writeln!(
                out,
                "{:<name_width$}  {:<5}  {:<norm_width$}  {:<7}  {:<4}  {:<7}  {:<23}  {}",
                index.name,
                index.width,
                normalizer(&index.normalizer),
                v.version,
                v.root_version,
                v.state.name(),
                utc(v.created),
                age(v.created, now)
            )?;
        }
    }
    for index in indexes.iter().filter(|i| i.is_migrating()) {
        writeln!(
            out,
            "index {} is migrating to version {}: lookups also ask for the terms of version(s) \
             {}; recompute the stored terms, then finish (fieldseal index finish {} --yes)",
            index.name,
            index.current_version(),
            list(&older_in_use(index)),
            index.name
        )?;
    }
    Ok(())
}

/// The versions in use other than the current one, ascending.
fn older_in_use(index: &IndexInfo) -> Vec<u32> {
    let mut live: Vec<u32> = index
        .versions
        .iter()
        .filter(|v| v.state == IndexVersionState::Live)
        .map(|v| v.version)
        .collect();
    live.sort_unstable();
    live
}

/// `index `email` version 1`, for each index version in use pinned to root version `root`.
fn pinned_to(keyring: &Keyring, root: u32) -> Vec<String> {
    keyring
        .indexes()
        .iter()
        .flat_map(|i| {
            i.versions
                .iter()
                .filter(move |v| v.root_version == root && v.state != IndexVersionState::Retired)
                .map(move |v| format!("index `{}` version {}", i.name, v.version))
        })
        .chain(
            keyring
                .audit_versions()
                .iter()
                .filter(|a| a.root_version == root && !a.retired)
                .map(|a| format!("the audit key version {}", a.version)),
        )
        .collect()
}

fn or_dash(text: &str) -> &str {
    if text.is_empty() { "-" } else { text }
}

fn indexes_json(indexes: &[IndexInfo], now: SystemTime) -> Value {
    indexes
        .iter()
        .map(|i| {
            json!({
                "name": i.name,
                "width": i.width,
                "normalizer": i.normalizer,
                "current_version": i.current_version(),
                "migrating": i.is_migrating(),
                "versions": i.versions.iter().map(|v| json!({
                    "version": v.version,
                    "root_version": v.root_version,
                    "state": v.state.name(),
                    "created": utc(v.created),
                    "created_unix": unix_secs(v.created),
                    "age": age(v.created, now),
                })).collect::<Vec<_>>(),
            })
        })
        .collect()
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
        "indexes": indexes_json(&keyring.indexes(), now),
        "audit_keys": keyring
            .audit_versions()
            .iter()
            .map(|v| json!({
                "version": v.version,
                "root_version": v.root_version,
                "state": audit_state(keyring, v),
                "created": utc(v.created),
                "created_unix": unix_secs(v.created),
            }))
            .collect::<Vec<_>>(),
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
                "indexes": e.indexes.iter().map(|i| json!({
                    "index": i.index,
                    "versions": i.versions,
                })).collect::<Vec<_>>(),
                "stale": e.is_stale_in(keyring),
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
    if purposes.is_empty() {
        writeln!(
            out,
            "purposes    none: index keys alone, this service opens no value"
        )?;
    } else {
        writeln!(
            out,
            "{:<width$}  {:<18}  ACTIVE  VERSIONS  RETIRED",
            "PURPOSE", "SUITE"
        )?;
    }
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
    let indexes: Vec<IndexInfo> = bundle
        .indexes()
        .iter()
        .filter_map(|name| bundle.index(name).map(|k| k.info().clone()))
        .collect();
    if !indexes.is_empty() {
        let width = indexes
            .iter()
            .map(|i| i.name.len())
            .max()
            .unwrap_or(0)
            .max("INDEX".len());
        writeln!(out)?;
        writeln!(
            out,
            "{:<width$}  WIDTH  NORMALIZER        CURRENT  VERSIONS  RETIRED",
            "INDEX"
        )?;
        for index in &indexes {
            let mut in_use = index.lookup_versions();
            in_use.sort_unstable();
            writeln!(
                out,
                "{:<width$}  {:<5}  {:<16}  {:<7}  {:<8}  {}",
                index.name,
                index.width,
                normalizer(&index.normalizer),
                index.current_version(),
                list(&in_use),
                list(&index.retired_versions())
            )?;
        }
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
        "indexes": indexes_json(
            &bundle
                .indexes()
                .iter()
                .filter_map(|name| bundle.index(name).map(|k| k.info().clone()))
                .collect::<Vec<_>>(),
            now
        ),
    })
}

fn protector_json(protector: &Protector) -> Value {
    let mut value = match protector.argon2() {
        Some(p) => json!({
            "kind": protector.kind(),
            "argon2id": {
                "memory_kib": p.memory_kib(),
                "iterations": p.iterations(),
                "parallelism": p.parallelism(),
            },
        }),
        None => json!({ "kind": protector.kind() }),
    };
    // Where an HSM or KMS key is: never a secret.
    for (name, location) in protector.location() {
        value[name] = Value::String(location);
    }
    value
}
