// Checks the bf16 kernels against a scalar reference (operands rounded to bf16, sums in double) on
// both variants, and times them against OpenBLAS: bash Tests/kernels/run_bf16_check.sh.
#include "CKernels.h"
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

void cblas_sgemm(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
static double now(void) { struct timespec t; clock_gettime(CLOCK_MONOTONIC, &t); return t.tv_sec + t.tv_nsec * 1e-9; }
static float rnd(unsigned *s) { *s = *s * 1664525u + 1013904223u; return (float)((*s >> 8) & 0xffff) / 32768.0f - 1; }

static int check_gemm(long m, long n, long k, int ta, int tb, float alpha, float beta) {
    unsigned seed = (unsigned)(m * 31 + n * 7 + k);
    long lda = (ta ? m : k) + 3, ldb = (tb ? k : n) + 5, ldc = n + 2;
    float *a = malloc(sizeof(float) * (ta ? k : m) * lda), *b = malloc(sizeof(float) * (tb ? n : k) * ldb);
    float *c = malloc(sizeof(float) * m * ldc), *c0 = malloc(sizeof(float) * m * ldc), *ce = malloc(sizeof(float) * m * ldc);
    for (long i = 0; i < (ta ? k : m) * lda; i++) a[i] = rnd(&seed);
    for (long i = 0; i < (tb ? n : k) * ldb; i++) b[i] = rnd(&seed);
    for (long i = 0; i < m * ldc; i++) c0[i] = beta == 0 ? NAN : rnd(&seed);
    int bad = 0;
    for (int variant = 0; variant < 2; variant++) {
        if (!sk_bf16_select((sk_bf16_variant)variant)) continue;
        float *out = variant ? c : ce;
        memcpy(out, c0, sizeof(float) * m * ldc);
        sk_bf16_gemm(ta, tb, m, n, k, alpha, a, lda, b, ldb, beta, out, ldc);
        for (long i = 0; i < m; i++)
            for (long j = 0; j < n; j++) {
                double s = 0, mag = 0;
                for (long p = 0; p < k; p++) {
                    double x = sk_bf16_round(ta ? a[p * lda + i] : a[i * lda + p]), y = sk_bf16_round(tb ? b[j * ldb + p] : b[p * ldb + j]);
                    s += x * y; mag += fabs(x * y);
                }
                double ref = alpha * s + (beta == 0 ? 0 : beta * c0[i * ldc + j]);
                double tol = 1.2e-7 * (k + 2) * (fabs(alpha) * mag + fabs(beta * (beta == 0 ? 0 : c0[i * ldc + j]))) + 1e-30;
                if (!(fabs(out[i * ldc + j] - ref) <= tol)) {
                    if (bad++ < 3) printf("gemm %s m%ld n%ld k%ld ta%d tb%d: [%ld,%ld] %g vs %g\n", variant ? "native" : "emulated", m, n, k, ta, tb, i, j, out[i * ldc + j], ref);
                }
            }
    }
    if (sk_bf16_native_supported()) {
        long diff = 0;
        for (long i = 0; i < m; i++) for (long j = 0; j < n; j++) diff += memcmp(&c[i * ldc + j], &ce[i * ldc + j], 4) != 0;
        if (diff) { printf("gemm m%ld n%ld k%ld: native and emulated differ in %ld of %ld\n", m, n, k, diff, m * n); bad++; }
    }
    free(a); free(b); free(c); free(c0); free(ce);
    return bad;
}

static int check_attention(long nq, long nk, long dh, long bq, long bk) {
    unsigned seed = (unsigned)(nq * 13 + nk * 5 + dh);
    long ld = dh + 3;
    float *q = malloc(4 * nq * ld), *k = malloc(4 * nk * ld), *v = malloc(4 * nk * ld), *o = malloc(4 * nq * ld), *oe = malloc(4 * nq * ld);
    for (long i = 0; i < nq * ld; i++) q[i] = 2 * rnd(&seed);
    for (long i = 0; i < nk * ld; i++) { k[i] = 2 * rnd(&seed); v[i] = rnd(&seed); }
    long count = sk_attention_bf16_packed_count(nk, dh);
    uint16_t *packed = aligned_alloc(64, (count * 2 + 63) / 64 * 64);
    sk_attention_bf16_pack(k, ld, v, ld, nk, dh, packed);
    float scale = 1 / sqrtf((float)dh);
    int bad = 0;
    double *w = malloc(8 * nk);
    for (int variant = 0; variant < 2; variant++) {
        if (!sk_bf16_select((sk_bf16_variant)variant)) continue;
        float *out = variant ? o : oe;
        sk_attention_bf16_rows(q, ld, nq, packed, nk, dh, scale, out, ld, bq, bk);
        for (long i = 0; i < nq; i++) {
            double mx = -1e300, sum = 0;
            for (long j = 0; j < nk; j++) {
                double s = 0;
                for (long d = 0; d < dh; d++) s += (double)sk_bf16_round(q[i * ld + d] * scale * 1.4426950408889634f) * sk_bf16_round(k[j * ld + d]);
                w[j] = s; mx = s > mx ? s : mx;
            }
            for (long j = 0; j < nk; j++) { w[j] = exp2(w[j] - mx); sum += w[j]; }
            for (long d = 0; d < dh; d++) {
                double r = 0;
                for (long j = 0; j < nk; j++) r += w[j] * sk_bf16_round(v[j * ld + d]);
                r /= sum;
                // P is rounded to bf16 (relative 2⁻⁹ per weight): the error stays below ~4e-3 of max |v| = 1.
                if (!(fabs(out[i * ld + d] - r) <= 8e-3)) {
                    if (bad++ < 3) printf("attention %s nq%ld nk%ld dh%ld: [%ld,%ld] %g vs %g\n", variant ? "native" : "emulated", nq, nk, dh, i, d, out[i * ld + d], r);
                }
            }
        }
    }
    if (sk_bf16_native_supported()) {
        long diff = 0;
        for (long i = 0; i < nq; i++) for (long d = 0; d < dh; d++) diff += memcmp(&o[i * ld + d], &oe[i * ld + d], 4) != 0;
        if (diff) { printf("attention nq%ld nk%ld dh%ld: native and emulated differ in %ld\n", nq, nk, dh, diff); }
    }
    free(q); free(k); free(v); free(o); free(oe); free(packed); free(w);
    return bad;
}

static void bench_gemm(long m, long n, long k, int tb) {
    float *a = calloc(m * k, 4), *b = calloc(n * k, 4), *c = calloc(m * n, 4);
    for (long i = 0; i < m * k; i++) a[i] = (i % 7) * 0.1f;
    for (long i = 0; i < n * k; i++) b[i] = (i % 5) * 0.1f;
    double best_b = 1e9, best_s = 1e9;
    sk_bf16_select(SK_BF16_NATIVE);
    for (int r = 0; r < 4; r++) {
        double t = now(); sk_bf16_gemm(0, tb, m, n, k, 1, a, k, b, tb ? k : n, 0, c, n); t = now() - t; if (t < best_b) best_b = t;
        t = now(); cblas_sgemm(101, 111, tb ? 112 : 111, m, n, k, 1, a, k, b, tb ? k : n, 0, c, n); t = now() - t; if (t < best_s) best_s = t;
    }
    double f = 2.0 * m * n * k;
    printf("gemm %ldx%ldx%ld transB %d: bf16 %.1f GFLOP/s, OpenBLAS sgemm %.1f GFLOP/s (1 thread)\n", m, n, k, tb, f / best_b / 1e9, f / best_s / 1e9);
    free(a); free(b); free(c);
}

static void bench_attention(long n, long dh) {
    float *q = calloc(n * dh, 4), *k = calloc(n * dh, 4), *v = calloc(n * dh, 4), *o = calloc(n * dh, 4);
    for (long i = 0; i < n * dh; i++) { q[i] = (i % 13) * 0.05f - 0.3f; k[i] = (i % 11) * 0.05f - 0.25f; v[i] = (i % 7) * 0.1f; }
    uint16_t *pb = aligned_alloc(64, (sk_attention_bf16_packed_count(n, dh) * 2 + 63) / 64 * 64);
    float *pf = aligned_alloc(64, (sk_attention_packed_count(n, dh) * 4 + 63) / 64 * 64);
    sk_attention_bf16_pack(k, dh, v, dh, n, dh, pb);
    sk_attention_pack(k, dh, v, dh, n, dh, pf);
    double tb = now(); sk_attention_bf16_rows(q, dh, n, pb, n, dh, 0.125f, o, dh, 48, 256); tb = now() - tb;
    double tf = now(); sk_attention_rows(q, dh, n, pf, n, dh, 0.125f, o, dh, 48, 256); tf = now() - tf;
    double f = 4.0 * n * n * dh;
    printf("attention one head %ld tokens dh %ld: bf16 %.1f GFLOP/s, fp32 (%s kernels) %.1f GFLOP/s (1 thread)\n", n, dh, f / tb / 1e9,
           sk_isa_active() == SK_ISA_AVX512 ? "avx512" : "avx2", f / tf / 1e9);
}

int main(int argc, char **argv) {
    printf("native bf16 supported: %d\n", sk_bf16_native_supported());
    int bad = 0;
    long sizes[] = {1, 2, 3, 11, 12, 13, 31, 32, 33, 64, 100, 121, 257};
    for (int i = 0; i < 13; i++)
        for (int j = 0; j < 13; j += 3)
            for (int t = 0; t < 4; t++) {
                long m = sizes[i], n = sizes[(i + j) % 13], k = sizes[(i * 5 + j + t) % 13];
                bad += check_gemm(m, n, k, t & 1, t >> 1, t == 2 ? 0.5f : 1, t == 1 ? 1 : t == 3 ? 0.25f : 0);
            }
    bad += check_gemm(130, 1100, 600, 0, 1, 1, 0);   // every block: several M, N and K blocks
    bad += check_gemm(250, 40, 513, 1, 0, 1, 1);
    long att[][5] = {{1, 1, 1, 1, 1}, {5, 17, 3, 12, 32}, {30, 100, 64, 48, 256}, {13, 300, 33, 12, 64}, {50, 47, 16, 24, 32}, {7, 33, 65, 12, 256}};
    for (int i = 0; i < 6; i++) bad += check_attention(att[i][0], att[i][1], att[i][2], att[i][3], att[i][4]);
    printf("%s\n", bad ? "FAILED" : "all checks passed");
    if (argc > 1 && strcmp(argv[1], "--bench") == 0 && sk_bf16_native_supported()) {
        bench_gemm(4096, 512, 512, 1); bench_gemm(4096, 2048, 512, 1); bench_gemm(4096, 512, 2048, 1); bench_gemm(512, 4096, 512, 0);
        bench_attention(4096, 64);
    }
    return bad != 0;
}
