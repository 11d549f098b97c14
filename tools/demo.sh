#!/usr/bin/env bash
# The main job on a fresh machine: install system packages, build, stylise the bundled samples
# into out/. Uses StyTr² when weights/stytr2.safetensors exists, Gram mode otherwise.
set -euo pipefail
cd "$(dirname "$0")/.."
source tools/setup-deps.sh
swift build -c release --product stylize
mkdir -p out
for c in astronaut coffee chelsea; do
  for s in strokes mosaic; do
    .build/release/stylize "tools/samples/$c.png" "tools/samples/$s.png" -o "out/${c}_stylized_${s}.png" "$@"
    echo "wrote out/${c}_stylized_${s}.png"
  done
done
