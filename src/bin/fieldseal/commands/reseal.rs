//! `fieldseal reseal`: a JSON Lines file of records, moved to the active key version.

use std::io::{IsTerminal as _, Write};
use std::path::Path;

use fieldseal::bulk::{interrupted_run, partial_path, reseal_jsonl_file};

use crate::args::ResealArgs;
use crate::commands::layout::{index_columns, layout};
use crate::commands::{KeyringFile, refuse_existing};
use crate::failure::{Exit, Failure, Outcome};
use crate::progress::Progress;

pub(crate) fn run(file: &KeyringFile, args: &ResealArgs, out: &mut dyn Write) -> Outcome {
    let input = args.input.as_deref().filter(|p| *p != Path::new("-"));
    let from = input.map_or_else(|| "standard input".to_owned(), |p| p.display().to_string());
    // Everything that can be checked before asking for the keyring's secret.
    refuse_existing(
        &args.out,
        "reseal never overwrites a file; choose another --out, or remove it",
    )?;
    let input_len = match input {
        Some(path) => Some(
            path.metadata()
                .map_err(|e| Failure::new(Exit::Failure, format!("cannot read {from}: {e}")))?
                .len(),
        ),
        None => None,
    };
    // Checked before the secret is asked for; the index columns need the keyring.
    layout(args, &[])?;
    // What an interrupted run left, checked as the run will check it: the note below and what
    // the run does agree, and a refusal comes before the secret is asked for.
    let interrupted = interrupted_run(&args.out).map_err(|e| {
        Failure::lib(
            format_args!("cannot re-seal {from} into {}", args.out.display()),
            &e,
        )
    })?;
    let (mut keyring, _) = file.load()?;
    file.audit_at_end(&mut keyring)?;
    let layout = layout(args, &index_columns(args, &keyring)?)?;
    if input.is_none() && std::io::stdin().is_terminal() {
        crate::stderr::line(format_args!(
            "note: reading records from the terminal; end with Ctrl-D"
        ));
    }
    let partial = partial_path(&args.out);
    match interrupted {
        Some(run) if run.lines > 0 => crate::stderr::line(format_args!(
            "note: resuming the interrupted run in {} after its {} lines (checked: the input \
             must start with the lines it re-sealed)",
            partial.display(),
            run.lines
        )),
        Some(_) => crate::stderr::line(format_args!(
            "note: {} holds no finished batch of an interrupted run: starting over",
            partial.display()
        )),
        None => {}
    }
    let threads = args.threads.map_or_else(
        || std::thread::available_parallelism().map_or(1, std::num::NonZero::get),
        std::num::NonZero::get,
    );
    let progress = input_len.map_or_else(Progress::spinner, Progress::bytes);
    let result = reseal_jsonl_file(
        &keyring,
        &layout,
        input,
        &args.out,
        threads,
        &mut |summary| progress.update(summary),
    );
    progress.finish();
    let summary = result.map_err(|e| {
        Failure::lib(
            format_args!("cannot re-seal {from} into {}", args.out.display()),
            &e,
        )
    })?;
    writeln!(
        out,
        "re-sealed {from} into {} under key version {}",
        args.out.display(),
        keyring.active_version()
    )?;
    writeln!(out, "records:                {}", summary.records)?;
    writeln!(out, "values re-sealed:       {}", summary.values.resealed)?;
    writeln!(out, "values already current: {}", summary.values.current)?;
    writeln!(out, "records resumed:        {}", summary.resumed)?;
    if !args.indexes.is_empty() {
        let counts = &summary.values;
        writeln!(out, "index terms recomputed: {}", counts.terms_recomputed)?;
        writeln!(out, "index terms current:    {}", counts.terms_current)?;
        writeln!(out, "index terms kept stale: {}", counts.terms_kept)?;
    }
    if let Some(line) = summary.first_kept {
        writeln!(
            out,
            "{} index term(s) could not be recomputed, the first on line {line}: a field they \
             read did not open with this keyring or no longer normalizes (a value moved from \
             another row or damaged); those rows stay on the old index version, and finishing \
             the index's migration now would stop them from being found",
            summary.values.terms_kept
        )?;
    }
    if summary.resumed > 0 {
        writeln!(
            out,
            "resumed {} records written by an interrupted run; the counts above are for the \
             records written now",
            summary.resumed
        )?;
    }
    Ok(())
}
