//! `fieldseal vault forget`: the right to erasure. Every data key and consent of each subject is
//! destroyed, and the receipt the erasure log keeps is printed.

use std::io::{self, BufRead as _, IsTerminal as _, Write};

use fieldseal::vault::KeyVault;
use serde_json::json;

use crate::args::ForgetArgs;
use crate::commands::vault::VaultFile;
use crate::commands::vault::show::{names, receipt_json, time};
use crate::failure::{Exit, Failure, Outcome};

pub(crate) fn run(file: &VaultFile, args: &ForgetArgs, json: bool, out: &mut dyn Write) -> Outcome {
    let subjects: Vec<String> = args.subjects.iter().map(ToString::to_string).collect();
    // Whatever can fail before the question fails before it.
    let keys = file.admin(None)?;
    if !args.yes {
        confirm(&subjects)?;
    }
    let mut receipts = Vec::new();
    for (subject, shown) in args.subjects.iter().zip(&subjects) {
        let failed = |e: &fieldseal::Error| {
            let done = if receipts.is_empty() {
                String::new()
            } else {
                format!(
                    " ({} forgotten before it: {})",
                    receipts.len(),
                    names(&subjects[..receipts.len()])
                )
            };
            Failure::lib(
                format_args!("cannot forget {shown} in {}{done}", file.what()),
                e,
            )
        };
        let before = keys
            .vault()
            .read(subject.as_bytes(), &[])
            .map_err(|e| failed(&e))?
            .erased;
        let receipt = keys.forget(&subject.subject()).map_err(|e| failed(&e))?;
        receipts.push((receipt, before.is_some()));
    }
    file.checkpoint(keys.vault());
    if json {
        let document = json!({
            "forgotten": receipts.iter().map(|(r, earlier)| {
                let mut receipt = receipt_json(r);
                receipt["forgotten_before"] = json!(earlier);
                receipt
            }).collect::<Vec<_>>(),
        });
        writeln!(out, "{document}")?;
        return Ok(());
    }
    for ((receipt, earlier), shown) in receipts.iter().zip(&subjects) {
        if *earlier {
            writeln!(
                out,
                "{shown} was forgotten before, at {}; its receipt:",
                time(receipt.at)
            )?;
        } else {
            writeln!(out, "forgot {shown}; receipt for the erasure log:")?;
        }
        writeln!(out, "  subject          {shown}")?;
        writeln!(out, "  at               {}", time(receipt.at))?;
        writeln!(out, "  purposes         {}", names(&receipt.purposes))?;
        writeln!(out, "  entries removed  {}", receipt.entries_removed)?;
        if !*earlier && receipt.entries_removed == 0 {
            // Not an error (an erasure of someone never sealed for stands), but often a wrong id.
            writeln!(
                out,
                "  the vault held no data key or consent for {shown}: if they have data, check \
                 the id's form (a number is an integer id; a string id is str:ID, a UUID uuid:ID)"
            )?;
        }
    }
    writeln!(
        out,
        "none of their data opens any more, from any copy, and nothing can be sealed for them \
         again (services notice within their cache's time to live); backups of the vault taken \
         before still hold their keys: see README, \"What a destroyed key leaves behind\""
    )?;
    Ok(())
}

/// Asks at the terminal; refuses without one.
fn confirm(subjects: &[String]) -> Outcome {
    let warning = format!(
        "forgetting {} destroys every data key and consent of {} for good: none of their data \
         will open again, from any copy",
        names(subjects),
        if subjects.len() == 1 { "it" } else { "them" }
    );
    if !(io::stdin().is_terminal() && io::stderr().is_terminal()) {
        return Err(Failure::new(
            Exit::Refused,
            format!("{warning}; run again with --yes to forget; nothing changed"),
        ));
    }
    let expected = "forget";
    crate::stderr::ask(format_args!("{warning}.\nType `{expected}` to go on: "));
    let mut answer = String::new();
    io::stdin()
        .lock()
        .read_line(&mut answer)
        .map_err(|e| Failure::new(Exit::Failure, format!("cannot read the answer: {e}")))?;
    if answer.trim() == expected {
        Ok(())
    } else {
        Err(Failure::new(
            Exit::Refused,
            "not confirmed; nothing changed",
        ))
    }
}
