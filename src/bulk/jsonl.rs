//! Re-sealing JSON Lines records from a reader to a writer: in parallel, in order, a batch at a
//! time, with where the run stands after each batch (what a resumable run's checkpoint records,
//! src/bulk/file.rs).

use std::borrow::Cow;
use std::io::{self, BufRead, Write};

use sha2::{Digest as _, Sha256};

use crate::bulk::batch::{BATCH, run_batch_while};
use crate::bulk::checkpoint::Checkpoint;
use crate::bulk::key_sets::RunKeys;
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
    /// Input bytes of the lines written or resumed (a line's bytes count once it is written).
    pub bytes_read: u64,
    /// Values re-sealed and values already current, and index terms recomputed, current and
    /// kept, in this run's records.
    pub values: Counts,
    /// The first record (its line, or for [`reseal_records`](crate::bulk::reseal_records) its
    /// number from 1) whose index term was kept stale ([`Counts::terms_kept`]), if any.
    pub first_kept: Option<u64>,
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
    let mut run = Run::new(input, "the output", None);
    run.skip(skip)?;
    let result = run.reseal(keys, layout, output, threads, progress, &mut |_| Ok(()));
    crate::bulk::audit::record_run(keys, layout, &run.summary(), result)
}

/// A run: lines consumed so far, and for a resumable run their hash and the bytes written and
/// their hash (what its checkpoints record).
pub(crate) struct Run<'a> {
    input: &'a mut dyn BufRead,
    /// The output's name in errors.
    output_name: &'a str,
    /// The hash of the input lines consumed: `None` when not needed (a run that is not resumable
    /// hashes nothing, one part less of its serial work).
    consumed: Option<Sha256>,
    line_no: u64,
    /// Bytes written so far, resumed ones included, and their hash: `None` when not needed.
    written: Option<(u64, Sha256)>,
    /// Blank lines this run copied: input lines done, not records.
    blank: u64,
    /// What a resumable run re-seals with, for its checkpoints ([`Checkpoint::work_sha256`]).
    work: [u8; 32],
    summary: Summary,
}

impl<'a> Run<'a> {
    /// A run reading `input`; `written` continues the output's length and hash (a resumable
    /// run), or is `None`.
    pub(crate) fn new(
        input: &'a mut dyn BufRead,
        output_name: &'a str,
        written: Option<(u64, Sha256)>,
    ) -> Self {
        Self {
            input,
            output_name,
            consumed: written.is_some().then(Sha256::new),
            line_no: 0,
            written,
            blank: 0,
            work: [0; 32],
            summary: Summary::default(),
        }
    }

    /// The hash of the input lines consumed so far (zeros for a run that is not resumable).
    pub(crate) fn input_hash(&self) -> [u8; 32] {
        self.consumed
            .as_ref()
            .map_or([0; 32], |hash| hash.clone().finalize().into())
    }

    /// Where the run stands: what a checkpoint records.
    fn position(&self) -> Checkpoint {
        let (output_bytes, output_sha256) =
            self.written.as_ref().map_or((0, [0; 32]), |(len, hash)| {
                (*len, hash.clone().finalize().into())
            });
        Checkpoint {
            input_lines: self.line_no_done(),
            input_sha256: self.input_hash(),
            output_bytes,
            output_sha256,
            work_sha256: self.work,
        }
    }

    /// Records in every checkpoint what the run re-seals with.
    pub(crate) fn bind(&mut self, work: [u8; 32]) {
        self.work = work;
    }

    /// Input lines done: resumed, written or skipped blank.
    fn line_no_done(&self) -> u64 {
        self.summary.resumed + self.summary.records + self.blank
    }

    fn write(&mut self, output: &mut dyn Write, bytes: &[u8]) -> Result<()> {
        output
            .write_all(bytes)
            .map_err(|e| io_error(&format!("write {}", self.output_name), e))?;
        if let Some((len, hash)) = &mut self.written {
            *len += bytes.len() as u64;
            hash.update(bytes);
        }
        Ok(())
    }

    fn flush(&self, output: &mut dyn Write) -> Result<()> {
        output
            .flush()
            .map_err(|e| io_error(&format!("write {}", self.output_name), e))
    }

    /// The next line with its ending, `None` at the end of the input.
    fn next_line(&mut self) -> Result<Option<String>> {
        let mut line = String::new();
        let n = read_line(self.input, &mut line, self.line_no + 1)?;
        if n == 0 {
            return Ok(None);
        }
        self.line_no += 1;
        debug_assert_eq!(n, line.len());
        Ok(Some(line))
    }

    /// Skips `count` lines, already done by an earlier run.
    pub(crate) fn skip(&mut self, count: u64) -> Result<()> {
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
            if let Some(hash) = &mut self.consumed {
                hash.update(line.as_bytes());
            }
            self.summary.resumed += 1;
            self.summary.bytes_read += line.len() as u64;
        }
        Ok(())
    }

    /// Where the run stands.
    pub(crate) fn summary(&self) -> Summary {
        self.summary
    }

    /// Re-seals the rest of the input; `checkpoint` runs after each batch is written and flushed,
    /// and before an error on a record is returned. Records nothing: the caller records the run
    /// once its work is done (for a file, once the output is published).
    pub(crate) fn reseal(
        &mut self,
        keys: &dyn Reseal,
        layout: &RecordLayout,
        output: &mut dyn Write,
        threads: usize,
        progress: &mut dyn FnMut(&Summary),
        checkpoint: &mut dyn FnMut(&Checkpoint) -> Result<()>,
    ) -> Result<Summary> {
        let run_keys = RunKeys::default();
        let reseal = |line: &mut String| reseal_line(keys, &run_keys, layout, line.as_str());
        // A line that could not be read (not UTF-8, too long, an I/O error): the lines before it
        // are still re-sealed and written, then the run stops with it.
        let mut unreadable: Option<Error> = None;
        let mut batch = Vec::with_capacity(BATCH);
        let mut eof = self.fill(&mut batch).unwrap_or_else(|e| {
            unreadable = Some(e);
            true
        });
        // The batch re-sealed last, written while the threads re-seal the next one.
        let mut done: Option<Done> = None;
        while !batch.is_empty() {
            let first_line = self.line_no - batch.len() as u64 + 1;
            let mut next = Vec::with_capacity(BATCH);
            let (results, step) = run_batch_while(&mut batch, threads, reseal, || {
                let mut written = done.take();
                if let Some(done) = &mut written {
                    self.write_done(done, output, progress, checkpoint)?;
                }
                let eof = eof
                    || self.fill(&mut next).unwrap_or_else(|e| {
                        unreadable = Some(e);
                        true
                    });
                Ok::<_, Error>((eof, written))
            });
            // Freed only now: the threads allocated these, and freeing them while the threads
            // allocate again contends for the allocator's locks.
            let (step, written) = step?;
            drop(written);
            eof = step;
            done = Some(Done {
                lines: std::mem::replace(&mut batch, next),
                results,
                first_line,
            });
        }
        if let Some(mut done) = done {
            self.write_done(&mut done, output, progress, checkpoint)?;
        } else {
            // An empty input: the run still stands somewhere.
            self.flush(output)?;
            checkpoint(&self.position())?;
            progress(&self.summary);
        }
        match unreadable {
            Some(e) => Err(e),
            None => Ok(self.summary),
        }
    }

    /// Reads up to [`BATCH`] lines into `batch`; `true` at the end of the input.
    fn fill(&mut self, batch: &mut Vec<String>) -> Result<bool> {
        while batch.len() < BATCH {
            let Some(line) = self.next_line()? else {
                return Ok(true);
            };
            batch.push(line);
        }
        Ok(false)
    }

    /// Writes a re-sealed batch in order, then flushes and checkpoints; a record that failed is
    /// an error after the records before it are written and checkpointed.
    fn write_done(
        &mut self,
        done: &mut Done,
        output: &mut dyn Write,
        progress: &mut dyn FnMut(&Summary),
        checkpoint: &mut dyn FnMut(&Checkpoint) -> Result<()>,
    ) -> Result<()> {
        let first_line = done.first_line;
        for (i, (result, line)) in done.results.iter_mut().zip(&done.lines).enumerate() {
            let (new, counts) = match result {
                Ok(done) => (done.0.as_deref(), done.1),
                Err(e) => {
                    let e = std::mem::replace(e, Error::NoPurpose);
                    // What is written is checkpointed: a rerun resumes at the failed line.
                    self.flush(output)?;
                    debug_assert_eq!(self.line_no_done(), first_line - 1 + i as u64);
                    checkpoint(&self.position())?;
                    return Err(Error::AtLine {
                        line: first_line + i as u64,
                        source: Box::new(e),
                    });
                }
            };
            if let Some(text) = &new {
                self.write(output, text.as_bytes())?;
            } else {
                self.write(output, line.as_bytes())?;
                if !line.ends_with('\n') {
                    self.write(output, b"\n")?;
                }
            }
            if let Some(hash) = &mut self.consumed {
                hash.update(line.as_bytes());
            }
            // Counted as written, so that progress reports records and bytes of the same lines.
            self.summary.bytes_read += line.len() as u64;
            if line.trim_ascii().is_empty() {
                self.blank += 1;
            } else {
                self.summary.records += 1;
            }
            self.summary.values += counts;
            if counts.terms_kept > 0 && self.summary.first_kept.is_none() {
                self.summary.first_kept = Some(first_line + i as u64);
            }
        }
        self.flush(output)?;
        checkpoint(&self.position())?;
        progress(&self.summary);
        Ok(())
    }
}

/// A batch re-sealed, waiting to be written: its lines, what became of each, and the input line
/// number of its first.
struct Done {
    lines: Vec<String>,
    results: Vec<Outcome>,
    first_line: u64,
}

/// A line re-sealed: its new text with a line ending, or `None` to write it as it was.
pub(crate) type Outcome = Result<(Option<String>, Counts)>;

/// One line, re-sealed by splicing (only its sealed strings change, its line ending stays).
pub(crate) fn reseal_line(
    keys: &dyn Reseal,
    run_keys: &RunKeys,
    layout: &RecordLayout,
    line: &str,
) -> Outcome {
    if line.trim().is_empty() {
        return Ok((None, Counts::default()));
    }
    match layout.reseal_with(keys, run_keys, line)? {
        (Cow::Borrowed(_), counts) => Ok((None, counts)),
        (Cow::Owned(mut text), counts) => {
            if !text.ends_with('\n') {
                text.push('\n');
            }
            Ok((Some(text), counts))
        }
    }
}

fn io_error(action: &str, source: io::Error) -> Error {
    Error::Io {
        action: action.to_owned(),
        source,
    }
}
