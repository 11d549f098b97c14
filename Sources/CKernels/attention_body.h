// Fused streaming attention for one head, written once and included by attention.c per instruction set with
// AT_VEC (floats per vector: 8 AVX2, 16 AVX-512), AT_MR (rows per register tile) and AT_NAME(f) (suffixed
// name). A register tile is AT_MR query rows × 2 vectors of columns: 6×16 (12 ymm accumulators) for AVX2,
// 12×32 (24 of the 32 zmm) for AVX-512. Keys and values come packed in 16-wide panels (sk_attention_pack),
// so a 32-column tile spans two panels and a lone last panel takes a one-vector tile (16-column tiles
// never need one: AT_TILE == NR folds that branch away).

typedef float AT_NAME(vf) __attribute__((vector_size(4 * AT_VEC), aligned(4 * AT_VEC)));
typedef int AT_NAME(vi) __attribute__((vector_size(4 * AT_VEC), aligned(4 * AT_VEC)));
#define VF AT_NAME(vf)
#define VI AT_NAME(vi)
#define AT_TILE (2 * AT_VEC)   // columns of a full register tile

SK_EXP2_NEG(AT_NAME(exp2_neg), VF, VI)

// Address of feature d of column `col` (0…AT_TILE) of a tile whose first 16-key panel is kpanel (panels of dh×16).
#define KCOL(kpanel, dh, d, col) ((kpanel) + ((col) / NR) * NR * (dh) + (d) * NR + (col) % NR)

// s (AT_MR, nv·AT_VEC), row stride lds = q (AT_MR,dh) · keys of kpanel; nv is 1 or 2 (constant after inlining).
INLINE void AT_NAME(scores)(const float *q, long dh, const float *kpanel, float *s, long lds, const int nv) {
    VF c[AT_MR][2] = {{{0}}};
    for (long d = 0; d < dh; d++) {
        VF k0 = *(const VF *)KCOL(kpanel, dh, d, 0), k1 = nv > 1 ? *(const VF *)KCOL(kpanel, dh, d, AT_VEC) : k0;
        for (int r = 0; r < AT_MR; r++) {
            float a = q[r * dh + d];
            c[r][0] += a * k0;
            if (nv > 1) c[r][1] += a * k1;
        }
    }
    for (int r = 0; r < AT_MR; r++) {
        *(VF *)(s + r * lds) = c[r][0];
        if (nv > 1) *(VF *)(s + r * lds + AT_VEC) = c[r][1];
    }
}

// Address of key j's column `col` in the value slices from slice vslice (slices of nk×16).
#define VCOL(vslice, nk, j, col) ((vslice) + ((col) / NR) * NR * (nk) + (j) * NR + (col) % NR)

// o (AT_MR, nv·AT_VEC), row stride ldo += p (AT_MR,cols), row stride ldp · values (cols, nv·AT_VEC).
INLINE void AT_NAME(values)(const float *p, long ldp, const float *vslice, long nk, long cols, float *o, long ldo,
                            const int nv) {
    VF c[AT_MR][2];
    for (int r = 0; r < AT_MR; r++) {
        c[r][0] = *(VF *)(o + r * ldo);
        c[r][1] = nv > 1 ? *(VF *)(o + r * ldo + AT_VEC) : c[r][0];
    }
    for (long j = 0; j < cols; j++) {
        VF v0 = *(const VF *)VCOL(vslice, nk, j, 0), v1 = nv > 1 ? *(const VF *)VCOL(vslice, nk, j, AT_VEC) : v0;
        for (int r = 0; r < AT_MR; r++) {
            float a = p[r * ldp + j];
            c[r][0] += a * v0;
            if (nv > 1) c[r][1] += a * v1;
        }
    }
    for (int r = 0; r < AT_MR; r++) {
        *(VF *)(o + r * ldo) = c[r][0];
        if (nv > 1) *(VF *)(o + r * ldo + AT_VEC) = c[r][1];
    }
}

INLINE float AT_NAME(row_max)(const float *s, long n) {
    VF m = (VF){0} - INFINITY;
    long j = 0;
    for (; j + AT_VEC <= n; j += AT_VEC) m = __builtin_elementwise_max(m, *(const VF *)(s + j));
    float r = -INFINITY;
    for (int l = 0; l < AT_VEC; l++) r = m[l] > r ? m[l] : r;
    for (; j < n; j++) r = s[j] > r ? s[j] : r;
    return r;
}

// s[j] = 2^(s[j] − shift) for j < n; returns their sum.
INLINE float AT_NAME(exp2_row)(float *s, long n, float shift) {
    VF sum = {0};
    long j = 0;
    for (; j + AT_VEC <= n; j += AT_VEC) {
        VF e = AT_NAME(exp2_neg)(*(VF *)(s + j) - shift);
        *(VF *)(s + j) = e;
        sum += e;
    }
    float total = 0;
    for (int l = 0; l < AT_VEC; l++) total += sum[l];
    for (; j < n; j++) { float e = exp2f(s[j] - shift); s[j] = e; total += e; }
    return total;
}

// bq is a multiple of AT_MR, bk of NR (16).
static void AT_NAME(attention_rows)(const float *q, long ldq, long nq, const float *packed, long nk, long dh,
                                    float scale, float *out, long ldo, long bq, long bk) {
    const long dv = round_up(dh, NR), kpanels = round_up(nk, NR) / NR;
    const float *kp = packed, *vp = packed + kpanels * NR * dh;
    float *qb = aligned_alloc(64, (size_t)round_up(bq * dh * 4, 64));   // (bq, dh), scaled
    float *s = aligned_alloc(64, (size_t)bq * bk * 4);                   // (bq, bk)
    float *o = aligned_alloc(64, (size_t)bq * dv * 4);                   // (bq, dv)
    float *m = malloc((size_t)bq * 4), *l = malloc((size_t)bq * 4);
    const float qscale = scale * 1.4426950408889634f;                    // exp(x) = 2^(x·log2 e)
    for (long q0 = 0; q0 < nq; q0 += bq) {
        const long rows = nq - q0 < bq ? nq - q0 : bq, groups = round_up(rows, AT_MR) / AT_MR;
        for (long i = 0; i < groups * AT_MR; i++)
            for (long d = 0; d < dh; d++) qb[i * dh + d] = i < rows ? q[(q0 + i) * ldq + d] * qscale : 0;
        memset(o, 0, (size_t)groups * AT_MR * dv * 4);
        for (long i = 0; i < rows; i++) { m[i] = -INFINITY; l[i] = 0; }
        for (long k0 = 0; k0 < nk; k0 += bk) {
            const long cols = nk - k0 < bk ? nk - k0 : bk, width = round_up(cols, NR);
            // S (rows, cols) = Qb · K[k0..]ᵀ, one tile of keys at a time so its panels stay in L1.
            for (long c = 0; c < width; c += AT_TILE) {
                const float *kpanel = kp + (k0 + c) * dh;
                for (long g = 0; g < groups; g++) {
                    if (AT_TILE == NR || c + AT_TILE <= width) AT_NAME(scores)(qb + g * AT_MR * dh, dh, kpanel, s + g * AT_MR * bk + c, bk, 2);
                    else AT_NAME(scores)(qb + g * AT_MR * dh, dh, kpanel, s + g * AT_MR * bk + c, bk, 1);
                }
            }
            // Online softmax: rescale what was accumulated under the old row maximum.
            for (long i = 0; i < rows; i++) {
                float *si = s + i * bk;
                float mx = AT_NAME(row_max)(si, cols), mnew = m[i] > mx ? m[i] : mx;
                float correction = exp2f(m[i] - mnew);
                l[i] = l[i] * correction + AT_NAME(exp2_row)(si, cols, mnew);
                m[i] = mnew;
                if (correction != 1) for (long c = 0; c < dv; c++) o[i * dv + c] *= correction;
            }
            // O (rows, dv) += P (rows, cols) · V[k0..] (cols, dv), one tile of columns at a time; padding
            // rows of Qb are zero, so their raw scores are 0 and their unused O rows stay finite.
            for (long c = 0; c < dv; c += AT_TILE) {
                const float *vslice = vp + ((c / NR) * nk + k0) * NR;
                for (long g = 0; g < groups; g++) {
                    if (AT_TILE == NR || c + AT_TILE <= dv) AT_NAME(values)(s + g * AT_MR * bk, bk, vslice, nk, cols, o + g * AT_MR * dv + c, dv, 2);
                    else AT_NAME(values)(s + g * AT_MR * bk, bk, vslice, nk, cols, o + g * AT_MR * dv + c, dv, 1);
                }
            }
        }
        for (long i = 0; i < rows; i++) {
            const float inv = 1 / l[i];
            for (long d = 0; d < dh; d++) out[(q0 + i) * ldo + d] = o[i * dv + d] * inv;
        }
    }
    free(qb); free(s); free(o); free(m); free(l);
}

#undef VF
#undef VI
#undef AT_TILE
