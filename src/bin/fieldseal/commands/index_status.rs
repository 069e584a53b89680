//! `fieldseal index status NAME --column COLUMN --input FILE`: how far an index's migration has
//! come in stored records, counted from the terms alone (FORMAT.md §16.4).

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::Path;

use fieldseal::bulk::count_terms;
use fieldseal::index::IndexVersionState;

use crate::args::IndexStatusArgs;
use crate::commands::KeyringFile;
use crate::failure::{Exit, Failure, Outcome};

pub(crate) fn run(file: &KeyringFile, args: &IndexStatusArgs, out: &mut dyn Write) -> Outcome {
    let input = args.input.as_deref().filter(|p| *p != Path::new("-"));
    let from = input.map_or_else(|| "standard input".to_owned(), |p| p.display().to_string());
    let mut reader: Box<dyn BufRead> = match input {
        Some(path) => Box::new(BufReader::new(File::open(path).map_err(|e| {
            Failure::new(Exit::Failure, format!("cannot read {from}: {e}"))
        })?)),
        None => Box::new(io::stdin().lock()),
    };
    let (keyring, _) = file.load()?;
    let Some(index) = keyring.index(&args.name) else {
        let e = keyring.index_key(&args.name).err();
        return Err(match e {
            Some(e) => Failure::lib(format_args!("cannot count index `{}`", args.name), &e),
            None => Failure::new(Exit::Failure, format!("no index `{}`", args.name)),
        });
    };
    let columns: Vec<&str> = args.columns.iter().map(String::as_str).collect();
    let census = count_terms(&mut *reader, &columns)
        .map_err(|e| Failure::lib(format_args!("cannot count the terms of {from}"), &e))?;
    let current = index.current_version();
    writeln!(
        out,
        "index `{}` in {from}: {} records, column(s) {}",
        args.name,
        census.records,
        columns.join(", ")
    )?;
    for (version, count) in &census.versions {
        let state = index
            .version(*version)
            .map_or("unknown to this keyring", |v| v.state.name());
        let label = format!("version {version}");
        writeln!(out, "  {label:<14} {state:<24} {count}")?;
    }
    writeln!(
        out,
        "  {:<14} {:<24} {}",
        "null", "no value to index", census.null
    )?;
    writeln!(
        out,
        "  {:<14} {:<24} {}",
        "missing", "no term yet", census.missing
    )?;
    let left = census.left_for(current);
    let live = index
        .versions
        .iter()
        .any(|v| v.state == IndexVersionState::Live);
    if left == 0 {
        writeln!(
            out,
            "every term is of the current version {current}: nothing is left to recompute{}",
            if live {
                format!(
                    "; once every file and table holding the index says so, finish the migration \
                     (fieldseal index finish {} --yes)",
                    args.name
                )
            } else {
                String::new()
            }
        )?;
    } else {
        writeln!(
            out,
            "left to recompute: {left} (terms of other versions than the current {current}, and \
             missing ones); finishing the migration now would stop those rows from being found: \
             recompute them first (fieldseal reseal ... --index COLUMN={}@FIELDS)",
            args.name
        )?;
    }
    Ok(())
}
