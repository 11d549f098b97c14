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
# - Leaks: LeakSanitizer is on (detect_leaks=1) for the test process and every stylize child, so a
#   leak in the library code the unit tests drive, or in a whole CLI run, fails the run; the Swift
#   runtime's caches stay reachable from globals and are not reported. tools/lsan.supp silences the
#   few leaks inside Foundation and XCTest themselves (each explained there).
# - Not instrumented: the system libpng, libjpeg and the dlopen'ed OpenBLAS (their own memory
#   accesses are unchecked; the fuzzers in tools/fuzz cover the codecs' use of them).
# Takes about 20 minutes on 2 cores (build ~12, tests ~8).
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/setup-deps.sh

FLAGS=(-c release -Xswiftc -enable-testing --sanitize=address
       -Xcc -fsanitize=undefined -Xcc -fno-sanitize-recover=undefined --scratch-path .build-asan)
swift build "${FLAGS[@]}" --build-tests
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:halt_on_error=1:strict_string_checks=1:check_initialization_order=1}
export LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$PWD/tools/lsan.supp:print_suppressions=0}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
swift test "${FLAGS[@]}" --skip-build "$@"
