// Winograd F(4×4,3×3) transforms of one band, written once and included by winograd.c per instruction
// set with WG_VEC (floats per vector) and WG_NAME(f) (suffixed name). Same algorithm as the original
// Swift code: transforms run along a tile row, input rows split into 4 column phases (x mod 4) so the
// 6 columns of tile t are the contiguous runs phase[0…3][t], phase[0…1][t+1].

typedef float WG_NAME(vf) __attribute__((vector_size(4 * WG_VEC), aligned(4)));
#define VF WG_NAME(vf)
#define LD(p) (*(const VF *)(p))
#define ST(p) (*(VF *)(p))

// o = Bᵀ·d (6 → 6 rows of count values).
static void WG_NAME(bt)(const float *const d[6], float *const o[6], long count) {
    const float *d0 = d[0], *d1 = d[1], *d2 = d[2], *d3 = d[3], *d4 = d[4], *d5 = d[5];
    float *o0 = o[0], *o1 = o[1], *o2 = o[2], *o3 = o[3], *o4 = o[4], *o5 = o[5];
    long t = 0;
#define BT(T, L, S)                                                                    \
    {                                                                                  \
        T x0 = L(d0 + t), x1 = L(d1 + t), x2 = L(d2 + t), x3 = L(d3 + t), x4 = L(d4 + t), \
          x5 = L(d5 + t);                                                              \
        S(o0 + t) = 4.0f * x0 - 5.0f * x2 + x4;                                        \
        S(o1 + t) = -4.0f * (x1 + x2) + x3 + x4;                                       \
        S(o2 + t) = 4.0f * (x1 - x2) - x3 + x4;                                        \
        S(o3 + t) = 2.0f * (x3 - x1) - x2 + x4;                                        \
        S(o4 + t) = 2.0f * (x1 - x3) - x2 + x4;                                        \
        S(o5 + t) = 4.0f * x1 - 5.0f * x3 + x5;                                        \
    }
    for (; t + WG_VEC <= count; t += WG_VEC) BT(VF, LD, ST)
    for (; t < count; t++) BT(float, *, *)
#undef BT
}

// o = B·v (6 → 6 rows), the transpose of bt.
static void WG_NAME(b)(const float *const v[6], float *const o[6], long count) {
    const float *v0 = v[0], *v1 = v[1], *v2 = v[2], *v3 = v[3], *v4 = v[4], *v5 = v[5];
    float *o0 = o[0], *o1 = o[1], *o2 = o[2], *o3 = o[3], *o4 = o[4], *o5 = o[5];
    long t = 0;
#define B(T, L, S)                                                                     \
    {                                                                                  \
        T x0 = L(v0 + t), x1 = L(v1 + t), x2 = L(v2 + t), x3 = L(v3 + t), x4 = L(v4 + t), \
          x5 = L(v5 + t);                                                              \
        S(o0 + t) = 4.0f * x0;                                                         \
        S(o1 + t) = 4.0f * (x2 - x1) + 2.0f * (x4 - x3) + 4.0f * x5;                   \
        S(o2 + t) = -5.0f * x0 - 4.0f * (x1 + x2) - x3 - x4;                           \
        S(o3 + t) = x1 - x2 + 2.0f * (x3 - x4) - 5.0f * x5;                            \
        S(o4 + t) = x0 + x1 + x2 + x3 + x4;                                            \
        S(o5 + t) = x5;                                                                \
    }
    for (; t + WG_VEC <= count; t += WG_VEC) B(VF, LD, ST)
    for (; t < count; t++) B(float, *, *)
#undef B
}

// o = Aᵀ·m (6 → 4 rows).
static void WG_NAME(at)(const float *const m[6], float *const o[4], long count) {
    const float *m0 = m[0], *m1 = m[1], *m2 = m[2], *m3 = m[3], *m4 = m[4], *m5 = m[5];
    float *o0 = o[0], *o1 = o[1], *o2 = o[2], *o3 = o[3];
    long t = 0;
#define AT(T, L, S)                                                                    \
    {                                                                                  \
        T x1 = L(m1 + t), x2 = L(m2 + t), x3 = L(m3 + t), x4 = L(m4 + t);              \
        T s12 = x1 + x2, d12 = x1 - x2, s34 = x3 + x4, d34 = x3 - x4;                  \
        S(o0 + t) = L(m0 + t) + s12 + s34;                                             \
        S(o1 + t) = d12 + 2.0f * d34;                                                  \
        S(o2 + t) = s12 + 4.0f * s34;                                                  \
        S(o3 + t) = d12 + 8.0f * d34 + L(m5 + t);                                      \
    }
    for (; t + WG_VEC <= count; t += WG_VEC) AT(VF, LD, ST)
    for (; t < count; t++) AT(float, *, *)
#undef AT
}

// o = A·g (4 → 6 rows), the transpose of at.
static void WG_NAME(a)(const float *const g[4], float *const o[6], long count) {
    const float *g0 = g[0], *g1 = g[1], *g2 = g[2], *g3 = g[3];
    float *o0 = o[0], *o1 = o[1], *o2 = o[2], *o3 = o[3], *o4 = o[4], *o5 = o[5];
    long t = 0;
#define A(T, L, S)                                                                     \
    {                                                                                  \
        T x0 = L(g0 + t), x1 = L(g1 + t), x2 = L(g2 + t), x3 = L(g3 + t);              \
        S(o0 + t) = x0;                                                                \
        S(o1 + t) = x0 + x1 + x2 + x3;                                                 \
        S(o2 + t) = x0 - x1 + x2 - x3;                                                 \
        S(o3 + t) = x0 + 2.0f * x1 + 4.0f * x2 + 8.0f * x3;                            \
        S(o4 + t) = x0 - 2.0f * x1 + 4.0f * x2 - 8.0f * x3;                            \
        S(o5 + t) = x3;                                                                \
    }
    for (; t + WG_VEC <= count; t += WG_VEC) A(VF, LD, ST)
    for (; t < count; t++) A(float, *, *)
#undef A
}

static void WG_NAME(input_transform)(const float *x, const sk_winograd_geometry *g, long c0, long c1,
                                     long ty0, long ty1, float *v, long tiles) {
    const long h = g->height, w = g->width, tx = g->tiles_x, lanes = tx + 1, cs = g->channels, p = g->padding;
    const long row_len = 4 * lanes;
    float *phases = malloc((size_t)12 * row_len * sizeof(float));   // 6 input rows by phase, then Bᵀ·rows
    float *bt = phases + 6 * row_len;
    long lo, hi;
    wg_interior(g, 4, lanes, &lo, &hi);
    for (long ch = c0; ch < c1; ch++) {
        const float *plane = x + ch * h * w;
        for (long ty = ty0; ty < ty1; ty++) {
            for (long r = 0; r < 6; r++) {
                const long sy = wg_source(g, 4 * ty + r, h);
                float *dst = phases + r * row_len;
                if (sy < 0) { memset(dst, 0, (size_t)row_len * sizeof(float)); continue; }
                const float *line = plane + sy * w;
                for (long t = lo > 0 ? 0 : hi; t < lanes; t = t + 1 == lo ? hi : t + 1) {   // border tiles: [0, lo) and [hi, lanes)
                    for (long phase = 0; phase < 4; phase++) {
                        const long sx = wg_source(g, 4 * t + phase, w);
                        dst[phase * lanes + t] = sx < 0 ? 0 : line[sx];
                    }
                }
                float *restrict p0 = dst, *restrict p1 = dst + lanes, *restrict p2 = dst + 2 * lanes,
                                *restrict p3 = dst + 3 * lanes;
                for (long t = lo; t < hi; t++) {
                    const float *src = line + 4 * t - p;
                    p0[t] = src[0]; p1[t] = src[1]; p2[t] = src[2]; p3[t] = src[3];
                }
            }
            const float *in_rows[6];
            float *out_rows[6];
            for (int i = 0; i < 6; i++) { in_rows[i] = phases + i * row_len; out_rows[i] = bt + i * row_len; }
            WG_NAME(bt)(in_rows, out_rows, row_len);
            const long base = (ty - ty0) * tx;
            for (long i = 0; i < 6; i++) {
                const float *row = bt + i * row_len;
                const float *cols[6] = {row, row + lanes, row + 2 * lanes, row + 3 * lanes, row + 1, row + lanes + 1};
                float *dst = v + (i * 6 * cs + ch) * tiles + base;
                float *outs[6];
                for (int j = 0; j < 6; j++) outs[j] = dst + j * cs * tiles;
                WG_NAME(bt)(cols, outs, tx);
            }
        }
    }
    free(phases);
}

static void WG_NAME(output_transform)(const float *m, const sk_winograd_geometry *g, long k0, long k1,
                                      long ty0, long ty1, long tiles, const float *bias, int relu, float *y) {
    const long oh = g->out_height, ow = g->out_width, tx = g->tiles_x, ks = g->out_channels;
    const long row_len = 4 * tx;
    float *buffer = malloc((size_t)10 * row_len * sizeof(float));   // M·A per row i (6), then Aᵀ·M·A (4)
    float *rows_a = buffer + 6 * row_len;
    for (long k = k0; k < k1; k++) {
        const float shift = bias ? bias[k] : 0;
        for (long ty = ty0; ty < ty1; ty++) {
            const long base = (ty - ty0) * tx;
            for (long i = 0; i < 6; i++) {
                const float *src = m + (i * 6 * ks + k) * tiles + base;
                const float *ins[6];
                float *outs[4];
                for (int j = 0; j < 6; j++) ins[j] = src + j * ks * tiles;
                for (int a = 0; a < 4; a++) outs[a] = buffer + i * row_len + a * tx;
                WG_NAME(at)(ins, outs, tx);
            }
            const float *ins[6];
            float *outs[4];
            for (int j = 0; j < 6; j++) ins[j] = buffer + j * row_len;
            for (int a = 0; a < 4; a++) outs[a] = rows_a + a * row_len;
            WG_NAME(at)(ins, outs, row_len);
            const long rows = oh - 4 * ty < 4 ? oh - 4 * ty : 4, whole = ow / 4;
            for (long a = 0; a < rows; a++) {
                const float *src = rows_a + a * row_len;
                const float *restrict s0 = src, *restrict s1 = src + tx, *restrict s2 = src + 2 * tx,
                                      *restrict s3 = src + 3 * tx;
                float *restrict line = y + (k * oh + 4 * ty + a) * ow;
                for (long t = 0; t < whole; t++) {
                    float *dst = line + 4 * t;
                    dst[0] = s0[t]; dst[1] = s1[t]; dst[2] = s2[t]; dst[3] = s3[t];
                }
                for (long col = 0; col < ow - 4 * whole; col++) line[4 * whole + col] = src[col * tx + whole];
                if (relu) {
                    for (long c = 0; c < ow; c++) { float value = line[c] + shift; line[c] = value > 0 ? value : 0; }
                } else {
                    for (long c = 0; c < ow; c++) line[c] += shift;
                }
            }
        }
    }
    free(buffer);
}

static void WG_NAME(output_transform_backward)(const float *dy, const sk_winograd_geometry *g, long k0, long k1,
                                               long ty0, long ty1, float *mbar, long tiles) {
    const long oh = g->out_height, ow = g->out_width, tx = g->tiles_x, ks = g->out_channels;
    const long row_len = 4 * tx;
    float *buffer = malloc((size_t)10 * row_len * sizeof(float));   // dY tiles by column phase (4), then A·dY (6)
    float *rows_a = buffer + 4 * row_len;
    for (long k = k0; k < k1; k++) {
        for (long ty = ty0; ty < ty1; ty++) {
            for (long a = 0; a < 4; a++) {
                float *dst = buffer + a * row_len;
                const long oy = 4 * ty + a;
                if (oy >= oh) { memset(dst, 0, (size_t)row_len * sizeof(float)); continue; }
                const float *restrict line = dy + (k * oh + oy) * ow;
                const long whole = ow / 4;
                float *restrict d0 = dst, *restrict d1 = dst + tx, *restrict d2 = dst + 2 * tx, *restrict d3 = dst + 3 * tx;
                for (long t = 0; t < whole; t++) {
                    const float *src = line + 4 * t;
                    d0[t] = src[0]; d1[t] = src[1]; d2[t] = src[2]; d3[t] = src[3];
                }
                if (whole < tx)
                    for (long col = 0; col < 4; col++) {
                        const long ox = 4 * whole + col;
                        dst[col * tx + whole] = ox < ow ? line[ox] : 0;
                    }
            }
            const float *ins[4];
            float *outs[6];
            for (int a = 0; a < 4; a++) ins[a] = buffer + a * row_len;
            for (int i = 0; i < 6; i++) outs[i] = rows_a + i * row_len;
            WG_NAME(a)(ins, outs, row_len);
            const long base = (ty - ty0) * tx;
            for (long i = 0; i < 6; i++) {
                const float *cols[4];
                float *dst[6];
                for (int a = 0; a < 4; a++) cols[a] = rows_a + i * row_len + a * tx;
                for (int j = 0; j < 6; j++) dst[j] = mbar + (i * 6 * ks + k) * tiles + base + j * ks * tiles;
                WG_NAME(a)(cols, dst, tx);
            }
        }
    }
    free(buffer);
}

static void WG_NAME(input_transform_backward)(const float *vbar, const sk_winograd_geometry *g, long c0, long c1,
                                              long ty0, long ty1, long tiles, float *dx) {
    const long h = g->height, w = g->width, tx = g->tiles_x, cs = g->channels, p = g->padding;
    const long row_len = 6 * tx;
    float *buffer = malloc((size_t)12 * row_len * sizeof(float));   // V̄·Bᵀ per row i (6), then B·V̄·Bᵀ (6)
    float *rows_b = buffer + 6 * row_len;
    long lo, hi;
    wg_interior(g, 6, tx, &lo, &hi);
    for (long ch = c0; ch < c1; ch++) {
        float *plane = dx + ch * h * w;
        for (long ty = ty0; ty < ty1; ty++) {
            const long base = (ty - ty0) * tx;
            for (long i = 0; i < 6; i++) {
                const float *ins[6];
                float *outs[6];
                for (int j = 0; j < 6; j++) {
                    ins[j] = vbar + (i * 6 * cs + ch) * tiles + base + j * cs * tiles;
                    outs[j] = buffer + i * row_len + j * tx;
                }
                WG_NAME(b)(ins, outs, tx);
            }
            const float *ins[6];
            float *outs[6];
            for (int r = 0; r < 6; r++) { ins[r] = buffer + r * row_len; outs[r] = rows_b + r * row_len; }
            WG_NAME(b)(ins, outs, row_len);
            for (long r = 0; r < 6; r++) {
                const long sy = wg_source(g, 4 * ty + r, h);
                if (sy < 0) continue;
                const float *src = rows_b + r * row_len;
                float *line = plane + sy * w;
                for (long t = lo > 0 ? 0 : hi; t < tx; t = t + 1 == lo ? hi : t + 1) {   // border tiles: [0, lo) and [hi, tx)
                    for (long col = 0; col < 6; col++) {
                        const long sx = wg_source(g, 4 * t + col, w);
                        if (sx >= 0) line[sx] += src[col * tx + t];
                    }
                }
                if (hi == lo) continue;
                const float *restrict s0 = src, *restrict s1 = src + tx, *restrict s2 = src + 2 * tx,
                                      *restrict s3 = src + 3 * tx, *restrict s4 = src + 4 * tx, *restrict s5 = src + 5 * tx;
                // Tiles overlap by 2 columns: pixel 4t − p + c takes column c of tile t and, for c < 2, column c + 4
                // of tile t − 1; so each pixel is written once (vectorisable), first and last tile apart.
                float *restrict first = line + 4 * lo - p;
                first[0] += s0[lo]; first[1] += s1[lo]; first[2] += s2[lo]; first[3] += s3[lo];
                for (long t = lo + 1; t < hi; t++) {
                    float *dst = line + 4 * t - p;
                    dst[0] += s0[t] + s4[t - 1]; dst[1] += s1[t] + s5[t - 1]; dst[2] += s2[t]; dst[3] += s3[t];
                }
                float *restrict last = line + 4 * hi - p;
                last[0] += s4[hi - 1]; last[1] += s5[hi - 1];
            }
        }
    }
    free(buffer);
}

#undef VF
#undef LD
#undef ST
