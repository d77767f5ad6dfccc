// Bindings of the deep-ensemble trainer: OptimizerSettings and train_members (GIL released).
#include <pybind11/stl.h>

#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "bindings.hpp"
#include "symhmc/optimize.hpp"

namespace symhmc {
namespace bindings {

namespace {

void validate_py(const OptimizerSettings& s) {
  try {
    validate(s);
  } catch (const std::invalid_argument& e) {
    throw py::value_error(e.what());
  }
}

py::dict train_members_py(std::shared_ptr<Target> target, std::int64_t members, const OptimizerSettings& s,
                          std::uint64_t key, int threads, std::optional<DoubleArray> init,
                          std::shared_ptr<Progress> progress, std::int64_t first_member,
                          std::shared_ptr<Target> validation, std::int64_t patience) {
  if (!target) throw py::type_error("target must be a symhmc._core.Target");
  if (members < 1) throw py::value_error("members must be >= 1, got " + std::to_string(members));
  if (threads < 0) throw py::value_error("threads must be >= 0");
  if (patience < 0) throw py::value_error("patience must be >= 0, got " + std::to_string(patience));
  if (first_member < 0 || first_member > (std::int64_t(1) << 62) - members)
    throw py::value_error("first_member must be >= 0 and first_member + members below 2**62");
  validate_py(s);
  const py::ssize_t d = py::ssize_t(target->dim()), nm = py::ssize_t(members), ne = py::ssize_t(s.epochs);
  if (validation && py::ssize_t(validation->dim()) != d)
    throw py::value_error("validation must have dimension " + std::to_string(d) + ", got " +
                          std::to_string(validation->dim()));
  const double* init_ptr = nullptr;
  if (init) {
    require_ndim(*init, 2, "init");
    if (init->shape(0) != nm || init->shape(1) != d)
      throw py::value_error("init must have shape (" + std::to_string(nm) + ", " + std::to_string(d) + ")");
    init_ptr = init->data();
  }
  if (!progress) progress = std::make_shared<Progress>();
  py::array_t<double> params({nm, d}), losses({nm, ne}), final_loss(nm);
  py::array_t<double> val_losses(std::vector<py::ssize_t>{nm, validation ? ne : py::ssize_t(0)});
  py::array_t<std::int64_t> best_epoch(nm);
  py::array_t<bool> finished(nm), nonfinite(nm);
  static_assert(sizeof(bool) == 1, "bool arrays are written as bytes");
  TrainOutputs out;
  out.params = params.mutable_data();
  out.losses = losses.mutable_data();
  out.val_losses = validation ? val_losses.mutable_data() : nullptr;
  out.final_loss = final_loss.mutable_data();
  out.best_epoch = best_epoch.mutable_data();
  out.finished = reinterpret_cast<std::uint8_t*>(finished.mutable_data());
  out.nonfinite = reinterpret_cast<std::uint8_t*>(nonfinite.mutable_data());
  {
    py::gil_scoped_release release;
    train_members(*target, s, key, members, init_ptr, out, *progress, threads, first_member, validation.get(),
                  patience);
  }
  py::dict r;
  r["params"] = params;
  r["losses"] = losses;
  r["val_losses"] = val_losses;
  r["final_loss"] = final_loss;
  r["best_epoch"] = best_epoch;
  r["finished"] = finished;
  r["nonfinite"] = nonfinite;
  return r;
}

}  // namespace

void bind_optimize(py::module_& m) {
  py::class_<OptimizerSettings>(
      m, "OptimizerSettings", "Every setting of the deep-ensemble trainer with its default (one place: optimize.hpp).")
      .def(py::init<>())
      .def_property(
          "optimizer", [](const OptimizerSettings& s) { return s.kind == OptimizerKind::rmsprop ? "rmsprop" : "adam"; },
          [](OptimizerSettings& s, const std::string& name) {
            if (name == "rmsprop")
              s.kind = OptimizerKind::rmsprop;
            else if (name == "adam")
              s.kind = OptimizerKind::adam;
            else
              throw py::value_error("optimizer must be 'rmsprop' or 'adam', got '" + name + "'");
          },
          "'rmsprop' or 'adam'.")
      .def_readwrite("learning_rate", &OptimizerSettings::learning_rate, "Step size (positive).")
      .def_readwrite("epochs", &OptimizerSettings::epochs, "Full-batch gradient steps (>= 1).")
      .def_readwrite("rho", &OptimizerSettings::rho, "RMSprop decay of the squared-gradient average.")
      .def_readwrite("beta1", &OptimizerSettings::beta1, "Adam first-moment decay.")
      .def_readwrite("beta2", &OptimizerSettings::beta2, "Adam second-moment decay.")
      .def_readwrite("eps", &OptimizerSettings::eps, "Added to the root of the second moment (outside the sqrt).")
      .def_readwrite("init_radius", &OptimizerSettings::init_radius, "Initial points uniform on (-r, r).")
      .def_readwrite("max_init_tries", &OptimizerSettings::max_init_tries,
                     "Redraws of an initial point whose loss or gradient is not finite.")
      .def("validate", &validate_py, "Raise ValueError naming the first setting out of range.");

  m.def("train_members", &train_members_py, py::arg("target"), py::kw_only(), py::arg("members"), py::arg("settings"),
        py::arg("key") = 0, py::arg("threads") = 0, py::arg("init") = py::none(), py::arg("progress") = py::none(),
        py::arg("first_member") = 0, py::arg("validation") = py::none(), py::arg("patience") = 0,
        "Train members by full-batch gradient descent on -log density (GIL released); returns a dict of arrays.");
}

}  // namespace bindings
}  // namespace symhmc
