#include "CKernels.h"
#include <math.h>
#include <stdint.h>
#include <string.h>

// Cephes expf: x = n·ln2 + r, |r| ≤ ln2/2, e^r by a degree-5 polynomial, 2^n built in the
// exponent bits. The 1.5·2²³ shifter rounds x/ln2 to an integer without a float→int conversion.
static inline float exp_poly(float x) {
    x = x < -87.3f ? -87.3f : (x > 88.7f ? 88.7f : x);
    float t = x * 1.44269504f + 12582912.0f;
    float n = t - 12582912.0f;
    float r = x - n * 0.693359375f + n * 2.12194440e-4f;
    float p = 1.9875691500e-4f;
    p = p * r + 1.3981999507e-3f;
    p = p * r + 8.3334519073e-3f;
    p = p * r + 4.1665795894e-2f;
    p = p * r + 1.6666665459e-1f;
    p = p * r + 5.0000001201e-1f;
    float y = p * r * r + r + 1.0f;
    int32_t bits;
    memcpy(&bits, &t, 4);
    bits = (bits - 0x4B400000 + 127) << 23;
    float scale;
    memcpy(&scale, &bits, 4);
    return y * scale;
}

// 16 partial sums/maxima so the compiler vectorises without reassociating float additions.
#define BODY_EXP                                                                         \
    float acc[16] = {0};                                                                 \
    long j = 0;                                                                          \
    for (; j + 16 <= n; j += 16)                                                         \
        for (int l = 0; l < 16; l++) { float e = exp_poly(row[j + l] - shift); row[j + l] = e; acc[l] += e; } \
    float sum = 0;                                                                       \
    for (int l = 0; l < 16; l++) sum += acc[l];                                          \
    for (; j < n; j++) { float e = exp_poly(row[j] - shift); row[j] = e; sum += e; }     \
    return sum;

#define BODY_MAX                                                                         \
    float m[16];                                                                         \
    for (int l = 0; l < 16; l++) m[l] = -INFINITY;                                       \
    long j = 0;                                                                          \
    for (; j + 16 <= n; j += 16)                                                         \
        for (int l = 0; l < 16; l++) m[l] = row[j + l] > m[l] ? row[j + l] : m[l];       \
    float r = -INFINITY;                                                                 \
    for (int l = 0; l < 16; l++) r = m[l] > r ? m[l] : r;                                \
    for (; j < n; j++) r = row[j] > r ? row[j] : r;                                      \
    return r;

#if defined(__x86_64__)
__attribute__((target("avx2,fma"))) static float exp_sum_avx2(float *row, long n, float shift) { BODY_EXP }
__attribute__((target("avx2,fma"))) static float max_avx2(const float *row, long n) { BODY_MAX }
#endif
static float exp_sum_base(float *row, long n, float shift) { BODY_EXP }
static float max_base(const float *row, long n) { BODY_MAX }

static int has_avx2_fma(void) {
#if defined(__x86_64__)
    static int cached = -1;
    if (cached < 0) cached = __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    return cached;
#else
    return 0;
#endif
}

float sk_exp_shifted_sum(float *row, long n, float shift) {
#if defined(__x86_64__)
    if (has_avx2_fma()) return exp_sum_avx2(row, n, shift);
#endif
    return exp_sum_base(row, n, shift);
}

float sk_row_max(const float *row, long n) {
#if defined(__x86_64__)
    if (has_avx2_fma()) return max_avx2(row, n);
#endif
    return max_base(row, n);
}
