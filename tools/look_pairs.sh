#!/usr/bin/env bash
# Issue 24's look comparison on three content × style pairs not used for tuning (rocket × waves,
# hubble × dots, chelsea × shards): each pair through an OLD and a NEW stylize binary with default
# settings and no weights, then `stylize bench gram-look` on both results, and 256 px JPEG thumbnails
# (content, style, old, new) into the DocC catalog as look-<content>-<style>-{content,style,before,after}.jpg.
#   bash tools/look_pairs.sh OLD_BIN NEW_BIN [SKIMAGE_DATA_DIR]
# The photos come from the scikit-image wheel's data folder (rocket and hubble_deep_field: NASA,
# public domain; chelsea: CC0), e.g. `pip download --no-deps scikit-image` and unzip it; Pillow resizes.
set -euo pipefail
cd "$(dirname "$0")/.."
old=$1 new=$2 data=${3:-$(python3 -c 'import skimage; print(skimage.data_dir)')}
work=out/look; thumbs=Sources/StyleTransfer/StyleTransfer.docc
mkdir -p "$work"
export STYLIZE_WEIGHTS=/nonexistent  # the no-weights default, whatever ./weights holds
python3 - "$data" "$work" <<'PY'
import os, sys
from PIL import Image
data, work = sys.argv[1:]
for src, name in (("rocket.jpg", "rocket"), ("hubble_deep_field.jpg", "hubble"), ("chelsea.png", "chelsea")):
    im = Image.open(os.path.join(data, src)).convert("RGB")
    im.thumbnail((384, 384), Image.LANCZOS)  # as tools/make_samples.py makes the samples
    im.save(os.path.join(work, name + ".png"))
PY
for pair in "rocket waves" "hubble dots" "chelsea shards"; do
  set -- $pair
  style=Sources/StyleServer/Styles/$2.jpg
  for side in old new; do
    bin=$old; [ $side = new ] && bin=$new
    start=$SECONDS
    "$bin" "$work/$1.png" "$style" -o "$work/$1-$2-$side.png" -q
    echo "$side $1 × $2: $((SECONDS - start)) s"
  done
  "$new" bench gram-look "$work/$1-$2-old.png" "$work/$1-$2-new.png" --content "$work/$1.png" --style "$style"
  python3 - "$work" "$thumbs" "$1" "$2" "$style" <<'PY'
import os, sys
from PIL import Image
work, thumbs, c, s, style = sys.argv[1:]
for src, tag in ((os.path.join(work, c + ".png"), "content"), (style, "style"),
                 (os.path.join(work, f"{c}-{s}-old.png"), "before"), (os.path.join(work, f"{c}-{s}-new.png"), "after")):
    im = Image.open(src).convert("RGB")
    im.thumbnail((256, 256), Image.LANCZOS)
    im.save(os.path.join(thumbs, f"look-{c}-{s}-{tag}.jpg"), quality=85)
PY
done
