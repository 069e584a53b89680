#!/usr/bin/env bash
# Builds each fuzz target's seed corpus in fuzz/corpus/<target>/ (cargo fuzz's default corpus
# directories; set FIELDSEAL_FUZZ_CORPUS for another place) from the test vectors as they are
# now, values sealed afresh under the fuzz keys, and the hand-written seeds of fuzz/seeds/.
# The work is done by fuzz/checks/seeds.rs, through an ignored test of tests/fuzz_regressions.rs,
# so it reuses the build of `cargo test --all-features`. Run from anywhere.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

cargo test --all-features --test fuzz_regressions -- --ignored --exact --nocapture write_seed_corpus
