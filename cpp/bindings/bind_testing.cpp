// The submodule _core.testing: targets with known moments for testing the samplers (the
// symhmc_testing library), kept out of the core and of _core's own namespace.
#include <pybind11/stl.h>

#include <memory>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "symhmc/testing/gaussian.hpp"

namespace symhmc {
namespace bindings {

namespace {

using testing::GaussianTarget;

std::vector<double> to_vector(const DoubleArray& a) { return std::vector<double>(a.data(), a.data() + a.size()); }

std::shared_ptr<GaussianTarget> make_gaussian(const DoubleArray& mean, const DoubleArray& cov) {
  require_ndim(mean, 1, "mean");
  if (cov.ndim() == 1) return GaussianTarget::diagonal(to_vector(mean), to_vector(cov));
  if (cov.ndim() == 2) {
    if (cov.shape(0) != mean.size() || cov.shape(1) != mean.size())
      throw py::value_error("cov must be a square matrix matching mean");
    return GaussianTarget::dense(to_vector(mean), to_vector(cov));
  }
  throw py::value_error("cov must have 1 (variances) or 2 (matrix) dimensions, got " + std::to_string(cov.ndim()));
}

}  // namespace

void bind_testing(py::module_& m) {
  py::module_ t = m.def_submodule("testing", "Targets with known moments, for testing the samplers.");
  py::class_<GaussianTarget, Target, std::shared_ptr<GaussianTarget>>(
      t, "GaussianTarget", "Multivariate normal N(mean, cov); cov is a vector of variances or a full matrix.")
      .def(py::init(&make_gaussian), py::arg("mean"), py::arg("cov"))
      .def_property_readonly("is_diagonal", &GaussianTarget::is_diagonal)
      .def_property_readonly("mean", [](const GaussianTarget& g) {
        return py::array_t<double>(py::ssize_t(g.mean().size()), g.mean().data());
      });
}

}  // namespace bindings
}  // namespace symhmc
