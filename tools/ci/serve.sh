#!/usr/bin/env bash
# CI for `stylize serve` (issue 15): starts the built binary on 127.0.0.1 with random StyTr² weights of
# the official architecture, runs the browser test (headless Chromium + Selenium; Pillow checks the
# download) and schemathesis against /openapi.json, then stops the server with SIGTERM by PID and checks
# it exits 0.
# Expects `swift build -c release -Xswiftc -enable-testing` to have run (as .ci/run does first).
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -c "import selenium, schemathesis, PIL" 2>/dev/null || python3 -m pip install -q selenium schemathesis pillow

work=$(mktemp -d)
source tools/ci/serve_lib.sh
trap cleanup EXIT

start_server --workers 1 --queue 4
status=0
STYLIZE_URL="$url" python3 -m pytest -q Tests/browser || status=$?
[ "$status" -eq 5 ] && status=0  # no tests collected is not a failure
[ "$status" -eq 0 ] || { cat "$work/serve.log"; exit "$status"; }
stop_server

# schemathesis sends valid tiny PNGs too, so Gram jobs really run: a small pixel limit keeps each one
# short and a long queue keeps 503 (correct back-pressure, but a 5xx to schemathesis) out of the way.
start_server --workers 1 --queue 256 --max-pixels 4096
schemathesis run "$url/openapi.json" --max-examples "${SCHEMATHESIS_EXAMPLES:-25}" \
  --checks not_a_server_error,status_code_conformance,content_type_conformance,response_headers_conformance,response_schema_conformance \
  --request-timeout 120 --workers 1
stop_server
echo "serve.sh: browser test, schemathesis and SIGTERM shutdowns passed"
