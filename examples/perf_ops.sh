#!/bin/bash
# Per-op instruction counts under callgrind: (Ir(N2) - Ir(N1)) / (N2 - N1), for the binary of
# `cargo build --release --features aws-lc --example perf_ops` (BIN= another build, OPS= a subset).
BIN=${BIN:-${CARGO_TARGET_DIR:-target}/release/examples/perf_ops}
N1=1000; N2=11000
for op in ${OPS:-seal open raw-seal raw-seal-nonce raw-open record record-open raw-record raw-record-nonce}; do
  a=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null $BIN $op $N1 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
  b=$(valgrind --tool=callgrind --callgrind-out-file=/dev/null $BIN $op $N2 2>&1 | sed -n 's/.*Collected : \([0-9]*\).*/\1/p')
  echo "$op $(( (b - a) / (N2 - N1) ))"
done
