// Small hot loops that Swift's SIMD types do not compile to vector code (softmax exponentials).
// Built twice, for AVX2+FMA and for baseline x86-64, and picked once at run time from the CPU.
#ifndef STYLE_CKERNELS_H
#define STYLE_CKERNELS_H

/// row[j] = exp(row[j] - shift) for j < n; returns the sum. Within 2 ulp of expf for arguments
/// ≥ −87.3; smaller ones give ~1e-38 instead of 0 (harmless in a softmax).
float sk_exp_shifted_sum(float *row, long n, float shift);

/// max of row[0..<n], −∞ for n = 0.
float sk_row_max(const float *row, long n);

#endif
