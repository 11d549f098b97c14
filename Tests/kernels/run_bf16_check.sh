#!/usr/bin/env bash
# bf16 kernels against the scalar reference on both variants; --bench adds single-thread GFLOP/s against OpenBLAS.
set -euo pipefail
cd "$(dirname "$0")/../.."
out=$(mktemp -d); trap 'rm -rf "$out"' EXIT
clang -O3 -ISources/CKernels/include Tests/kernels/bf16_check.c Sources/CKernels/bf16.c Sources/CKernels/isa.c \
  Sources/CKernels/attention.c -lopenblas -lm -o "$out/bf16_check"
OPENBLAS_NUM_THREADS=1 taskset -c 0 "$out/bf16_check" "$@"
