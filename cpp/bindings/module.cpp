// The Python module symhmc._core: thin bindings that convert, validate, release the GIL and call
// the core. Each area binds itself in its own file.
#include <pybind11/pybind11.h>

#include "bindings.hpp"
#include "symhmc/kernels.hpp"
#include "symhmc/parallel.hpp"

namespace py = pybind11;

PYBIND11_MODULE(_core, m) {
  m.doc() = "symhmc's compiled core";
  m.attr("openmp_available") = symhmc::have_openmp();
  m.attr("build_arch") = SYMHMC_ARCH;
  m.attr("kernel_isa") = symhmc::kernels::table().isa;  // the data-row loops actually used
  m.def("max_threads", [] { return symhmc::resolve_threads(0); },
        "Threads used when threads=None (1 when built without OpenMP).");
  symhmc::bindings::bind_model(m);
  symhmc::bindings::bind_symmetry(m);
  symhmc::bindings::bind_sampling(m);
}
