//! What each fuzz target checks, as plain functions over bytes: the fuzz targets
//! (fuzz/fuzz_targets/) call them under libFuzzer, and `cargo test` (tests/fuzz_regressions.rs)
//! calls them over every saved input of fuzz/regressions/<target>/ and over the seed corpus.
//! A check panics when it finds a fault; an input that is merely refused is not one. It returns
//! whether the input got through (parsed, opened, loaded, re-sealed: see each), so that the tests
//! can show that the genuine seeds reach past the parsers.
//!
//! The checks use fieldseal's public API only, and as little of it as they can, so that they
//! adapt easily to its changes: `keys` holds the fixed keys and contexts, one file per target.

// The audit log is behind fieldseal's feature `audit-log`: the fuzz crate turns it on (its own
// feature of that name, on by default), fieldseal's tests have it with `--all-features`.
#[cfg(feature = "audit-log")]
pub(crate) mod audit;
pub(crate) mod jsonl;
pub(crate) mod keyfile;
pub(crate) mod keys;
pub(crate) mod open;
pub(crate) mod record;
pub(crate) mod seeds;
pub(crate) mod text;

/// A target's check: panics on a fault, returns whether the input got through.
pub(crate) type Check = fn(&[u8]) -> bool;

/// Every target's name (its fuzz/fuzz_targets/<name>.rs, regressions and corpus directories)
/// and check.
pub(crate) const TARGETS: &[(&str, Check)] = &[
    ("text", text::check),
    ("open", open::check),
    ("record", record::check),
    ("keyfile", keyfile::check),
    ("jsonl", jsonl::check),
    #[cfg(feature = "audit-log")]
    ("audit", audit::check),
];
