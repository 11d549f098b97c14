#!/usr/bin/env bash
# Memory-leak check of one long batch run (issue 9): 50 contents × 40 styles = 2000 pairs of small
# procedural images through ONE stylize process, sampling its resident set (VmRSS) every second.
# Passes when the mean RSS over the last 200 pairs is within THRESHOLD MB of that over pairs 100–300.
#   bash tools/batch_leak_check.sh [--mode transformer|gram] [--contents N] [--styles M] [--threshold-mb MB]
# transformer: random StyTr² weights (tools/make_random_stytr2_weights.py, numpy only);
# gram: the seeded random feature network, one L-BFGS step per pair. Needs python3 with numpy.
# STYLIZE_BINARY=/path/to/stylize uses that binary instead of building one.
set -euo pipefail
cd "$(dirname "$0")/.."
mode=transformer; contents=50; styles=40; threshold=5
while [ $# -gt 0 ]; do
  case "$1" in
    --mode) mode=$2; shift 2 ;;
    --contents) contents=$2; shift 2 ;;
    --styles) styles=$2; shift 2 ;;
    --threshold-mb) threshold=$2; shift 2 ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
done
bin=${STYLIZE_BINARY:-}
[ -n "$bin" ] || { swift build -c release --product stylize >/dev/null; bin=$PWD/.build/release/stylize; }
work=$(mktemp -d); trap 'rm -rf "$work"' EXIT

# Contents as PNG (decoder path), styles as .npy; sides 48–64 px, each image different.
python3 - "$work" "$contents" "$styles" <<'PY'
import os, struct, sys, zlib
import numpy as np
work, nc, ns = sys.argv[1], int(sys.argv[2]), int(sys.argv[3])
def png(path, img):  # img (H,W,3) uint8
    raw = b"".join(b"\0" + row.tobytes() for row in img)
    chunk = lambda t, d: struct.pack(">I", len(d)) + t + d + struct.pack(">I", zlib.crc32(t + d))
    h, w, _ = img.shape
    with open(path, "wb") as f:
        f.write(b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", struct.pack(">IIBBBBB", w, h, 8, 2, 0, 0, 0))
                + chunk(b"IDAT", zlib.compress(raw)) + chunk(b"IEND", b""))
rng = np.random.default_rng(9)
for kind, n in (("contents", nc), ("styles", ns)):
    os.makedirs(f"{work}/{kind}")
    for i in range(n):
        h, w = rng.integers(48, 65, size=2)
        y, x = np.mgrid[0:h, 0:w]
        img = np.stack([0.5 + 0.5 * np.sin(x * rng.uniform(0.05, 0.5) + y * rng.uniform(0.05, 0.5) + c) for c in range(3)])
        if kind == "contents":
            png(f"{work}/{kind}/c{i:03d}.png", (img.transpose(1, 2, 0) * 255).round().astype(np.uint8))
        else:
            np.save(f"{work}/{kind}/s{i:03d}.npy", img.astype(np.float32))
PY

if [ "$mode" = transformer ]; then
  python3 tools/make_random_stytr2_weights.py "$work/weights.safetensors"
  args=(--mode transformer --weights "$work/weights.safetensors")
else
  mkdir "$work/no-weights"
  args=(--mode gram --weights "$work/no-weights" --size 64 --steps 1 --multiscale off)
fi

pairs=$((contents * styles))
start=$(date +%s)
"$bin" "$work/contents" "$work/styles" -o "$work/out" -q "${args[@]}" &
pid=$!
samples="$work/samples"
while kill -0 "$pid" 2>/dev/null; do
  rss=$(awk '/^VmRSS/ {print $2}' "/proc/$pid/status" 2>/dev/null || true)
  [ -n "$rss" ] && echo "$(( $(date +%s) - start )) $(ls "$work/out" 2>/dev/null | wc -l) $rss" >>"$samples"
  sleep 1
done
status=0; wait "$pid" || status=$?
written=$(ls "$work/out" | wc -l)
[ "$status" = 0 ] && [ "$written" = "$pairs" ] || { echo "FAIL: stylize exited $status after writing $written of $pairs pairs"; exit 1; }

# RSS over pairs 100–300 vs over the last 200 pairs, each averaged: per-pair image sizes differ, so
# single samples jitter by a few MB (Gram mode: ±4 MB); a leak shows as a rise between the windows.
# The curve at every tenth of the run tells a steady leak (linear) from allocator warm-up.
awk -v threshold="$threshold" -v pairs="$pairs" -v mode="$mode" '
  $2 >= 100 && $2 < 300 { early += $3; earlyN++ }
  $2 >= pairs - 200 { late += $3; lateN++ }
  { tenth = int($2 * 10 / pairs); if (!(tenth in curve)) curve[tenth] = sprintf("%d:%.1f", $2, $3 / 1024) }
  { if ($3 > peak) peak = $3; lastT = $1 }
  END {
    if (!earlyN || !lateN) { print "FAIL: too few samples; run more pairs"; exit 1 }
    line = "RSS curve (pairs:MB)"; for (i = 0; i <= 10; i++) if (i in curve) line = line " " curve[i]; print line
    early /= earlyN * 1024; late /= lateN * 1024
    printf "%s mode, %d pairs in %d s: mean RSS %.1f MB over pairs 100–300, %.1f MB over the last 200; growth %+.1f MB (threshold %s MB); peak sample %.1f MB\n",
           mode, pairs, lastT, early, late, late - early, threshold, peak / 1024
    if (late - early > threshold) { print "FAIL: resident memory grows during the batch"; exit 1 }
    print "PASS: resident memory is flat"
  }' "$samples"
