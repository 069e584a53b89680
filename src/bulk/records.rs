//! Re-sealing records given as an iterator (rows read from a database, say).

use serde_json::Value;

use crate::bulk::Summary;
use crate::bulk::batch::{BATCH, run_batch};
use crate::bulk::layout::{RecordLayout, Reseal};
use crate::error::{Error, Result};

/// Re-seals every record of `records` in place, a batch at a time on `threads` threads, and hands
/// each one to `sink` in order: write it back where it came from. `progress` is called after each
/// batch. `Summary::bytes_read` stays 0 here.
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
/// let rows = vec![serde_json::json!({ "id": 7, "email": email.to_text() })];
///
/// keyring.rotate()?;
/// let layout = RecordLayout::new("Customer").id("id", IdType::parse("u64")?);
/// let mut written = Vec::new();
/// let summary = reseal_records(&keyring, &layout, rows, 2, &mut |_| {}, &mut |row| {
///     written.push(row);
///     Ok(())
/// })?;
/// assert_eq!(summary.values.resealed, 1);
/// let email = Sealed::<String, Marketing>::from_text(written[0]["email"].as_str().unwrap())?;
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
    records: impl IntoIterator<Item = Value>,
    threads: usize,
    progress: &mut dyn FnMut(&Summary),
    sink: &mut dyn FnMut(Value) -> Result<()>,
) -> Result<Summary> {
    let mut summary = Summary::default();
    let mut records = records.into_iter().peekable();
    let mut batch: Vec<Value> = Vec::with_capacity(BATCH);
    while records.peek().is_some() {
        batch.clear();
        batch.extend(records.by_ref().take(BATCH));
        let results = run_batch(&mut batch, threads, |record| layout.reseal(keys, record));
        for (record, result) in batch.drain(..).zip(results) {
            let counts = result.map_err(|e| Error::AtLine {
                line: summary.records + 1,
                source: Box::new(e),
            })?;
            sink(record)?;
            summary.records += 1;
            summary.values += counts;
        }
        progress(&summary);
    }
    Ok(summary)
}
