//! `fieldseal vault status`: what the vault holds, counted, and the root versions its keys are
//! wrapped under, and those retired in it; with `--with-keyring`, the keyring's versions that wrap
//! none of them.

use std::collections::BTreeSet;
use std::io::Write;

use fieldseal::vault::{KeyVault, VersionCount};
use fieldseal::{Keyring, VaultError, VersionState};
use serde_json::json;

use crate::args::VaultStatusArgs;
use crate::commands::vault::VaultFile;
use crate::commands::{KeyringFile, list};
use crate::failure::Outcome;

pub(crate) fn run(
    file: &VaultFile,
    keyring: &KeyringFile,
    args: &VaultStatusArgs,
    json: bool,
    out: &mut dyn Write,
) -> Outcome {
    let vault = file.read()?;
    let bound = file.bound(&vault)?;
    let failed = |e: &fieldseal::Error| file.failed("cannot count the keys", e);
    let stats = vault.stats().map_err(|e| failed(&e))?;
    let versions = vault.key_versions().map_err(|e| failed(&e))?;
    let retired = vault.retired_versions().map_err(|e| failed(&e))?;
    let in_use: Vec<u32> = versions
        .iter()
        .map(|v| v.key_version)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    // The keyring is loaded only when asked for, after everything the vault alone says.
    let retirable = if args.with_keyring {
        let (keyring, _) = keyring.load()?;
        if let Some(bound) = bound.filter(|&b| b != keyring.id()) {
            let error = fieldseal::Error::from(VaultError::WrongKeyring {
                vault: bound,
                given: keyring.id(),
            });
            return Err(file.failed("cannot compare the keyring", &error));
        }
        Some(retirable(&keyring, &in_use))
    } else {
        None
    };
    if json {
        let document = json!({
            "vault": file.path().display().to_string(),
            "keyring": bound.map(|id| id.to_string()),
            "subjects": stats.subjects,
            "erased_subjects": stats.erased_subjects,
            "live_keys": stats.live_keys,
            "destroyed_keys": stats.destroyed_keys,
            "active_consents": stats.active_consents,
            "disclosures": stats.disclosures,
            "key_versions": versions.iter().map(|v| json!({
                "purpose": v.purpose,
                "key_version": v.key_version,
                "keys": v.keys,
            })).collect::<Vec<_>>(),
            "root_versions_in_use": in_use,
            "retired_versions": retired,
            "retirable": retirable,
        });
        writeln!(out, "{document}")?;
        return Ok(());
    }
    writeln!(out, "vault        {}", file.path().display())?;
    match bound {
        Some(id) => writeln!(out, "keyring      {id}")?,
        None => writeln!(
            out,
            "keyring      none yet (no service has opened the vault with its keys)"
        )?,
    }
    writeln!(
        out,
        "subjects     {} ({} erased)",
        stats.subjects, stats.erased_subjects
    )?;
    writeln!(
        out,
        "data keys    {} live, {} destroyed",
        stats.live_keys, stats.destroyed_keys
    )?;
    writeln!(out, "consents     {} standing", stats.active_consents)?;
    writeln!(out, "disclosures  {}", stats.disclosures)?;
    table(out, &versions)?;
    writeln!(out)?;
    writeln!(out, "root versions wrapping keys: {}", list(&in_use))?;
    if !retired.is_empty() {
        writeln!(
            out,
            "root versions retired (no key is wrapped under them again): {}",
            list(&retired)
        )?;
    }
    match retirable {
        Some(versions) if versions.is_empty() => writeln!(
            out,
            "retirable as far as this vault goes: none of the keyring's decrypt-only versions"
        )?,
        Some(versions) => writeln!(
            out,
            "retirable as far as this vault goes: {} (decrypt-only, wrapping none of its keys); \
             check direct-mode data with fieldseal scan before fieldseal retire",
            list(&versions)
        )?,
        None if in_use.is_empty() => writeln!(
            out,
            "retirable as far as this vault goes: every root version (it wraps no key)"
        )?,
        None => writeln!(
            out,
            "retirable as far as this vault goes: every root version but {} (--with-keyring \
             names them); after a rotation, fieldseal vault rewrap moves the keys",
            list(&in_use)
        )?,
    }
    Ok(())
}

/// The live keys of each purpose, per root version.
fn table(out: &mut dyn Write, versions: &[VersionCount]) -> Outcome {
    writeln!(out)?;
    if versions.is_empty() {
        writeln!(out, "no live data key")?;
        return Ok(());
    }
    let width = versions
        .iter()
        .map(|v| v.purpose.len())
        .max()
        .unwrap_or(0)
        .max("PURPOSE".len());
    writeln!(out, "{:<width$}  ROOT VERSION  LIVE KEYS", "PURPOSE")?;
    for v in versions {
        writeln!(
            out,
            "{:<width$}  {:<12}  {}",
            v.purpose, v.key_version, v.keys
        )?;
    }
    Ok(())
}

/// The keyring's decrypt-only versions under which none of the vault's keys is wrapped (`rewrap`
/// says the same after a run).
pub(crate) fn retirable(keyring: &Keyring, in_use: &[u32]) -> Vec<u32> {
    keyring
        .versions()
        .into_iter()
        .filter(|v| keyring.state(*v) == Some(VersionState::DecryptOnly) && !in_use.contains(v))
        .collect()
}
