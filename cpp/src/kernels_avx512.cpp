// The same kernels built for AVX-512 (x86-64-v4); compiled only in portable x86-64 builds.
#ifdef SYMHMC_AVX512_KERNELS
#define SYMHMC_KERNEL_TABLE avx512_table
#define SYMHMC_KERNEL_ISA "x86-64-v4"
#include "kernels_impl.inc"
#endif
