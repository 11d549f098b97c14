#!/usr/bin/env bash
# Speed and memory, engine vs PyTorch, measured side by side in one run on this machine: the table of
# issue 18 (sgemm per OpenBLAS core, StyTr², Gram objective evaluation, one Winograd conv layer).
#   bash tools/bench.sh [--with-1024] [--high-res] [--no-pytorch] [--compare BIN] [--bin BIN]
# --with-1024 adds StyTr² 1024²; --high-res StyTr² on a 2048×1152 content with a 1024² style (minutes).
# --compare BIN times another stylize binary (e.g. a build of main) on the same rows, interleaved;
# --bin BIN times BIN instead of building .build/release/stylize.
# sgemm runs once per OpenBLAS core when the core in use and the other candidate (the engine's pick, or
# OpenBLAS's own) differ; only that one child process gets OPENBLAS_CORETYPE. Each row runs in its own
# process (peak RSS from /usr/bin/time). PyTorch rows need torch (pip install torch numpy); set
# STYTR2_OFFICIAL=PATH to time the official StyTr² modules instead of the equal stand-in.
# Writes the table to out/bench.md and prints it.
set -euo pipefail
cd "$(dirname "$0")/.."
with1024=0; highres=0; pytorch=1; compare=""; bin=
while [ $# -gt 0 ]; do
  case "$1" in
    --with-1024) with1024=1 ;; --high-res) highres=1 ;; --no-pytorch) pytorch=0 ;;
    --compare) compare=$(realpath "$2"); shift ;;
    --bin) bin=$(realpath "$2"); shift ;;
    *) echo "unknown option $1" >&2; exit 2 ;;
  esac
  shift
done
python3 -c "import torch" 2>/dev/null || pytorch=0
if [ -z "$bin" ]; then swift build -c release --product stylize >/dev/null; bin=.build/release/stylize; fi
cpu=$(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')
info=$($bin info)
field() { echo "$info" | grep "^$1:" | cut -d: -f2- | sed 's/^ *//'; }
core=$(field "BLAS core"); kernels=$(field kernels)

# run CMD… → "seconds peakMB GFLOP/s" (the first time the command reports, "-" if none; RSS of the process)
measure() {
  local log; log=$(mktemp)
  /usr/bin/time -f "RSS %M" "$@" >"$log" 2>&1 || { cat "$log" >&2; rm -f "$log"; echo "- - -"; return; }
  local rss; rss=$(awk '/^RSS/ {printf "%.0f", $2/1024}' "$log")
  local sec; sec=$({ grep -oE '"seconds": [0-9.]+|: [0-9.]+ s' "$log" || true; } | head -1 | { grep -oE '[0-9.]+' || true; } | head -1)
  local gflops; gflops=$({ grep -oE '[0-9.]+ GFLOP/s( effective)?' "$log" || true; } | head -1 | { grep -oE '^[0-9.]+' || true; })
  rm -f "$log"; echo "${sec:--} $rss ${gflops:--}"
}
fmt() { python3 -c "import sys; print(sys.argv[1] % tuple(float(a) for a in sys.argv[2:]))" "$@" 2>/dev/null || echo -; }

# sgemm on the core in use, then on the other candidate when it differs.
other=$(echo "$info" | sed -n 's/^environment: *OPENBLAS_CORETYPE=[^;]*; without it: //p')
[ -z "$other" ] && other=$(field "OpenBLAS pick")
read -r _ _ sgemm < <(measure $bin bench sgemm)
sgemm_rows=("| sgemm 2048³, OpenBLAS $core kernel | $sgemm GFLOP/s | – | the core the engine runs here |")
if [ -n "$other" ] && [ "$other" != "$core" ] && [[ "$other" != *"OpenBLAS's own"* ]]; then
  read -r _ _ g2 < <(measure env OPENBLAS_CORETYPE="$other" $bin bench sgemm)
  sgemm_rows+=("| sgemm 2048³, OpenBLAS $other kernel | $g2 GFLOP/s | – | the other candidate (OPENBLAS_CORETYPE=$other for this row only) |")
fi

# row LABEL "STYLIZE ARGS" "PYTORCH ARGS or -" NOTE [flops]: one table row, engine (and --compare) vs PyTorch.
row() {
  local label=$1 args=$2 torch_args=$3 note=$4
  read -r s1 m1 g1 < <(measure $bin $args)
  local cell; cell=$(fmt '%.2f s' "$s1")
  [ "$g1" != - ] && cell="$cell = $(fmt '%.0f GFLOP/s = %.0f %% of sgemm' "$g1" "$(python3 -c "print(100*$g1/$sgemm)")")"
  local cmp=""
  if [ -n "$compare" ]; then read -r s3 _ _ < <(measure "$compare" $args); cmp=" | $(fmt '%.2f s' "$s3") ($(fmt '%.2f×' "$(python3 -c "print($s3/$s1)" 2>/dev/null || echo nan)"))"; fi
  local torch="–"
  if [ $pytorch = 1 ] && [ "$torch_args" != - ]; then
    read -r s2 _ _ < <(measure python3 tools/bench_pytorch.py $torch_args)
    torch="$(fmt '%.2f s' "$s2") ($(fmt '%.2f×' "$(python3 -c "print($s2/$s1)" 2>/dev/null || echo nan)") ours)"
  fi
  echo "| $label | $cell$cmp | $torch | $note; peak RSS $m1 MB |"
}

# bf16 rows where the CPU runs bf16 ("precision: fp32, bf16" in stylize info).
bf16=0; [[ "$(field precision)" == "fp32, bf16"* ]] && bf16=1

out=out/bench.md; mkdir -p out
{
  echo "CPU: $cpu, $(nproc) cores, flags $(field 'CPU flags'); kernels: $kernels; precision: $(field precision)"
  echo
  if [ -n "$compare" ]; then
    echo "| work | stylize | $compare, same run (its time / ours) | PyTorch | note |"; echo "|---|---|---|---|---|"
    for r in "${sgemm_rows[@]}"; do echo "${r/ | – |/ | – | – |}"; done
  else
    echo "| work | stylize | PyTorch | note |"; echo "|---|---|---|---|"
    printf '%s\n' "${sgemm_rows[@]}"
  fi
  row "StyTr² 256²" "bench stytr2 --size 256" "stytr2 --size 256" "forward, seeded official-size weights"
  row "StyTr² 512² (798 GFLOP)" "bench stytr2 --size 512" "stytr2 --size 512" "forward, seeded official-size weights"
  [ $with1024 = 1 ] && row "StyTr² 1024²" "bench stytr2 --size 1024" "stytr2 --size 1024" "forward"
  if [ $bf16 = 1 ]; then
    row "bf16 gemm 2048³" "bench sgemm --precision bf16" - "the engine's AVX512-BF16 kernel, fp32 accumulation (rate against fp32 sgemm)"
    row "attention core 4096 tokens, fp32" "bench attention --tokens 4096" - "softmax(QKᵀ)V, 8 heads of 64"
    row "attention core 4096 tokens, bf16" "bench attention --tokens 4096 --precision bf16" - "QKᵀ and PV as bf16 dot products"
    row "StyTr² 512², bf16" "bench stytr2 --size 512 --precision bf16" - "forward, bf16 operands, fp32 accumulation"
    [ $with1024 = 1 ] && row "StyTr² 1024², bf16" "bench stytr2 --size 1024 --precision bf16" - "forward"
  fi
  [ $highres = 1 ] && row "StyTr² 2048×1152, style 1024²" "bench stytr2 --size 2048x1152 --style-size 1024" - "forward, CNN decoder in bands"
  row "Gram objective evaluation 512², VGG-19" "bench gram-eval --size 512 --network vgg19" "gram --size 512" \
      "forward+backward (PyTorch: one torch.optim.LBFGS(max_iter=1) step, one evaluation)"
  row "Gram objective evaluation 512², random network" "bench gram-eval --size 512 --network random" - "the no-weights network (3/5/7 px filters: no Winograd layer)"
  row "conv 3×3 64→64 512², Winograd, forward + input gradient" "bench conv --size 512 --channels 64" - "StyTr²'s last decoder layer; VGG-19 conv1_2 at 512²"
} | tee "$out"
