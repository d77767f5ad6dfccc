#include "symhmc/runtime.hpp"

#include "kernels/kernels.hpp"
#include "detail/parallel.hpp"

namespace symhmc {

bool openmp_available() { return have_openmp(); }
int max_threads() { return resolve_threads(0); }
const char* build_arch() { return SYMHMC_ARCH; }
const char* kernel_isa() { return kernels::table().isa; }

std::vector<std::pair<std::string, std::string>> available_kernels() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const kernels::Table* t : kernels::runnable_tables()) out.emplace_back(t->name, t->isa);
  return out;
}

}  // namespace symhmc
