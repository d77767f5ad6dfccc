// What this build of the core can do on this machine: OpenMP, threads, instruction sets.
#pragma once

namespace symhmc {

// True when the core was built with OpenMP (chains then run in parallel).
bool openmp_available();
// Threads used for `threads <= 0` ("all available"); always 1 without OpenMP.
int max_threads();
// The instruction set the build targets ("x86-64-v3", "native" or "generic").
const char* build_arch();
// The instruction set of the data-row kernels picked for this CPU at run time.
const char* kernel_isa();

}  // namespace symhmc
