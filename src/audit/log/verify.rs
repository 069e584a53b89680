//! [`verify`]: walks a log's chain (FORMAT.md §18.6) and reports the first line that is not as
//! it was written, a tail cut after an anchored checkpoint, and a torn last line.

use std::fmt;
use std::path::{Path, PathBuf};

use crate::audit::key::{AuditKey, AuditVersionKey};
use crate::audit::log::checkpoint::Checkpoint;
use crate::audit::log::files::{Header, io};
use crate::audit::log::line;
use crate::error::AuditError;

/// A line of a log file.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LineRef {
    /// The file.
    pub path: PathBuf,
    /// The line number in the file, from 1.
    pub line: u64,
    /// The sequence number the line claims, if it could be read.
    pub seq: Option<u64>,
}

impl fmt::Display for LineRef {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} line {}", self.path.display(), self.line)?;
        if let Some(seq) = self.seq {
            write!(f, " (seq {seq})")?;
        }
        Ok(())
    }
}

/// What is wrong with a log.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum ProblemKind {
    /// A line's MAC does not match: it was changed after it was written.
    Modified,
    /// Lines are missing before this one (its sequence number skips ahead).
    Deleted,
    /// A line is out of order: its sequence number is one that comes later (or earlier).
    Reordered,
    /// A line was inserted: the line after it chains from the line before it.
    Inserted,
    /// A line is not a log line (FORMAT.md §18.3), or a file is not a log file.
    Malformed,
    /// A file is missing, or out of order, or from another log.
    MissingFile,
    /// A header names an audit key version the key does not hold.
    UnknownKeyVersion,
    /// A checkpoint's head or signature is wrong.
    BadCheckpoint,
    /// The log ends before the anchored checkpoint: its tail was cut.
    Truncated,
    /// The log's line at the anchor's sequence number is not the anchored checkpoint: the log
    /// was rewritten after it.
    AnchorMismatch,
}

/// The first problem found.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Problem {
    /// What kind.
    pub kind: ProblemKind,
    /// Where (for a cut tail, the last line read).
    pub at: LineRef,
    /// What it means, in words.
    pub message: String,
}

impl fmt::Display for Problem {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}: {}", self.at, self.message)
    }
}

/// What [`verify`] found.
#[derive(Clone, Debug, Default)]
#[non_exhaustive]
pub struct Report {
    /// Files read.
    pub files: usize,
    /// Lines that verified (headers, events, checkpoints), up to the first problem.
    pub lines: u64,
    /// Event lines among them.
    pub events: u64,
    /// The sequence number of the last line that verified (0: none).
    pub last_seq: u64,
    /// The last checkpoint that verified.
    pub last_checkpoint: Option<Checkpoint>,
    /// A torn last line: a process stopped in the middle of writing it. The log verifies up to
    /// the line before; a writer opening the log cuts it.
    pub torn_tail: Option<LineRef>,
    /// The first problem, if any: the log is intact up to the line before it.
    pub problem: Option<Problem>,
}

impl Report {
    /// Whether every line verified (a torn last line is not a problem: see
    /// [`torn_tail`](Self::torn_tail)).
    pub fn is_intact(&self) -> bool {
        self.problem.is_none()
    }
}

/// One line read from a file.
struct Line<'a> {
    at: LineRef,
    bytes: &'a [u8],
}

struct State<'k> {
    key: &'k AuditKey,
    version: Option<&'k AuditVersionKey>,
    log: Option<[u8; 16]>,
    file: u64,
    head: [u8; 32],
    report: Report,
}

/// Verifies the log in `paths` (every file of it, in order, as [`log_files`] lists them) with
/// `key`, and against `anchor`, a checkpoint kept off the host, if given (FORMAT.md §18.6).
///
/// Finds the first modified, deleted, reordered or inserted line, a missing file, a bad
/// checkpoint, and with an anchor a tail cut or rewritten after it. A torn last line (a process
/// killed mid-append) is reported apart: the log verifies up to the line before.
///
/// [`log_files`]: crate::audit::log_files
///
/// # Errors
/// [`AuditError::Io`] if a file cannot be read. What is wrong in a file is in the report.
pub fn verify(
    paths: &[impl AsRef<Path>],
    key: &AuditKey,
    anchor: Option<&Checkpoint>,
) -> Result<Report, AuditError> {
    let mut state = State {
        key,
        version: None,
        log: None,
        file: 0,
        head: [0; 32],
        report: Report::default(),
    };
    let mut anchor_seen = false;
    let mut last_at = None;
    'files: for (i, path) in paths.iter().enumerate() {
        let path = path.as_ref();
        let bytes = std::fs::read(path).map_err(|e| io("read", path, e))?;
        state.report.files += 1;
        let last_file = i + 1 == paths.len();
        let (lines, torn) = complete_lines(path, &bytes);
        // A partial line ends a file that is not the last: a problem, but after its complete
        // lines, which are checked first (one of them may have been changed before it).
        let mut cut = None;
        if torn {
            let at = LineRef {
                path: path.to_owned(),
                line: lines.len() as u64 + 1,
                seq: None,
            };
            if last_file {
                state.report.torn_tail = Some(at);
            } else {
                cut = Some(Problem {
                    kind: ProblemKind::Malformed,
                    at,
                    message: "a line without its end in a file that is not the last: the file was \
                              cut or edited"
                        .to_owned(),
                });
            }
        }
        if lines.is_empty() {
            if let Some(problem) = cut.take() {
                state.report.problem = Some(problem);
                break;
            }
        }
        if lines.is_empty() {
            if last_file {
                // A writer killed while starting this file (FORMAT.md §18.4): nothing in it was
                // covered by a MAC, and the next writer removes it. Torn, not tampered.
                state.report.torn_tail = Some(LineRef {
                    path: path.to_owned(),
                    line: 1,
                    seq: None,
                });
                break;
            }
            state.report.problem = Some(Problem {
                kind: ProblemKind::Malformed,
                at: LineRef {
                    path: path.to_owned(),
                    line: 1,
                    seq: None,
                },
                message: "the file holds no complete line, not even its header".to_owned(),
            });
            break;
        }
        for (n, l) in lines.iter().enumerate() {
            if let Err(problem) = state.check(&lines, n, n == 0) {
                state.report.problem = Some(problem);
                break 'files;
            }
            if let Some(anchor) = anchor {
                if l.at.seq == Some(anchor.seq) {
                    anchor_seen = true;
                    if state.report.last_checkpoint.as_ref() != Some(anchor) {
                        state.report.problem = Some(Problem {
                            kind: ProblemKind::AnchorMismatch,
                            at: l.at.clone(),
                            message: format!(
                                "the anchored checkpoint at seq {} is not this line: the log was \
                                 rewritten from here or before",
                                anchor.seq
                            ),
                        });
                        break 'files;
                    }
                }
            }
            last_at = Some(l.at.clone());
        }
        if let Some(problem) = cut {
            state.report.problem = Some(problem);
            break;
        }
    }
    if let (Some(anchor), None, false) = (anchor, &state.report.problem, anchor_seen) {
        let at = last_at.unwrap_or(LineRef {
            path: PathBuf::new(),
            line: 0,
            seq: None,
        });
        state.report.problem = Some(anchor_not_reached(&state, anchor, at));
    }
    Ok(state.report)
}

/// The complete lines of a file, and whether it ends in a partial one.
fn complete_lines<'a>(path: &Path, bytes: &'a [u8]) -> (Vec<Line<'a>>, bool) {
    let complete = bytes.iter().rposition(|&b| b == b'\n').map_or(0, |i| i + 1);
    let lines = if complete == 0 {
        Vec::new()
    } else {
        bytes[..complete - 1]
            .split(|&b| b == b'\n')
            .enumerate()
            .map(|(n, b)| Line {
                at: LineRef {
                    path: path.to_owned(),
                    line: n as u64 + 1,
                    seq: line::split(b).map(|s| s.2),
                },
                bytes: b,
            })
            .collect()
    };
    (lines, complete < bytes.len())
}

/// What it means that the log ended before the anchor's seq: cut, or the anchor is not this
/// log's.
fn anchor_not_reached(state: &State<'_>, anchor: &Checkpoint, at: LineRef) -> Problem {
    let public = state.key.checkpoint_public_key(anchor.key_version);
    if !public.is_some_and(|p| anchor.signature_verifies(&p))
        || state.log.is_some_and(|l| l != anchor.log)
    {
        Problem {
            kind: ProblemKind::BadCheckpoint,
            at,
            message: "the anchor is not a checkpoint of this log signed by this key".to_owned(),
        }
    } else {
        Problem {
            kind: ProblemKind::Truncated,
            at,
            message: format!(
                "the log ends at seq {}, before the anchored checkpoint at seq {}: the lines \
                 after it were removed",
                state.report.last_seq, anchor.seq
            ),
        }
    }
}

impl State<'_> {
    /// Checks a file's header and takes its log, file number and key version.
    fn header(&mut self, value: &serde_json::Value, at: &LineRef) -> Result<(), Problem> {
        let problem = |kind, message: String| Problem {
            kind,
            at: at.clone(),
            message,
        };
        let header = Header::from_value(value).ok_or_else(|| {
            problem(
                ProblemKind::MissingFile,
                "the file does not start with a log header (FORMAT.md §18.4)".to_owned(),
            )
        })?;
        if header.file != self.file + 1 || self.log.is_some_and(|log| log != header.log) {
            return Err(problem(
                ProblemKind::MissingFile,
                format!(
                    "this is file {} of its log, expected file {} of this log: a file is \
                     missing, out of order, or from another log (give every file, from the \
                     first)",
                    header.file,
                    self.file + 1
                ),
            ));
        }
        if header.prev != self.head {
            return Err(problem(
                ProblemKind::Modified,
                "the header's `prev` is not the MAC of the previous file's last line".to_owned(),
            ));
        }
        self.version = Some(self.key.version(header.key_version).ok_or_else(|| {
            problem(
                ProblemKind::UnknownKeyVersion,
                format!(
                    "written under audit key version {}, which this key does not hold (it \
                     holds {:?})",
                    header.key_version,
                    self.key.versions()
                ),
            )
        })?);
        self.log = Some(header.log);
        self.file = header.file;
        Ok(())
    }

    /// Checks line `n` of `lines`; on success, moves the chain on.
    fn check(&mut self, lines: &[Line<'_>], n: usize, first: bool) -> Result<(), Problem> {
        let l = &lines[n];
        let problem = |kind, message: String| Problem {
            kind,
            at: l.at.clone(),
            message,
        };
        let (prefix, mac, seq) = line::split(l.bytes).ok_or_else(|| {
            problem(
                ProblemKind::Malformed,
                "not a log line: no `seq` first or no `mac` last (FORMAT.md §18.3)".to_owned(),
            )
        })?;
        let value: serde_json::Value = serde_json::from_slice(l.bytes)
            .map_err(|_| problem(ProblemKind::Malformed, "not a JSON object".to_owned()))?;
        let expected = self.report.last_seq + 1;
        if first {
            self.header(&value, &l.at)?;
        } else if value.get("type").and_then(|t| t.as_str()) == Some("header") {
            return Err(problem(
                ProblemKind::Inserted,
                "a header in the middle of a file".to_owned(),
            ));
        }
        let version = self.version.expect("set by the first line");
        let chains = |prev: &[u8; 32], prefix: &[u8], mac: &[u8; 32]| {
            bool::from(subtle::ConstantTimeEq::ct_eq(
                &line::chain_mac(&version.chain, prev, prefix)[..],
                &mac[..],
            ))
        };
        if seq != expected || !chains(&self.head, prefix, &mac) {
            // Inserted: the next line chains from the line before this one.
            let next = lines.get(n + 1).and_then(|l| line::split(l.bytes));
            let moved_here =
                seq > expected && !lines[n + 1..].iter().any(|l| l.at.seq == Some(seq));
            if !moved_here
                && next.is_some_and(|(p, m, s)| s == expected && chains(&self.head, p, &m))
            {
                return Err(problem(
                    ProblemKind::Inserted,
                    format!(
                        "inserted: the line after it is seq {expected} and chains from the line before it"
                    ),
                ));
            }
            if seq == expected {
                return Err(problem(
                    ProblemKind::Modified,
                    "its MAC does not match: the line was changed after it was written".to_owned(),
                ));
            }
            let later = lines[n + 1..].iter().any(|l| l.at.seq == Some(expected));
            if seq > expected && !later {
                return Err(problem(
                    ProblemKind::Deleted,
                    format!(
                        "lines are missing before it: seq {expected} to {} were deleted",
                        seq - 1
                    ),
                ));
            }
            return Err(problem(
                ProblemKind::Reordered,
                format!("out of order: seq {seq} where seq {expected} should be"),
            ));
        }
        if value.get("type").and_then(|t| t.as_str()) == Some("checkpoint") {
            let cp = Checkpoint::from_line(std::str::from_utf8(l.bytes).unwrap_or(""))
                .filter(|cp| {
                    cp.seq == seq
                        && cp.head == self.head
                        && Some(cp.log) == self.log
                        && cp.key_version == version.version
                        && cp.signature_verifies(&version.signing_key().verifying_key().to_bytes())
                })
                .ok_or_else(|| {
                    problem(
                        ProblemKind::BadCheckpoint,
                        "a checkpoint whose head, log, key version or signature is wrong"
                            .to_owned(),
                    )
                })?;
            self.report.last_checkpoint = Some(cp);
        } else if !first {
            self.report.events += 1;
        }
        self.head = mac;
        self.report.last_seq = seq;
        self.report.lines += 1;
        Ok(())
    }
}
