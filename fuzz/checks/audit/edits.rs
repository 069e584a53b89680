//! Edits of an honest log: flip, delete or insert a byte; delete, duplicate or swap a line; and
//! where the problem must then be.

use fieldseal::audit::{self, Checkpoint, ProblemKind, Report};

use super::key::FIXED;
use super::reader::lines;
use super::scratch::Scratch;

/// Edits of an honest log an input makes, at most.
const MAX_EDITS: usize = 16;

/// Applies the edits (4 bytes each: op, position as u16, argument) to the honest files: the first
/// [`MAX_EDITS`], while the log is under twice its size (lines joined and duplicated would
/// otherwise double it again and again).
pub(super) fn edit(honest: &[Vec<u8>], edits: &[u8]) -> Vec<Vec<u8>> {
    let mut files = honest.to_vec();
    let limit = 2 * honest.iter().map(Vec::len).sum::<usize>();
    for e in edits.chunks_exact(4).take(MAX_EDITS) {
        let pos = usize::from(u16::from_be_bytes([e[1], e[2]]));
        let arg = e[3];
        let total: usize = files.iter().map(Vec::len).sum();
        if total > limit {
            break;
        }
        match e[0] % 6 {
            op @ 0..=2 => {
                if total == 0 && op != 2 {
                    continue;
                }
                let (f, at) = byte_at(&files, pos % (total + usize::from(op == 2)));
                match op {
                    0 => files[f][at] ^= arg.max(1),
                    1 => {
                        files[f].remove(at);
                    }
                    _ => files[f].insert(at, arg),
                }
            }
            op => {
                let mut all: Vec<Vec<Vec<u8>>> = files
                    .iter()
                    .map(|f| {
                        f.split_inclusive(|&b| b == b'\n')
                            .map(<[u8]>::to_vec)
                            .collect()
                    })
                    .collect();
                let count: usize = all.iter().map(Vec::len).sum();
                if count == 0 {
                    continue;
                }
                let (f, n) = line_at(&all, pos % count);
                match op {
                    3 => {
                        all[f].remove(n);
                    }
                    4 => {
                        let again = all[f][n].clone();
                        all[f].insert(n + 1, again);
                    }
                    _ if all[f].len() > 1 => {
                        let other = if n + 1 < all[f].len() { n + 1 } else { n - 1 };
                        all[f].swap(n, other);
                    }
                    _ => {}
                }
                files = all.into_iter().map(|f| f.concat()).collect();
            }
        }
    }
    files
}

/// The file and offset of byte `pos` of the files put end to end (`pos` may be the very end).
fn byte_at(files: &[Vec<u8>], mut pos: usize) -> (usize, usize) {
    for (f, file) in files.iter().enumerate() {
        if pos < file.len() {
            return (f, pos);
        }
        pos -= file.len();
    }
    let f = files.len() - 1;
    (f, files[f].len())
}

fn line_at(files: &[Vec<Vec<u8>>], mut n: usize) -> (usize, usize) {
    for (f, lines) in files.iter().enumerate() {
        if n < lines.len() {
            return (f, n);
        }
        n -= lines.len();
    }
    unreachable!("n is below the number of lines")
}

/// An edited honest log: the problem is at the first line that is not the honest line at its
/// place (in its file), and there only. With the honest log's last checkpoint as the anchor, a log
/// that ends before it was cut.
pub(super) fn against_honest(
    dir: &Scratch,
    honest: &[Vec<u8>],
    files: &[Vec<u8>],
    report: &Report,
) {
    let fixed = &*FIXED;
    let expected: Vec<(usize, &[u8])> = honest
        .iter()
        .enumerate()
        .flat_map(|(f, file)| lines(file).0.into_iter().map(move |l| (f, l)))
        .collect();
    let mut good = 0;
    let mut problem = None;
    'files: for (f, file) in files.iter().enumerate() {
        let (lines, partial) = lines(file);
        for (n, line) in lines.iter().enumerate() {
            if expected.get(good) != Some(&(f, *line)) {
                problem = Some((f, n as u64 + 1));
                break 'files;
            }
            good += 1;
        }
        if (partial || lines.is_empty()) && f + 1 < files.len() {
            problem = Some((f, lines.len() as u64 + 1));
            break;
        }
    }
    let paths = dir.paths(files.len());
    let at = problem.map(|(f, l)| (paths[f].clone(), l));
    let found = |r: &Report| r.problem.as_ref().map(|p| (p.at.path.clone(), p.at.line));
    assert_eq!(
        found(report),
        at,
        "the first line edited is the problem: {:?}",
        report.problem
    );
    assert_eq!(
        report.lines, good as u64,
        "the honest lines before it verify"
    );
    let (edited, original) = (files.concat(), honest.concat());
    let changed: Vec<usize> = (0..edited.len().min(original.len()))
        .filter(|&i| edited[i] != original[i])
        .collect();
    let same_lengths =
        files.len() == honest.len() && files.iter().zip(honest).all(|(a, b)| a.len() == b.len());
    if same_lengths && changed.len() == 1 {
        // One byte changed: found, unless it is the final newline (the last line is then torn).
        assert!(
            changed[0] + 1 == original.len() || !report.is_intact(),
            "a changed byte was not found"
        );
    }
    let anchor_line = expected.last().expect("an honest log has lines").1;
    let anchor = Checkpoint::from_line(std::str::from_utf8(anchor_line).expect("UTF-8"))
        .expect("an honest log ends with a checkpoint");
    let anchored = audit::verify(&paths, &fixed.key, Some(&anchor)).expect("the files read");
    match (&report.problem, &anchored.problem) {
        (None, None) => assert_eq!(good, expected.len(), "a cut log verifies to its anchor"),
        (None, Some(p)) => {
            assert!(
                good < expected.len(),
                "the whole log misses its anchor: {p}"
            );
            assert_eq!(p.kind, ProblemKind::Truncated, "{p}");
        }
        (Some(a), Some(b)) => assert_eq!(
            (&a.at, a.kind),
            (&b.at, b.kind),
            "the anchor moves the problem"
        ),
        (Some(p), None) => panic!("the anchor hides {p}"),
    }
}
