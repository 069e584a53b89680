//! `fieldseal inspect`: what a sealed value's header says, without any key.

use std::io::{self, BufRead as _, IsTerminal as _, Write};

use fieldseal::Inspection;
use serde_json::{Value, json};

use crate::args::InspectArgs;
use crate::failure::{Exit, Failure, Outcome};

pub(crate) fn run(args: &InspectArgs, out: &mut dyn Write) -> Outcome {
    let mut shown = 0usize;
    let mut show = |text: &str, origin: &dyn Fn() -> String| -> Outcome {
        let header = inspect(text)
            .map_err(|e| Failure::lib(format_args!("cannot inspect {}", origin()), &e))?;
        if args.json {
            writeln!(out, "{}", to_json(&header))?;
        } else {
            if shown > 0 {
                writeln!(out)?;
            }
            write_text(out, &header)?;
        }
        shown += 1;
        Ok(())
    };
    if args.values.is_empty() {
        if io::stdin().is_terminal() {
            eprintln!("note: reading values from the terminal, one a line; end with Ctrl-D");
        }
        for (index, line) in io::stdin().lock().lines().enumerate() {
            let line = line.map_err(|e| {
                Failure::new(Exit::Failure, format!("cannot read standard input: {e}"))
            })?;
            if !line.trim().is_empty() {
                show(&line, &|| format!("the value on line {}", index + 1))?;
            }
        }
    } else {
        for (index, value) in args.values.iter().enumerate() {
            show(value, &|| format!("value {}", index + 1))?;
        }
    }
    if shown == 0 {
        return Err(Failure::new(
            Exit::Usage,
            "no value to inspect: give values as arguments, or one per line on standard input",
        ));
    }
    Ok(())
}

/// The header of a text-form value. Surrounding white space and JSON quotes are dropped.
fn inspect(text: &str) -> fieldseal::Result<Inspection> {
    let text = text.trim();
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    Inspection::of_text(text)
}

fn write_text(out: &mut dyn Write, header: &Inspection) -> Outcome {
    writeln!(out, "format version  {}", header.version)?;
    writeln!(out, "suite           {}", header.suite)?;
    writeln!(out, "plaintext type  {}", header.plaintext_type)?;
    writeln!(out, "plaintext size  {} bytes", header.plaintext_len)?;
    writeln!(out, "purposes        {}", header.parts.len())?;
    let width = header.parts.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
    for (purpose, version) in &header.parts {
        writeln!(out, "  {purpose:<width$}  key version {version}")?;
    }
    Ok(())
}

fn to_json(header: &Inspection) -> Value {
    let purposes: Vec<Value> = header
        .parts
        .iter()
        .map(|(purpose, version)| json!({ "purpose": purpose, "key_version": version }))
        .collect();
    json!({
        "format_version": header.version,
        "suite": header.suite.name(),
        "suite_id": header.suite.id(),
        "plaintext_type": header.plaintext_type,
        "plaintext_size": header.plaintext_len,
        "purposes": purposes,
    })
}
