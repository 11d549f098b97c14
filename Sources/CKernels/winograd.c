#include "CKernels.h"
#include <stdlib.h>
#include <string.h>

// Winograd F(4×4,3×3) input/output transforms and their adjoints (the GEMMs between them stay in Swift on
// OpenBLAS). winograd_body.h is compiled once per instruction set: 4-wide baseline, 8-wide AVX2+FMA,
// 16-wide AVX-512 (and 16-wide on AVX2, the AVX-512 code's check); sk_isa_active picks one per call.

// Source index on an axis of length n of padded coordinate q, or -1 for a zero (pad or beyond the padded image).
static inline long wg_source(const sk_winograd_geometry *g, long q, long n) {
    if (q >= n + 2 * g->padding) return -1;
    const long i = q - g->padding;
    if (i >= 0 && i < n) return i;
    if (!g->reflect) return -1;
    return i < 0 ? -i : 2 * n - 2 - i;
}

// Tiles [lo, hi) of `count` whose `width` columns from padded column 4t all lie inside the image (no pad to map).
static inline void wg_interior(const sk_winograd_geometry *g, long width, long count, long *lo, long *hi) {
    const long p = g->padding, last = g->width + p - width;
    *lo = count < (p + 3) / 4 ? count : (p + 3) / 4;
    long end = last < 0 ? 0 : last / 4 + 1;
    if (end > count) end = count;
    *hi = end > *lo ? end : *lo;
}

#define WG_VEC 4
#define WG_NAME(f) f##_generic
#include "winograd_body.h"
#undef WG_VEC
#undef WG_NAME

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define WG_VEC 8
#define WG_NAME(f) f##_avx2
#include "winograd_body.h"
#undef WG_VEC
#undef WG_NAME
#define WG_VEC 16
#define WG_NAME(f) f##_avx512_tiles_on_avx2
#include "winograd_body.h"
#undef WG_VEC
#undef WG_NAME
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma"))), apply_to = function)
#define WG_VEC 16
#define WG_NAME(f) f##_avx512
#include "winograd_body.h"
#undef WG_VEC
#undef WG_NAME
#pragma clang attribute pop
#define WG_DISPATCH(f, ...)                                                    \
    switch (sk_isa_active()) {                                                 \
    case SK_ISA_AVX512: f##_avx512(__VA_ARGS__); return;                       \
    case SK_ISA_AVX512_TILES_ON_AVX2: f##_avx512_tiles_on_avx2(__VA_ARGS__); return; \
    case SK_ISA_AVX2: f##_avx2(__VA_ARGS__); return;                           \
    default: f##_generic(__VA_ARGS__); return;                                 \
    }
#else
#define WG_DISPATCH(f, ...) f##_generic(__VA_ARGS__)
#endif

void sk_winograd_input_transform(const float *x, const sk_winograd_geometry *g, long c0, long c1,
                                 long ty0, long ty1, float *v, long tiles) {
    WG_DISPATCH(input_transform, x, g, c0, c1, ty0, ty1, v, tiles)
}

void sk_winograd_output_transform(const float *m, const sk_winograd_geometry *g, long k0, long k1,
                                  long ty0, long ty1, long tiles, const float *bias, int relu, float *y) {
    WG_DISPATCH(output_transform, m, g, k0, k1, ty0, ty1, tiles, bias, relu, y)
}

void sk_winograd_output_transform_backward(const float *dy, const sk_winograd_geometry *g, long k0, long k1,
                                           long ty0, long ty1, float *mbar, long tiles) {
    WG_DISPATCH(output_transform_backward, dy, g, k0, k1, ty0, ty1, mbar, tiles)
}

void sk_winograd_input_transform_backward(const float *vbar, const sk_winograd_geometry *g, long c0, long c1,
                                          long ty0, long ty1, long tiles, float *dx) {
    WG_DISPATCH(input_transform_backward, vbar, g, c0, c1, ty0, ty1, tiles, dx)
}
