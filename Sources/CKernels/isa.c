#include "CKernels.h"
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>

// Which instruction-set variant the kernels run: the best one the CPU can run (AVX-512, then AVX2+FMA,
// then baseline x86-64), unless STYLIZE_KERNELS names one (StyleCore refuses names it cannot run).

static _Atomic int active_isa = -1;   // -1: not chosen yet

int sk_isa_supported(sk_isa isa) {
    switch (isa) {
    case SK_ISA_GENERIC: return 1;
#if defined(__x86_64__)
    case SK_ISA_AVX2:
    case SK_ISA_AVX512_TILES_ON_AVX2: return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    case SK_ISA_AVX512:
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl") &&
               __builtin_cpu_supports("fma");
#endif
    default: return 0;
    }
}

int sk_isa_forced(void) {
    const char *value = getenv("STYLIZE_KERNELS");
    if (value == NULL || value[0] == 0) return -1;
    static const char *const names[] = {"generic", "avx2", "avx512"};
    for (int isa = 0; isa < 3; isa++)
        if (strcmp(value, names[isa]) == 0) return isa;
    return -2;
}

sk_isa sk_isa_default(void) {
    int forced = sk_isa_forced();
    if (forced >= 0 && sk_isa_supported((sk_isa)forced)) return (sk_isa)forced;
    if (sk_isa_supported(SK_ISA_AVX512)) return SK_ISA_AVX512;
    if (sk_isa_supported(SK_ISA_AVX2)) return SK_ISA_AVX2;
    return SK_ISA_GENERIC;
}

sk_isa sk_isa_active(void) {
    int isa = atomic_load_explicit(&active_isa, memory_order_relaxed);
    if (isa < 0) {
        isa = (int)sk_isa_default();
        atomic_store_explicit(&active_isa, isa, memory_order_relaxed);
    }
    return (sk_isa)isa;
}

int sk_isa_select(sk_isa isa) {
    if (!sk_isa_supported(isa)) return 0;
    atomic_store_explicit(&active_isa, (int)isa, memory_order_relaxed);
    return 1;
}
