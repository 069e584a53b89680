//! `fieldseal vault log erasures|disclosures`: the logs a regulator asks for, oldest first. They
//! name subjects, which are personal data.

use std::io::Write;

use fieldseal::vault::KeyVault;
use serde_json::json;

use crate::args::LogDisclosuresArgs;
use crate::commands::vault::VaultFile;
use crate::commands::vault::show::{
    disclosure_json, disclosure_text, names, receipt_json, subject, time,
};
use crate::failure::Outcome;

pub(crate) fn erasures(file: &VaultFile, json: bool, out: &mut dyn Write) -> Outcome {
    let vault = file.read()?;
    let log = vault
        .erasures()
        .map_err(|e| file.failed("cannot read the erasure log", &e))?;
    if json {
        let document = json!({ "erasures": log.iter().map(receipt_json).collect::<Vec<_>>() });
        writeln!(out, "{document}")?;
        return Ok(());
    }
    if log.is_empty() {
        writeln!(out, "no subject was forgotten")?;
        return Ok(());
    }
    let rows: Vec<(String, &_)> = log.iter().map(|r| (subject(&r.subject), r)).collect();
    let width = rows.iter().map(|r| r.0.len()).max().unwrap_or(0).max(7);
    writeln!(
        out,
        "{:<width$}  {:<23}  ENTRIES  PURPOSES DESTROYED",
        "SUBJECT", "AT"
    )?;
    for (s, r) in rows {
        writeln!(
            out,
            "{s:<width$}  {:<23}  {:<7}  {}",
            time(r.at),
            r.entries_removed,
            names(&r.purposes)
        )?;
    }
    Ok(())
}

pub(crate) fn disclosures(
    file: &VaultFile,
    args: &LogDisclosuresArgs,
    json: bool,
    out: &mut dyn Write,
) -> Outcome {
    let vault = file.read()?;
    let partner = args.partner.as_ref().map(fieldseal::DynPurpose::name);
    let log = vault
        .disclosures(partner)
        .map_err(|e| file.failed("cannot read the disclosure log", &e))?;
    if json {
        let document =
            json!({ "disclosures": log.iter().map(disclosure_json).collect::<Vec<_>>() });
        writeln!(out, "{document}")?;
        return Ok(());
    }
    if log.is_empty() {
        match partner {
            Some(p) => writeln!(out, "nothing was disclosed to {p}")?,
            None => writeln!(out, "nothing was disclosed")?,
        }
        return Ok(());
    }
    for d in &log {
        write!(out, "{}", disclosure_text(d))?;
    }
    Ok(())
}
