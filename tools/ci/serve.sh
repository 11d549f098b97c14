#!/usr/bin/env bash
# CI for `stylize serve` (issue 15): starts the built binary on 127.0.0.1 with random StyTr² weights of
# the official architecture, runs the browser test (headless Chromium + Selenium) and schemathesis
# against /openapi.json, then stops the server with SIGTERM by PID and checks it exits 0.
# Expects `swift build -c release -Xswiftc -enable-testing` to have run (as .ci/run does first).
set -euo pipefail
cd "$(dirname "$0")/../.."
python3 -c "import selenium, schemathesis" 2>/dev/null || python3 -m pip install -q selenium schemathesis

work=$(mktemp -d)
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT

mkdir -p "$work/weights"
python3 tools/make_random_stytr2_weights.py "$work/weights/stytr2.safetensors" \
  --d-model 512 --heads 8 --ffn 2048 --layers 3 --cnn-width 256
bin="$(swift build -c release -Xswiftc -enable-testing --show-bin-path)/stylize"

# start_server ARGS…: runs `stylize serve` on a free loopback port in the background, waits for /v1/ready.
start_server() {
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$bin" serve --host 127.0.0.1 --port "$port" --weights "$work/weights" "$@" 2>"$work/serve.log" &
  pid=$!
  url="http://127.0.0.1:$port"
  for _ in $(seq 1 240); do
    curl -fsS "$url/v1/ready" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; echo "serve.sh: the server exited before it was ready"; exit 1; }
    sleep 0.5
  done
  cat "$work/serve.log"; echo "serve.sh: the server was not ready after 120 s"; exit 1
}

# stop_server: SIGTERM by PID; the server must exit 0.
stop_server() {
  kill -TERM "$pid"
  code=0; wait "$pid" || code=$?
  pid=""
  [ "$code" -eq 0 ] || { cat "$work/serve.log"; echo "serve.sh: stylize serve exited $code after SIGTERM, expected 0"; exit 1; }
}

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
