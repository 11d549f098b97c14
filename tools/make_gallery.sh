#!/usr/bin/env bash
# The README gallery, made by the tool itself with no weights (Gram mode, seeded random network):
# every sample content × style with default settings, then one content under several options.
# Full-size results go to out/gallery/; 256 px JPEG thumbnails (Python 3 + Pillow) to
# Sources/StyleTransfer/StyleTransfer.docc/gallery-*.jpg, which README.md and GramMode.md show.
#   bash tools/make_gallery.sh
set -euo pipefail
cd "$(dirname "$0")/.."
swift build -c release --product stylize >/dev/null
bin=.build/release/stylize
samples=tools/samples; full=out/gallery; thumbs=Sources/StyleTransfer/StyleTransfer.docc
mkdir -p "$full" "$thumbs"
export STYLIZE_WEIGHTS=/nonexistent  # the gallery shows the no-weights default, whatever ./weights holds

run() {  # run NAME ARGS… : stylise into out/gallery/NAME.png and report the time
  local name=$1; shift
  local start=$SECONDS
  "$bin" "$@" -o "$full/$name.png" -q
  printf '%-28s %4d s\n' "$name" $((SECONDS - start))
}

for c in astronaut coffee chelsea; do
  for s in strokes mosaic; do run "${c}_stylized_${s}" "$samples/$c.png" "$samples/$s.png"; done
done
run astronaut_luminance "$samples/astronaut.png" "$samples/strokes.png" --preserve-color luminance
run astronaut_blend "$samples/astronaut.png" "$samples/strokes.png" "$samples/mosaic.png" --style-blend 0.5,0.5
run astronaut_weak "$samples/astronaut.png" "$samples/strokes.png" --style-weight 1e1
run astronaut_style_half "$samples/astronaut.png" "$samples/strokes.png" --style-scale 0.5

python3 - "$samples" "$full" "$thumbs" <<'PY'
import os, sys
from PIL import Image
samples, full, thumbs = sys.argv[1:]
sources = [(os.path.join(samples, f), f[:-4]) for f in sorted(os.listdir(samples)) if f.endswith(".png")]
sources += [(os.path.join(full, f), f[:-4]) for f in sorted(os.listdir(full)) if f.endswith(".png")]
for path, name in sources:
    im = Image.open(path).convert("RGB")
    im.thumbnail((256, 256), Image.LANCZOS)
    im.save(os.path.join(thumbs, "gallery-" + name + ".jpg"), quality=85)
PY
echo "thumbnails in $thumbs"
