//! `fieldseal vault consent grant|withdraw|list`: a subject's consents, recorded, withdrawn (with
//! their data key) and listed. No keyring: consent needs none.

use std::io::Write;

use fieldseal::vault::KeyVault;
use serde_json::json;

use crate::args::{ConsentGrantArgs, ConsentPurposeArgs, SubjectArgs};
use crate::commands::vault::VaultFile;
use crate::commands::vault::show::{consent_json, consent_text, time};
use crate::failure::Outcome;

pub(crate) fn grant(
    file: &VaultFile,
    args: &ConsentGrantArgs,
    json: bool,
    out: &mut dyn Write,
) -> Outcome {
    let (subject, purpose) = (&args.target.subject, &args.target.purpose);
    let subjects = file.admin(None)?;
    let consent = subjects
        .grant(
            &subject.subject(),
            purpose,
            &args.source,
            args.reference.as_deref(),
        )
        .map_err(|e| {
            file.failed(
                format_args!("cannot record the consent of {subject} to {purpose}"),
                &e,
            )
        })?;
    if json {
        writeln!(out, "{}", consent_json(&consent))?;
    } else {
        writeln!(
            out,
            "recorded the consent of {subject} to {purpose}: {}",
            consent_text(&consent)
        )?;
        writeln!(
            out,
            "sealing for {purpose} gives {subject}'s data a copy from now on (services see it \
             within their cache's time to live)"
        )?;
    }
    Ok(())
}

pub(crate) fn withdraw(
    file: &VaultFile,
    args: &ConsentPurposeArgs,
    json: bool,
    out: &mut dyn Write,
) -> Outcome {
    let (subject, purpose) = (&args.subject, &args.purpose);
    let subjects = file.admin(None)?;
    let withdrawal = subjects
        .withdraw(&subject.subject(), purpose)
        .map_err(|e| {
            file.failed(
                format_args!("cannot withdraw the consent of {subject} to {purpose}"),
                &e,
            )
        })?;
    if withdrawal.destroyed.is_some() {
        file.checkpoint(subjects.vault());
    }
    if json {
        let document = json!({
            "subject": subject.to_string(),
            "purpose": purpose.name(),
            "at": withdrawal.at,
            "consent_was_active": withdrawal.consent_was_active,
            "destroyed_generation": withdrawal.destroyed,
        });
        writeln!(out, "{document}")?;
        return Ok(());
    }
    let at = time(withdrawal.at);
    match (withdrawal.consent_was_active, withdrawal.destroyed) {
        (true, _) => writeln!(
            out,
            "withdrew the consent of {subject} to {purpose} at {at}"
        )?,
        (false, _) => writeln!(
            out,
            "{subject} had no consent to {purpose} standing; nothing to withdraw"
        )?,
    }
    match withdrawal.destroyed {
        Some(generation) => writeln!(
            out,
            "destroyed {subject}'s {purpose} data key (generation {generation}): every copy of \
             their data sealed for {purpose}, wherever it is stored, no longer opens for \
             {purpose} (services notice within their cache's time to live); their other \
             purposes are untouched"
        )?,
        None => writeln!(
            out,
            "{subject} had no live {purpose} data key: nothing was destroyed"
        )?,
    }
    Ok(())
}

pub(crate) fn list(
    file: &VaultFile,
    args: &SubjectArgs,
    json: bool,
    out: &mut dyn Write,
) -> Outcome {
    let subject = &args.subject;
    let vault = file.read()?;
    let failed = |e: &fieldseal::Error| {
        file.failed(format_args!("cannot read the consents of {subject}"), e)
    };
    let erased = vault
        .read(subject.as_bytes(), &[])
        .map_err(|e| failed(&e))?
        .erased;
    let consents = vault.consents(subject.as_bytes()).map_err(|e| failed(&e))?;
    if json {
        let document = json!({
            "subject": subject.to_string(),
            "erased": erased,
            "consents": consents.iter().map(consent_json).collect::<Vec<_>>(),
        });
        writeln!(out, "{document}")?;
        return Ok(());
    }
    if let Some(at) = erased {
        writeln!(
            out,
            "{subject} was erased at {}: no consent of theirs is kept (fieldseal vault log \
             erasures)",
            time(at)
        )?;
        return Ok(());
    }
    if consents.is_empty() {
        writeln!(out, "{subject} has no consent recorded")?;
        return Ok(());
    }
    let width = consents
        .iter()
        .map(|c| c.purpose.len())
        .max()
        .unwrap_or(0)
        .max("PURPOSE".len());
    writeln!(out, "{:<width$}  {:<9}  CONSENT", "PURPOSE", "STATE")?;
    for c in &consents {
        let state = if c.is_active() {
            "standing"
        } else {
            "withdrawn"
        };
        writeln!(
            out,
            "{:<width$}  {state:<9}  {}",
            c.purpose,
            consent_text(c)
        )?;
    }
    Ok(())
}
