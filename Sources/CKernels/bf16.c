#include "CKernels.h"
#include "exp2_neg.h"
#include <math.h>
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

// bf16 kernels (GEMM, fused attention): bf16 operands, fp32 accumulation. Each is compiled twice from one
// body: native, on AVX512-BF16's `vdpbf16ps`, and emulated, the same tiles and pair order on fp32 FMAs of
// the widened halves (AVX2+FMA or baseline), so the tile and tail logic is tested on every CPU.

#pragma clang diagnostic ignored "-Wpsabi"
#define INLINE static inline __attribute__((always_inline))

enum { BF_MR = 12, BF_KC = 256, BF_MC = 120, BF_NC = 1024 };

typedef float BF_VF __attribute__((vector_size(64), aligned(64)));
typedef uint32_t BF_VU __attribute__((vector_size(64), aligned(64)));
typedef int32_t BF_VI __attribute__((vector_size(64), aligned(64)));
typedef float BF_VFU __attribute__((vector_size(64), aligned(4)));   // C rows at any float offset

uint16_t sk_bf16_bits(float x) {
    uint32_t u;
    memcpy(&u, &x, 4);
    if ((u & 0x7fffffffu) > 0x7f800000u) return (uint16_t)(u >> 16 | 0x40);   // NaN stays a (quiet) NaN
    return (uint16_t)((u + 0x7fffu + (u >> 16 & 1)) >> 16);                 // round to nearest, ties to even
}

float sk_bf16_round(float x) {
    uint32_t u = (uint32_t)sk_bf16_bits(x) << 16;
    float r;
    memcpy(&r, &u, 4);
    return r;
}

// The emulation of vdpbf16ps: per lane, acc += a.hi·b.hi, then += a.lo·b.lo (products of bf16 are exact in fp32).
#define BF_DOT_EMULATED(acc, a, b) \
    __builtin_elementwise_fma((BF_VF)((a) << 16), (BF_VF)((b) << 16), \
                              __builtin_elementwise_fma((BF_VF)((a) & 0xffff0000u), (BF_VF)((b) & 0xffff0000u), (acc)))

#if defined(__x86_64__)
#pragma clang attribute push(__attribute__((target("avx2,fma"))), apply_to = function)
#endif
#define BF_NAME(f) f##_emulated
#define BF_DOT(acc, a, b) BF_DOT_EMULATED(acc, a, b)
#include "bf16_gemm_body.h"
#include "bf16_attention_body.h"
#undef BF_NAME
#undef BF_DOT
#if defined(__x86_64__)
#pragma clang attribute pop

#include <immintrin.h>
#pragma clang attribute push(__attribute__((target("avx512f,avx512bw,avx512dq,avx512vl,avx512bf16,fma"))), apply_to = function)
#define BF_NAME(f) f##_native
#define BF_DOT(acc, a, b) ((BF_VF)_mm512_dpbf16_ps((__m512)(acc), (__m512bh)(a), (__m512bh)(b)))
#include "bf16_gemm_body.h"
#include "bf16_attention_body.h"
#undef BF_NAME
#undef BF_DOT
#pragma clang attribute pop
#endif

static _Atomic int active_variant = -1;   // -1: not chosen yet

int sk_bf16_native_supported(void) {
#if defined(__x86_64__)
    return sk_isa_supported(SK_ISA_AVX512) && __builtin_cpu_supports("avx512bf16");
#else
    return 0;
#endif
}

sk_bf16_variant sk_bf16_active(void) {
    int v = atomic_load_explicit(&active_variant, memory_order_relaxed);
    if (v < 0) {
        v = sk_bf16_native_supported() ? SK_BF16_NATIVE : SK_BF16_EMULATED;
        atomic_store_explicit(&active_variant, v, memory_order_relaxed);
    }
    return (sk_bf16_variant)v;
}

int sk_bf16_select(sk_bf16_variant variant) {
    if (variant == SK_BF16_NATIVE && !sk_bf16_native_supported()) return 0;
    atomic_store_explicit(&active_variant, (int)variant, memory_order_relaxed);
    return 1;
}

void sk_bf16_gemm(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
                  const float *b, long ldb, float beta, float *c, long ldc) {
    if (m <= 0 || n <= 0) return;
    if (k <= 0) {
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) c[i * ldc + j] = beta == 0 ? 0 : beta * c[i * ldc + j];
        return;
    }
#if defined(__x86_64__)
    if (sk_bf16_active() == SK_BF16_NATIVE) { gemm_native(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc); return; }
#endif
    gemm_emulated(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc);
}

// Layout sizes of one head, in 32-bit pairs: K panels (16 keys × ⌈dh/2⌉ pairs each), V slices (16 features × ⌈nk/2⌉ pairs).
static long key_pairs(long nk, long dh) { return (nk + 15) / 16 * 16 * ((dh + 1) / 2); }
static long value_pairs(long nk, long dh) { return (dh + 15) / 16 * 16 * ((nk + 1) / 2); }

long sk_attention_bf16_packed_count(long nk, long dh) { return 2 * (key_pairs(nk, dh) + value_pairs(nk, dh)); }

void sk_attention_bf16_pack(const float *k, long ldk, const float *v, long ldv, long nk, long dh, uint16_t *packed) {
    uint32_t *kp = (uint32_t *)packed, *vp = kp + key_pairs(nk, dh);
    const long dp = (dh + 1) / 2, kpairs = (nk + 1) / 2, slices = (dh + 15) / 16;
    // kp[panel][p][j] = (k[16·panel + j][2p], k[…][2p + 1]), zero past nk and dh.
    for (long key = 0; key < (nk + 15) / 16 * 16; key++)
        for (long p = 0; p < dp; p++) {
            const float *row = k + key * ldk;
            uint32_t lo = key < nk ? sk_bf16_bits(row[2 * p]) : 0, hi = key < nk && 2 * p + 1 < dh ? sk_bf16_bits(row[2 * p + 1]) : 0;
            kp[((key / 16) * dp + p) * 16 + key % 16] = lo | hi << 16;
        }
    // vp[slice][p][j] = (v[2p][16·slice + j], v[2p + 1][…]), zero past nk and dh.
    for (long s = 0; s < slices; s++)
        for (long p = 0; p < kpairs; p++)
            for (long j = 0; j < 16; j++) {
                const long d = s * 16 + j;
                uint32_t lo = d < dh ? sk_bf16_bits(v[2 * p * ldv + d]) : 0;
                uint32_t hi = d < dh && 2 * p + 1 < nk ? sk_bf16_bits(v[(2 * p + 1) * ldv + d]) : 0;
                vp[(s * kpairs + p) * 16 + j] = lo | hi << 16;
            }
}

void sk_attention_bf16_rows(const float *q, long ldq, long nq, const uint16_t *packed, long nk, long dh, float scale,
                            float *out, long ldo, long query_block, long key_block) {
    const long bq = ((query_block < 1 ? 1 : query_block) + BF_MR - 1) / BF_MR * BF_MR;
    const long bk = ((key_block < 1 ? 1 : key_block) + 31) / 32 * 32;
#if defined(__x86_64__)
    if (sk_bf16_active() == SK_BF16_NATIVE) {
        attention_rows_native(q, ldq, nq, (const uint32_t *)packed, nk, dh, scale, out, ldo, bq, bk);
        return;
    }
#endif
    attention_rows_emulated(q, ldq, nq, (const uint32_t *)packed, nk, dh, scale, out, ldo, bq, bk);
}
