//! Bulk work over stored records: re-sealing after a rotation.
//!
//! After [`Keyring::rotate`](crate::Keyring::rotate), values sealed under the old version keep
//! opening; re-sealing moves them to the new one so that the old version can be retired. Records
//! are JSON objects as `#[derive(Seal)]` serializes its sealed twins; a [`RecordLayout`] says
//! where their sealed values are and what they are bound to. The work is idempotent (a value
//! already current is left as it is) and resumable ([`reseal_jsonl_file`]). Records from elsewhere (a
//! database cursor) go through [`reseal_records`].

mod batch;
mod jsonl;
mod layout;
mod records;
mod scan;

pub use jsonl::{
    MAX_LINE, Summary, checkpoint_path, partial_path, reseal_jsonl, reseal_jsonl_file,
};
pub use layout::{Counts, IdType, RecordLayout, Reseal};
pub use records::reseal_records;
pub use scan::scan_jsonl;
