// The kernel table body once more, in namespace symhmc::kernels::lanes8, with 8-double vectors on
// any CPU: kernels/fast_math.hpp picks its vector width from __AVX512F__, and GCC/Clang lower 8-lane
// generic vectors to whatever the compiler targets. So the AVX-512 table's blocking (4 x 4 register
// blocks, 8 lanes per vector) runs, and is checked, on CPUs without AVX-512 too.
#ifndef __AVX512F__
#define __AVX512F__ 1
#endif
#define SYMHMC_KERNEL_GENERIC_LANES 1  // vectors wider than the registers: no register constraints
#define SYMHMC_KERNEL_NS lanes8
#define SYMHMC_KERNEL_ISA "8 generic lanes"
#include "kernels/table.inc"
