#!/usr/bin/env bash
# Resume-check overhead: a 2,000-pair batch (400 contents × 5 styles, 64 px, tiny random StyTr²
# weights) is run once, then again with every output present and current; the rerun (every pair
# skipped, as its manifest must show) is timed whole and printed per 1,000 pairs.
#   bash tools/resume_overhead.sh [PAIRS_DIR]     (default: a temporary directory, removed after)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${STYLIZE_BINARY:-$(swift build -c release --show-bin-path)/stylize}
work=${1:-$(mktemp -d /tmp/stylize-resume-XXXXXX)}
[ -n "${1:-}" ] || trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import os, sys
import numpy as np
sys.path.insert(0, "Tests/cluster")
from slurm_array_check import smooth_image, write_png
work = sys.argv[1]
rng = np.random.default_rng(5)
for d, n in (("contents", 400), ("styles", 5)):
    os.makedirs(f"{work}/{d}", exist_ok=True)
    for i in range(n):
        write_png(f"{work}/{d}/{d[0]}{i:04d}.png", smooth_image(rng, 64))
PY
python3 tools/make_random_stytr2_weights.py "$work/w.safetensors"
cd "$work"
"$bin" contents styles -o out --weights w.safetensors -q --style-size 64
start=$(date +%s.%N)
"$bin" contents styles -o out --weights w.safetensors -q --style-size 64
end=$(date +%s.%N)
python3 - "$start" "$end" <<'PY'
import json, sys
start, end = map(float, sys.argv[1:])
lines = [json.loads(l) for l in open("out/stylize-manifest-0-of-1.jsonl")][-2000:]
assert len(lines) == 2000 and all(l["status"] == "skipped" for l in lines), "the rerun did not skip every pair"
print(f"rerun of 2000 current pairs: {end - start:.2f} s wall, {(end - start) / 2:.2f} s per 1000 pairs "
      "(process start, weights, listing, hashing the 405 inputs and 2000 resume checks)")
PY
