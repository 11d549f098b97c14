#!/usr/bin/env bash
# The screenshots of the page (Sources/StyleTransfer/StyleTransfer.docc/service-page-desktop.jpg and
# service-page-phone.jpg, shown by README.md and Service.md): starts the built
# `stylize serve` on 127.0.0.1 (random StyTr² weights of the official size, or the folder given as $1),
# runs tools/page_screenshots.py against it, stops it by PID. Extra arguments go to the Python script,
# e.g. `tools/page_screenshots.sh weights --mode transformer`.
# Expects `swift build -c release -Xswiftc -enable-testing` to have run.
set -euo pipefail
cd "$(dirname "$0")/.."
python3 -c "import selenium, PIL" 2>/dev/null || python3 -m pip install -q selenium pillow
weights="${1:-}"
[ $# -gt 0 ] && shift
work=$(mktemp -d)
source tools/ci/serve_lib.sh
trap cleanup EXIT
start_server --workers 1 --queue 4
python3 tools/page_screenshots.py --url "$url" "$@"
stop_server
