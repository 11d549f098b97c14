// bf16 GEMM for one variant, included by bf16.c with BF_NAME(f) (suffixed name) and BF_DOT(acc, a, b)
// (acc (16 fp32) += the 16 lanes' bf16 pair products of a and b: `vdpbf16ps`, or its emulation).
// Operands are packed as 32-bit bf16 pairs along K (low half: even k, high half: odd k), so one
// BF_DOT multiplies two k steps. Register tile: BF_MR (12) rows × 32 columns = 24 zmm accumulators.
// Blocks are fixed (BF_KC, BF_MC, BF_NC), so each C element sums its K in the same order for any M, N.

// pairs[p] = bf16 pair (x[2p], x[2p+1]) for p < pairs, x contiguous with n valid elements (zero past n).
INLINE void BF_NAME(pairs_along)(const float *x, long n, long pairs, uint32_t *out, long stride) {
    for (long p = 0; p < pairs; p++) {
        uint32_t lo = 2 * p < n ? sk_bf16_bits(x[2 * p]) : 0, hi = 2 * p + 1 < n ? sk_bf16_bits(x[2 * p + 1]) : 0;
        out[p * stride] = lo | hi << 16;
    }
}

// out[j] = bf16 pair (x0[j], x1[j]) for j < n (x1 NULL: zero high halves), zero for n ≤ j < width.
INLINE void BF_NAME(pairs_across)(const float *x0, const float *x1, long n, long width, uint32_t *out) {
    long j = 0;
    if (x1) for (; j < n; j++) out[j] = sk_bf16_bits(x0[j]) | (uint32_t)sk_bf16_bits(x1[j]) << 16;
    else for (; j < n; j++) out[j] = sk_bf16_bits(x0[j]);
    for (; j < width; j++) out[j] = 0;
}

// Packs rows [i0, i0+rows) and k [k0, k0+kl) of op(X) (op(X) is R×K) as panels of `width` rows:
// out[panel][p][r] (p < ⌈kl/2⌉ pairs, r < width), rows past `rows` zero. trans: X is stored K×R.
static void BF_NAME(pack)(const float *x, long ldx, int trans, long i0, long rows, long k0, long kl, long width, uint32_t *out) {
    const long pairs = (kl + 1) / 2;
    for (long panel = 0; panel * width < rows; panel++) {
        uint32_t *o = out + panel * pairs * width;
        const long r0 = panel * width, rn = rows - r0 < width ? rows - r0 : width;
        if (!trans) {
            for (long r = 0; r < width; r++) {
                if (r < rn) BF_NAME(pairs_along)(x + (i0 + r0 + r) * ldx + k0, kl, pairs, o + r, width);
                else for (long p = 0; p < pairs; p++) o[p * width + r] = 0;
            }
        } else {
            for (long p = 0; p < pairs; p++) {
                const float *row0 = x + (k0 + 2 * p) * ldx + i0 + r0;
                BF_NAME(pairs_across)(row0, 2 * p + 1 < kl ? row0 + ldx : NULL, rn, width, o + p * width);
            }
        }
    }
}

// c (rows ≤ BF_MR, cols ≤ 32) = beta·c + alpha·(a-panel · b-panel) over `pairs` k pairs.
INLINE void BF_NAME(tile)(const uint32_t *ap, const uint32_t *bp, long pairs, float alpha, float beta,
                          float *c, long ldc, long rows, long cols) {
    BF_VF acc[BF_MR][2];
    for (int r = 0; r < BF_MR; r++) acc[r][0] = acc[r][1] = (BF_VF){0};
    for (long p = 0; p < pairs; p++) {
        BF_VU b0 = *(const BF_VU *)(bp + p * 32), b1 = *(const BF_VU *)(bp + p * 32 + 16);
        for (int r = 0; r < BF_MR; r++) {
            BF_VU a = (BF_VU){0} + ap[p * BF_MR + r];
            acc[r][0] = BF_DOT(acc[r][0], a, b0);
            acc[r][1] = BF_DOT(acc[r][1], a, b1);
        }
    }
    if (rows == BF_MR && cols == 32) {   // a whole tile: vector updates of C (rows need not be aligned)
        for (int r = 0; r < BF_MR; r++)
            for (int h = 0; h < 2; h++) {
                BF_VFU *cr = (BF_VFU *)(c + r * ldc + 16 * h);
                *cr = beta == 0 ? alpha * acc[r][h] : beta == 1 ? *cr + alpha * acc[r][h] : beta * *cr + alpha * acc[r][h];
            }
        return;
    }
    for (long r = 0; r < rows; r++) {
        float t[32];
        *(BF_VF *)t = acc[r][0];
        *(BF_VF *)(t + 16) = acc[r][1];
        float *cr = c + r * ldc;
        if (beta == 0) for (long j = 0; j < cols; j++) cr[j] = alpha * t[j];
        else if (beta == 1) for (long j = 0; j < cols; j++) cr[j] += alpha * t[j];
        else for (long j = 0; j < cols; j++) cr[j] = beta * cr[j] + alpha * t[j];
    }
}

static void BF_NAME(gemm)(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
                          const float *b, long ldb, float beta, float *c, long ldc) {
    uint32_t *ap = aligned_alloc(64, (size_t)BF_MC * (BF_KC / 2) * 4);
    uint32_t *bp = aligned_alloc(64, (size_t)BF_NC * (BF_KC / 2) * 4);
    for (long j0 = 0; j0 < n; j0 += BF_NC) {
        const long nc = n - j0 < BF_NC ? n - j0 : BF_NC;
        for (long k0 = 0; k0 < k; k0 += BF_KC) {
            const long kl = k - k0 < BF_KC ? k - k0 : BF_KC, pairs = (kl + 1) / 2;
            const float kbeta = k0 == 0 ? beta : 1;   // later K blocks add onto the first's result
            // op(B) is K×N: its columns are the packed "rows"; transB = 1 stores them contiguous along K.
            BF_NAME(pack)(b, ldb, !trans_b, j0, nc, k0, kl, 32, bp);
            for (long i0 = 0; i0 < m; i0 += BF_MC) {
                const long mc = m - i0 < BF_MC ? m - i0 : BF_MC;
                BF_NAME(pack)(a, lda, trans_a, i0, mc, k0, kl, BF_MR, ap);
                for (long jr = 0; jr < nc; jr += 32)
                    for (long ir = 0; ir < mc; ir += BF_MR)
                        BF_NAME(tile)(ap + ir * pairs, bp + jr * pairs, pairs, alpha, kbeta, c + (i0 + ir) * ldc + j0 + jr, ldc,
                                      mc - ir < BF_MR ? mc - ir : BF_MR, nc - jr < 32 ? nc - jr : 32);
            }
        }
    }
    free(ap); free(bp);
}
