// Shared helpers of the binding files.
#pragma once

#include <pybind11/numpy.h>
#include <pybind11/pybind11.h>

#include <stdexcept>
#include <string>

namespace symhmc {
namespace bindings {

namespace py = pybind11;
using DoubleArray = py::array_t<double, py::array::c_style | py::array::forcecast>;

void bind_model(py::module_& m);
void bind_symmetry(py::module_& m);
void bind_sampling(py::module_& m);
void bind_optimize(py::module_& m);
void bind_testing(py::module_& m);  // after bind_model: GaussianTarget derives from Target

// Throws ValueError naming `name` unless `a` has `ndim` dimensions.
inline void require_ndim(const DoubleArray& a, int ndim, const char* name) {
  if (a.ndim() != ndim)
    throw py::value_error(std::string(name) + " must have " + std::to_string(ndim) + " dimensions, got " +
                          std::to_string(a.ndim()));
}

}  // namespace bindings
}  // namespace symhmc
