#!/usr/bin/env bash
# Fuzzes every target (or those named) for FUZZ_SECONDS each (default 20), one after another,
# from a fresh seed corpus: what .ci/run does, and what to run locally. Run from anywhere:
#
#     fuzz/run.sh                       # every target, 20 s each
#     FUZZ_SECONDS=600 fuzz/run.sh open # one target, ten minutes
#
# A crash stops the run with a non-zero exit, after printing the panic, the input's path under
# fuzz/artifacts/<target>/, its bytes (cargo fuzz's Debug output) and its base64 (below). Keep it:
# README.md here says how it becomes a regression test.
set -euo pipefail
cd "$(dirname "${BASH_SOURCE[0]}")/.."

# Pinned: `cargo install` is a no-op when this version is installed already, and fails (so the
# run fails) when crates.io cannot be reached.
CARGO_FUZZ_VERSION=0.13.2
FUZZ_SECONDS=${FUZZ_SECONDS:-20}
TARGETS=("$@")
if [ ${#TARGETS[@]} -eq 0 ]; then
    TARGETS=(text open record keyfile jsonl audit)
fi
# Stable Rust: no sanitizer (AddressSanitizer needs nightly's -Zsanitizer; README.md), debug
# assertions and overflow checks on.
FLAGS=(--sanitizer=none --debug-assertions)

if ! cargo fuzz --version 2>/dev/null | grep -qx "cargo-fuzz $CARGO_FUZZ_VERSION"; then
    cargo install cargo-fuzz --version "$CARGO_FUZZ_VERSION" --locked
fi

fuzz/seed.sh
cargo fuzz build "${FLAGS[@]}"

for target in "${TARGETS[@]}"; do
    echo
    echo "--> fuzzing $target for ${FUZZ_SECONDS}s"
    started=$(mktemp)
    # New inputs go to the first directory (the corpus); the regressions are read as seeds.
    if ! cargo fuzz run "${FLAGS[@]}" "$target" "fuzz/corpus/$target" "fuzz/regressions/$target" -- \
        -max_total_time="$FUZZ_SECONDS" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1; then
        find "fuzz/artifacts/$target" -type f -newer "$started" | while read -r input; do
            echo "$input as base64: $(base64 -w0 "$input")"
        done
        echo "fuzz target $target failed: see the panic and the input above (fuzz/README.md)" >&2
        exit 1
    fi
    rm -f "$started"
done
