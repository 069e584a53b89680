//! The fuzz targets' checks (fuzz/checks/, the same files `cargo fuzz` builds), run over every
//! input saved in fuzz/regressions/<target>/ (each one a fault once found, or a shape worth
//! keeping) and over each target's seed corpus, built from the test vectors. A panic names the
//! target and the input.
//!
//! `cargo test --test fuzz_regressions -- --ignored` writes the seed corpus to fuzz/corpus/ (or
//! to `$FIELDSEAL_FUZZ_CORPUS`) for `cargo fuzz run`: fuzz/seed.sh and .ci/run do that.

#[allow(
    dead_code,
    reason = "the fuzz targets use parts of the checks that these tests do not"
)]
#[path = "../fuzz/checks/mod.rs"]
mod checks;

use std::fs;
use std::panic::{AssertUnwindSafe, catch_unwind};
use std::path::{Path, PathBuf};

use checks::seeds::{Seed, read_dir, seeds};
use checks::{Check, TARGETS};

fn repo() -> &'static Path {
    Path::new(env!("CARGO_MANIFEST_DIR"))
}

/// What `check` made of `inputs`: the names of those that panicked, and of those that got
/// through. Each panic's message is printed (with the test's output) as it happens.
fn run_all(check: Check, inputs: &[Seed]) -> (Vec<&str>, Vec<&str>) {
    let mut failed = Vec::new();
    let mut through = Vec::new();
    for (name, bytes) in inputs {
        match catch_unwind(AssertUnwindSafe(|| check(bytes))) {
            Ok(true) => through.push(name.as_str()),
            Ok(false) => {}
            Err(_) => failed.push(name.as_str()),
        }
    }
    (failed, through)
}

fn regressions(target: &str) {
    let &(_, check) = TARGETS
        .iter()
        .find(|(name, _)| *name == target)
        .expect("a target");
    let inputs = read_dir(&repo().join("fuzz/regressions").join(target));
    assert!(
        !inputs.is_empty(),
        "fuzz/regressions/{target}/ holds no input: each target keeps at least one"
    );
    let (failed, _) = run_all(check, &inputs);
    let failed: Vec<String> = failed
        .iter()
        .map(|name| format!("fuzz/regressions/{target}/{name}"))
        .collect();
    assert!(
        failed.is_empty(),
        "target `{target}` failed on {failed:?} (panics printed above)"
    );
}

#[test]
fn text_regressions() {
    regressions("text");
}

#[test]
fn open_regressions() {
    regressions("open");
}

#[test]
fn record_regressions() {
    regressions("record");
}

#[test]
fn keyfile_regressions() {
    regressions("keyfile");
}

#[test]
fn jsonl_regressions() {
    regressions("jsonl");
}

#[cfg(feature = "audit-log")]
#[test]
fn audit_regressions() {
    regressions("audit");
}

/// Every seed passes its target's check: the vectors, fresh genuine values and the hand-written
/// seeds are all inputs a target must take without a fault. The genuine ones (sealed or saved
/// under the fixed keys) get through, opening or loading, so the fuzzer starts past the parsers.
#[test]
fn every_seed_passes_its_check_and_the_genuine_ones_get_through() {
    let mut problems = Vec::new();
    for &(target, check) in TARGETS {
        let inputs = seeds(target, repo());
        let (failed, through) = run_all(check, &inputs);
        if !failed.is_empty() {
            problems.push(format!("`{target}` failed on {failed:?}"));
        }
        let genuine: Vec<&str> = inputs
            .iter()
            .map(|(name, _)| name.as_str())
            .filter(|name| name.starts_with("genuine-"))
            .collect();
        let stuck: Vec<&&str> = genuine.iter().filter(|n| !through.contains(n)).collect();
        if genuine.is_empty() || !stuck.is_empty() {
            problems.push(format!(
                "`{target}`: of {} genuine seeds, {stuck:?} did not get through",
                genuine.len()
            ));
        }
    }
    assert!(problems.is_empty(), "{problems:#?} (panics printed above)");
}

/// Writes each target's seed corpus to `<dir>/<target>/seed-<name>`, `<dir>` being
/// `$FIELDSEAL_FUZZ_CORPUS` or fuzz/corpus (cargo fuzz's default corpus directories).
#[test]
#[ignore = "writes the fuzz seed corpus: run by fuzz/seed.sh"]
fn write_seed_corpus() {
    let dir = std::env::var_os("FIELDSEAL_FUZZ_CORPUS")
        .map_or_else(|| repo().join("fuzz/corpus"), PathBuf::from);
    for &(target, _) in TARGETS {
        let out = dir.join(target);
        fs::create_dir_all(&out).unwrap_or_else(|e| panic!("create {}: {e}", out.display()));
        let inputs = seeds(target, repo());
        for (name, bytes) in &inputs {
            let path = out.join(format!("seed-{name}"));
            fs::write(&path, bytes).unwrap_or_else(|e| panic!("write {}: {e}", path.display()));
        }
        println!("{}: {} seeds", out.display(), inputs.len());
    }
}
