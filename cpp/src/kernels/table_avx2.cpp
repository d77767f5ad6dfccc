// The same kernels built for AVX2 + FMA (x86-64-v3); compiled only in dispatching x86-64 builds.
#ifdef SYMHMC_KERNEL_DISPATCH
#define SYMHMC_KERNEL_NS avx2
#define SYMHMC_KERNEL_ISA "x86-64-v3"
#include "kernels/table.inc"
#endif
