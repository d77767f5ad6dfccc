// Bindings of the samplers: Gaussian test targets, the leapfrog integrator, the many-chain
// runner and its progress/interrupt handle.
#include <pybind11/stl.h>

#include <cmath>
#include <limits>
#include <memory>
#include <optional>
#include <string>

#include "bindings.hpp"
#include "symhmc/chains.hpp"
#include "symhmc/gaussian.hpp"
#include "symhmc/integrator.hpp"
#include "symhmc/rng.hpp"

namespace symhmc {
namespace bindings {

namespace {

Eigen::VectorXd to_vector(const DoubleArray& a) {
  Eigen::VectorXd v(a.size());
  for (py::ssize_t i = 0; i < a.size(); ++i) v[i] = a.data()[i];
  return v;
}

std::shared_ptr<GaussianTarget> make_gaussian(const DoubleArray& mean, const DoubleArray& cov) {
  require_ndim(mean, 1, "mean");
  const Eigen::VectorXd m = to_vector(mean);
  if (cov.ndim() == 1) return GaussianTarget::diagonal(m, to_vector(cov));
  if (cov.ndim() == 2) {
    Eigen::MatrixXd c(cov.shape(0), cov.shape(1));
    for (py::ssize_t i = 0; i < cov.shape(0); ++i)
      for (py::ssize_t j = 0; j < cov.shape(1); ++j) c(i, j) = cov.data()[i * cov.shape(1) + j];
    return GaussianTarget::dense(m, c);
  }
  throw py::value_error("cov must have 1 (variances) or 2 (matrix) dimensions, got " + std::to_string(cov.ndim()));
}

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

py::dict run_chains_py(std::shared_ptr<Target> target, std::int64_t chains, int warmup, int draws,
                       const std::string& sampler, std::uint64_t key, int threads, std::optional<DoubleArray> init,
                       std::shared_ptr<Progress> progress, double step_size, double target_accept, double gamma,
                       double t0, double kappa, bool adapt_step_size, bool adapt_mass_matrix, bool find_step_size,
                       int max_tree_depth, double max_energy_error, int n_steps, double step_jitter, int init_buffer,
                       int base_window, int term_buffer, double init_radius, std::int64_t first_chain) {
  if (!target) throw py::type_error("target must be a symhmc._core.Target");
  if (chains < 1) throw py::value_error("chains must be >= 1");
  if (threads < 0) throw py::value_error("threads must be >= 0");
  if (first_chain < 0) throw py::value_error("first_chain must be >= 0");
  SamplerSettings s;
  if (sampler == "nuts")
    s.kind = SamplerKind::nuts;
  else if (sampler == "hmc")
    s.kind = SamplerKind::hmc;
  else
    throw py::value_error("sampler must be 'nuts' or 'hmc', got '" + sampler + "'");
  s.warmup = warmup;
  s.draws = draws;
  s.step_size = step_size;
  s.dual_averaging = {target_accept, gamma, t0, kappa};
  s.adapt_step_size = adapt_step_size;
  s.adapt_mass_matrix = adapt_mass_matrix;
  s.find_step_size = find_step_size;
  s.nuts.max_tree_depth = max_tree_depth;
  s.nuts.max_energy_error = max_energy_error;
  s.hmc.max_energy_error = max_energy_error;
  s.hmc.n_steps = n_steps;
  s.hmc.step_jitter = step_jitter;
  s.windows = {init_buffer, base_window, term_buffer};
  s.init_radius = init_radius;
  try {
    validate(s);
  } catch (const std::invalid_argument& e) {
    throw py::value_error(e.what());
  }
  const py::ssize_t d = py::ssize_t(target->dim());
  const py::ssize_t nc = py::ssize_t(chains), nd = draws;
  const double* init_ptr = nullptr;
  if (init) {
    require_ndim(*init, 2, "init");
    if (init->shape(0) != nc || init->shape(1) != d)
      throw py::value_error("init must have shape (" + std::to_string(nc) + ", " + std::to_string(d) + ")");
    init_ptr = init->data();
  }
  if (!progress) progress = std::make_shared<Progress>();
  const double nan = std::numeric_limits<double>::quiet_NaN();
  auto draws_a = full<double>({nc, nd, d}, nan);
  auto lp = full<double>({nc, nd}, nan), acc = full<double>({nc, nd}, nan), eps = full<double>({nc, nd}, nan);
  auto energy = full<double>({nc, nd}, nan);
  auto depth = full<std::int32_t>({nc, nd}, 0), steps = full<std::int32_t>({nc, nd}, 0);
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
  {
    py::gil_scoped_release release;
    run_chains(*target, s, key, chains, init_ptr, out, *progress, threads, first_chain);
  }
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
  return r;
}

}  // namespace

void bind_sampling(py::module_& m) {
  py::class_<GaussianTarget, Target, std::shared_ptr<GaussianTarget>>(
      m, "GaussianTarget", "Multivariate normal N(mean, cov); cov is a vector of variances or a full matrix.")
      .def(py::init(&make_gaussian), py::arg("mean"), py::arg("cov"))
      .def_property_readonly("is_diagonal", &GaussianTarget::is_diagonal)
      .def_property_readonly("mean", [](const GaussianTarget& t) {
        return py::array_t<double>(t.mean().size(), t.mean().data());
      });

  py::class_<Progress, std::shared_ptr<Progress>>(
      m, "Progress", "Thread-safe progress counters and interrupt flag shared with a running run_chains call.")
      .def(py::init<>())
      .def_property_readonly("chains_done", [](const Progress& p) { return p.chains_done.load(); })
      .def_property_readonly("iterations", [](const Progress& p) { return p.iterations.load(); })
      .def_property_readonly("divergences", [](const Progress& p) { return p.divergences.load(); })
      .def_property_readonly("warmup_divergences", [](const Progress& p) { return p.warmup_divergences.load(); })
      .def_property_readonly("interrupted", [](const Progress& p) { return p.interrupt.load(); })
      .def("interrupt", [](Progress& p) { p.interrupt.store(true); },
           "Ask every chain to stop before its next iteration (safe from any thread).");

  m.def("run_chains", &run_chains_py, py::arg("target"), py::kw_only(), py::arg("chains"), py::arg("warmup") = 1024,
        py::arg("draws") = 1, py::arg("sampler") = "nuts", py::arg("key") = 0, py::arg("threads") = 0,
        py::arg("init") = py::none(), py::arg("progress") = py::none(), py::arg("step_size") = 1.0,
        py::arg("target_accept") = 0.8, py::arg("gamma") = 0.05, py::arg("t0") = 10.0, py::arg("kappa") = 0.75,
        py::arg("adapt_step_size") = true, py::arg("adapt_mass_matrix") = true, py::arg("find_step_size") = true,
        py::arg("max_tree_depth") = 10, py::arg("max_energy_error") = 1000.0, py::arg("n_steps") = 10,
        py::arg("step_jitter") = 0.0, py::arg("init_buffer") = 75, py::arg("base_window") = 25,
        py::arg("term_buffer") = 50, py::arg("init_radius") = 2.0, py::arg("first_chain") = 0,
        "Run many chains (GIL released); returns a dict of NumPy arrays shaped (chain, draw, ...).");

  m.def("leapfrog", &leapfrog, py::arg("target"), py::arg("q"), py::arg("p"), py::arg("step_size"),
        py::arg("n_steps"), py::arg("inv_mass") = py::none(),
        "n_steps leapfrog steps from (q, p); returns (q, p, energies) with energies[k] = H after k steps.");

  m.def(
      "philox4x32_10",
      [](std::array<std::uint32_t, 4> counter, std::array<std::uint32_t, 2> key) { return philox4x32_10(counter, key); },
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
