// The kernels for the build's own instruction set: baseline x86-64 (SSE2) in the default build,
// -march=native with SYMHMC_NATIVE, no flags on other processors. Always present.
#define SYMHMC_KERNEL_NS baseline
#define SYMHMC_KERNEL_ISA SYMHMC_ARCH
#include "kernels/table.inc"
