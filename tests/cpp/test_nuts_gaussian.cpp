// run_chains with NUTS (and static HMC) on Gaussians with known moments, plus the run_chains
// contract: reproducibility across thread counts, chain offsets, initial points, interruption,
// exceptions and argument checks.
//
// Monte Carlo tolerance: every estimate must lie within 5 standard errors of the truth. The
// standard error comes from the spread of the per-chain averages over many independent chains
// (sd of the chain means / sqrt(chains)), which is valid whatever the autocorrelation within a
// chain. With about 30 compared quantities the false-alarm probability is below 1e-4, and the
// keys are fixed.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <memory>
#include <numeric>
#include <stdexcept>
#include <vector>

#include "check.hpp"
#include "symhmc/chains.hpp"
#include "symhmc/testing/gaussian.hpp"
#include "symhmc/runtime.hpp"

using namespace symhmc;
using symhmc::testing::GaussianTarget;

namespace {

constexpr double kZ = 5.0;

// Caller-owned outputs of one run_chains call.
struct Run {
  std::int64_t chains = 0, draws = 0, dim = 0;
  std::vector<double> x, lp, acceptance, step, energy, adapted_step, inv_mass;
  std::vector<std::int32_t> depth;
  std::vector<std::int64_t> n_steps, grad_evals;
  std::vector<std::uint8_t> diverging, finished;

  Run(std::int64_t c, std::int64_t d, std::size_t dm) : chains(c), draws(d), dim(std::int64_t(dm)) {
    const std::size_t cd = std::size_t(c * d);
    x.assign(cd * dm, NAN);
    for (auto* v : {&lp, &acceptance, &step, &energy}) v->assign(cd, NAN);
    depth.assign(cd, -1);
    n_steps.assign(cd, -1);
    diverging.assign(cd, 2);
    adapted_step.assign(std::size_t(c), NAN);
    inv_mass.assign(std::size_t(c) * dm, NAN);
    grad_evals.assign(std::size_t(c), -1);
    finished.assign(std::size_t(c), 2);
  }
  ChainOutputs outputs() {
    ChainOutputs o;
    o.draws = x.data();
    o.lp = lp.data();
    o.acceptance_rate = acceptance.data();
    o.step_size = step.data();
    o.tree_depth = depth.data();
    o.n_steps = n_steps.data();
    o.diverging = diverging.data();
    o.energy = energy.data();
    o.adapted_step_size = adapted_step.data();
    o.inv_mass = inv_mass.data();
    o.n_grad_evals = grad_evals.data();
    o.finished = finished.data();
    return o;
  }
  const double* draw(std::int64_t c, std::int64_t k) const { return x.data() + std::size_t((c * draws + k) * dim); }
  std::int64_t n_divergent() const { return std::accumulate(diverging.begin(), diverging.end(), std::int64_t(0)); }
};

Run sample(const Target& target, const SamplerSettings& s, std::uint64_t key, std::int64_t chains, int threads,
           const double* init = nullptr, std::int64_t first_chain = 0, Progress* progress = nullptr) {
  Run r(chains, s.draws, target.dim());
  Progress local;
  run_chains(target, s, key, chains, init, r.outputs(), progress ? *progress : local, threads, first_chain);
  return r;
}

struct Estimate {
  double mean = 0.0, se = 0.0;
};

// Average of f(draw) over all draws, with its Monte Carlo standard error from the chain means.
template <class F>
Estimate chain_mean_se(const Run& r, F f) {
  std::vector<double> m(std::size_t(r.chains), 0.0);
  for (std::int64_t c = 0; c < r.chains; ++c) {
    for (std::int64_t k = 0; k < r.draws; ++k) m[std::size_t(c)] += f(r.draw(c, k));
    m[std::size_t(c)] /= double(r.draws);
  }
  Estimate e;
  for (double v : m) e.mean += v / double(r.chains);
  double ss = 0.0;
  for (double v : m) ss += (v - e.mean) * (v - e.mean);
  e.se = std::sqrt(ss / double(r.chains - 1) / double(r.chains));
  return e;
}

#define CHECK_WITHIN_SE(est, truth, what)                                                              \
  CHECK_MSG(std::fabs((est).mean - (truth)) < kZ * (est).se && (est).se > 0.0,                         \
            what << ": estimate " << (est).mean << " truth " << (truth) << " se " << (est).se << " z " \
                 << ((est).mean - (truth)) / (est).se)

// Means, variances and (when `covariances`) every covariance within kZ standard errors.
void check_moments(const Run& r, const std::vector<double>& mean, const std::vector<double>& cov, bool covariances,
                   const char* name) {
  const std::size_t d = mean.size();
  double max_z = 0.0;
  int n = 0;
  for (std::size_t i = 0; i < d; ++i) {
    const Estimate m = chain_mean_se(r, [&](const double* q) { return q[i]; });
    CHECK_WITHIN_SE(m, mean[i], name << " mean[" << i << "]");
    max_z = std::max(max_z, std::fabs(m.mean - mean[i]) / m.se), ++n;
    for (std::size_t j = i; j < d; ++j) {
      if (j != i && !covariances) continue;
      const Estimate v = chain_mean_se(r, [&](const double* q) { return (q[i] - mean[i]) * (q[j] - mean[j]); });
      CHECK_WITHIN_SE(v, cov[i * d + j], name << " cov[" << i << "," << j << "]");
      max_z = std::max(max_z, std::fabs(v.mean - cov[i * d + j]) / v.se), ++n;
    }
  }
  std::cout << name << ": " << n << " moments, largest |error| / standard error " << max_z << std::endl;
}

void check_outputs(const Run& r, const Progress& progress, const SamplerSettings& s, const char* name) {
  const std::int64_t n = r.chains * r.draws;
  CHECK_MSG(std::all_of(r.finished.begin(), r.finished.end(), [](std::uint8_t f) { return f == 1; }), name);
  CHECK_EQ(progress.chains_done.load(), r.chains);
  CHECK_EQ(progress.iterations.load(), r.chains * (s.warmup + s.draws));
  CHECK_EQ(r.n_divergent(), std::int64_t(0));
  CHECK_EQ(progress.divergences.load(), std::int64_t(0));
  CHECK(std::all_of(r.x.begin(), r.x.end(), [](double v) { return std::isfinite(v); }));
  CHECK(std::all_of(r.lp.begin(), r.lp.end(), [](double v) { return std::isfinite(v); }));
  CHECK(std::all_of(r.energy.begin(), r.energy.end(), [](double v) { return std::isfinite(v); }));
  double acc = 0.0;
  for (double a : r.acceptance) acc += a / double(n);
  CHECK_MSG(acc > 0.6 && acc < 0.99, name << ": mean acceptance " << acc);
  // Per-chain consistency, counted over chains (one check each).
  std::int64_t bad_step = 0, resampled_step = 0, bad_depth = 0, bad_grad = 0;
  for (std::int64_t c = 0; c < r.chains; ++c) {
    const double eps = r.adapted_step[std::size_t(c)];
    if (!(eps > 0.0 && std::isfinite(eps))) ++bad_step;
    std::int64_t steps = 0;
    bool same_step = true, depth_ok = true;
    for (std::int64_t k = 0; k < r.draws; ++k) {
      const std::size_t i = std::size_t(c * r.draws + k);
      steps += r.n_steps[i];
      if (s.kind == SamplerKind::nuts || s.hmc.step_jitter == 0.0) same_step = same_step && r.step[i] == eps;
      if (s.kind == SamplerKind::nuts) {
        // depth completed doublings: 2^depth - 1 steps, plus up to 2^depth in a rejected last subtree.
        const std::int64_t full = (std::int64_t(1) << r.depth[i]) - 1;
        depth_ok = depth_ok && r.depth[i] >= 1 && r.depth[i] <= s.nuts.max_tree_depth && r.n_steps[i] >= full &&
                   r.n_steps[i] <= 2 * full + 1;
      } else {
        depth_ok = depth_ok && r.depth[i] == 0 && r.n_steps[i] == s.hmc.n_steps &&
                   std::fabs(r.step[i] / eps - 1.0) <= s.hmc.step_jitter;
      }
    }
    if (!same_step) ++resampled_step;
    if (!depth_ok) ++bad_depth;
    // The gradient count also includes warmup, the initial point and the step size search.
    if (!(r.grad_evals[std::size_t(c)] > steps + s.warmup)) ++bad_grad;
  }
  CHECK_MSG(bad_step == 0, name << ": " << bad_step << " chains with an invalid adapted step size");
  CHECK_MSG(resampled_step == 0, name << ": " << resampled_step << " chains sampled with another step size");
  CHECK_MSG(bad_depth == 0, name << ": " << bad_depth << " chains with inconsistent tree depths / step counts");
  CHECK_MSG(bad_grad == 0, name << ": " << bad_grad << " chains with too few gradient evaluations");
}

const std::vector<double> kDiagMean = {1.0, -1.0, 3.0};
const std::vector<double> kDiagVar = {0.01, 1.0, 100.0};
const std::vector<double> kDenseMean = {0.5, -1.0, 2.0, 0.0};
// Correlations up to 0.85, condition number 15.
const std::vector<double> kDenseCov = {1.0,  1.2,  -0.3, 0.2,  //
                                       1.2,  2.0,  -0.4, 0.3,  //
                                       -0.3, -0.4, 0.5,  0.1,  //
                                       0.2,  0.3,  0.1,  1.5};

std::vector<double> diag_matrix(const std::vector<double>& v) {
  std::vector<double> m(v.size() * v.size(), 0.0);
  for (std::size_t i = 0; i < v.size(); ++i) m[i * v.size() + i] = v[i];
  return m;
}

SamplerSettings settings(std::int64_t warmup, std::int64_t draws) {
  SamplerSettings s;
  s.warmup = warmup;
  s.draws = draws;
  return s;
}

void nuts_diagonal() {
  auto target = GaussianTarget::diagonal(kDiagMean, kDiagVar);
  const SamplerSettings s = settings(300, 200);
  Progress progress;
  const Run r = sample(*target, s, 11, 200, 2, nullptr, 0, &progress);
  check_outputs(r, progress, s, "nuts diagonal");
  check_moments(r, kDiagMean, diag_matrix(kDiagVar), false, "nuts diagonal");
  // The adapted inverse mass matrix estimates the variances (averaged over chains).
  for (std::size_t i = 0; i < kDiagVar.size(); ++i) {
    double m = 0.0;
    for (std::int64_t c = 0; c < r.chains; ++c) m += r.inv_mass[std::size_t(c) * 3 + i] / double(r.chains);
    CHECK_MSG(m / kDiagVar[i] > 0.75 && m / kDiagVar[i] < 1.15, "inv_mass[" << i << "] " << m);
  }
  // The check has power: a variance 10 % off is rejected.
  const Estimate v = chain_mean_se(r, [](const double* q) { return (q[1] + 1.0) * (q[1] + 1.0); });
  CHECK_MSG(std::fabs(v.mean - 1.1) > kZ * v.se, "variance 1.1 not rejected: " << v.mean << " se " << v.se);
}

void nuts_dense() {
  auto target = GaussianTarget::dense(kDenseMean, kDenseCov);
  const SamplerSettings s = settings(300, 200);
  Progress progress;
  const Run r = sample(*target, s, 12, 200, 2, nullptr, 0, &progress);
  check_outputs(r, progress, s, "nuts dense");
  check_moments(r, kDenseMean, kDenseCov, true, "nuts dense");
}

void static_hmc() {
  auto target = GaussianTarget::dense(kDenseMean, kDenseCov);
  SamplerSettings s = settings(300, 200);
  s.kind = SamplerKind::hmc;
  s.hmc.n_steps = 10;
  s.hmc.step_jitter = 0.2;
  Progress progress;
  const Run r = sample(*target, s, 13, 200, 2, nullptr, 0, &progress);
  check_outputs(r, progress, s, "hmc dense");
  check_moments(r, kDenseMean, kDenseCov, true, "hmc dense");
}

bool same_outputs(const Run& a, const Run& b) {
  return a.x == b.x && a.lp == b.lp && a.acceptance == b.acceptance && a.step == b.step && a.energy == b.energy &&
         a.adapted_step == b.adapted_step && a.inv_mass == b.inv_mass && a.depth == b.depth && a.n_steps == b.n_steps &&
         a.grad_evals == b.grad_evals && a.diverging == b.diverging && a.finished == b.finished;
}

// Chain c's draws depend on (key, first_chain + c) only: not on threads or on the other chains.
void reproducible() {
  auto target = GaussianTarget::dense(kDenseMean, kDenseCov);
  const SamplerSettings s = settings(100, 30);
  const Run one = sample(*target, s, 42, 24, 1);
  const Run two = sample(*target, s, 42, 24, 2);
  CHECK(same_outputs(one, two));  // bit for bit (vector == compares every double exactly)
  CHECK(std::memcmp(one.x.data(), two.x.data(), one.x.size() * sizeof(double)) == 0);
  const Run again = sample(*target, s, 42, 24, 0);  // all threads
  CHECK(same_outputs(one, again));
  const Run other_key = sample(*target, s, 43, 24, 2);
  CHECK(one.x != other_key.x);

  // Chains 10..23 run on their own (first_chain = 10) equal chains 10..23 of the full run.
  const Run tail = sample(*target, s, 42, 14, 2, nullptr, 10);
  const std::size_t per_chain = std::size_t(s.draws * 4);
  CHECK(std::equal(tail.x.begin(), tail.x.end(), one.x.begin() + 10 * per_chain));
  CHECK(std::equal(tail.grad_evals.begin(), tail.grad_evals.end(), one.grad_evals.begin() + 10));
}

// Given initial points are used: no warmup, a tiny fixed step size, one draw.
void initial_points() {
  auto target = GaussianTarget::diagonal(kDiagMean, kDiagVar);
  SamplerSettings s = settings(0, 1);
  s.step_size = 1e-12;
  s.adapt_step_size = false;
  s.adapt_mass_matrix = false;
  std::vector<double> init(5 * 3);
  for (std::size_t i = 0; i < init.size(); ++i) init[i] = 0.1 * double(i) - 0.7;
  const Run r = sample(*target, s, 1, 5, 2, init.data());
  for (std::size_t i = 0; i < init.size(); ++i) CHECK_NEAR(r.x[i], init[i], 1e-6);
  // Without initial points they are drawn uniformly from (-init_radius, init_radius).
  s.init_radius = 0.5;
  const Run u = sample(*target, s, 1, 50, 2);
  CHECK(std::all_of(u.x.begin(), u.x.end(), [](double v) { return std::fabs(v) < 0.5 + 1e-6; }));
}

void interrupted() {
  auto target = GaussianTarget::diagonal(kDiagMean, kDiagVar);
  Progress progress;
  progress.interrupt = true;
  const Run r = sample(*target, settings(50, 10), 1, 8, 2, nullptr, 0, &progress);
  CHECK(std::all_of(r.finished.begin(), r.finished.end(), [](std::uint8_t f) { return f == 0; }));
  CHECK_EQ(progress.chains_done.load(), std::int64_t(0));
  CHECK_EQ(progress.iterations.load(), std::int64_t(0));
}

// A user target whose evaluator throws after a number of evaluations.
class ThrowingTarget : public Target {
 public:
  explicit ThrowingTarget(int after) : after_(after) {}
  std::size_t dim() const override { return 2; }
  std::unique_ptr<GradientEvaluator> make_evaluator() const override {
    struct Eval : GradientEvaluator {
      int left;
      explicit Eval(int n) : left(n) {}
      double log_density_and_gradient(const double* q, double* g) override {
        if (--left < 0) throw std::runtime_error("evaluator failed");
        g[0] = -q[0];
        g[1] = -q[1];
        return -0.5 * (q[0] * q[0] + q[1] * q[1]);
      }
    };
    return std::make_unique<Eval>(after_);
  }

 private:
  int after_;
};

void errors() {
  const ThrowingTarget target(500);
  Progress progress;
  CHECK_THROWS(sample(target, settings(100, 100), 1, 16, 2, nullptr, 0, &progress), std::runtime_error);
  CHECK(progress.interrupt.load());
  CHECK_LT(progress.chains_done.load(), std::int64_t(16));

  auto gauss = GaussianTarget::diagonal(kDiagMean, kDiagVar);
  CHECK_THROWS(sample(*gauss, settings(10, 0), 1, 2, 1), std::invalid_argument);
  CHECK_THROWS(sample(*gauss, settings(-1, 1), 1, 2, 1), std::invalid_argument);
  Run r(1, 1, 3);
  Progress p;
  CHECK_THROWS(run_chains(*gauss, settings(10, 1), 1, -1, nullptr, r.outputs(), p, 1), std::invalid_argument);
  CHECK_THROWS(run_chains(*gauss, settings(10, 1), 1, 1, nullptr, r.outputs(), p, 1, -1), std::invalid_argument);
  // Zero chains is a no-op.
  run_chains(*gauss, settings(10, 1), 1, 0, nullptr, r.outputs(), p, 1);
  CHECK(std::isnan(r.x[0]));
}

}  // namespace

int main() {
  std::cout << "OpenMP " << (openmp_available() ? "on" : "off") << ", " << max_threads() << " threads, build "
            << build_arch() << ", kernels " << kernel_isa() << std::endl;
  nuts_diagonal();
  nuts_dense();
  static_hmc();
  reproducible();
  initial_points();
  interrupted();
  errors();
  return check::report("test_nuts_gaussian");
}
