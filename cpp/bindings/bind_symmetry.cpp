// Bindings of the equioutput transforms and the canonical map (symmetry.hpp).
#include <pybind11/stl.h>

#include "bindings.hpp"
#include "symhmc/symmetry.hpp"

namespace symhmc {
namespace bindings {

namespace {

using IntArray = py::array_t<int, py::array::c_style | py::array::forcecast>;

Layout checked_layout(const std::vector<std::int64_t>& widths, const std::string& activation,
                      const DoubleArray& params) {
  require_ndim(params, 2, "params");
  Layout layout(widths, parse_activation(activation));
  if (std::size_t(params.shape(1)) < layout.n_params())
    throw py::value_error("params must have at least " + std::to_string(layout.n_params()) +
                          " entries per vector, got " + std::to_string(params.shape(1)));
  return layout;
}

py::array_t<double> bound_apply(const std::vector<std::int64_t>& widths, const std::string& activation,
                                const DoubleArray& params, const IntArray& perm, const IntArray& sign, int threads) {
  Layout layout = checked_layout(widths, activation, params);
  const py::ssize_t H = n_hidden_neurons(layout);
  if (perm.ndim() != 2 || sign.ndim() != 2 || perm.shape(1) != H || sign.shape(1) != H ||
      perm.shape(0) != sign.shape(0))
    throw py::value_error("perm and sign must both have shape (n_transforms, " + std::to_string(H) + ")");
  const std::size_t n = params.shape(0), stride = params.shape(1), nt = perm.shape(0);
  if (nt != 1 && nt != n)
    throw py::value_error("need one transform or one per vector, got " + std::to_string(nt) + " for " +
                          std::to_string(n) + " vectors");
  for (std::size_t t = 0; t < nt; ++t) check_transform(layout, perm.data() + t * H, sign.data() + t * H);
  py::array_t<double> out({py::ssize_t(n), py::ssize_t(stride)});
  {
    py::gil_scoped_release release;
    apply_transform_batch(layout, params.data(), n, stride, perm.data(), sign.data(), nt, out.mutable_data(), threads);
  }
  return out;
}

py::object bound_canonicalize(const std::vector<std::int64_t>& widths, const std::string& activation,
                              const DoubleArray& params, bool normalize, int threads, bool return_transform) {
  Layout layout = checked_layout(widths, activation, params);
  const std::size_t n = params.shape(0), stride = params.shape(1);
  const py::ssize_t H = n_hidden_neurons(layout);
  CanonicalizeOptions options;
  options.normalize = normalize;
  py::array_t<double> out({py::ssize_t(n), py::ssize_t(stride)});
  py::array_t<int> perm({return_transform ? py::ssize_t(n) : py::ssize_t(0), H});
  py::array_t<int> sign({return_transform ? py::ssize_t(n) : py::ssize_t(0), H});
  {
    py::gil_scoped_release release;
    canonicalize_batch(layout, params.data(), n, stride, out.mutable_data(), options, threads,
                       return_transform ? perm.mutable_data() : nullptr,
                       return_transform ? sign.mutable_data() : nullptr);
  }
  if (return_transform) return py::make_tuple(out, perm, sign);
  return std::move(out);
}

}  // namespace

void bind_symmetry(py::module_& m) {
  m.def(
      "n_hidden_neurons",
      [](const std::vector<std::int64_t>& widths, const std::string& activation) {
        return n_hidden_neurons(Layout(widths, parse_activation(activation)));
      },
      py::arg("widths"), py::arg("activation"), "Sum of the hidden layer widths.");
  m.def("apply_transform", &bound_apply, py::arg("widths"), py::arg("activation"), py::arg("params"), py::arg("perm"),
        py::arg("sign"), py::arg("threads") = 0,
        "Apply signed permutations (perm, sign: (1 or n, n_hidden_neurons)) to n vectors; extra entries pass "
        "through.");
  m.def("canonicalize", &bound_canonicalize, py::arg("widths"), py::arg("activation"), py::arg("params"),
        py::arg("normalize") = false, py::arg("threads") = 0, py::arg("return_transform") = false,
        "Canonical representatives of n vectors; with return_transform also the (perm, sign) applied.");
}

}  // namespace bindings
}  // namespace symhmc
