// Hot loops that Swift's SIMD types do not compile to AVX2/AVX-512 code: the fused attention kernel and
// the Winograd transforms, each built per instruction set (baseline x86-64, AVX2+FMA, AVX-512) and
// picked at run time from the CPU (sk_isa_active).
#ifndef STYLE_CKERNELS_H
#define STYLE_CKERNELS_H

/// Instruction-set variants of the kernels.
/// SK_ISA_AVX512_TILES_ON_AVX2 is the AVX-512 variants' code (tiles, vector width) compiled for AVX2: it checks
/// their arithmetic on CPUs without AVX-512 and is never chosen by default.
typedef enum { SK_ISA_GENERIC = 0, SK_ISA_AVX2 = 1, SK_ISA_AVX512 = 2, SK_ISA_AVX512_TILES_ON_AVX2 = 3 } sk_isa;

/// 1 when this CPU (and its OS) can run `isa`: AVX2 (and the tiles-on-AVX2 check) needs AVX2+FMA, AVX-512 F/BW/DQ/VL.
int sk_isa_supported(sk_isa isa);
/// The variant STYLIZE_KERNELS names (generic, avx2, avx512): -1 when unset or empty, -2 for any other value.
int sk_isa_forced(void);
/// The variant chosen without sk_isa_select: the one STYLIZE_KERNELS forces when the CPU can run it, else
/// AVX-512 when supported, else AVX2 when supported, else generic.
sk_isa sk_isa_default(void);
/// The variant every kernel runs now (sk_isa_default until sk_isa_select changes it).
sk_isa sk_isa_active(void);
/// Makes every kernel run `isa` (tests compare the variants); 0 and no change when the CPU cannot run it.
int sk_isa_select(sk_isa isa);

/// Floats needed by sk_attention_pack for one head with nk keys of dh features (a multiple of 16,
/// so consecutive heads' buffers stay 64-byte aligned).
long sk_attention_packed_count(long nk, long dh);

/// Packs one head's keys k (nk,dh) and values v (nk,dh), row strides ldk/ldv, into `packed`
/// (sk_attention_packed_count floats, 64-byte aligned: the AVX-512 variant loads whole cache lines) for sk_attention_rows.
void sk_attention_pack(const float *k, long ldk, const float *v, long ldv, long nk, long dh, float *packed);

/// out (nq,dh), row stride ldo = softmax(scale · q·kᵀ)·v for one head; q is (nq,dh) with row stride
/// ldq, k and v come packed. Streams over blocks of query_block rows and key_block keys (rounded up
/// to 6 (12 on AVX-512) and 16) with an online softmax; single-threaded; memory O(query_block · key_block).
void sk_attention_rows(const float *q, long ldq, long nq, const float *packed, long nk, long dh, float scale,
                       float *out, long ldo, long query_block, long key_block);


/// One 3×3 stride-1 convolution as Winograd F(4×4,3×3) sees it (input (C,H,W), output (OC,OH,OW)).
typedef struct {
    long channels, height, width;
    long out_channels, out_height, out_width;
    long padding;    // 0 or 1
    int reflect;     // pads mirror the image (PyTorch's ReflectionPad2d); else they are zeros
    long tiles_x;    // ceil(OW / 4)
} sk_winograd_geometry;

/// v (36, C, tiles) ← Bᵀ·d·B of the 6×6 input tile d of tile rows [ty0, ty1) for channels [c0, c1);
/// x is (C,H,W), pads read through the geometry (no padded copy); tiles = (ty1 − ty0)·tiles_x of the band.
void sk_winograd_input_transform(const float *x, const sk_winograd_geometry *g, long c0, long c1,
                                 long ty0, long ty1, float *v, long tiles);
/// y (OC,OH,OW) ← act(Aᵀ·M·A + bias) of tile rows [ty0, ty1) for output channels [k0, k1); m is (36, OC, tiles);
/// bias may be NULL; relu ≠ 0 clamps at 0.
void sk_winograd_output_transform(const float *m, const sk_winograd_geometry *g, long k0, long k1,
                                  long ty0, long ty1, long tiles, const float *bias, int relu, float *y);
/// mbar (36, OC, tiles) ← A·dY·Aᵀ, the adjoint of sk_winograd_output_transform without bias and activation.
void sk_winograd_output_transform_backward(const float *dy, const sk_winograd_geometry *g, long k0, long k1,
                                           long ty0, long ty1, float *mbar, long tiles);
/// dx (C,H,W) += B·V̄·Bᵀ of every tile, the adjoint of sk_winograd_input_transform: reflected pads add onto
/// the pixel they mirror, zero pads drop out. Channels [c0, c1) only, so tasks on disjoint channels do not race.
void sk_winograd_input_transform_backward(const float *vbar, const sk_winograd_geometry *g, long c0, long c1,
                                          long ty0, long ty1, long tiles, float *dx);

#include <stdint.h>

/// bf16 kernels: bf16 operands (fp32 rounded to nearest even), fp32 accumulation. NATIVE runs AVX512-BF16's
/// vdpbf16ps; EMULATED the same tiles and pair order on fp32 FMAs, on any x86-64 CPU (tests check it everywhere).
typedef enum { SK_BF16_EMULATED = 0, SK_BF16_NATIVE = 1 } sk_bf16_variant;
/// 1 when the CPU (and OS) can run the native variant: AVX-512 F/BW/DQ/VL and AVX512-BF16.
int sk_bf16_native_supported(void);
/// The variant the bf16 kernels run: native where supported, unless sk_bf16_select chose another.
sk_bf16_variant sk_bf16_active(void);
/// Makes the bf16 kernels run `variant`; 0 and no change when the CPU cannot run it.
int sk_bf16_select(sk_bf16_variant variant);
/// The bf16 bits of x, rounded to nearest even (a NaN stays NaN), and that value back as a float.
uint16_t sk_bf16_bits(float x);
float sk_bf16_round(float x);

/// C (M,N) = alpha·op(A)·op(B) + beta·C, row-major like cblas_sgemm, with op(A) (M,K) and op(B) (K,N) rounded to
/// bf16 and fp32 accumulation; beta = 0 never reads C. Single-threaded. Each element sums K in fixed blocks of
/// 256, two k per step (odd k, then even, as vdpbf16ps), so its value does not depend on M, N or any split.
void sk_bf16_gemm(int trans_a, int trans_b, long m, long n, long k, float alpha, const float *a, long lda,
                  const float *b, long ldb, float beta, float *c, long ldc);

/// uint16 elements of one head's keys (nk,dh) and values (nk,dh) packed by sk_attention_bf16_pack (a multiple of 32).
long sk_attention_bf16_packed_count(long nk, long dh);
/// Packs one head's keys and values (row strides ldk, ldv) as bf16 pairs for sk_attention_bf16_rows; `packed`
/// is 64-byte aligned.
void sk_attention_bf16_pack(const float *k, long ldk, const float *v, long ldv, long nk, long dh, uint16_t *packed);
/// sk_attention_rows with Q·Kᵀ and P·V as bf16 dot products (Q·scale and P rounded to bf16), fp32 accumulation
/// and an fp32 online softmax; query_block and key_block round up to 12 and 32.
void sk_attention_bf16_rows(const float *q, long ldq, long nq, const uint16_t *packed, long nk, long dh, float scale,
                            float *out, long ldo, long query_block, long key_block);

#endif
