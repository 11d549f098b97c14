#include "CKernels.h"
#include "exp2_neg.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

// Fused streaming attention for one head (flash-attention style): per block of BQ query rows and
// BK keys, S = Q·Kᵀ and O += exp2(S − m)·V run as register tiles on packed operands, with the
// online softmax in between, so scores live only in an L2-sized tile and nothing is packed per call.
// Written once (attention_body.h) and compiled per instruction set: baseline x86-64 and AVX2+FMA
// (6×16 tiles of 8-float vectors), AVX-512 (12×32 tiles of 16-float vectors); sk_isa_active picks one.

enum { NR = 16 };   // keys per packed K panel, features per packed V slice

// Vectors pass between always-inline helpers only, so the ABI a vector argument would have never matters.
#pragma clang diagnostic ignored "-Wpsabi"

#define INLINE static inline __attribute__((always_inline))

INLINE long round_up(long x, long m) { return (x + m - 1) / m * m; }

#define AT_VEC 8
#define AT_MR 6
#define AT_NAME(f) f##_generic
#include "attention_body.h"
#undef AT_VEC
#undef AT_MR
#undef AT_NAME

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#define AT_VEC 8
#define AT_MR 6
#define AT_NAME(f) f##_avx2
#include "attention_body.h"
#undef AT_NAME
// The AVX-512 variant's 12×32 tiling on AVX2 instructions: checks its tile arithmetic on CPUs without AVX-512.
#define AT_NAME(f) f##_avx512_tiles_on_avx2
#undef AT_VEC
#undef AT_MR
#define AT_VEC 16
#define AT_MR 12
#include "attention_body.h"
#undef AT_NAME
#pragma clang attribute pop

#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,fma"))), apply_to = function)
#define AT_NAME(f) f##_avx512
#include "attention_body.h"
#undef AT_NAME
#undef AT_VEC
#undef AT_MR
#pragma clang attribute pop
#endif

long sk_attention_packed_count(long nk, long dh) {
    return round_up(nk, NR) * dh + nk * round_up(dh, NR);
}

void sk_attention_pack(const float *k, long ldk, const float *v, long ldv, long nk, long dh, float *packed) {
    const long kpanels = round_up(nk, NR) / NR, dv = round_up(dh, NR);
    float *kp = packed, *vp = packed + kpanels * NR * dh;
    // K as panels of 16 keys, features outermost: kp[p][d][j] = k[16p + j][d] (zero past nk).
    for (long p = 0; p < kpanels; p++)
        for (long d = 0; d < dh; d++)
            for (long j = 0; j < NR; j++) {
                long key = p * NR + j;
                kp[(p * dh + d) * NR + j] = key < nk ? k[key * ldk + d] : 0;
            }
    // V as slices of 16 features, keys outermost: vp[c][key][j] = v[key][16c + j] (zero past dh).
    for (long c = 0; c < dv / NR; c++)
        for (long key = 0; key < nk; key++)
            for (long j = 0; j < NR; j++) {
                long d = c * NR + j;
                vp[(c * nk + key) * NR + j] = d < dh ? v[key * ldv + d] : 0;
            }
}

void sk_attention_rows(const float *q, long ldq, long nq, const float *packed, long nk, long dh, float scale,
                       float *out, long ldo, long query_block, long key_block) {
    const long bk = round_up(key_block < 1 ? 1 : key_block, NR), bq = query_block < 1 ? 1 : query_block;
#if defined(__x86_64__)
    switch (sk_isa_active()) {
    case SK_ISA_AVX512:
        attention_rows_avx512(q, ldq, nq, packed, nk, dh, scale, out, ldo, round_up(bq, 12), bk);
        return;
    case SK_ISA_AVX512_TILES_ON_AVX2:
        attention_rows_avx512_tiles_on_avx2(q, ldq, nq, packed, nk, dh, scale, out, ldo, round_up(bq, 12), bk);
        return;
    case SK_ISA_AVX2:
        attention_rows_avx2(q, ldq, nq, packed, nk, dh, scale, out, ldo, round_up(bq, 6), bk);
        return;
    default: break;
    }
#endif
    attention_rows_generic(q, ldq, nq, packed, nk, dh, scale, out, ldo, round_up(bq, 6), bk);
}
