//! Target `jsonl`: JSON Lines input to `bulk::scan_jsonl` and `bulk::reseal_jsonl`, re-sealing
//! with the fixed keyring (version 2 active) and the layout of the `record` target's customer.
//!
//! Never a panic; a run that succeeds reads every byte, writes one line per input line, leaves
//! every sealed value under the active version with the same purposes, and a second run over its
//! output re-seals nothing and writes it byte for byte.

use std::collections::BTreeMap;

use fieldseal::bulk::{IdType, RecordLayout, Summary, reseal_jsonl, scan_jsonl};

use super::keys::FIXED;
use super::record::{SealedCustomer, genuine_twins};

/// The layout `#[derive(Seal)]` gives `record::Customer`.
fn layout() -> RecordLayout {
    RecordLayout::new("Customer")
        .id(
            "customer_id",
            IdType::Int {
                bytes: 8,
                signed: false,
            },
        )
        .nested("billing", RecordLayout::new("Billing"))
}

/// Scans and re-seals `data`; whether the re-seal succeeded.
pub(crate) fn check(data: &[u8]) -> bool {
    let scanned = scan_jsonl(&mut &data[..]);
    if let Err(e) = &scanned {
        let _ = e.to_string();
    }
    let layout = layout();
    let Ok((summary, out)) = reseal(&layout, data) else {
        return false;
    };
    assert_eq!(summary.bytes_read, data.len() as u64, "every byte was read");
    assert_eq!(
        summary.records,
        records(data),
        "one record per input line that is not blank"
    );
    assert_eq!(lines(&out), lines(data), "one output line per input line");
    let after = scan_jsonl(&mut &out[..]).expect("the output scans");
    assert!(
        after.keys().all(|(_, version)| *version == 2),
        "every value is under the active version: {after:?}"
    );
    if let Ok(before) = &scanned {
        assert_eq!(per_purpose(&after), per_purpose(before), "no value is lost");
    }
    let (again, out_again) = reseal(&layout, &out).expect("the output re-seals");
    assert_eq!(again.values.resealed, 0, "a rerun re-seals nothing");
    assert_eq!(
        again.values.current,
        summary.values.current + summary.values.resealed
    );
    assert!(
        out_again == out,
        "a rerun writes its input back byte for byte"
    );
    true
}

fn reseal(layout: &RecordLayout, data: &[u8]) -> fieldseal::Result<(Summary, Vec<u8>)> {
    let mut out = Vec::new();
    let summary = reseal_jsonl(
        &FIXED.keyring,
        layout,
        &mut &data[..],
        &mut out,
        0,
        2, // two threads: batches of 64 lines or more are split between them
        &mut |_| {},
    );
    match summary {
        Ok(summary) => Ok((summary, out)),
        Err(e) => {
            let _ = e.to_string();
            Err(e)
        }
    }
}

/// Lines as `BufRead::read_line` counts them: a last line without its `\n` counts.
fn lines(data: &[u8]) -> u64 {
    data.split_inclusive(|&b| b == b'\n').count() as u64
}

/// Input lines that are records: not blank (blank lines are copied, not counted).
fn records(data: &[u8]) -> u64 {
    data.split_inclusive(|&b| b == b'\n')
        .filter(|line| !line.trim_ascii().is_empty())
        .count() as u64
}

/// Parts per purpose, whatever their version.
fn per_purpose(counts: &BTreeMap<(String, u32), u64>) -> BTreeMap<&str, u64> {
    let mut out = BTreeMap::new();
    for ((purpose, _), n) in counts {
        *out.entry(purpose.as_str()).or_insert(0) += n;
    }
    out
}

/// JSON Lines files of genuine twins: under version 1 (to re-seal), under version 2 (current),
/// mixed, with blank lines, CRLF endings and no final newline.
pub(crate) fn genuine_files() -> Vec<(String, Vec<u8>)> {
    let line = |twin: &SealedCustomer| serde_json::to_string(twin).expect("a twin writes");
    let old: Vec<String> = genuine_twins(1).iter().map(line).collect();
    let new: Vec<String> = genuine_twins(2).iter().map(line).collect();
    vec![
        ("genuine-v1".to_owned(), old.join("\n") + "\n"),
        ("genuine-v2".to_owned(), new.join("\n") + "\n"),
        (
            "genuine-mixed-crlf".to_owned(),
            format!("{}\r\n\r\n{}\r\n   \n{}", old[0], new[1], old[2]),
        ),
    ]
    .into_iter()
    .map(|(name, text)| (name, text.into_bytes()))
    .collect()
}
