//! Bulk work over stored records: re-sealing after a rotation.
//!
//! After [`Keyring::rotate`](crate::Keyring::rotate), values sealed under the old version keep
//! opening; re-sealing moves them to the new one so that the old version can be retired. Records
//! are JSON objects as `#[derive(Seal)]` serializes its sealed twins; a [`RecordLayout`] says
//! where their sealed values are and what they are bound to. A record is re-sealed by splicing:
//! the text of each stale sealed string is replaced, and every other byte (numbers of any size,
//! escapes, key order, white space) is copied as it was. The work is idempotent (a value already
//! current is left as it is, a record with nothing to re-seal is kept byte for byte) and
//! resumable ([`reseal_jsonl_file`]). Records from elsewhere (the JSON text of a database
//! column, say) go through [`reseal_records`]. Input lines are read up to [`MAX_LINE`] bytes.
//! A derived record's sealed twin gives its own layout (`SealedX::record_layout()`,
//! [`SealedLayout`]).
//!
//! Blind index columns ([`RecordLayout::index`]) are brought to their index's current version on
//! the way (after `fieldseal index rotate`): a stale term is recomputed from the fields it reads
//! and spliced in like a sealed string; [`count_terms`] says how many rows are left on older
//! versions before the migration is finished.

mod audit;
mod batch;
mod census;
mod checkpoint;
mod file;
mod index;
mod jsonl;
mod key_sets;
mod layout;
mod lines;
mod members;
mod records;
mod scan;
mod walk;

pub use census::{TermCensus, count_terms};
pub use file::{Interrupted, checkpoint_path, interrupted_run, partial_path, reseal_jsonl_file};
pub use jsonl::{Summary, reseal_jsonl};
pub use layout::{Counts, IdType, RecordLayout, Reseal, SealedLayout};
pub use lines::MAX_LINE;
pub use records::reseal_records;
pub use scan::scan_jsonl;
