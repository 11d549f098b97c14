#!/usr/bin/env bash
# The whole test suite: Swift tests (optimised: numeric code is 10–100× slower in debug builds)
# and the converter's pytest tests. Installs the system packages and numpy/pytest if missing.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/setup-deps.sh

swift build -c release -Xswiftc -enable-testing --build-tests
swift test -c release -Xswiftc -enable-testing --skip-build
python3 -m pytest -q Tests/tools
