//! The writer on what it finds: a `FileSink` opens the input's directory and closes it, and the
//! log is checked after.

use std::fs;

use fieldseal::audit::{self, FileSink, FileSinkOptions, Report};

use super::key::FIXED;
use super::scratch::Scratch;
use super::secrets::no_secret;

/// A writer opens the directory and closes it: a log that verified verifies after, every line that
/// verified kept; a log that did not keeps its first problem, unless the writer cut where it was.
pub(super) fn reopen(dir: &Scratch, files: &[Vec<u8>], before: &Report, input: &[u8]) {
    let fixed = &*FIXED;
    let sink = match FileSink::open(&dir.0, &fixed.key, FileSinkOptions::default()) {
        Ok(sink) => sink,
        Err(e) => {
            no_secret(&format!("{e} {e:?}"), input);
            return;
        }
    };
    if let Err(e) = sink.close() {
        no_secret(&format!("{e} {e:?}"), input);
        return;
    }
    let paths = audit::log_files(&dir.0).expect("the directory reads");
    let after = audit::verify(&paths, &fixed.key, None).expect("the files read");
    no_secret(&format!("{after:?}"), input);
    let now: Vec<Vec<u8>> = paths
        .iter()
        .map(|p| fs::read(p).expect("a log file reads"))
        .collect();
    if before.is_intact() {
        assert!(
            after.is_intact() && after.torn_tail.is_none(),
            "a writer broke a log that verified: {:?}",
            after.problem
        );
        assert!(
            after.last_seq >= before.last_seq + 2,
            "a header and a checkpoint"
        );
        let kept: Vec<u8> = files.concat();
        let kept = &kept[..kept.len() - partial_len(files)];
        assert!(
            now.concat().starts_with(kept),
            "the lines that verified are kept byte for byte"
        );
        return;
    }
    // The writer changes the end of the log only: a torn last line cut, an empty last file
    // removed. A problem in the files it left as they were stays where it was.
    let problem = before.problem.as_ref().expect("not intact");
    let index = dir
        .paths(files.len())
        .iter()
        .position(|p| *p == problem.at.path)
        .expect("a problem in one of the files");
    if files[..=index].iter().zip(&now).all(|(a, b)| a == b) && now.len() > index {
        let p = after.problem.as_ref().expect("the writer hid a problem");
        assert_eq!(
            (&p.at.path, p.at.line, p.kind),
            (&problem.at.path, problem.at.line, problem.kind),
            "the problem moved"
        );
    }
}

/// The bytes after the last complete line of the log that no MAC covers: a torn last line, a last
/// file without a complete line.
fn partial_len(files: &[Vec<u8>]) -> usize {
    let last = files.last().map_or(&[][..], Vec::as_slice);
    last.len() - last.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1)
}
