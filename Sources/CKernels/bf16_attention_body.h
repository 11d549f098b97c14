// bf16 fused streaming attention for one head, one variant (see bf16_gemm_body.h for BF_NAME, BF_DOT):
// attention_body.h's structure with Q·Kᵀ and P·V as bf16 pair dot products and fp32 accumulation; the
// online softmax (row max, exp, row sum, rescaling) and the output scaling stay fp32. Q·scale is
// rounded to bf16 once per block, P after its exp. Tiles: BF_MR (12) rows × 32 keys or features.
// Packed per head (sk_attention_bf16_pack, 32-bit pairs): K as panels of 16 keys, kp[panel][d pair][key],
// then V as slices of 16 features, vp[slice][key pair][feature].

SK_EXP2_NEG(BF_NAME(exp2_neg), BF_VF, BF_VI)

// s (BF_MR, 16·nv), row stride lds = q pairs (BF_MR, dp) · the keys of panels kp, kp + pstride (nv = 1 or 2).
INLINE void BF_NAME(att_scores)(const uint32_t *q, long dp, const uint32_t *kp, long pstride, float *s, long lds, const int nv) {
    BF_VF c[BF_MR][2];
    for (int r = 0; r < BF_MR; r++) c[r][0] = c[r][1] = (BF_VF){0};
    for (long p = 0; p < dp; p++) {
        BF_VU k0 = *(const BF_VU *)(kp + p * 16), k1 = nv > 1 ? *(const BF_VU *)(kp + pstride + p * 16) : k0;
        for (int r = 0; r < BF_MR; r++) {
            BF_VU a = (BF_VU){0} + q[r * dp + p];
            c[r][0] = BF_DOT(c[r][0], a, k0);
            if (nv > 1) c[r][1] = BF_DOT(c[r][1], a, k1);
        }
    }
    for (int r = 0; r < BF_MR; r++) {
        *(BF_VF *)(s + r * lds) = c[r][0];
        if (nv > 1) *(BF_VF *)(s + r * lds + 16) = c[r][1];
    }
}

// o (BF_MR, 16·nv), row stride ldo += p pairs (BF_MR, pairs), row stride ldp · value slices vs, vs + sstride.
INLINE void BF_NAME(att_values)(const uint32_t *p, long ldp, long pairs, const uint32_t *vs, long sstride, float *o, long ldo,
                                const int nv) {
    BF_VF c[BF_MR][2];
    for (int r = 0; r < BF_MR; r++) {
        c[r][0] = *(BF_VF *)(o + r * ldo);
        c[r][1] = nv > 1 ? *(BF_VF *)(o + r * ldo + 16) : c[r][0];
    }
    for (long j = 0; j < pairs; j++) {
        BF_VU v0 = *(const BF_VU *)(vs + j * 16), v1 = nv > 1 ? *(const BF_VU *)(vs + sstride + j * 16) : v0;
        for (int r = 0; r < BF_MR; r++) {
            BF_VU a = (BF_VU){0} + p[r * ldp + j];
            c[r][0] = BF_DOT(c[r][0], a, v0);
            if (nv > 1) c[r][1] = BF_DOT(c[r][1], a, v1);
        }
    }
    for (int r = 0; r < BF_MR; r++) {
        *(BF_VF *)(o + r * ldo) = c[r][0];
        if (nv > 1) *(BF_VF *)(o + r * ldo + 16) = c[r][1];
    }
}

// bq is a multiple of BF_MR, bk of 32.
static void BF_NAME(attention_rows)(const float *q, long ldq, long nq, const uint32_t *packed, long nk, long dh,
                                    float scale, float *out, long ldo, long bq, long bk) {
    const long dp = (dh + 1) / 2, dv = (dh + 15) / 16 * 16, kpanels = (nk + 15) / 16, kpairs = (nk + 1) / 2;
    const uint32_t *kp = packed, *vp = packed + kpanels * dp * 16;
    uint32_t *qb = aligned_alloc(64, (size_t)(bq * dp * 4 + 63) / 64 * 64);  // (bq, dp) pairs of Q·scale·log2 e
    float *s = aligned_alloc(64, (size_t)bq * bk * 4);                         // (bq, bk) scores, then P
    uint32_t *pb = aligned_alloc(64, (size_t)bq * bk / 2 * 4);                  // (bq, bk/2) pairs of P
    float *o = aligned_alloc(64, (size_t)bq * dv * 4);                         // (bq, dv)
    float *m = malloc((size_t)bq * 4), *l = malloc((size_t)bq * 4);
    const float qscale = scale * 1.4426950408889634f;                          // exp(x) = 2^(x·log2 e)
    for (long q0 = 0; q0 < nq; q0 += bq) {
        const long rows = nq - q0 < bq ? nq - q0 : bq, groups = (rows + BF_MR - 1) / BF_MR;
        for (long i = 0; i < groups * BF_MR; i++)
            for (long p = 0; p < dp; p++) {
                float x0 = i < rows ? q[(q0 + i) * ldq + 2 * p] * qscale : 0;
                float x1 = i < rows && 2 * p + 1 < dh ? q[(q0 + i) * ldq + 2 * p + 1] * qscale : 0;
                qb[i * dp + p] = sk_bf16_bits(x0) | (uint32_t)sk_bf16_bits(x1) << 16;
            }
        memset(o, 0, (size_t)groups * BF_MR * dv * 4);
        for (long i = 0; i < rows; i++) { m[i] = -INFINITY; l[i] = 0; }
        for (long k0 = 0; k0 < nk; k0 += bk) {
            const long cols = nk - k0 < bk ? nk - k0 : bk, width = (cols + 15) / 16 * 16, pairs = (cols + 1) / 2;
            for (long c = 0; c < width; c += 32) {
                const uint32_t *panel = kp + ((k0 + c) / 16) * dp * 16;
                for (long g = 0; g < groups; g++)
                    BF_NAME(att_scores)(qb + g * BF_MR * dp, dp, panel, dp * 16, s + g * BF_MR * bk + c, bk, c + 32 <= width ? 2 : 1);
            }
            for (long i = 0; i < groups * BF_MR; i++) {
                float *si = s + i * bk;
                uint32_t *pi = pb + i * (bk / 2);
                if (i >= rows) { for (long j = 0; j < pairs; j++) pi[j] = 0; continue; }
                float mx = -INFINITY;
                for (long j = 0; j < cols; j++) mx = si[j] > mx ? si[j] : mx;
                const float mnew = m[i] > mx ? m[i] : mx, correction = exp2f(m[i] - mnew);
                float sum = 0;
                long j = 0;
                BF_VF vsum = {0};
                for (; j + 16 <= cols; j += 16) {
                    BF_VF e = BF_NAME(exp2_neg)(*(BF_VF *)(si + j) - mnew);
                    *(BF_VF *)(si + j) = e;
                    vsum += e;
                }
                for (int lane = 0; lane < 16; lane++) sum += vsum[lane];
                for (; j < cols; j++) { si[j] = exp2f(si[j] - mnew); sum += si[j]; }
                l[i] = l[i] * correction + sum;
                m[i] = mnew;
                if (correction != 1) for (long c = 0; c < dv; c++) o[i * dv + c] *= correction;
                BF_NAME(pairs_along)(si, cols, pairs, pi, 1);
            }
            for (long c = 0; c < dv; c += 32) {
                const uint32_t *slice = vp + ((c / 16) * kpairs + k0 / 2) * 16;
                for (long g = 0; g < groups; g++)
                    BF_NAME(att_values)(pb + g * BF_MR * (bk / 2), bk / 2, pairs, slice, kpairs * 16, o + g * BF_MR * dv + c, dv,
                                        c + 32 <= dv ? 2 : 1);
            }
        }
        for (long i = 0; i < rows; i++) {
            const float inv = 1 / l[i];
            for (long d = 0; d < dh; d++) out[(q0 + i) * ldo + d] = o[i * dv + d] * inv;
        }
    }
    free(qb); free(s); free(pb); free(o); free(m); free(l);
}
