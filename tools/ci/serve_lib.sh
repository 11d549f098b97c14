# Sourced by tools/ci/serve.sh and tools/page_screenshots.sh: random StyTr² weights of the official
# architecture in $work/weights (unless the caller set `weights` to a folder of real ones), and
# start_server/stop_server for the built `stylize serve` on a free loopback port. The caller sets `work`
# (a temporary folder) and runs `cleanup` on exit.
pid=""
cleanup() { [ -n "$pid" ] && kill "$pid" 2>/dev/null; rm -rf "$work"; }

if [ -z "${weights:-}" ]; then
  weights="$work/weights"
  mkdir -p "$weights"
  python3 tools/make_random_stytr2_weights.py "$weights/stytr2.safetensors" \
    --d-model 512 --heads 8 --ffn 2048 --layers 3 --cnn-width 256
fi
bin="$(swift build -c release -Xswiftc -enable-testing --show-bin-path)/stylize"

# start_server ARGS…: runs `stylize serve` on a free loopback port in the background, waits for /v1/ready.
start_server() {
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  "$bin" serve --host 127.0.0.1 --port "$port" --weights "$weights" "$@" 2>"$work/serve.log" &
  pid=$!
  url="http://127.0.0.1:$port"
  for _ in $(seq 1 240); do
    curl -fsS "$url/v1/ready" >/dev/null 2>&1 && return 0
    kill -0 "$pid" 2>/dev/null || { cat "$work/serve.log"; echo "$0: the server exited before it was ready"; exit 1; }
    sleep 0.5
  done
  cat "$work/serve.log"; echo "$0: the server was not ready after 120 s"; exit 1
}

# stop_server: SIGTERM by PID; the server must exit 0.
stop_server() {
  kill -TERM "$pid"
  code=0; wait "$pid" || code=$?
  pid=""
  [ "$code" -eq 0 ] || { cat "$work/serve.log"; echo "$0: stylize serve exited $code after SIGTERM, expected 0"; exit 1; }
}
