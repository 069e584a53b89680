//! Re-sealing a JSON Lines file of records: in parallel, in order, resumable.
//!
//! A resumable run writes `<out>.partial` and, after every batch, a checkpoint
//! `<out>.partial.progress`: how many input lines are done and the SHA-256 of those lines. A run
//! that finds them keeps the partial output's first lines, checks that the input starts with the
//! same lines, and goes on from there.

use std::borrow::Cow;
use std::fs::{self, File, OpenOptions};
use std::io::{self, BufRead, BufReader, BufWriter, Write};
use std::path::{Path, PathBuf};

use sha2::{Digest as _, Sha256};

use crate::bulk::batch::{BATCH, run_batch};
use crate::bulk::layout::{Counts, RecordLayout, Reseal};
use crate::bulk::lines::read_line;
use crate::error::{Error, Result};

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
/// `progress` is called after each batch. Only the sealed strings of a record change: every other
/// byte of the line (numbers as written, escapes, key order, white space, its line ending) is
/// copied, and a record with nothing to re-seal is written back byte for byte
/// ([`RecordLayout::reseal`]). Blank lines are kept; a last line without an ending gets `\n`.
/// Lines longer than [`MAX_LINE`](crate::bulk::MAX_LINE) are refused.
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
    let mut run = Run {
        input,
        consumed: Sha256::new(),
        line_no: 0,
        summary: Summary::default(),
    };
    run.skip(skip)?;
    run.reseal(keys, layout, output, threads, progress, &mut |_, _| Ok(()))
}

/// Reading state: lines consumed so far and their hash.
struct Run<'a> {
    input: &'a mut dyn BufRead,
    consumed: Sha256,
    line_no: u64,
    summary: Summary,
}

impl Run<'_> {
    /// The next line with its ending, `None` at the end of the input.
    fn next_line(&mut self) -> Result<Option<String>> {
        let mut line = String::new();
        let n = read_line(self.input, &mut line, self.line_no + 1)?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        self.summary.bytes_read += n as u64;
        Ok(Some(line))
    }

    /// Skips `count` lines, already done by an earlier run.
    fn skip(&mut self, count: u64) -> Result<()> {
        while self.line_no < count {
            let Some(line) = self.next_line()? else {
                return Err(Error::BadRecord {
                    reason: format!(
                        "the input has {} lines, but the interrupted run had done {count}: it is \
                         not the same input",
                        self.line_no
                    ),
                });
            };
            self.consumed.update(line.as_bytes());
            self.summary.resumed += 1;
        }
        Ok(())
    }

    /// Re-seals the rest of the input; `checkpoint(lines, hash)` runs after each batch is written.
    fn reseal(
        &mut self,
        keys: &dyn Reseal,
        layout: &RecordLayout,
        output: &mut dyn Write,
        threads: usize,
        progress: &mut dyn FnMut(&Summary),
        checkpoint: &mut dyn FnMut(u64, [u8; 32]) -> Result<()>,
    ) -> Result<Summary> {
        let mut batch: Vec<String> = Vec::with_capacity(BATCH);
        loop {
            batch.clear();
            let mut eof = false;
            while batch.len() < BATCH {
                let Some(line) = self.next_line()? else {
                    eof = true;
                    break;
                };
                batch.push(line);
            }
            let first_line = self.line_no - batch.len() as u64 + 1;
            let results = run_batch(&mut batch, threads, |line| {
                reseal_line(keys, layout, line.as_str())
            });
            for (i, (result, line)) in results.into_iter().zip(&batch).enumerate() {
                let (new, counts) = match result {
                    Ok(done) => done,
                    Err(e) => {
                        // What is written is checkpointed: a rerun resumes at the failed line.
                        output
                            .flush()
                            .map_err(|e| io_error("write the output", e))?;
                        let done = first_line - 1 + i as u64;
                        checkpoint(done, self.consumed.clone().finalize().into())?;
                        return Err(Error::AtLine {
                            line: done + 1,
                            source: Box::new(e),
                        });
                    }
                };
                let written = match &new {
                    Some(text) => output.write_all(text.as_bytes()),
                    None if line.ends_with('\n') => output.write_all(line.as_bytes()),
                    None => output
                        .write_all(line.as_bytes())
                        .and_then(|()| output.write_all(b"\n")),
                };
                written.map_err(|e| io_error("write the output", e))?;
                self.consumed.update(line.as_bytes());
                self.summary.records += 1;
                self.summary.values += counts;
            }
            output
                .flush()
                .map_err(|e| io_error("write the output", e))?;
            checkpoint(self.line_no, self.consumed.clone().finalize().into())?;
            progress(&self.summary);
            if eof {
                return Ok(self.summary);
            }
        }
    }
}

/// A line re-sealed: its new text with a line ending, or `None` to write it as it was.
pub(crate) type Outcome = Result<(Option<String>, Counts)>;

/// One line, re-sealed by splicing (only its sealed strings change, its line ending stays).
pub(crate) fn reseal_line(keys: &dyn Reseal, layout: &RecordLayout, line: &str) -> Outcome {
    if line.trim().is_empty() {
        return Ok((None, Counts::default()));
    }
    match layout.reseal(keys, line)? {
        (Cow::Borrowed(_), counts) => Ok((None, counts)),
        (Cow::Owned(mut text), counts) => {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            Ok((Some(text), counts))
        }
    }
}

/// [`reseal_jsonl`] from a file (or standard input, for `None`) to a new file, resumable.
///
/// Writes to `<output>.partial` and, once every record is written and synced, moves it to
/// `output` (never replacing an existing file). After each batch it records in
/// `<output>.partial.progress` how many input lines are done and their SHA-256. If those two files
/// exist, an earlier run was interrupted: the partial output is cut back to the recorded lines,
/// the input must start with the same lines (checked), and the run goes on after them.
///
/// # Errors
/// As [`reseal_jsonl`]; [`Error::Io`] if `output` exists; [`Error::BadRecord`] if the input is
/// not the interrupted run's or the partial output has no checkpoint.
pub fn reseal_jsonl_file(
    keys: &dyn Reseal,
    layout: &RecordLayout,
    input: Option<&Path>,
    output: &Path,
    threads: usize,
    progress: &mut dyn FnMut(&Summary),
) -> Result<Summary> {
    if output.exists() {
        return Err(exists(output));
    }
    let partial = partial_path(output);
    let checkpoint_path = checkpoint_path(output);
    let resume = read_checkpoint(&partial, &checkpoint_path)?;
    // Append mode: after the cut below, writes go to the new end wherever the reads left off.
    let file = OpenOptions::new()
        .create(true)
        .read(true)
        .append(true)
        .open(&partial)
        .map_err(|e| io_error(&format!("open {}", partial.display()), e))?;
    let (done_lines, done_hash) = resume.unwrap_or((0, None));
    let kept = cut_after_lines(&file, done_lines)
        .map_err(|e| io_error(&format!("read {}", partial.display()), e))?;
    if kept < done_lines {
        return Err(Error::BadRecord {
            reason: format!(
                "{} holds {kept} complete lines but its checkpoint says {done_lines}; remove both \
                 files to start over",
                partial.display()
            ),
        });
    }
    let mut writer = BufWriter::new(file);
    let stdin = io::stdin();
    let mut reader: Box<dyn BufRead> = match input {
        Some(path) => Box::new(BufReader::new(
            File::open(path).map_err(|e| io_error(&format!("open {}", path.display()), e))?,
        )),
        None => Box::new(stdin.lock()),
    };
    let mut run = Run {
        input: &mut *reader,
        consumed: Sha256::new(),
        line_no: 0,
        summary: Summary::default(),
    };
    run.skip(done_lines)?;
    if let Some(expected) = done_hash {
        if <[u8; 32]>::from(run.consumed.clone().finalize()) != expected {
            return Err(Error::BadRecord {
                reason: format!(
                    "the input's first {done_lines} lines differ from those the interrupted run \
                     re-sealed into {}: give it the same input, or remove that file and its \
                     .progress to start over",
                    partial.display()
                ),
            });
        }
    }
    let summary = run.reseal(
        keys,
        layout,
        &mut writer,
        threads,
        progress,
        &mut |lines, hash| {
            writer_sync(&partial)?;
            write_checkpoint(&checkpoint_path, lines, &hash)
        },
    );
    let file = writer
        .into_inner()
        .map_err(|e| io_error("write the output", e.into_error()))?;
    file.sync_all()
        .map_err(|e| io_error(&format!("fsync {}", partial.display()), e))?;
    let summary = summary?;
    publish(&partial, output)?;
    let _ = fs::remove_file(&checkpoint_path); // the output is complete without it
    Ok(summary)
}

/// `<output>.partial`.
pub fn partial_path(output: &Path) -> PathBuf {
    with_suffix(output, ".partial")
}

/// `<output>.partial.progress`.
pub fn checkpoint_path(output: &Path) -> PathBuf {
    with_suffix(output, ".partial.progress")
}

fn with_suffix(path: &Path, suffix: &str) -> PathBuf {
    let mut name = path.as_os_str().to_owned();
    name.push(suffix);
    PathBuf::from(name)
}

/// The interrupted run's checkpoint: lines done and their hash. `None` for a fresh start.
fn read_checkpoint(partial: &Path, checkpoint: &Path) -> Result<Option<(u64, Option<[u8; 32]>)>> {
    let text = match fs::read_to_string(checkpoint) {
        Ok(text) => text,
        Err(e) if e.kind() == io::ErrorKind::NotFound => {
            if partial.exists() && fs::metadata(partial).is_ok_and(|m| m.len() > 0) {
                return Err(Error::BadRecord {
                    reason: format!(
                        "{} exists without its checkpoint {}: remove it to start over",
                        partial.display(),
                        checkpoint.display()
                    ),
                });
            }
            return Ok(None);
        }
        Err(e) => return Err(io_error(&format!("read {}", checkpoint.display()), e)),
    };
    let bad = || Error::BadRecord {
        reason: format!(
            "{} is not a reseal checkpoint: remove it and {} to start over",
            checkpoint.display(),
            partial.display()
        ),
    };
    let mut lines = text.lines();
    let count = lines
        .next()
        .and_then(|l| l.strip_prefix("lines "))
        .and_then(|n| n.parse::<u64>().ok())
        .ok_or_else(bad)?;
    let hash = lines
        .next()
        .and_then(|l| l.strip_prefix("sha256 "))
        .filter(|h| h.len() == 64)
        .and_then(|h| {
            let mut out = [0u8; 32];
            for (i, byte) in out.iter_mut().enumerate() {
                *byte = u8::from_str_radix(h.get(2 * i..2 * i + 2)?, 16).ok()?;
            }
            Some(out)
        })
        .ok_or_else(bad)?;
    Ok(Some((count, Some(hash))))
}

fn write_checkpoint(path: &Path, lines: u64, hash: &[u8; 32]) -> Result<()> {
    use std::fmt::Write as _;
    let mut text = format!("lines {lines}\nsha256 ");
    for b in hash {
        let _ = write!(text, "{b:02x}");
    }
    text.push('\n');
    let tmp = with_suffix(path, ".tmp");
    fs::write(&tmp, text)
        .and_then(|()| fs::rename(&tmp, path))
        .map_err(|e| io_error(&format!("write {}", path.display()), e))
}

/// Syncs the partial output to disk before its checkpoint says it holds a batch.
fn writer_sync(partial: &Path) -> Result<()> {
    File::open(partial)
        .and_then(|f| f.sync_data())
        .map_err(|e| io_error(&format!("fsync {}", partial.display()), e))
}

/// Cuts `file` after its first `lines` complete lines (or its last complete line, if fewer);
/// returns how many complete lines it keeps. Reads in blocks: a large partial output is fine.
fn cut_after_lines(file: &File, lines: u64) -> io::Result<u64> {
    let mut reader = BufReader::with_capacity(1 << 16, file);
    // `end`: just after the last complete line kept; `pos`: bytes consumed so far.
    let (mut kept, mut end, mut pos) = (0u64, 0u64, 0u64);
    while kept < lines {
        let buf = reader.fill_buf()?;
        if buf.is_empty() {
            break;
        }
        let mut used = buf.len();
        for (i, &b) in buf.iter().enumerate() {
            if b == b'\n' {
                kept += 1;
                end = pos + i as u64 + 1;
                if kept == lines {
                    used = i + 1;
                    break;
                }
            }
        }
        reader.consume(used);
        pos += used as u64;
    }
    file.set_len(end)?;
    Ok(kept)
}

/// Moves the finished output into place without ever replacing an existing file, then syncs the
/// directory so that the move survives a crash.
fn publish(partial: &Path, output: &Path) -> Result<()> {
    match fs::hard_link(partial, output) {
        Ok(()) => {
            fs::remove_file(partial)
                .map_err(|e| io_error(&format!("remove {}", partial.display()), e))?;
        }
        Err(e) if e.kind() == io::ErrorKind::AlreadyExists => return Err(exists(output)),
        // A file system without hard links: check, then rename.
        Err(_) => {
            if output.exists() {
                return Err(exists(output));
            }
            fs::rename(partial, output)
                .map_err(|e| io_error(&format!("rename {} into place", partial.display()), e))?;
        }
    }
    let dir = output
        .parent()
        .filter(|p| !p.as_os_str().is_empty())
        .unwrap_or(Path::new("."));
    #[cfg(unix)]
    File::open(dir)
        .and_then(|d| d.sync_all())
        .map_err(|e| io_error(&format!("fsync {}", dir.display()), e))?;
    Ok(())
}

fn exists(output: &Path) -> Error {
    io_error(
        &format!("write {}", output.display()),
        io::Error::new(
            io::ErrorKind::AlreadyExists,
            "it exists already; remove it or choose another output",
        ),
    )
}

fn io_error(action: &str, source: io::Error) -> Error {
    Error::Io {
        action: action.to_owned(),
        source,
    }
}
