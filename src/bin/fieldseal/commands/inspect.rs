//! `fieldseal inspect`: what a sealed value's header says, without any key.

use std::io::{self, BufRead, IsTerminal as _, Read as _, Write};

use fieldseal::Inspection;
use fieldseal::bulk::MAX_LINE;
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
            crate::stderr::line(format_args!(
                "note: reading values from the terminal, one a line; end with Ctrl-D"
            ));
        }
        let mut stdin = io::stdin().lock();
        let mut line = String::new();
        for line_no in 1.. {
            if !read_value_line(&mut stdin, &mut line, line_no)? {
                break;
            }
            if !line.trim().is_empty() {
                show(&line, &|| format!("the value on line {line_no}"))?;
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

/// Reads line `line_no` of standard input into `line`: `false` at the end. A line is read up to
/// [`MAX_LINE`] bytes (16 MiB, as `reseal` and `scan` read), never without bound.
fn read_value_line(input: &mut dyn BufRead, line: &mut String, line_no: u64) -> Outcome<bool> {
    line.clear();
    let n = input
        .take(MAX_LINE as u64 + 1)
        .read_line(line)
        .map_err(|e| Failure::new(Exit::Failure, format!("cannot read standard input: {e}")))?;
    if n > MAX_LINE {
        return Err(Failure::new(
            Exit::Failure,
            format!(
                "cannot inspect the value on line {line_no}: the line is longer than {MAX_LINE} \
                 bytes, or has no line end; give one sealed value a line"
            ),
        ));
    }
    Ok(n > 0)
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
    writeln!(out, "key mode        {}", header.mode.name())?;
    writeln!(out, "plaintext type  {}", header.plaintext_type)?;
    writeln!(out, "plaintext size  {} bytes", header.plaintext_len)?;
    writeln!(out, "purposes        {}", header.parts.len())?;
    let width = header.parts.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
    let label = match header.mode {
        fieldseal::KeyMode::Subject => "data key generation",
        _ => "key version",
    };
    for (purpose, version) in &header.parts {
        writeln!(out, "  {purpose:<width$}  {label} {version}")?;
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
        "key_mode": header.mode.name(),
        "plaintext_type": header.plaintext_type,
        "plaintext_size": header.plaintext_len,
        "purposes": purposes,
    })
}
