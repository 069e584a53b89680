//! Target `audit`: the reading side of the tamper-evident audit log (FORMAT.md §18) over hostile
//! files, with one fixed audit key: service `orders` of the root key of tests/vectors/audit, audit
//! key versions 1 and 2.
//!
//! The first byte of an input says what the rest is:
//!
//! - `0`: log files, split at form feeds (0x0c, which no log line holds: §18.2 escapes it) into
//!   at most [`MAX_FILES`] files `audit-00000001.jsonl`, ... of a fresh directory;
//! - `1`: the same, and then a writer ([`FileSink`]) opens that directory, which reads its tail,
//!   and closes it, which appends a header and a checkpoint;
//! - `2`: an honest log written by the library (the next byte picks it: even, the vector log of
//!   tests/vectors/audit/log; odd, one written by [`genuine_log`] at the first use) changed by the
//!   edits of the rest, 4 bytes each: flip, delete or insert a byte; delete, duplicate or swap a
//!   line.
//!
//! Any other first byte is read as `0`. On every input, never a panic, and:
//!
//! - `verify` agrees with [`walk`], a reader written from FORMAT.md §18 alone against the raw
//!   primitives (hkdf, hmac, ed25519-dalek): the same first problem (file and line), lines,
//!   events, last checkpoint and torn tail;
//! - on an edited honest log, the problem is at the first line that is not the honest line at its
//!   place (a single flipped byte is always found, but in the last byte of the last file, the
//!   final newline: the line is then torn, FORMAT.md §18.6), and with the honest log's last
//!   checkpoint as the anchor, a log cut short is `Truncated`;
//! - a log that verifies verifies again the same, with its last checkpoint as the anchor, and file
//!   by file; against another log's anchor it does not; `query` answers from its event lines
//!   exactly what a filter written from the `Query` docs finds, `through_seq` included;
//! - `log_service` names the service a file's first line names; what `Checkpoint::from_line` reads
//!   it writes back and reads again the same, and a verified checkpoint line is its `to_line` and
//!   its MAC;
//! - a writer opening a log that verified leaves it verifying, every line that verified kept byte
//!   for byte; opening one that did not, it leaves the first problem where it was;
//! - no message (problems, errors, reports, their `Debug`) holds the root key or any audit key
//!   (`AK`, `CK`, `NK`, the Ed25519 seed) in hex or as bytes, unless the input did.

mod edits;
mod honest;
mod key;
mod reader;
mod scratch;
mod secrets;
mod seeds;
mod single_lines;
mod verified;
mod writer;

use fieldseal::audit::{self, Report};

use edits::{against_honest, edit};
use key::FIXED;
use reader::{agrees, walk};
use scratch::Scratch;
use secrets::no_secret;
use single_lines::lines_read_alone;
use verified::{answers, verifies_again};
use writer::reopen;

pub(crate) use seeds::seeds;

/// Files an input is split into, at most (the rest of the input stays in the last).
pub(crate) const MAX_FILES: usize = 4;
/// What separates the files of an input.
pub(crate) const FILE_BREAK: u8 = 0x0c;
/// The mode bytes.
pub(crate) const FILES: u8 = 0;
pub(crate) const WRITER: u8 = 1;
pub(crate) const EDITS: u8 = 2;

// ---- The check. ----

/// Runs the check the input's first byte names; whether the log (as verified) was intact, with
/// at least one line.
pub(crate) fn check(data: &[u8]) -> bool {
    let fixed = &*FIXED;
    let (mode, rest) = data
        .split_first()
        .map_or((FILES, &[][..]), |(m, r)| (*m, r));
    let dir = Scratch::new("check");
    match mode {
        EDITS => {
            let (which, edits) = rest.split_first().map_or((0, &[][..]), |(w, r)| (*w, r));
            let honest = &fixed.honest[usize::from(which % 2)];
            let files = edit(honest, edits);
            let report = read(&dir, &files, data);
            against_honest(&dir, honest, &files, &report);
            report.is_intact() && report.lines > 0
        }
        WRITER => {
            let files = split(rest);
            let report = read(&dir, &files, data);
            reopen(&dir, &files, &report, data);
            report.is_intact() && report.lines > 0
        }
        _ => {
            let files = split(rest);
            let report = read(&dir, &files, data);
            report.is_intact() && report.lines > 0
        }
    }
}

/// The files of an input: split at [`FILE_BREAK`], into [`MAX_FILES`] at most.
fn split(data: &[u8]) -> Vec<Vec<u8>> {
    data.splitn(MAX_FILES, |&b| b == FILE_BREAK)
        .map(<[u8]>::to_vec)
        .collect()
}

/// Writes `files` to `dir`, and reads them every way, checking all but the writer; the report.
fn read(dir: &Scratch, files: &[Vec<u8>], input: &[u8]) -> Report {
    let fixed = &*FIXED;
    let paths = dir.write(files);
    assert_eq!(
        audit::log_files(&dir.0).expect("the directory reads"),
        paths,
        "log_files lists the files, in order"
    );
    let report = audit::verify(&paths, &fixed.key, None).expect("the files read");
    no_secret(&format!("{report:?}"), input);
    if let Some(problem) = &report.problem {
        no_secret(&problem.to_string(), input);
    }
    let walked = walk(files);
    agrees(&paths, &report, &walked);
    lines_read_alone(&paths, files, &walked, input);
    if report.is_intact() {
        verifies_again(&paths, &report, &walked);
        answers(&paths, &report, &walked);
    }
    report
}
