#!/usr/bin/env bash
# Measures `stylize video` (not a test; timings are noisy on shared machines, compare within one run):
#   1. frames/s at 512×288 and 1280×720, transformer mode (random official-size StyTr² weights from
#      tools/make_random_stytr2_weights.py: d 512, 8 heads, FFN 2048, 3 layers, CNN 256) and Gram mode
#      (seeded random network; first frame = whole schedule, later frames = --warm-steps);
#   2. resident memory sampled every 0.2 s over a 300-frame clip (transformer, 128×72, small model);
#   3. flicker, sharpness and motion lag of each stabilisation option on the two test clips
#      (tools/make_test_clips.sh: still camera + moving disc over astronaut; slow pan across chelsea),
#      transformer at 128×72 (30 frames) and Gram at 64×36 (15 frames), via tools/video_metrics.py;
#   4. Sources/StyleTransfer/StyleTransfer.docc/video-strip.jpg: input / plain Gram / warm start + mask, four frames of the still clip.
# Writes out/video_bench/report.md.   bash tools/video_bench.sh [--skip-720-gram]
# STYLIZE_BIN=path uses that binary instead of building one; PARTS="stability-transformer stability-gram
# memory speed" (default: all) runs some parts; OUT=dir writes elsewhere (default out/video_bench).
set -euo pipefail
cd "$(dirname "$0")/.."
skip720gram=0; [ "${1:-}" = "--skip-720-gram" ] && skip720gram=1
B=${STYLIZE_BIN:-}
[ -n "$B" ] || { swift build -c release --product stylize >/dev/null; B=$PWD/.build/release/stylize; }
out=${OUT:-out/video_bench}; rm -rf "$out"; mkdir -p "$out"
parts=${PARTS:-stability-transformer stability-gram memory speed}
want() { [[ " $parts " == *" $1 "* ]]; }
report=$out/report.md
style=tools/samples/strokes.png
w=$out/stytr2.safetensors
python3 tools/make_random_stytr2_weights.py "$w" --d-model 512 --heads 8 --ffn 2048 --layers 3 --cnn-width 256
cpu=$(lscpu | sed -n 's/^Model name: *//p' | head -1)
{ echo "# stylize video bench"; echo; echo "CPU: $cpu, $(nproc) cores; $(ffmpeg -version | head -1 | cut -d' ' -f1-3)"; echo; } > "$report"

# The rate printed on a progress line "frame K/N  R frames/s …" for frame K.
rate_at() { sed -n "s|^frame $2/[0-9]*  \([0-9.]*\) frames/s.*|\1|p" "$1" | tail -1; }

echo "## Temporal stability" >> "$report"; echo >> "$report"
stability() {  # mode w h seconds label:args …
  local mode=$1 cw=$2 ch=$3 seconds=$4; shift 4
  local dir=$out/flicker-$mode
  bash tools/make_test_clips.sh "$dir" "$cw" "$ch" "$seconds"
  for clip in still pan; do
    local dirs=()
    echo "### $mode, $clip clip (${cw}×${ch})" >> "$report"; echo >> "$report"
    echo "| option | frames/s |" > "$dir/$clip-speed.md"; echo "|---|---|" >> "$dir/$clip-speed.md"
    for spec in "$@"; do
      local label=${spec%%:*} args=${spec#*:}
      # shellcheck disable=SC2086
      "$B" video "$dir/$clip.mp4" "$style" -o "$dir/$clip-$label/%04d.npy" --mode "$mode" --weights "$w" $args 2> "$dir/$clip-$label.log"
      echo "| $label | $(sed -n 's/.* \([0-9.]*\) frames\/s, flicker.*/\1/p' "$dir/$clip-$label.log") |" >> "$dir/$clip-speed.md"
      dirs+=("$dir/$clip-$label")
    done
    python3 tools/video_metrics.py "$dir/$clip.mp4" "${dirs[@]}" >> "$report"
    if [ "$mode" = gram ]; then  # the stabilisers against the warm-started run they start from
      echo >> "$report"; python3 tools/video_metrics.py "$dir/$clip.mp4" "${dirs[@]:1}" >> "$report"
    fi
    echo >> "$report"; cat "$dir/$clip-speed.md" >> "$report"; echo >> "$report"
  done
}
want stability-transformer && stability transformer 128 72 1.001 "plain:--stabilize none" "mask:--stabilize mask" "blend:--stabilize blend"
want stability-gram && stability gram 64 36 0.5005 "plain-cold:--warm-steps 0" "warm:--stabilize none" "warm-mask:--stabilize mask" "warm-blend:--stabilize blend"

# Strip: rows input / plain (cold) / warm start + mask; frames 1, 5, 10, 15 of the Gram still clip.
want stability-gram && python3 - "$out/flicker-gram" "$out/strip.ppm" <<'PY'
import os, subprocess, sys
import numpy as np
d, target = sys.argv[1:]
def frames(sub): return [np.load(os.path.join(d, sub, f"{i:04d}.npy")) for i in (1, 5, 10, 15)]
raw = subprocess.run(["ffmpeg", "-v", "error", "-i", os.path.join(d, "still.mp4"), "-f", "rawvideo", "-pix_fmt", "rgb24", "-"], capture_output=True, check=True).stdout
first = frames("still-plain-cold")[0]
h, w = first.shape[1:]
inputs = np.frombuffer(raw, np.uint8).reshape(-1, h, w, 3)
rows = [np.concatenate([inputs[i - 1] for i in (1, 5, 10, 15)], axis=1)]
for sub in ("still-plain-cold", "still-warm-mask"):
    rows.append(np.concatenate([(np.clip(f, 0, 1).transpose(1, 2, 0) * 255 + 0.5).astype(np.uint8) for f in frames(sub)], axis=1))
strip = np.concatenate(rows, axis=0)
with open(target, "wb") as f:
    f.write(b"P6 %d %d 255\n" % (strip.shape[1], strip.shape[0]) + strip.tobytes())
PY
want stability-gram && ffmpeg -v error -y -i "$out/strip.ppm" -vf scale=iw*2:ih*2:flags=neighbor -q:v 5 Sources/StyleTransfer/StyleTransfer.docc/video-strip.jpg
want stability-gram && echo "Strip: Sources/StyleTransfer/StyleTransfer.docc/video-strip.jpg ($(stat -c %s Sources/StyleTransfer/StyleTransfer.docc/video-strip.jpg) bytes)" >> "$report"
if want memory; then
echo "## Memory over 300 frames (transformer, 128×72, small random model: d 64, CNN 16)" >> "$report"; echo >> "$report"
dir=$out/rss; bash tools/make_test_clips.sh "$dir" 128 72 10.01
python3 tools/make_random_stytr2_weights.py "$dir/small.safetensors"
"$B" video "$dir/still.mp4" "$style" -o "$dir/out.mp4" --weights "$dir/small.safetensors" 2> "$dir/log" & pid=$!
: > "$dir/rss.csv"
while kill -0 $pid 2>/dev/null; do
  kb=$(sed -n 's/^VmRSS:[[:space:]]*\([0-9]*\) kB/\1/p' /proc/$pid/status 2>/dev/null || true)
  done_frames=$(grep -o 'frame [0-9]*' "$dir/log" | tail -1 | cut -d' ' -f2 || true)
  [ -n "$kb" ] && echo "${done_frames:-0},$kb" >> "$dir/rss.csv"
  sleep 0.2
done
wait $pid
awk -F, 'NR > 1 { f = $1; r = $2 / 1024; if (r > peak) peak = r; if (f >= 30 && !a) a = r; if (f >= 150 && !b) b = r; last = r }
  END { printf "RSS after ~30 frames %.0f MB, after ~150 frames %.0f MB, at the end %.0f MB, peak %.0f MB (%d samples)\n\n", a, b, last, peak, NR }' "$dir/rss.csv" >> "$report"
tail -1 "$dir/log" >> "$report"; echo >> "$report"
fi

if want speed; then
echo "## Speed" >> "$report"; echo >> "$report"
echo "| mode | size | frames | frames/s (all) | first frame s | later frames s each |" >> "$report"
echo "|---|---|---|---|---|---|" >> "$report"
speed() {  # mode size-label w h frames extra…
  local mode=$1 label=$2 cw=$3 ch=$4 n=$5; shift 5
  local dir=$out/speed-$mode-$label
  bash tools/make_test_clips.sh "$dir" "$cw" "$ch" "$(awk -v n="$n" 'BEGIN { printf "%.4f", n * 1001 / 30000 }')"
  "$B" video "$dir/still.mp4" "$style" -o "$dir/out.mp4" --mode "$mode" --weights "$w" "$@" 2> "$dir/log" || { cat "$dir/log"; exit 1; }
  local r1 rn all
  r1=$(rate_at "$dir/log" 1); rn=$(rate_at "$dir/log" "$n")
  all=$(sed -n 's/.* \([0-9.]*\) frames\/s, flicker.*/\1/p' "$dir/log")
  awk -v m="$mode" -v l="$label" -v n="$n" -v r1="$r1" -v rn="$rn" -v all="$all" \
    'BEGIN { t1 = 1 / r1; tn = n / rn; printf "| %s | %s | %d | %.3f | %.2f | %.2f |\n", m, l, n, all, t1, (tn - t1) / (n - 1) }' >> "$report"
}
speed transformer 512x288 512 288 2
speed transformer 1280x720 1280 720 2
speed gram 512x288 512 288 3
[ $skip720gram = 1 ] || speed gram 1280x720 1280 720 2
echo >> "$report"
fi

cat "$report"
