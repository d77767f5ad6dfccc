// The Python module symhmc._core: thin bindings that convert, validate, release the GIL and call
// the core. Each area binds itself in its own file.
#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "symhmc/layout.hpp"
#include "symhmc/runtime.hpp"
#include "symhmc/version.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "symhmc's compiled core";
  m.attr("__version__") = SYMHMC_VERSION;  // pyproject.toml's, through CMake: symhmc.__version__
  m.attr("openmp_available") = symhmc::openmp_available();
  m.attr("build_arch") = symhmc::build_arch();
  m.attr("kernel_isa") = symhmc::kernel_isa();  // the data-row loops actually used
  py::dict tables;  // SYMHMC_KERNELS name -> instruction set, for the tables this CPU can run
  for (const auto& [name, isa] : symhmc::available_kernels()) tables[py::str(name)] = py::str(isa);
  m.attr("kernel_tables") = tables;
  m.attr("max_params") = symhmc::Layout::kMaxParams;
  m.def(
      "max_threads", [] { return symhmc::max_threads(); },
      "Threads used when threads=None (1 when built without OpenMP).");
  symhmc::bindings::bind_model(m);
  symhmc::bindings::bind_symmetry(m);
  symhmc::bindings::bind_sampling(m);
  symhmc::bindings::bind_optimize(m);
  symhmc::bindings::bind_testing(m);
}
