#include "CKernels.h"
#include <math.h>
#include <stdlib.h>
#include <string.h>

// Fused streaming attention for one head (flash-attention style): per block of BQ query rows and
// BK keys, S = Q·Kᵀ and O += exp2(S − m)·V run as 6×16 register tiles on packed operands, with the
// online softmax in between, so scores live only in an L2-sized tile and nothing is packed per call.
// Written once with vector extensions and compiled twice (AVX2+FMA, baseline x86-64); one is picked
// at run time from the CPU.

typedef float v8f __attribute__((vector_size(32), aligned(32)));
typedef int v8i __attribute__((vector_size(32), aligned(32)));
typedef float v8fu __attribute__((vector_size(32), aligned(4)));

enum { MR = 6, NR = 16 };   // register tile: 6 rows × 16 columns = 12 accumulators of 8 floats

#define INLINE static inline __attribute__((always_inline))

INLINE long round_up(long x, long m) { return (x + m - 1) / m * m; }

// 2^x for x ≤ 0: x = n + r, |r| ≤ 1/2, 2^r by its degree-6 Taylor polynomial (relative error
// < 2e-7), 2^n built in the exponent bits; x below −126 gives ~1e-38 (0 in any softmax sum).
INLINE v8f exp2_neg(v8f x) {
    x = __builtin_elementwise_max(x, (v8f){0} - 126.0f);
    v8f t = x + 12582912.0f;                  // 1.5·2²³: rounds x to an integer in the low mantissa bits
    v8f n = t - 12582912.0f;
    v8f r = x - n;
    v8f p = r * 1.5403530e-4f + 1.3333558e-3f;
    p = p * r + 9.6181291e-3f;
    p = p * r + 5.5504109e-2f;
    p = p * r + 2.4022651e-1f;
    p = p * r + 6.9314718e-1f;
    p = p * r + 1.0f;
    v8i bits = ((v8i)t - 0x4B400000 + 127) << 23;
    return p * (v8f)bits;
}

// s (6,16), row stride lds = q (6,dh) · kpanel (dh,16); kpanel is 16 keys interleaved per feature.
INLINE void scores_6x16(const float *q, long dh, const float *kpanel, float *s, long lds) {
    v8f c[MR][2] = {{{0}}};
    for (long d = 0; d < dh; d++) {
        v8f k0 = *(const v8f *)(kpanel + d * NR), k1 = *(const v8f *)(kpanel + d * NR + 8);
        for (int r = 0; r < MR; r++) {
            float a = q[r * dh + d];
            c[r][0] += a * k0;
            c[r][1] += a * k1;
        }
    }
    for (int r = 0; r < MR; r++) {
        *(v8f *)(s + r * lds) = c[r][0];
        *(v8f *)(s + r * lds + 8) = c[r][1];
    }
}

// o (6,16), row stride ldo += p (6,cols), row stride ldp · vslice (cols,16).
INLINE void values_6x16(const float *p, long ldp, const float *vslice, long cols, float *o, long ldo) {
    v8f c[MR][2];
    for (int r = 0; r < MR; r++) { c[r][0] = *(v8f *)(o + r * ldo); c[r][1] = *(v8f *)(o + r * ldo + 8); }
    for (long j = 0; j < cols; j++) {
        v8f v0 = *(const v8f *)(vslice + j * NR), v1 = *(const v8f *)(vslice + j * NR + 8);
        for (int r = 0; r < MR; r++) {
            float a = p[r * ldp + j];
            c[r][0] += a * v0;
            c[r][1] += a * v1;
        }
    }
    for (int r = 0; r < MR; r++) { *(v8f *)(o + r * ldo) = c[r][0]; *(v8f *)(o + r * ldo + 8) = c[r][1]; }
}

INLINE float row_max(const float *s, long n) {
    v8f m = (v8f){0} - INFINITY;
    long j = 0;
    for (; j + 8 <= n; j += 8) m = __builtin_elementwise_max(m, *(const v8f *)(s + j));
    float r = -INFINITY;
    for (int l = 0; l < 8; l++) r = m[l] > r ? m[l] : r;
    for (; j < n; j++) r = s[j] > r ? s[j] : r;
    return r;
}

// s[j] = 2^(s[j] − shift) for j < n; returns their sum.
INLINE float exp2_row(float *s, long n, float shift) {
    v8f sum = {0};
    long j = 0;
    for (; j + 8 <= n; j += 8) {
        v8f e = exp2_neg(*(v8f *)(s + j) - shift);
        *(v8f *)(s + j) = e;
        sum += e;
    }
    float total = 0;
    for (int l = 0; l < 8; l++) total += sum[l];
    for (; j < n; j++) { float e = exp2f(s[j] - shift); s[j] = e; total += e; }
    return total;
}

INLINE void attention_rows(const float *q, long ldq, long nq, const float *packed, long nk, long dh,
                           float scale, float *out, long ldo, long bq, long bk) {
    const long dv = round_up(dh, NR), kpanels = round_up(nk, NR) / NR;
    const float *kp = packed, *vp = packed + kpanels * NR * dh;
    float *qb = aligned_alloc(64, (size_t)round_up(bq * dh * 4, 64));   // (bq, dh), scaled
    float *s = aligned_alloc(64, (size_t)bq * bk * 4);                   // (bq, bk)
    float *o = aligned_alloc(64, (size_t)bq * dv * 4);                   // (bq, dv)
    float *m = malloc((size_t)bq * 4), *l = malloc((size_t)bq * 4);
    const float qscale = scale * 1.4426950408889634f;                    // exp(x) = 2^(x·log2 e)
    for (long q0 = 0; q0 < nq; q0 += bq) {
        const long rows = nq - q0 < bq ? nq - q0 : bq, groups = round_up(rows, MR) / MR;
        for (long i = 0; i < groups * MR; i++)
            for (long d = 0; d < dh; d++) qb[i * dh + d] = i < rows ? q[(q0 + i) * ldq + d] * qscale : 0;
        memset(o, 0, (size_t)groups * MR * dv * 4);
        for (long i = 0; i < rows; i++) { m[i] = -INFINITY; l[i] = 0; }
        for (long k0 = 0; k0 < nk; k0 += bk) {
            const long cols = nk - k0 < bk ? nk - k0 : bk, panels = round_up(cols, NR) / NR;
            // S (rows, cols) = Qb · K[k0..]ᵀ, one 16-key panel at a time so it stays in L1.
            for (long p = 0; p < panels; p++)
                for (long g = 0; g < groups; g++)
                    scores_6x16(qb + g * MR * dh, dh, kp + (k0 / NR + p) * NR * dh, s + g * MR * bk + p * NR, bk);
            // Online softmax: rescale what was accumulated under the old row maximum.
            for (long i = 0; i < rows; i++) {
                float *si = s + i * bk;
                float mx = row_max(si, cols), mnew = m[i] > mx ? m[i] : mx;
                float correction = exp2f(m[i] - mnew);
                l[i] = l[i] * correction + exp2_row(si, cols, mnew);
                m[i] = mnew;
                if (correction != 1) for (long c = 0; c < dv; c++) o[i * dv + c] *= correction;
            }
            // O (rows, dv) += P (rows, cols) · V[k0..] (cols, dv), one 16-column slice at a time; padding
            // rows of Qb are zero, so their raw scores are 0 and their unused O rows stay finite.
            for (long c = 0; c < dv / NR; c++)
                for (long g = 0; g < groups; g++)
                    values_6x16(s + g * MR * bk, bk, vp + (c * nk + k0) * NR, cols, o + g * MR * dv + c * NR, dv);
        }
        for (long i = 0; i < rows; i++) {
            const float inv = 1 / l[i];
            for (long d = 0; d < dh; d++) out[(q0 + i) * ldo + d] = o[i * dv + d] * inv;
        }
    }
    free(qb); free(s); free(o); free(m); free(l);
}

#if defined(__x86_64__)
__attribute__((target("avx2,fma")))
static void attention_rows_avx2(const float *q, long ldq, long nq, const float *packed, long nk, long dh,
                                float scale, float *out, long ldo, long bq, long bk) {
    attention_rows(q, ldq, nq, packed, nk, dh, scale, out, ldo, bq, bk);
}
#endif
static void attention_rows_base(const float *q, long ldq, long nq, const float *packed, long nk, long dh,
                                float scale, float *out, long ldo, long bq, long bk) {
    attention_rows(q, ldq, nq, packed, nk, dh, scale, out, ldo, bq, bk);
}

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
    long bq = round_up(query_block < 1 ? 1 : query_block, MR), bk = round_up(key_block < 1 ? 1 : key_block, NR);
#if defined(__x86_64__)
    if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma")) {
        attention_rows_avx2(q, ldq, nq, packed, nk, dh, scale, out, ldo, bq, bk);
        return;
    }
#endif
    attention_rows_base(q, ldq, nq, packed, nk, dh, scale, out, ldo, bq, bk);
}
