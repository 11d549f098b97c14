#include "CBLAS.h"
#if defined(__x86_64__) || defined(__i386__)
#include <cpuid.h>
void sb_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) {
    unsigned a = 0, b = 0, c = 0, d = 0;
    __cpuid_count(leaf, subleaf, a, b, c, d);
    regs[0] = a; regs[1] = b; regs[2] = c; regs[3] = d;
}
uint64_t sb_xgetbv0(void) {
    uint32_t lo, hi;
    __asm__ volatile("xgetbv" : "=a"(lo), "=d"(hi) : "c"(0));
    return ((uint64_t)hi << 32) | lo;
}
#else
void sb_cpuid(uint32_t leaf, uint32_t subleaf, uint32_t regs[4]) { regs[0] = regs[1] = regs[2] = regs[3] = 0; }
uint64_t sb_xgetbv0(void) { return 0; }
#endif
