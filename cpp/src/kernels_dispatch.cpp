#include <cstdlib>
#include <cstring>

#include "detail/kernels.hpp"

namespace symhmc {
namespace kernels {

#ifdef SYMHMC_AVX512_KERNELS
const Table& avx512_table();

static bool cpu_has_avx512() {
  __builtin_cpu_init();
  return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
         __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw");
}
#endif

const Table& table() {
  static const Table& chosen = [] () -> const Table& {
    const char* forced = std::getenv("SYMHMC_KERNELS");
    if (forced && std::strcmp(forced, "portable") == 0) return portable_table();
#ifdef SYMHMC_AVX512_KERNELS
    if (cpu_has_avx512()) return avx512_table();
#endif
    return portable_table();
  }();
  return chosen;
}

}  // namespace kernels
}  // namespace symhmc
