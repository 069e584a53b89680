//! `fieldseal vault sweep`: destroys the data keys whose retention period has passed, as of now
//! or of `--now`, and reports each.

use std::io::Write;

use serde_json::json;

use crate::args::SweepArgs;
use crate::commands::vault::VaultFile;
use crate::commands::vault::show::{expired_json, subject, time};
use crate::failure::Outcome;

pub(crate) fn run(file: &VaultFile, args: &SweepArgs, json: bool, out: &mut dyn Write) -> Outcome {
    let keys = file.admin(args.now)?;
    let report = keys.sweep().map_err(|e| {
        file.failed(
            "cannot sweep (keys destroyed before the failure stay so)",
            &e,
        )
    })?;
    if !report.destroyed.is_empty() {
        file.checkpoint(keys.vault());
    }
    if json {
        let document = json!({
            "at": report.at,
            "destroyed": report.destroyed.iter().map(expired_json).collect::<Vec<_>>(),
        });
        writeln!(out, "{document}")?;
        return Ok(());
    }
    writeln!(
        out,
        "swept {} as of {}: {} data key{} destroyed, their retention period over",
        file.path().display(),
        time(report.at),
        report.destroyed.len(),
        if report.destroyed.len() == 1 { "" } else { "s" }
    )?;
    if report.destroyed.is_empty() {
        return Ok(());
    }
    let rows: Vec<(String, &str, u32, String)> = report
        .destroyed
        .iter()
        .map(|k| {
            (
                subject(&k.subject),
                k.purpose.as_str(),
                k.generation,
                time(k.expires),
            )
        })
        .collect();
    let sw = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(7);
    let pw = rows.iter().map(|r| r.1.len()).max().unwrap_or(0).max(7);
    writeln!(
        out,
        "{:<sw$}  {:<pw$}  GENERATION  EXPIRED",
        "SUBJECT", "PURPOSE"
    )?;
    for (s, p, g, e) in &rows {
        writeln!(out, "{s:<sw$}  {p:<pw$}  {g:<10}  {e}")?;
    }
    Ok(())
}
