// What this build of the core can do on this machine: OpenMP, threads, instruction sets.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace symhmc {

// True when the core was built with OpenMP (chains then run in parallel).
bool openmp_available();
// Threads used for `threads <= 0` ("all available"); always 1 without OpenMP.
int max_threads();
// The instruction set the core is compiled for: "x86-64" (baseline, any x86-64 CPU), "native"
// (SYMHMC_NATIVE) or "generic" (other processors, the compiler's default).
const char* build_arch();
// The instruction set of the data-row kernels picked for this CPU at run time: build_arch(),
// "x86-64-v3" (AVX2 + FMA) or "x86-64-v4" (AVX-512). The environment variable
// SYMHMC_KERNELS=baseline|avx2|avx512 forces one when the CPU can run it ("portable" means
// baseline); a name it cannot run is ignored.
const char* kernel_isa();
// The kernel tables this build carries and this CPU can run, as (SYMHMC_KERNELS name, instruction
// set) pairs, baseline first.
std::vector<std::pair<std::string, std::string>> available_kernels();

}  // namespace symhmc
