//! `fieldseal vault rewrap`: after `fieldseal rotate`, every data key of the vault rewrapped under
//! the purpose keys of the active root version, in batches, with a progress bar on a terminal.
//!
//! Resuming is starting over: keys already under the active version are skipped (a read each, no
//! unwrap, no write), so a run stopped anywhere is finished by running it again, and no side file
//! is kept: one would name a subject (personal data) on disk, go stale with the next rotation or
//! another run sharing the work, and save only reads.

use std::collections::BTreeSet;
use std::io::{IsTerminal as _, Write};
use std::sync::Arc;
use std::time::Duration;

use fieldseal::vault::{KeyCursor, KeyVault, RewrapProgress, SqliteVault, SubjectKeys};
use fieldseal::{DynPurpose, Error, Keyring};
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use serde_json::json;

use crate::args::RewrapArgs;
use crate::commands::vault::VaultFile;
use crate::commands::vault::status::retirable;
use crate::commands::{KeyringFile, list};
use crate::failure::{Failure, Outcome};

/// Purposes a run may meet that it did not see at its start (a service sealing for a new one
/// meanwhile), each added once.
const NEW_PURPOSES: usize = 64;

pub(crate) fn run(
    file: &VaultFile,
    keyring_file: &KeyringFile,
    args: &RewrapArgs,
    json: bool,
    out: &mut dyn Write,
) -> Outcome {
    let vault = Arc::new(file.write()?);
    let (keyring, _) = keyring_file.load()?;
    let failed = |e: &Error| file.failed("cannot rewrap", e);
    let counts = vault.key_versions().map_err(|e| failed(&e))?;
    let total: u64 = counts.iter().map(|c| c.keys).sum();
    let mut purposes = purposes_of(counts.iter().map(|c| c.purpose.as_str()))?;
    let mut keys = file.keyed(Arc::clone(&vault), &keyring, &purposes, None)?;
    let bar = Bar::new(total);
    let mut sum = RewrapProgress::default();
    let mut cursor: Option<KeyCursor> = None;
    let mut added = 0;
    let result = loop {
        match keys.rewrap(cursor.as_ref(), args.batch.get()) {
            Ok(batch) => {
                sum.rewrapped += batch.rewrapped;
                sum.current += batch.current;
                sum.skipped += batch.skipped;
                bar.advance(batch.rewrapped + batch.current + batch.skipped);
                cursor = batch.next;
                if cursor.is_none() {
                    break Ok(());
                }
            }
            // A key of a purpose that appeared since the run started: take its key too, and do
            // the batch again (what it rewrapped before failing is current now, and skipped).
            Err(Error::NoKeyForPurpose { purpose, .. }) if added < NEW_PURPOSES => {
                added += 1;
                purposes.extend(purposes_of(std::iter::once(purpose.as_str()))?);
                keys = file.keyed(Arc::clone(&vault), &keyring, &purposes, None)?;
            }
            Err(e) => break Err(e),
        }
    };
    bar.finish();
    result.map_err(|e| {
        file.failed(
            format_args!(
                "cannot rewrap (after {} keys rewrapped; run again to go on)",
                sum.rewrapped
            ),
            &e,
        )
    })?;
    report(file, &keyring, &keys, &sum, json, out)
}

fn report(
    file: &VaultFile,
    keyring: &Keyring,
    keys: &SubjectKeys<Arc<SqliteVault>>,
    sum: &RewrapProgress,
    json: bool,
    out: &mut dyn Write,
) -> Outcome {
    let in_use: Vec<u32> = keys
        .key_versions()
        .map_err(|e| file.failed("cannot count the keys", &e))?
        .iter()
        .map(|v| v.key_version)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .collect();
    let retirable = retirable(keyring, &in_use);
    if json {
        let document = json!({
            "keyring": keyring.id().to_string(),
            "active_version": keyring.active_version(),
            "rewrapped": sum.rewrapped,
            "current": sum.current,
            "skipped": sum.skipped,
            "root_versions_in_use": in_use,
            "retirable": retirable,
        });
        writeln!(out, "{document}")?;
        return Ok(());
    }
    writeln!(
        out,
        "rewrapped the data keys of {} under root version {} of keyring {}; no field data was \
         touched",
        file.path().display(),
        keyring.active_version(),
        keyring.id()
    )?;
    writeln!(out, "rewrapped:          {}", sum.rewrapped)?;
    writeln!(out, "already current:    {}", sum.current)?;
    writeln!(
        out,
        "changed meanwhile:  {} (withdrawn, or rewrapped by another run: left to them)",
        sum.skipped
    )?;
    writeln!(out, "root versions wrapping keys: {}", list(&in_use))?;
    writeln!(
        out,
        "retirable as far as this vault goes: {}{}",
        list(&retirable),
        if retirable.is_empty() {
            ""
        } else {
            " (check direct-mode data with fieldseal scan before fieldseal retire)"
        }
    )?;
    Ok(())
}

/// Purposes by name (names the vault holds: checked when they were stored).
fn purposes_of<'a>(names: impl Iterator<Item = &'a str>) -> Outcome<Vec<DynPurpose>> {
    names
        .map(|name| {
            DynPurpose::new(name).map_err(|e| Failure::lib("the vault names a purpose", &e))
        })
        .collect()
}

/// The progress bar: on standard error, and only when it is a terminal.
struct Bar(ProgressBar);

impl Bar {
    fn new(total: u64) -> Self {
        let target = if std::io::stderr().is_terminal() {
            ProgressDrawTarget::stderr()
        } else {
            ProgressDrawTarget::hidden()
        };
        let bar = ProgressBar::with_draw_target(Some(total), target);
        bar.set_style(
            ProgressStyle::with_template(
                "{spinner} rewrapping [{bar:30}] {pos}/{len} data keys ({eta} left)",
            )
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
        );
        bar.enable_steady_tick(Duration::from_millis(120));
        Self(bar)
    }

    fn advance(&self, keys: u64) {
        self.0.inc(keys);
    }

    fn finish(&self) {
        self.0.finish_and_clear();
    }
}
