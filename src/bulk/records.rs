//! Re-sealing records given as an iterator (rows read from a database, say).

use std::borrow::Cow;

use crate::bulk::Summary;
use crate::bulk::batch::{BATCH, run_batch};
use crate::bulk::key_sets::RunKeys;
use crate::bulk::layout::{RecordLayout, Reseal};
use crate::error::{Error, Result};

/// Re-seals every record of `records` (the JSON text of each, as a database returns a JSON column),
/// a batch at a time on `threads` threads, and hands each one to `sink` in order: write it back
/// where it came from. Only sealed strings change (every other byte of a record is kept); a record
/// with nothing to re-seal is handed back as it came. `progress` is called after each batch.
/// `Summary::bytes_read` stays 0 here.
///
/// ```
/// use fieldseal::bulk::{IdType, RecordLayout, reseal_records};
/// use fieldseal::{Context, KeySet, Keyring, Sealed, Suite};
/// fieldseal::purpose!(Marketing = "marketing");
///
/// let mut keyring = Keyring::generate(Suite::default())?;
/// let ctx = Context::new("Customer", "email").with_id_int(7);
/// let email: Sealed<String, Marketing> =
///     Sealed::seal("ada@example.com", &ctx, &keyring.purpose_key::<Marketing>())?;
/// let rows = vec![format!(r#"{{"id": 7, "email": "{}"}}"#, email.to_text())];
///
/// keyring.rotate()?;
/// let layout = RecordLayout::new("Customer").id("id", IdType::parse("u64")?);
/// let mut written = Vec::new();
/// let summary = reseal_records(&keyring, &layout, rows, 2, &mut |_| {}, &mut |row| {
///     written.push(row);
///     Ok(())
/// })?;
/// assert_eq!(summary.values.resealed, 1);
/// let row: serde_json::Value = serde_json::from_str(&written[0]).unwrap();
/// let email = Sealed::<String, Marketing>::from_text(row["email"].as_str().unwrap())?;
/// assert_eq!(email.key_versions()[0].1, 2);
/// # Ok::<(), fieldseal::Error>(())
/// ```
///
/// # Errors
/// [`Error::AtLine`] for the first record that fails, counting records from 1 (the records
/// before it went to `sink`), and whatever `sink` returns.
pub fn reseal_records(
    keys: &dyn Reseal,
    layout: &RecordLayout,
    records: impl IntoIterator<Item = String>,
    threads: usize,
    progress: &mut dyn FnMut(&Summary),
    sink: &mut dyn FnMut(String) -> Result<()>,
) -> Result<Summary> {
    // A run: one `reseal-run` event, as `reseal_jsonl` records (src/bulk/jsonl.rs), with the
    // counts so far if it fails.
    let mut summary = Summary::default();
    let mut records = records.into_iter().peekable();
    let mut batch: Vec<String> = Vec::with_capacity(BATCH);
    let run_keys = RunKeys::default();
    let mut run = || -> Result<Summary> {
        while records.peek().is_some() {
            batch.clear();
            batch.extend(records.by_ref().take(BATCH));
            let results = run_batch(&mut batch, threads, |record| {
                layout
                    .reseal_with(keys, &run_keys, record)
                    .map(|(text, counts)| match text {
                        Cow::Borrowed(_) => (None, counts),
                        Cow::Owned(text) => (Some(text), counts),
                    })
            });
            for (record, result) in batch.drain(..).zip(results) {
                let (new, counts) = result.map_err(|e| Error::AtLine {
                    line: summary.records + 1,
                    source: Box::new(e),
                })?;
                sink(new.unwrap_or(record))?;
                summary.records += 1;
                summary.values += counts;
                if counts.terms_kept > 0 && summary.first_kept.is_none() {
                    summary.first_kept = Some(summary.records);
                }
            }
            progress(&summary);
        }
        Ok(summary)
    };
    let result = run();
    crate::bulk::audit::record_run(keys, layout, &summary, result)
}
