#!/usr/bin/env bash
# Speed and memory, engine vs PyTorch, measured side by side in one run on this machine.
#   bash tools/bench.sh [--with-1024] [--high-res] [--no-pytorch]
# --high-res adds StyTr² on a 2048×1152 content with a 1024² style (engine only; minutes).
# Each row runs in its own process (peak RSS from /usr/bin/time). PyTorch rows need torch
# (pip install torch numpy); set STYTR2_OFFICIAL=PATH to time the official StyTr² modules
# instead of the equal stand-in. Writes the table to out/bench.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
with1024=0; highres=0; pytorch=1
for a in "$@"; do
  case "$a" in --with-1024) with1024=1 ;; --high-res) highres=1 ;; --no-pytorch) pytorch=0 ;; *) echo "unknown option $a" >&2; exit 2 ;; esac
done
python3 -c "import torch" 2>/dev/null || pytorch=0
swift build -c release --product stylize >/dev/null
bin=.build/release/stylize
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')

# run CMD… → "seconds peakMB GFLOP/s" (seconds and effective GFLOP/s as the command reports them, "-" if it
# reports none; RSS of the whole process)
measure() {
  local log; log=$(mktemp)
  /usr/bin/time -f "RSS %M" "$@" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; echo "failed - -"; return; }
  local rss; rss=$(awk '/^RSS/ {printf "%.0f", $2/1024}' "$log")
  local sec; sec=$(grep -oE '"seconds": [0-9.]+|: [0-9.]+ s' "$log" | head -1 | grep -oE '[0-9.]+' | head -1)
  local gflops; gflops=$(grep -oE '[0-9.]+ GFLOP/s effective' "$log" | grep -oE '^[0-9.]+' || echo -)
  rm -f "$log"; echo "$sec $rss $gflops"
}

rows=("stytr2 256" "stytr2 512" "gram 256" "gram 512")
[ $with1024 = 1 ] && rows=("stytr2 256" "stytr2 512" "stytr2 1024" "gram 256" "gram 512")
sgemm=$($bin bench sgemm | grep -oE '[0-9.]+ GFLOP/s' | grep -oE '[0-9.]+')
out=out/bench.md; mkdir -p out
{
  echo "CPU: $cpu, $(nproc) cores; $($bin info | grep 'BLAS core' | sed 's/  */ /g'); sgemm 2048³: $sgemm GFLOP/s"
  echo
  echo "| work | stylize | effective GFLOP/s (% of sgemm) | its peak RSS | PyTorch | its peak RSS | speed-up |"
  echo "|---|---|---|---|---|---|---|"
  for row in "${rows[@]}"; do
    set -- $row; work=$1; size=$2
    label="StyTr² forward ${size}²"; [ "$work" = gram ] && label="Gatys L-BFGS step ${size}²"
    read -r s1 m1 g1 < <(measure $bin bench "$work" --size "$size")
    if [ $pytorch = 1 ]; then read -r s2 m2 _ < <(measure python3 tools/bench_pytorch.py "$work" --size "$size"); else s2=-; m2=-; fi
    ratio=$(python3 -c "print(f'{float(\"$s2\")/float(\"$s1\"):.2f}×')" 2>/dev/null || echo -)
    share=$(python3 -c "print(f'$g1 ({100*float(\"$g1\")/float(\"$sgemm\"):.0f} %)')" 2>/dev/null || echo -)
    printf '| %s | %.2f s | %s | %s MB | %s | %s MB | %s |\n' "$label" "$s1" "$share" "$m1" "$( [ "$s2" = - ] && echo - || printf '%.2f s' "$s2")" "$m2" "$ratio"
  done
  if [ $highres = 1 ]; then
    read -r s1 m1 g1 < <(measure $bin bench stytr2 --size 2048x1152 --style-size 1024)
    share=$(python3 -c "print(f'$g1 ({100*float(\"$g1\")/float(\"$sgemm\"):.0f} %)')" 2>/dev/null || echo -)
    printf '| StyTr² forward 2048×1152, style 1024² | %.2f s | %s | %s MB | - | - | - |\n' "$s1" "$share" "$m1"
  fi
} | tee "$out"
