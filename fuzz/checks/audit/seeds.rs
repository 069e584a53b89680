//! Seeds: the vector log and its tampered copies, a log written afresh, and the honest logs with
//! one edit of each kind, as inputs of each mode.

use std::fs;
use std::path::{Path, PathBuf};

use fieldseal::audit;

use super::honest::genuine_log;
use super::key::FIXED;
use super::{EDITS, FILE_BREAK, FILES, WRITER};

/// The seeds: the vector log and its tampered copies (tests/vectors/audit), a log written afresh
/// ([`genuine_log`]), torn and cut, each as files (and the genuine ones for the writer too), and
/// the honest logs unedited and with one edit of each kind.
pub(crate) fn seeds(repo: &Path) -> Vec<(String, Vec<u8>)> {
    let join = |mode: u8, files: &[Vec<u8>]| {
        let mut out = vec![mode];
        out.extend(files.join(&FILE_BREAK));
        out
    };
    let mut seeds = Vec::new();
    let mut logs = vec![("vector-log".to_owned(), FIXED.honest[0].clone())];
    let tampered = repo.join("tests/vectors/audit/tampered");
    let mut copies: Vec<PathBuf> = fs::read_dir(&tampered)
        .map(|d| d.filter_map(|e| e.ok().map(|e| e.path())).collect())
        .unwrap_or_default();
    copies.sort();
    for copy in copies {
        let files: Vec<Vec<u8>> = audit::log_files(&copy)
            .unwrap_or_default()
            .iter()
            .filter_map(|p| fs::read(p).ok())
            .collect();
        let name = copy.file_name().map(|n| n.to_string_lossy().into_owned());
        if let Some(name) = name {
            seeds.push((format!("vector-tampered-{name}"), join(FILES, &files)));
        }
    }
    let fresh = genuine_log();
    let mut torn = fresh.clone();
    let last = torn.last_mut().expect("files");
    last.truncate(last.len() - 20);
    let mut cut = fresh.clone();
    cut.pop();
    logs.push(("fresh".to_owned(), fresh));
    logs.push(("fresh-torn".to_owned(), torn));
    logs.push(("fresh-cut".to_owned(), cut));
    for (name, files) in &logs {
        seeds.push((format!("genuine-{name}"), join(FILES, files)));
        seeds.push((format!("genuine-{name}-writer"), join(WRITER, files)));
    }
    for which in [0u8, 1] {
        seeds.push((format!("genuine-honest-{which}"), vec![EDITS, which]));
        for (op, name) in [
            "flip",
            "delete-byte",
            "insert-byte",
            "delete-line",
            "duplicate-line",
            "swap-lines",
        ]
        .into_iter()
        .enumerate()
        {
            seeds.push((
                format!("edit-{which}-{name}"),
                vec![EDITS, which, op as u8, 0x01, 0x2c, b'7'],
            ));
        }
    }
    seeds
}
