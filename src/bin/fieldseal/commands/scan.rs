//! `fieldseal scan`: sealed values counted by purpose and key version, without keys.

use std::fs::File;
use std::io::{self, BufReader, Write};
use std::path::Path;

use fieldseal::bulk::scan_jsonl;
use serde_json::json;

use crate::args::ScanArgs;
use crate::failure::{Exit, Failure, Outcome};

pub(crate) fn run(args: &ScanArgs, out: &mut dyn Write) -> Outcome {
    let input = args.input.as_deref().filter(|p| *p != Path::new("-"));
    let counts = match input {
        Some(path) => {
            let file = File::open(path).map_err(|e| {
                Failure::new(
                    Exit::Failure,
                    format!("cannot read {}: {e}", path.display()),
                )
            })?;
            scan_jsonl(&mut BufReader::new(file))
        }
        None => scan_jsonl(&mut io::stdin().lock()),
    }
    .map_err(|e| Failure::lib("cannot scan", &e))?;
    if args.json {
        let rows: Vec<_> = counts
            .iter()
            .map(|((purpose, version), n)| {
                json!({ "purpose": purpose, "key_version": version, "values": n })
            })
            .collect();
        writeln!(out, "{}", json!({ "counts": rows }))?;
        return Ok(());
    }
    if counts.is_empty() {
        writeln!(out, "no sealed value found")?;
        return Ok(());
    }
    let width = counts
        .keys()
        .map(|(p, _)| p.len())
        .max()
        .unwrap_or(0)
        .max("PURPOSE".len());
    writeln!(out, "{:<width$}  {:<11}  VALUES", "PURPOSE", "KEY VERSION")?;
    for ((purpose, version), n) in &counts {
        writeln!(out, "{purpose:<width$}  {version:<11}  {n}")?;
    }
    Ok(())
}
