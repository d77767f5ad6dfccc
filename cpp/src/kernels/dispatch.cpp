// Picks the kernel table once per process from what the CPU supports (CPUID, through the
// compiler's __builtin_cpu_supports, which also checks that the OS saves the wide registers).
#include <cstdlib>
#include <cstring>

#include "kernels/kernels.hpp"

namespace symhmc {
namespace kernels {

namespace {

#ifdef SYMHMC_KERNEL_DISPATCH
// The x86-64-v3 features the compiler may use in kernels/table_avx2.cpp beyond SSE2 (F16C, LZCNT and
// MOVBE too, which tests/test_portable_build.py checks it does not).
bool cpu_has_avx2() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma") && __builtin_cpu_supports("bmi") &&
         __builtin_cpu_supports("bmi2");
}

bool cpu_has_avx512() {
  __builtin_cpu_init();
  return cpu_has_avx2() && __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") && __builtin_cpu_supports("avx512cd");
}
#endif

}  // namespace

std::vector<const Table*> runnable_tables() {
  std::vector<const Table*> tables{&baseline::table()};
#ifdef SYMHMC_KERNEL_DISPATCH
  if (cpu_has_avx2()) tables.push_back(&avx2::table());
  if (cpu_has_avx512()) tables.push_back(&avx512::table());
#endif
  return tables;
}

const Table& table() {
  static const Table& chosen = []() -> const Table& {
    const std::vector<const Table*> tables = runnable_tables();
    const char* forced = std::getenv("SYMHMC_KERNELS");
    if (forced) {
      // "portable": the older name of the baseline, kept for scripts that set it
      const char* name = std::strcmp(forced, "portable") == 0 ? "baseline" : forced;
      for (const Table* t : tables)
        if (std::strcmp(t->name, name) == 0) return *t;
    }
    return *tables.back();  // a name this CPU cannot run falls back here; kernel_isa() tells
  }();
  return chosen;
}

}  // namespace kernels
}  // namespace symhmc
