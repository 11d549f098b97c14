// Hot loops that Swift's SIMD types do not compile to AVX2 code: the fused attention kernel,
// built twice (AVX2+FMA and baseline x86-64) and picked at run time from the CPU.
#ifndef STYLE_CKERNELS_H
#define STYLE_CKERNELS_H

/// Floats needed by sk_attention_pack for one head with nk keys of dh features (a multiple of 16,
/// so consecutive heads' buffers stay 64-byte aligned).
long sk_attention_packed_count(long nk, long dh);

/// Packs one head's keys k (nk,dh) and values v (nk,dh), row strides ldk/ldv, into `packed`
/// (sk_attention_packed_count floats, 32-byte aligned) for sk_attention_rows.
void sk_attention_pack(const float *k, long ldk, const float *v, long ldv, long nk, long dh, float *packed);

/// out (nq,dh), row stride ldo = softmax(scale · q·kᵀ)·v for one head; q is (nq,dh) with row stride
/// ldq, k and v come packed. Streams over blocks of query_block rows and key_block keys (rounded up
/// to 6 and 16) with an online softmax; single-threaded; memory O(query_block · key_block).
void sk_attention_rows(const float *q, long ldq, long nq, const float *packed, long nk, long dh, float scale,
                       float *out, long ldo, long query_block, long key_block);

#endif
