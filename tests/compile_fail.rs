//! Misuse that must not compile: opening a value with a purpose it was not sealed for, sealing
//! with the wrong keys, invalid purpose names, and types that are not plaintexts.
//!
//! Each case in `tests/ui/` has a `.stderr` file with the exact compiler message, so a change that
//! makes a message less clear shows up in review. Regenerate them with
//! `TRYBUILD=overwrite cargo test --test compile_fail` and read the diff.

#[test]
fn misuse_does_not_compile() {
    trybuild::TestCases::new().compile_fail("tests/ui/*.rs");
}
