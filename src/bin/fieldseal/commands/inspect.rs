//! `fieldseal inspect`: what a sealed value's header says, without any key.

use std::io::{self, BufRead as _, IsTerminal as _, Write};

use fieldseal::format::FORMAT_VERSION;
use fieldseal::{AnyPurposes, Error, Json, Plaintext, Sealed, Suite};
use serde_json::{Value, json};

use crate::args::InspectArgs;
use crate::failure::{Exit, Failure, Outcome};

/// What a value's header says.
struct Header {
    suite: Suite,
    type_name: &'static str,
    size: usize,
    parts: Vec<(String, u32)>,
}

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
///
/// The library checks a value whole only as a given plaintext type, so each type is tried in
/// turn: every other type stops at the type check, before anything is decrypted.
fn inspect(text: &str) -> fieldseal::Result<Header> {
    let text = text.trim();
    let text = text
        .strip_prefix('"')
        .and_then(|t| t.strip_suffix('"'))
        .unwrap_or(text);
    as_type::<String>(text)
        .or_else(|| as_type::<Vec<u8>>(text))
        .or_else(|| as_type::<bool>(text))
        .or_else(|| as_type::<u8>(text))
        .or_else(|| as_type::<u16>(text))
        .or_else(|| as_type::<u32>(text))
        .or_else(|| as_type::<u64>(text))
        .or_else(|| as_type::<u128>(text))
        .or_else(|| as_type::<i8>(text))
        .or_else(|| as_type::<i16>(text))
        .or_else(|| as_type::<i32>(text))
        .or_else(|| as_type::<i64>(text))
        .or_else(|| as_type::<i128>(text))
        .or_else(|| as_type::<Json<Value>>(text))
        // Not reached: the parser refuses a type byte it does not know before the type check.
        .unwrap_or(Err(Error::UnknownPlaintextType { found: 0 }))
}

/// `None` if the value holds another type than `T`.
fn as_type<T: Plaintext>(text: &str) -> Option<fieldseal::Result<Header>> {
    match Sealed::<T, AnyPurposes>::from_text(text) {
        Ok(sealed) => Some(Ok(Header {
            suite: sealed.suite(),
            type_name: T::TYPE_NAME,
            size: sealed.as_bytes().len(),
            parts: sealed
                .key_versions()
                .into_iter()
                .map(|(purpose, version)| (purpose.name().to_owned(), version))
                .collect(),
        })),
        Err(Error::TypeMismatch { .. }) => None,
        Err(e) => Some(Err(e)),
    }
}

fn write_text(out: &mut dyn Write, header: &Header) -> Outcome {
    writeln!(out, "format version  {FORMAT_VERSION}")?;
    writeln!(out, "suite           {}", header.suite)?;
    writeln!(out, "plaintext type  {}", header.type_name)?;
    writeln!(out, "size            {} bytes", header.size)?;
    writeln!(out, "purposes        {}", header.parts.len())?;
    let width = header.parts.iter().map(|(p, _)| p.len()).max().unwrap_or(0);
    for (purpose, version) in &header.parts {
        writeln!(out, "  {purpose:<width$}  key version {version}")?;
    }
    Ok(())
}

fn to_json(header: &Header) -> Value {
    let purposes: Vec<Value> = header
        .parts
        .iter()
        .map(|(purpose, version)| json!({ "purpose": purpose, "key_version": version }))
        .collect();
    json!({
        "format_version": FORMAT_VERSION,
        "suite": header.suite.name(),
        "suite_id": header.suite.id(),
        "plaintext_type": header.type_name,
        "size": header.size,
        "purposes": purposes,
    })
}
