#!/usr/bin/env bash
# The design notes' questions about optimisation-based transfer, answered with small image grids made by
# the engine (Gram mode) on the bundled samples: astronaut × strokes at 192 px, seed 0, defaults otherwise.
#   bash tools/experiments/run.sh [metrics|layers|networks|mrf|weights ...]   (default: all five)
# Results: out/experiments/*.png (full), Sources/StyleTransfer/StyleTransfer.docc/design-*.jpg (the DesignQuestions article's grids).
# Needs ImageMagick (montage, convert) and numpy. 22 runs of 192 px, 1–2.5 min each on a busy 2-core machine.
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${STYLIZE_BIN:-.build/release/stylize}  # STYLIZE_BIN: a copy, so a rebuild cannot swap it mid-run
[ -x "$bin" ] || swift build -c release --product stylize >/dev/null
content=tools/samples/astronaut.png style=tools/samples/strokes.png
full=out/experiments grids=Sources/StyleTransfer/StyleTransfer.docc
mkdir -p "$full" "$grids"
export STYLIZE_WEIGHTS=/nonexistent  # the random network unless --weights says otherwise
vgg=$full/random_vgg19.safetensors

run() {  # run NAME ARGS… : stylise into out/experiments/NAME.png (kept if already there)
  local name=$1; shift
  [ -s "$full/$name.png" ] && return
  local start=$SECONDS
  "$bin" "$content" "$style" -o "$full/$name.png" --mode gram --size 192 --seed 0 -q "$@"
  printf '%-24s %4d s\n' "$name" $((SECONDS - start))
}

grid() {  # grid OUT COLUMNS "label:name" … : rows of COLUMNS labelled 192 px tiles
  local out=$1 columns=$2; shift 2
  local args=()
  for item in "$@"; do args+=(-label "${item%%:*}" "$full/${item#*:}.png"); done
  montage "${args[@]}" -tile "${columns}x" -geometry +4+4 -pointsize 13 -quality 85 "$grids/design-$out.jpg"
  echo "wrote $grids/design-$out.jpg"
}

metrics() {  # metric_mse is the default run, which other grids reuse
  for m in mse l1 cosine frobenius kl; do run "metric_$m" --metric "$m"; done
  grid metrics 5 "mse:metric_mse" "l1:metric_l1" "cosine:metric_cosine" "frobenius:metric_frobenius" "kl (style):metric_kl"
}

layers() {
  [ -s "$vgg" ] || python3 tools/experiments/random_vgg19.py -o "$vgg"
  local sets=(relu1_1 relu1_1,relu2_1 relu1_1,relu2_1,relu3_1 relu1_1,relu2_1,relu3_1,relu4_1,relu5_1)
  local names=(1 1-2 1-3 1-5)
  for i in 0 1 2 3; do run "vgg_layers_${names[$i]}" --weights "$vgg" --style-layers "${sets[$i]}"; done
  run random_scales_full --style-layers relu3x3,relu5x5,relu7x7
  run random_scales_half --style-layers relu3x3,relu5x5,relu7x7,relu5x5_d2,relu7x7_d2
  run metric_mse
  grid layers 4 "VGG relu1_1:vgg_layers_1" "VGG 1-2:vgg_layers_1-2" "VGG 1-3:vgg_layers_1-3" "VGG 1-5:vgg_layers_1-5" \
    "random, full size:random_scales_full" "+ half:random_scales_half" "+ quarter:metric_mse"
}

networks() {
  [ -s "$vgg" ] || python3 tools/experiments/random_vgg19.py -o "$vgg"
  run metric_mse
  run vgg_layers_1-5 --weights "$vgg" --style-layers relu1_1,relu2_1,relu3_1,relu4_1,relu5_1
  grid networks 4 "content:content" "style:style" "random network:metric_mse" "random He VGG-19:vgg_layers_1-5"
}

mrf() {
  run metric_mse
  run style_loss_mrf --style-loss mrf --mrf-weight 0.1
  run style_loss_mrf_0.2 --style-loss mrf --mrf-weight 0.2
  run style_loss_both --style-loss both --mrf-weight 0.1
  grid mrf 4 "Gram:metric_mse" "MRF 0.1 (default):style_loss_mrf" "MRF 0.2:style_loss_mrf_0.2" "Gram + MRF 0.1:style_loss_both"
}

weights() {  # α/β with β at its default 1e2 (α = β·ratio), from the content and from noise
  for r in 1e-2 1e-3 1e-4 1e-5; do
    run "ratio_$r" --content-weight "$(python3 -c "print(1e2 * $r)")"
    run "ratio_noise_$r" --content-weight "$(python3 -c "print(1e2 * $r)")" --init-from noise
  done
  grid weights 4 "α/β 1e-2:ratio_1e-2" "1e-3:ratio_1e-3" "1e-4:ratio_1e-4" "1e-5:ratio_1e-5" \
    "noise start, 1e-2:ratio_noise_1e-2" "1e-3:ratio_noise_1e-3" "1e-4:ratio_noise_1e-4" "1e-5:ratio_noise_1e-5"
}

# The inputs at the grids' size, for the networks grid.
[ -s "$full/content.png" ] || convert "$content" -resize 192x192 "$full/content.png"
[ -s "$full/style.png" ] || convert "$style" -resize 192x192 "$full/style.png"
for experiment in "${@:-metrics layers networks mrf weights}"; do
  for e in $experiment; do "$e"; done
done
