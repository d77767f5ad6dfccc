// Bindings of the network, its posterior and the generic Target base class.
#include <pybind11/stl.h>

#include <cmath>
#include <optional>

#include "bindings.hpp"
#include "symhmc/posterior.hpp"

namespace symhmc {
namespace bindings {

namespace {

Layout make_layout(const std::vector<std::int64_t>& widths, const std::string& activation) {
  return Layout(widths, parse_activation(activation));
}

// (log_density, gradient) of a target at a stack of points q (n x dim).
py::tuple target_log_density(const Target& target, const DoubleArray& q, int threads, bool with_grad) {
  require_ndim(q, 2, "params");
  const std::size_t d = target.dim();
  if (std::size_t(q.shape(1)) != d)
    throw py::value_error("params must have " + std::to_string(d) + " entries per vector, got " +
                          std::to_string(q.shape(1)));
  const std::size_t n = q.shape(0);
  py::array_t<double> lp(n);
  py::array_t<double> grad(with_grad ? std::vector<py::ssize_t>{py::ssize_t(n), py::ssize_t(d)}
                                     : std::vector<py::ssize_t>{0, py::ssize_t(d)});
  {
    py::gil_scoped_release release;
    log_density_batch(target, q.data(), n, lp.mutable_data(), with_grad ? grad.mutable_data() : nullptr, threads);
  }
  return py::make_tuple(lp, grad);
}

}  // namespace

void bind_model(py::module_& m) {
  py::class_<Target, std::shared_ptr<Target>>(m, "Target", "A differentiable log density.")
      .def_property_readonly("dim", &Target::dim)
      .def("log_density", &target_log_density, py::arg("q"), py::arg("threads") = 0, py::arg("with_grad") = true,
           "(log density, gradient) at each row of q.");

  py::class_<BnnPosterior, Target, std::shared_ptr<BnnPosterior>>(m, "Posterior")
      .def(py::init([](const std::vector<std::int64_t>& widths, const std::string& activation, const DoubleArray& x,
                       const DoubleArray& y, double prior_scale, std::optional<double> noise_std,
                       double noise_prior_scale, const std::string& dtype) {
             if (dtype != "float64" && dtype != "float32")
               throw py::value_error("dtype must be 'float64' or 'float32', got '" + dtype + "'");
             require_ndim(x, 2, "x");
             require_ndim(y, 2, "y");
             Layout layout = make_layout(widths, activation);
             if (x.shape(1) != layout.n_inputs())
               throw py::value_error("x must have " + std::to_string(layout.n_inputs()) + " columns");
             if (y.shape(1) != layout.n_outputs())
               throw py::value_error("y must have " + std::to_string(layout.n_outputs()) + " columns");
             if (x.shape(0) != y.shape(0)) throw py::value_error("x and y must have the same number of rows");
             PosteriorSettings s;
             s.prior_scale = prior_scale;
             s.sample_noise = !noise_std.has_value();
             s.noise_std = noise_std.value_or(1.0);
             s.noise_prior_scale = noise_prior_scale;
             s.float32 = dtype == "float32";
             return std::make_shared<BnnPosterior>(std::move(layout), x.data(), y.data(), x.shape(0), s);
           }),
           py::arg("widths"), py::arg("activation"), py::arg("x"), py::arg("y"), py::arg("prior_scale") = 1.0,
           py::arg("noise_std") = py::none(), py::arg("noise_prior_scale") = 1.0, py::arg("dtype") = "float64")
      .def_property_readonly("n_params", [](const BnnPosterior& p) { return p.layout().n_params(); })
      .def_property_readonly("dtype",
                             [](const BnnPosterior& p) { return p.settings().float32 ? "float32" : "float64"; })
      .def_property_readonly("n_points", &BnnPosterior::n_points);

  m.def(
      "predict",
      [](const std::vector<std::int64_t>& widths, const std::string& activation, const DoubleArray& params,
         const DoubleArray& x, int threads) {
        require_ndim(params, 2, "params");
        require_ndim(x, 2, "x");
        Layout layout = make_layout(widths, activation);
        if (std::size_t(params.shape(1)) < layout.n_params())
          throw py::value_error("params must have at least " + std::to_string(layout.n_params()) +
                                " entries per vector");
        if (x.shape(1) != layout.n_inputs())
          throw py::value_error("x must have " + std::to_string(layout.n_inputs()) + " columns");
        const std::size_t nv = params.shape(0), np = x.shape(0);
        py::array_t<double> out({py::ssize_t(nv), py::ssize_t(np), py::ssize_t(layout.n_outputs())});
        {
          py::gil_scoped_release release;
          predict_batch(layout, params.data(), nv, params.shape(1), x.data(), np, out.mutable_data(), threads);
        }
        return out;
      },
      py::arg("widths"), py::arg("activation"), py::arg("params"), py::arg("x"), py::arg("threads") = 0,
      "Network outputs, shape (n_vectors, n_points, n_outputs).");
}

}  // namespace bindings
}  // namespace symhmc
