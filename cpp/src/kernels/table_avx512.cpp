// The same kernels built for AVX-512 (x86-64-v4); compiled only in dispatching x86-64 builds.
#ifdef SYMHMC_KERNEL_DISPATCH
#define SYMHMC_KERNEL_NS avx512
#define SYMHMC_KERNEL_ISA "x86-64-v4"
#include "kernels/table.inc"
#endif
