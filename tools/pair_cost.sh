#!/usr/bin/env bash
# Per-pair cost at 512² for the cluster estimate in ClusterRuns.md: a batch of 4 contents × 1 style (both
# 512²) in transformer mode on random official-size StyTr² weights (d 512, 3+3+3 layers, CNN 256),
# and 2 contents × 1 style in Gram mode with default settings (seeded random network). Prints each
# mode's seconds per written pair from the manifest: the first pair also prepares the style (once
# per style and task), the mean of the others is the per-pair cost; with the CPU and thread count.
#   bash tools/pair_cost.sh
set -euo pipefail
cd "$(dirname "$0")/.."
bin=${STYLIZE_BINARY:-$(swift build -c release --show-bin-path)/stylize}
work=$(mktemp -d /tmp/stylize-paircost-XXXXXX)
trap 'rm -rf "$work"' EXIT
python3 - "$work" <<'PY'
import os, sys
import numpy as np
sys.path.insert(0, "Tests/cluster")
from slurm_array_check import smooth_image, write_png
work = sys.argv[1]
rng = np.random.default_rng(9)
for d, n in (("contents", 4), ("styles", 1)):
    os.makedirs(f"{work}/{d}")
    for i in range(n):
        write_png(f"{work}/{d}/{d[0]}{i}.png", smooth_image(rng, 512))
PY
python3 tools/make_random_stytr2_weights.py "$work/stytr2.safetensors" --d-model 512 --heads 8 --ffn 2048 --layers 3 --cnn-width 256
cd "$work"
"$bin" contents styles -o transformer --weights stytr2.safetensors --mode transformer -q
"$bin" 'contents/c[01].png' styles -o gram --mode gram --weights none -q
echo "CPU: $(lscpu | sed -n 's/^Model name: *//p' | head -1), $(nproc) threads"
# The same run's full forward pass, to scale the pair costs to the quiet-machine figures in Performance.md.
"$bin" bench stytr2 --size 512 2>&1 | tail -1
python3 - <<'PY'
import json
for mode in ("transformer", "gram"):
    lines = [json.loads(l) for l in open(f"{mode}/stylize-manifest-0-of-1.jsonl")]
    seconds = [l["seconds"] for l in lines if l["status"] == "written"]
    rest = seconds[1:]
    print(f"{mode}: {len(seconds)} pairs at 512², {sum(rest) / len(rest):.2f} s per pair after the first "
          f"(first, with the style's preparation: {seconds[0]:.2f} s; all: " + ", ".join(f"{s:.2f}" for s in seconds) + ")")
PY
