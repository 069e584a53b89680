//! Re-sealing a JSON Lines file of records: in parallel, in order, resumable.

use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Read as _, Seek as _, SeekFrom, Write};
use std::path::{Path, PathBuf};

use serde_json::Value;

use crate::bulk::batch::run_batch;
use crate::bulk::layout::{Counts, RecordLayout, Reseal};
use crate::error::{Error, Result};

use crate::bulk::batch::BATCH;

/// Where a run stands.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Summary {
    /// Records written by this run.
    pub records: u64,
    /// Records skipped because an interrupted run had written them already.
    pub resumed: u64,
    /// Input bytes consumed, resumed records included.
    pub bytes_read: u64,
    /// Values re-sealed and values already current, in this run's records.
    pub values: Counts,
}

/// Re-seals every record of `input` (one JSON object per line) into `output`, in order, after
/// skipping the first `skip` lines. Records are re-sealed on `threads` threads, a batch at a time;
/// `progress` is called after each batch. A record with nothing to re-seal is written back
/// byte for byte; a changed one is written as compact JSON. Blank lines are kept.
///
/// # Errors
/// [`Error::AtLine`] for the first record that fails (everything before it is written), and
/// [`Error::Io`].
pub fn reseal_jsonl(
    keys: &dyn Reseal,
    layout: &RecordLayout,
    input: &mut dyn BufRead,
    output: &mut dyn Write,
    skip: u64,
    threads: usize,
    progress: &mut dyn FnMut(&Summary),
) -> Result<Summary> {
    let mut summary = Summary::default();
    let mut line_no = 0u64;
    let mut batch: Vec<String> = Vec::with_capacity(BATCH);
    loop {
        batch.clear();
        let mut eof = false;
        while batch.len() < BATCH {
            let mut line = String::new();
            let n = input
                .read_line(&mut line)
                .map_err(|e| io_error("read the input", e))?;
            if n == 0 {
                eof = true;
                break;
            }
            summary.bytes_read += n as u64;
            line_no += 1;
            if line_no <= skip {
                summary.resumed += 1;
                continue;
            }
            batch.push(line);
        }
        let first_line = line_no - batch.len() as u64 + 1;
        let results = run_batch(&mut batch, threads, |line| {
            reseal_line(keys, layout, line.as_str())
        });
        for (i, result) in results.into_iter().enumerate() {
            let (text, counts) = match result {
                Ok(done) => done,
                Err(e) => {
                    output
                        .flush()
                        .map_err(|e| io_error("write the output", e))?;
                    return Err(Error::AtLine {
                        line: first_line + i as u64,
                        source: Box::new(e),
                    });
                }
            };
            output
                .write_all(text.as_bytes())
                .map_err(|e| io_error("write the output", e))?;
            summary.records += 1;
            summary.values += counts;
        }
        progress(&summary);
        if eof {
            break;
        }
    }
    output
        .flush()
        .map_err(|e| io_error("write the output", e))?;
    Ok(summary)
}

type Outcome = Result<(String, Counts)>;

/// One line, re-sealed, with its line ending.
fn reseal_line(keys: &dyn Reseal, layout: &RecordLayout, line: &str) -> Outcome {
    let body = line.trim_end_matches(['\n', '\r']);
    if body.trim().is_empty() {
        return Ok((line.to_owned(), Counts::default()));
    }
    let mut record: Value = serde_json::from_str(body).map_err(|e| Error::BadRecord {
        reason: format!("not JSON: {e}"),
    })?;
    let counts = layout.reseal(keys, &mut record)?;
    if counts.resealed == 0 {
        return Ok((ensure_newline(line), counts));
    }
    let mut out = serde_json::to_string(&record).map_err(|e| Error::BadRecord {
        reason: format!("cannot write JSON: {e}"),
    })?;
    out.push('\n');
    Ok((out, counts))
}

fn ensure_newline(line: &str) -> String {
    let mut out = line.to_owned();
    if !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

/// [`reseal_jsonl`] from a file (or standard input, for `None`) to a new file, resumable.
///
/// Writes to `<output>.partial` and renames it to `output` once every record is written and
/// synced. If `<output>.partial` exists, an earlier run was interrupted: its complete lines are
/// kept, as many input lines are skipped, and the run goes on from there. An existing `output`
/// is never overwritten.
///
/// # Errors
/// As [`reseal_jsonl`]; [`Error::Io`] if `output` exists.
pub fn reseal_jsonl_file(
    keys: &dyn Reseal,
    layout: &RecordLayout,
    input: Option<&Path>,
    output: &Path,
    threads: usize,
    progress: &mut dyn FnMut(&Summary),
) -> Result<Summary> {
    if output.exists() {
        return Err(io_error(
            &format!("write {}", output.display()),
            io::Error::new(
                io::ErrorKind::AlreadyExists,
                "it exists already; remove it or choose another output",
            ),
        ));
    }
    let partial = partial_path(output);
    let skip = keep_complete_lines(&partial)?;
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(&partial)
        .map_err(|e| io_error(&format!("open {}", partial.display()), e))?;
    let mut writer = BufWriter::new(file);
    let summary = match input {
        Some(path) => {
            let file =
                File::open(path).map_err(|e| io_error(&format!("open {}", path.display()), e))?;
            reseal_jsonl(
                keys,
                layout,
                &mut BufReader::new(file),
                &mut writer,
                skip,
                threads,
                progress,
            )
        }
        None => reseal_jsonl(
            keys,
            layout,
            &mut io::stdin().lock(),
            &mut writer,
            skip,
            threads,
            progress,
        ),
    };
    let file = writer
        .into_inner()
        .map_err(|e| io_error("write the output", e.into_error()))?;
    file.sync_all()
        .map_err(|e| io_error(&format!("fsync {}", partial.display()), e))?;
    let summary = summary?;
    fs::rename(&partial, output)
        .map_err(|e| io_error(&format!("rename {} into place", partial.display()), e))?;
    Ok(summary)
}

/// `<output>.partial`.
pub fn partial_path(output: &Path) -> PathBuf {
    let mut name = output.as_os_str().to_owned();
    name.push(".partial");
    PathBuf::from(name)
}

/// Cuts an interrupted run's output after its last complete line; returns how many lines it has.
#[allow(
    clippy::naive_bytecount,
    reason = "once per resumed run: not worth the bytecount crate"
)]
fn keep_complete_lines(partial: &Path) -> Result<u64> {
    let mut file = match OpenOptions::new().read(true).write(true).open(partial) {
        Ok(f) => f,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(0),
        Err(e) => return Err(io_error(&format!("open {}", partial.display()), e)),
    };
    let mut bytes = Vec::new();
    file.read_to_end(&mut bytes)
        .map_err(|e| io_error(&format!("read {}", partial.display()), e))?;
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    file.set_len(complete as u64)
        .and_then(|()| file.seek(SeekFrom::End(0)).map(drop))
        .map_err(|e| io_error(&format!("truncate {}", partial.display()), e))?;
    Ok(bytes[..complete].iter().filter(|&&b| b == b'\n').count() as u64)
}

fn io_error(action: &str, source: io::Error) -> Error {
    Error::Io {
        action: action.to_owned(),
        source,
    }
}
