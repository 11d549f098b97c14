// OpenBLAS loaded at run time (dlopen), so the engine can choose OpenBLAS's core type
// (OPENBLAS_CORETYPE is read once, when the library initialises) before the first call.
#ifndef STYLE_CBLAS_H
#define STYLE_CBLAS_H

#include <stdint.h>

enum { SB_ROW_MAJOR = 101, SB_NO_TRANS = 111, SB_TRANS = 112, SB_UPPER = 121 };

/// Loads OpenBLAS (first match of the sonames tried). Returns 0, or -1 with a message in err.
int sb_load(char *err, int errlen);
/// Unloads OpenBLAS so that a reload reads OPENBLAS_CORETYPE again. Returns dlclose's result.
int sb_unload(void);
int sb_is_loaded(void);
const char *sb_library_path(void);

const char *sb_corename(void);
const char *sb_config(void);
int sb_num_threads(void);
void sb_set_num_threads(int n);

/// C = alpha·op(A)·op(B) + beta·C, row-major, op(A) is (M,K), op(B) is (K,N).
void sb_sgemm(int transA, int transB, int M, int N, int K, float alpha,
              const float *A, int lda, const float *B, int ldb, float beta, float *C, int ldc);

/// The upper triangle of C = alpha·A·Aᵀ + beta·C, row-major, A (N,K), C (N,N); cblas_ssyrk (half
/// sgemm's work), or sgemm (the whole of C) where the library lacks it. The lower triangle is
/// left as it was with ssyrk: callers read the upper one only.
void sb_ssyrk_upper(int N, int K, float alpha, const float *A, int lda, float beta, float *C, int ldc);
/// Whether the loaded OpenBLAS has cblas_ssyrk.
int sb_has_ssyrk(void);

/// cpuid(leaf, subleaf) → eax, ebx, ecx, edx; zeros on non-x86 machines.
void sb_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]);
/// xgetbv(0): which register states the OS saves (AVX needs bits 1–2, AVX-512 bits 5–7).
uint64_t sb_xgetbv0(void);

#endif
