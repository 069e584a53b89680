//! The tamper-evident audit log (feature `audit-log`, FORMAT.md §18): [`FileSink`] writes it,
//! [`verify`] checks it, [`query`] searches it.

mod checkpoint;
mod files;
pub(crate) mod line;
mod query;
mod queue;
mod verify;
mod writer;

pub use checkpoint::Checkpoint;
pub use files::{log_files, log_service};
pub use query::{Query, query};
pub use verify::{LineRef, Problem, ProblemKind, Report, verify};
pub use writer::{Durability, FileSink, FileSinkOptions, Rotation};
