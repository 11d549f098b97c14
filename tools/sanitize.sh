#!/usr/bin/env bash
# The Swift test suite under AddressSanitizer, with UndefinedBehaviorSanitizer on the C targets,
# in its own build directory (.build-asan), so the normal build is untouched.
#
#   tools/sanitize.sh                       build and run every Swift test target
#   tools/sanitize.sh --filter CLITests     any `swift test` arguments are passed on
#
# - `--sanitize=address` instruments the Swift targets and the C targets (CBLAS, CImageCodecs,
#   CKernels). swiftc has no UBSan on Linux, so `-Xcc -fsanitize=undefined` adds it to the C
#   targets only; its handlers come with the ASan runtime. No recovery: the first report aborts.
# - The CLI tests run the `stylize` next to the test bundle, i.e. this ASan build, which inherits
#   ASAN_OPTIONS; Tests/CLITests/CLISupport.swift fails any test whose child printed a sanitizer report.
# - Leaks: LeakSanitizer checks every stylize run of the CLI tests (STYLIZE_ASAN_OPTIONS becomes the
#   child's ASAN_OPTIONS), i.e. whole runs through decoding, both models, encoding and every error
#   path; a report fails the test. It is off in the XCTest process itself (so the unit tests are not
#   leak-checked): there every direct leak is inside Foundation or XCTest (weak-reference side tables
#   of Process and XCTestCase, FileManager.contents(atPath:) of empty files), and the test cases
#   hanging off them (~650 KB in ~1800 blocks) would bury anything real.
# - Not instrumented: the system libpng, libjpeg and the dlopen'ed OpenBLAS (their own memory
#   accesses are unchecked; the fuzzers in tools/fuzz cover the codecs' use of them).
# Takes about 10 minutes on 2 cores (build ~6, tests ~3).
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/setup-deps.sh

FLAGS=(-c release -Xswiftc -enable-testing --sanitize=address
       -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined --scratch-path .build-asan)
swift build "${FLAGS[@]}" --build-tests
CHECKS=halt_on_error=1:strict_string_checks=1:check_initialization_order=1
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=0:$CHECKS}
export STYLIZE_ASAN_OPTIONS=${STYLIZE_ASAN_OPTIONS:-detect_leaks=1:$CHECKS}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
swift test "${FLAGS[@]}" --skip-build "$@"
