// Bindings of the samplers: the leapfrog integrator, the many-chain runner and its
// progress/interrupt handle.
#include <pybind11/stl.h>

#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <type_traits>

#include "bindings.hpp"
#include "symhmc/chains.hpp"
#include "symhmc/integrator.hpp"
#include "symhmc/rng.hpp"
#include "symhmc/settings.hpp"

namespace symhmc {
namespace bindings {

namespace {

py::tuple leapfrog(const Target& target, const DoubleArray& q, const DoubleArray& p, double step_size, int n_steps,
                   std::optional<DoubleArray> inv_mass) {
  const std::size_t d = target.dim();
  require_ndim(q, 1, "q");
  require_ndim(p, 1, "p");
  if (std::size_t(q.size()) != d || std::size_t(p.size()) != d)
    throw py::value_error("q and p must have length " + std::to_string(d));
  if (n_steps < 0) throw py::value_error("n_steps must be >= 0");
  if (!std::isfinite(step_size)) throw py::value_error("step_size must be finite");
  DiagMetric metric(d);
  if (inv_mass) {
    require_ndim(*inv_mass, 1, "inv_mass");
    if (std::size_t(inv_mass->size()) != d) throw py::value_error("inv_mass must have length " + std::to_string(d));
    std::vector<double> m(inv_mass->data(), inv_mass->data() + d);
    for (double x : m)
      if (!(x > 0.0 && std::isfinite(x))) throw py::value_error("inv_mass must be positive and finite");
    metric.set_inv_mass(m);
  }
  PhasePoint z(d);
  std::copy(q.data(), q.data() + d, z.q.begin());
  std::copy(p.data(), p.data() + d, z.p.begin());
  py::array_t<double> energies(n_steps + 1);
  double* e = energies.mutable_data();
  {
    py::gil_scoped_release release;
    auto evaluator = target.make_evaluator();
    CountingEvaluator eval(*evaluator);
    eval.update(z);
    e[0] = -z.lp + metric.kinetic(z.p.data());
    for (int k = 0; k < n_steps; ++k) {
      leapfrog_step(z, step_size, metric, eval);
      e[k + 1] = -z.lp + metric.kinetic(z.p.data());
    }
  }
  return py::make_tuple(py::array_t<double>(d, z.q.data()), py::array_t<double>(d, z.p.data()), energies);
}

template <class T>
py::array_t<T> full(std::vector<py::ssize_t> shape, T value) {
  py::array_t<T> a(shape);
  std::fill(a.mutable_data(), a.mutable_data() + a.size(), value);
  return a;
}

const char* scope_name(OptionScope scope) {
  switch (scope) {
    case OptionScope::run: return "run";
    case OptionScope::common: return "common";
    case OptionScope::nuts: return "nuts";
    case OptionScope::hmc: return "hmc";
  }
  return "?";
}

// Reads or writes the option `name` of s through the one list in settings.hpp.
template <class Settings, class F>
void with_option(Settings& s, const std::string& name, F&& f) {
  bool found = false;
  for_each_option(s, [&](const char* option, auto& field, OptionScope) {
    if (!found && name == option) {
      found = true;
      f(field);
    }
  });
  if (!found) throw py::attribute_error("SamplerSettings has no option '" + name + "'");
}

py::object get_option(const SamplerSettings& s, const std::string& name) {
  py::object out;
  with_option(s, name, [&](const auto& field) {
    if constexpr (std::is_same_v<std::decay_t<decltype(field)>, MassAdaptation>)
      out = py::str(to_string(field));
    else
      out = py::cast(field);
  });
  return out;
}

void set_option(SamplerSettings& s, const std::string& name, const py::object& value) {
  with_option(s, name, [&](auto& field) {
    using T = std::decay_t<decltype(field)>;
    if constexpr (std::is_same_v<T, MassAdaptation>) {
      if (!py::isinstance<py::str>(value)) throw py::type_error(name + " must be 'stan' or 'gradient'");
      if (!parse_mass_adaptation(value.cast<std::string>(), field))
        throw py::value_error(name + " must be 'stan' or 'gradient', got '" + value.cast<std::string>() + "'");
    } else if constexpr (std::is_same_v<T, bool>) {
      if (!py::isinstance<py::bool_>(value)) throw py::type_error(name + " must be True or False");
      field = value.cast<bool>();
    } else if constexpr (std::is_integral_v<T>) {
      if (!py::isinstance<py::int_>(value) || py::isinstance<py::bool_>(value))
        throw py::type_error(name + " must be an integer");
      try {
        field = value.cast<T>();
      } catch (const py::cast_error&) {
        throw py::value_error(name + " does not fit in a " + std::to_string(8 * sizeof(T)) + "-bit integer");
      }
    } else {
      if (py::isinstance<py::bool_>(value)) throw py::type_error(name + " must be a real number");
      field = value.cast<T>();
    }
    if constexpr (std::is_same_v<T, double>) {
      // one user-facing threshold for both samplers
      if (name == "max_energy_error") s.hmc.max_energy_error = s.nuts.max_energy_error;
    }
  });
}

py::dict warmup_plan_dict(const SamplerSettings& s) {
  WarmupPlan plan;
  try {
    plan = warmup_plan(s);
  } catch (const std::invalid_argument& e) {
    throw py::value_error(e.what());
  }
  py::list windows;
  for (std::size_t i = 0; i < plan.window_start.size(); ++i)
    windows.append(py::make_tuple(plan.window_start[i], plan.window_end[i]));
  py::dict d;
  d["metric_adapted"] = plan.metric_adapted;
  d["init_buffer"] = plan.init_buffer;
  d["base_window"] = plan.base_window;
  d["term_buffer"] = plan.term_buffer;
  d["windows"] = windows;
  return d;
}

py::dict run_chains_py(std::shared_ptr<Target> target, std::int64_t chains, const SamplerSettings& s, std::uint64_t key,
                       int threads, std::optional<DoubleArray> init, std::shared_ptr<Progress> progress,
                       std::int64_t first_chain,
                       std::optional<py::array_t<std::int64_t, py::array::c_style | py::array::forcecast>> chain_ids,
                       std::optional<py::function> on_start) {
  if (!target) throw py::type_error("target must be a symhmc._core.Target");
  if (chains < 1) throw py::value_error("chains must be >= 1");
  if (threads < 0) throw py::value_error("threads must be >= 0");
  if (first_chain < 0 || first_chain > std::numeric_limits<std::int64_t>::max() - chains)
    throw py::value_error("first_chain must be >= 0 and first_chain + chains must be below 2**63");
  try {
    validate(s);
  } catch (const std::invalid_argument& e) {
    throw py::value_error(e.what());
  }
  const std::int64_t draws = s.draws;
  const py::ssize_t d = py::ssize_t(target->dim());
  const py::ssize_t nc = py::ssize_t(chains), nd = py::ssize_t(draws);
  const double* init_ptr = nullptr;
  if (init) {
    require_ndim(*init, 2, "init");
    if (init->shape(0) != nc || init->shape(1) != d)
      throw py::value_error("init must have shape (" + std::to_string(nc) + ", " + std::to_string(d) + ")");
    init_ptr = init->data();
  }
  const std::int64_t* ids_ptr = nullptr;
  if (chain_ids) {
    if (chain_ids->ndim() != 1 || chain_ids->shape(0) != nc)
      throw py::value_error("chain_ids must have shape (" + std::to_string(nc) + ",)");
    if (first_chain != 0) throw py::value_error("give first_chain or chain_ids, not both");
    for (py::ssize_t c = 0; c < nc; ++c)
      if (chain_ids->data()[c] < 0) throw py::value_error("chain_ids must be >= 0");
    ids_ptr = chain_ids->data();
  }
  if (!progress) progress = std::make_shared<Progress>();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto draws_a = full<double>({nc, nd, d}, nan);
  auto lp = full<double>({nc, nd}, nan), acc = full<double>({nc, nd}, nan), eps = full<double>({nc, nd}, nan);
  auto energy = full<double>({nc, nd}, nan);
  auto depth = full<std::int32_t>({nc, nd}, 0);
  auto steps = full<std::int64_t>({nc, nd}, 0);
  auto div = full<bool>({nc, nd}, false);
  auto adapted = full<double>({nc}, nan);
  auto inv_mass = full<double>({nc, d}, nan);
  auto n_grad = full<std::int64_t>({nc}, 0);
  auto finished = full<bool>({nc}, false);
  static_assert(sizeof(bool) == 1, "bool arrays are written as bytes");
  ChainOutputs out;
  out.draws = draws_a.mutable_data();
  out.lp = lp.mutable_data();
  out.acceptance_rate = acc.mutable_data();
  out.step_size = eps.mutable_data();
  out.tree_depth = depth.mutable_data();
  out.n_steps = steps.mutable_data();
  out.diverging = reinterpret_cast<std::uint8_t*>(div.mutable_data());
  out.energy = energy.mutable_data();
  out.adapted_step_size = adapted.mutable_data();
  out.inv_mass = inv_mass.mutable_data();
  out.n_grad_evals = n_grad.mutable_data();
  out.finished = reinterpret_cast<std::uint8_t*>(finished.mutable_data());
  py::dict r;
  r["draws"] = draws_a;
  r["lp"] = lp;
  r["acceptance_rate"] = acc;
  r["step_size"] = eps;
  r["tree_depth"] = depth;
  r["n_steps"] = steps;
  r["diverging"] = div;
  r["energy"] = energy;
  r["adapted_step_size"] = adapted;
  r["inv_mass"] = inv_mass;
  r["n_grad_evals"] = n_grad;
  r["finished"] = finished;
  // The arrays are handed out before they are filled, so that another thread can copy the
  // chains whose `finished` flag is set while the run goes on (checkpoints).
  if (on_start) (*on_start)(r);
  {
    py::gil_scoped_release release;
    run_chains(*target, s, key, chains, init_ptr, out, *progress, threads, first_chain, ids_ptr);
  }
  return r;
}

}  // namespace

void bind_sampling(py::module_& m) {
  py::class_<Progress, std::shared_ptr<Progress>>(
      m, "Progress", "Thread-safe progress counters and interrupt flag shared with a running run_chains call.")
      .def(py::init<>())
      .def_property_readonly("chains_done", [](const Progress& p) { return p.chains_done.load(); })
      .def_property_readonly("iterations", [](const Progress& p) { return p.iterations.load(); })
      .def_property_readonly("divergences", [](const Progress& p) { return p.divergences.load(); })
      .def_property_readonly("warmup_divergences", [](const Progress& p) { return p.warmup_divergences.load(); })
      .def_property_readonly("interrupted", [](const Progress& p) { return p.interrupt.load(); })
      .def(
          "interrupt", [](Progress& p) { p.interrupt.store(true); },
          "Ask every chain to stop before its next iteration (safe from any thread).");

  py::class_<SamplerSettings> settings(
      m, "SamplerSettings",
      "Every sampler setting with its default (the paper's); the one source of the defaults used by "
      "symhmc.sample, results.settings and the command line.");
  settings.def(py::init<>())
      .def_property(
          "sampler", [](const SamplerSettings& s) { return s.kind == SamplerKind::nuts ? "nuts" : "hmc"; },
          [](SamplerSettings& s, const std::string& name) {
            if (name == "nuts")
              s.kind = SamplerKind::nuts;
            else if (name == "hmc")
              s.kind = SamplerKind::hmc;
            else
              throw py::value_error("sampler must be 'nuts' or 'hmc', got '" + name + "'");
          })
      .def_static(
          "options",
          [] {
            SamplerSettings s;
            py::list out;
            for_each_option(s, [&](const char* name, auto&, OptionScope scope) {
              out.append(py::make_tuple(name, scope_name(scope)));
            });
            return out;
          },
          "(name, scope) of every option; scope is 'run' (warmup, draws), 'common', 'nuts' or 'hmc'.")
      .def("get", &get_option, py::arg("name"), "The value of one option.")
      .def("set", &set_option, py::arg("name"), py::arg("value"), "Set one option (type-checked).")
      .def(
          "validate",
          [](const SamplerSettings& s) {
            try {
              validate(s);
            } catch (const std::invalid_argument& e) {
              throw py::value_error(e.what());
            }
          },
          "Raise ValueError naming the first setting out of range.")
      .def("warmup_plan", &warmup_plan_dict,
           "The warmup schedule these settings give: metric_adapted, the buffers after Stan's rescaling and "
           "the slow windows as [start, end) iteration ranges.");
  {
    SamplerSettings defaults;
    for_each_option(defaults, [&](const char* name, auto&, OptionScope) {
      const std::string option(name);
      settings.def_property(
          name, [option](const SamplerSettings& s) { return get_option(s, option); },
          [option](SamplerSettings& s, const py::object& v) { set_option(s, option, v); });
    });
  }

  m.def("run_chains", &run_chains_py, py::arg("target"), py::kw_only(), py::arg("chains"), py::arg("settings"),
        py::arg("key") = 0, py::arg("threads") = 0, py::arg("init") = py::none(), py::arg("progress") = py::none(),
        py::arg("first_chain") = 0, py::arg("chain_ids") = py::none(), py::arg("on_start") = py::none(),
        "Run many chains (GIL released); returns a dict of NumPy arrays shaped (chain, draw, ...).\n\n"
        "Chain c uses the random stream (key, first_chain + c), or (key, chain_ids[c]). on_start, if given, "
        "is called with that dict before the chains start; its arrays fill while the run goes on, and a "
        "chain's rows are complete once finished[c] is set.");

  m.def("leapfrog", &leapfrog, py::arg("target"), py::arg("q"), py::arg("p"), py::arg("step_size"), py::arg("n_steps"),
        py::arg("inv_mass") = py::none(),
        "n_steps leapfrog steps from (q, p); returns (q, p, energies) with energies[k] = H after k steps.");

  m.def(
      "philox4x32_10",
      [](std::array<std::uint32_t, 4> counter, std::array<std::uint32_t, 2> key) {
        return philox4x32_10(counter, key);
      },
      py::arg("counter"), py::arg("key"), "One Philox4x32-10 block (for known-answer tests).");
  m.def(
      "rng_draws",
      [](std::uint64_t key, std::uint64_t stream, py::ssize_t n, const std::string& kind) {
        Rng rng(key, stream);
        py::array_t<double> a(n);
        double* x = a.mutable_data();
        if (kind == "uniform")
          for (py::ssize_t i = 0; i < n; ++i) x[i] = rng.uniform();
        else if (kind == "normal")
          for (py::ssize_t i = 0; i < n; ++i) x[i] = rng.normal();
        else
          throw py::value_error("kind must be 'uniform' or 'normal'");
        return a;
      },
      py::arg("key"), py::arg("stream"), py::arg("n"), py::arg("kind") = "normal",
      "n draws from the counter-based stream (key, stream) (for tests).");
}

}  // namespace bindings
}  // namespace symhmc
