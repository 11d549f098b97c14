// 2^x for x ≤ 0, for the attention kernels' softmax: x = n + r, |r| ≤ 1/2, 2^r by its degree-6 Taylor
// polynomial (relative error < 2e-7), 2^n built in the exponent bits; x below −126 gives ~1e-38 (0 in any
// softmax sum). SK_EXP2_NEG(name, float vector type, int vector type) defines it for one vector width.
#define SK_EXP2_NEG(NAME, VF, VI)                                                                             \
    INLINE VF NAME(VF x) {                                                                                    \
        x = __builtin_elementwise_max(x, (VF){0} - 126.0f);                                                   \
        VF t = x + 12582912.0f; /* 1.5·2²³: rounds x to an integer in the low mantissa bits */              \
        VF n = t - 12582912.0f, r = x - n;                                                                    \
        VF p = r * 1.5403530e-4f + 1.3333558e-3f;                                                             \
        p = p * r + 9.6181291e-3f;                                                                            \
        p = p * r + 5.5504109e-2f;                                                                            \
        p = p * r + 2.4022651e-1f;                                                                            \
        p = p * r + 6.9314718e-1f;                                                                            \
        p = p * r + 1.0f;                                                                                     \
        VI bits = ((VI)t - 0x4B400000 + 127) << 23;                                                           \
        return p * (VF)bits;                                                                                  \
    }
