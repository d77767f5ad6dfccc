// The kernels for the build's baseline instruction set (x86-64-v3 by default).
#define SYMHMC_KERNEL_TABLE portable_table
#define SYMHMC_KERNEL_ISA SYMHMC_ARCH
#include "kernels_impl.inc"
