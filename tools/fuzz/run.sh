#!/usr/bin/env bash
# Builds and runs the fuzzers, one after another, each for SECONDS (default 60), and prints the
# executions, crashes, hangs, out-of-memory and sanitizer reports of each.
#
#   tools/fuzz/run.sh [SECONDS] [png|jpeg|webp|heif|tiff|gif|bmp|npy|safetensors|unpickle ...]   (default: all ten)
#   tools/fuzz/run.sh --build-only
#
# Fuzzers (all libFuzzer, one process each):
#   png, jpeg, webp, heif, tiff, gif, bmp
#                 C harnesses (<name>_fuzz.c) calling Sources/CImageCodecs directly (heif: HEIC and
#                 AVIF), clang -fsanitize=fuzzer,address,undefined (the codec libraries are the system ones).
#   npy           Swift harness (swift_fuzz.swift -D FUZZ_NPY): NPY.read and ImageFile.read(data:),
#   safetensors   (-D FUZZ_SAFETENSORS): SafeTensorsFile header parsing, tensor reads, write round trip;
#                 swiftc -sanitize=fuzzer,address over Sources/StyleIO and three Sources/StyleCore files,
#                 compiled outside SwiftPM, so the package build is unaffected.
#   unpickle      atheris harness (unpickle_fuzz.py) over tools/convert_weights.py's load_checkpoint
#                 (pip install atheris).
# Seeds: tools/fuzz/corpus/<name>/ (regenerate with tools/fuzz/make_corpus.py); dictionaries in
# tools/fuzz/dict/. Everything generated (binaries, grown corpora, crash/timeout artifacts, logs)
# goes to .build-fuzz/ (gitignored). Reproduce a crash: .build-fuzz/<name>_fuzz ARTIFACT
# (unpickle: python3 tools/fuzz/unpickle_fuzz.py ARTIFACT).
#
# A single allocation over 512 MB (MALLOC_LIMIT_MB) counts as an out-of-memory finding: every
# harness caps images at 1 Mpx, so only a size taken on trust from a header can ask for that much.
# An input running longer than 30 s (FUZZ_TIMEOUT) counts as a hang: a 1 Mpx decode and re-encode takes
# well under a second of CPU, but a loaded 2-core machine stretches 10 s limits into false hangs.
#
# Needs clang with the libFuzzer runtime (the Swift toolchain's clang has it) and the codec libraries'
# headers (tools/setup-deps.sh installs them). CLANG=/path/to/clang and SWIFTC=/path/to/swiftc override the compilers.
# The system libpng and libjpeg are not instrumented, so libFuzzer sees no coverage inside them and
# ASan does not check their memory accesses. LIBPNG_SRC=/path/to/libpng-1.6.x and
# LIBJPEG_SRC=/path/to/libjpeg-turbo (source trees, e.g. the tags matching the system's versions;
# libjpeg-turbo needs cmake) build them with the harnesses' sanitizers and link those instead.
set -euo pipefail
cd "$(dirname "$0")/../.."
ROOT=$PWD
FUZZ=$ROOT/tools/fuzz
OUT=${FUZZ_OUT:-$ROOT/.build-fuzz}

BUILD_ONLY=0
SECONDS_EACH=60
if [[ ${1:-} == --build-only ]]; then BUILD_ONLY=1; shift
elif [[ ${1:-} =~ ^[0-9]+$ ]]; then SECONDS_EACH=$1; shift
fi
ALL=(png jpeg webp heif tiff gif bmp npy safetensors unpickle)
if [[ $# -gt 0 ]]; then SELECTED=("$@"); else SELECTED=("${ALL[@]}"); fi

SWIFTC=${SWIFTC:-$(command -v swiftc)}
if [[ -z ${CLANG:-} ]]; then
    # Prefer the clang next to swiftc: it ships libclang_rt.fuzzer.
    if [[ -x $(dirname "$SWIFTC")/clang ]]; then CLANG=$(dirname "$SWIFTC")/clang; else CLANG=$(command -v clang); fi
fi
LINKER=() SWIFT_LINKER=()
if command -v ld.lld >/dev/null 2>&1 || [[ -x $(dirname "$CLANG")/ld.lld ]]; then LINKER=(-fuse-ld=lld) SWIFT_LINKER=(-use-ld=lld); fi
mkdir -p "$OUT"

CODEC_SOURCES=("$ROOT"/Sources/CImageCodecs/*.c)
C_FLAGS=(-g -O1 -fno-omit-frame-pointer -I "$ROOT/Sources/CImageCodecs/include" -I "$ROOT/Sources/CImageCodecs" -I "$ROOT/Sources/CCrypto/include")
PNG_LINK=(-lpng16 -lz)
if [[ -n ${LIBPNG_SRC:-} ]]; then
    echo "building libpng from $LIBPNG_SRC with ASan, UBSan and fuzzer coverage"
    lib=$OUT/libpng
    rm -rf "$lib"; mkdir -p "$lib/include"
    cp "$LIBPNG_SRC"/{png.h,pngconf.h} "$lib/include/"
    cp "$LIBPNG_SRC/scripts/pnglibconf.h.prebuilt" "$lib/include/pnglibconf.h"
    for src in png pngerror pngget pngmem pngpread pngread pngrio pngrtran pngrutil pngset pngtrans pngwio pngwrite pngwtran pngwutil; do
        "$CLANG" -c -g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined \
            -DPNG_ARM_NEON_OPT=0 -DPNG_INTEL_SSE_OPT=0 -I "$lib/include" "$LIBPNG_SRC/$src.c" -o "$lib/$src.o"
    done
    ar rcs "$lib/libpng.a" "$lib"/*.o
    C_FLAGS=(-I "$lib/include" "${C_FLAGS[@]}")
    PNG_LINK=("$lib/libpng.a" -lz)
fi
JPEG_LINK=(-ljpeg)
if [[ -n ${LIBJPEG_SRC:-} ]]; then
    echo "building libjpeg from $LIBJPEG_SRC with ASan, UBSan and fuzzer coverage"
    lib=$OUT/libjpeg
    rm -rf "$lib"
    cmake -S "$LIBJPEG_SRC" -B "$lib" -DCMAKE_C_COMPILER="$CLANG" -DCMAKE_BUILD_TYPE=None -DENABLE_SHARED=0 -DWITH_SIMD=0 \
        -DWITH_TURBOJPEG=0 -DCMAKE_C_FLAGS="-g -O1 -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined" >/dev/null
    make -C "$lib" -j2 jpeg-static >/dev/null
    C_FLAGS=(-I "$lib" -I "$LIBJPEG_SRC" "${C_FLAGS[@]}")
    JPEG_LINK=("$lib/libjpeg.a")
fi

# The codec libraries beyond libpng/libjpeg (Package.swift's CImageCodecs linker settings).
OTHER_LINK=(-lwebp -lwebpdemux -lwebpmux -lheif -ltiff -lgif -lpthread)

build_c() {  # name
    echo "building $1_fuzz (clang: $CLANG)"
    "$CLANG" "${LINKER[@]}" "${C_FLAGS[@]}" -fsanitize=fuzzer,address,undefined -fno-sanitize-recover=undefined \
        "$FUZZ/$1_fuzz.c" "${CODEC_SOURCES[@]}" "${PNG_LINK[@]}" "${JPEG_LINK[@]}" "${OTHER_LINK[@]}" -lm -o "$OUT/$1_fuzz"
}

build_swift() {  # name DEFINE
    local name=$1 define=$2 b=$OUT/swift-$1
    echo "building ${name}_fuzz (swiftc: $SWIFTC)"
    rm -rf "$b"; mkdir -p "$b/include"
    printf 'module CImageCodecs {\n  header "%s"\n  export *\n}\nmodule CCrypto {\n  header "%s"\n  export *\n}\n' \
        "$ROOT/Sources/CImageCodecs/include/CImageCodecs.h" "$ROOT/Sources/CCrypto/include/CCrypto.h" > "$b/include/module.modulemap"
    local objects=()
    for src in "${CODEC_SOURCES[@]}" "$ROOT/Sources/CCrypto/sha256.c"; do
        "$CLANG" -c "${C_FLAGS[@]}" -fsanitize=fuzzer-no-link,address "$src" -o "$b/$(basename "$src" .c).o"
        objects+=("$b/$(basename "$src" .c).o")
    done
    local sflags=(-parse-as-library -O -g -sanitize=fuzzer,address -wmo -I "$b" -Xcc "-fmodule-map-file=$b/include/module.modulemap")
    # StyleCore: only what StyleIO uses (Tensor, StyleError and its InvalidOption, WeightProvider and its SplitMix64); the rest needs BLAS.
    "$SWIFTC" "${sflags[@]}" -module-name StyleCore -emit-module -emit-module-path "$b/StyleCore.swiftmodule" -c \
        "$ROOT"/Sources/StyleCore/{Tensor,StyleError,InvalidOption,WeightProvider,SplitMix64}.swift -o "$b/StyleCore.o"
    "$SWIFTC" "${sflags[@]}" -enable-testing -module-name StyleIO -emit-module -emit-module-path "$b/StyleIO.swiftmodule" -c \
        "$ROOT"/Sources/StyleIO/*.swift -o "$b/StyleIO.o"
    "$SWIFTC" "${sflags[@]}" "${SWIFT_LINKER[@]}" -D "$define" -module-name Fuzz "$FUZZ/swift_fuzz.swift" "$b/StyleIO.o" "$b/StyleCore.o" \
        "${objects[@]}" "${PNG_LINK[@]}" "${JPEG_LINK[@]}" "${OTHER_LINK[@]}" -lcrypto -o "$OUT/${name}_fuzz"
}

build() {
    case $1 in
        png|jpeg|webp|heif|tiff|gif|bmp) build_c "$1" ;;
        npy) build_swift npy FUZZ_NPY ;;
        safetensors) build_swift safetensors FUZZ_SAFETENSORS ;;
        unpickle) python3 -c 'import atheris' 2>/dev/null || { echo "unpickle: needs atheris (pip install atheris)"; return 1; } ;;
        *) echo "unknown fuzzer '$1' (choose from: ${ALL[*]})"; return 1 ;;
    esac
}

for name in "${SELECTED[@]}"; do build "$name"; done
[[ $BUILD_ONLY == 1 ]] && exit 0

SUMMARY=()
for name in "${SELECTED[@]}"; do
    work=$OUT/run/$name
    mkdir -p "$work/corpus" "$work/artifacts"
    rm -f "$work/artifacts"/*
    if [[ $name == unpickle ]]; then cmd=(python3 "$FUZZ/unpickle_fuzz.py"); else cmd=("$OUT/${name}_fuzz"); fi
    dict=()
    [[ -f $FUZZ/dict/$name.dict ]] && dict=(-dict="$FUZZ/dict/$name.dict")
    echo "running $name for ${SECONDS_EACH}s (log: $work/log)"
    start=$(date +%s)
    ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:allocator_may_return_null=1} \
    UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1} \
    LSAN_OPTIONS=${LSAN_OPTIONS:-suppressions=$FUZZ/lsan.supp:print_suppressions=0} \
        "${cmd[@]}" -max_total_time="$SECONDS_EACH" -timeout=${FUZZ_TIMEOUT:-30} -rss_limit_mb=2560 -malloc_limit_mb=${MALLOC_LIMIT_MB:-512} -print_final_stats=1 \
        "${dict[@]}" -artifact_prefix="$work/artifacts/" "$work/corpus" "$FUZZ/corpus/$name" > "$work/log" 2>&1 || true
    elapsed=$(( $(date +%s) - start ))
    execs=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$work/log" | tail -1 | grep -o '[0-9]*$' || true)
    [[ -z $execs ]] && execs=$(grep -oE '^#[0-9]+' "$work/log" | tail -1 | tr -d '#' || true)
    count() { find "$work/artifacts" -name "$1*" 2>/dev/null | wc -l; }
    crashes=$(( $(count crash-) + $(count leak-) + $(count deadly-) ))
    hangs=$(count timeout-)
    ooms=$(count oom-)
    reports=$(grep -cE 'ERROR: (AddressSanitizer|LeakSanitizer|UndefinedBehaviorSanitizer|libFuzzer)|runtime error:|fuzz check failed|Fatal error|Uncaught Python exception' "$work/log" || true)
    corpus=$(find "$work/corpus" -type f | wc -l)
    line=$(printf '%-12s %5ss  executions %-10s crashes %-3s hangs %-3s ooms %-3s sanitizer/check reports %-3s corpus %s' \
        "$name" "$elapsed" "${execs:-?}" "$crashes" "$hangs" "$ooms" "$reports" "$corpus")
    echo "$line"
    SUMMARY+=("$line")
    if (( crashes + hangs + ooms + reports > 0 )); then
        echo "  artifacts: $(ls "$work/artifacts" | tr '\n' ' ')"
        grep -m5 -E 'ERROR:|runtime error:|fuzz check failed|Fatal error|Uncaught Python exception|SUMMARY' "$work/log" | sed 's/^/  /' || true
    fi
done
echo
echo "summary (${SECONDS_EACH}s each):"
printf '%s\n' "${SUMMARY[@]}"
