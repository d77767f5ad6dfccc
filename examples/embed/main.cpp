// Sampling your own target with symhmc's C++ library: many NUTS chains in parallel.
//
// The target is a "banana": a Gaussian bent along a parabola,
//     x1 ~ Normal(m1, s1^2),    x2 | x1 ~ Normal(m2 + b ((x1 - m1)^2 - s1^2), s2^2),
// whose moments are known in closed form: E x1 = m1, E x2 = m2, sd x1 = s1 and
// sd x2 = sqrt(s2^2 + 2 b^2 s1^4) (Var (x1 - m1)^2 = 2 s1^4). The program samples it, prints the
// posterior means and standard deviations with their Monte Carlo errors and the sampler's
// statistics, and exits with status 1 if a mean is more than 5 Monte Carlo standard errors from
// the truth or a chain did not finish.
//
// Usage: embed_example [chains] [threads]     (threads 0: all available)
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <exception>
#include <memory>
#include <vector>

#include <symhmc/chains.hpp>
#include <symhmc/runtime.hpp>
#include <symhmc/settings.hpp>
#include <symhmc/target.hpp>
#include <symhmc/version.hpp>

namespace {

struct BananaParams {
  double m1 = 1.0, s1 = 1.0, m2 = -2.0, s2 = 1.0, b = 0.5;
};

// One evaluator per chain; it may keep scratch memory (this one needs none).
class BananaEvaluator : public symhmc::GradientEvaluator {
 public:
  explicit BananaEvaluator(const BananaParams& p) : p_(p) {}
  // log p(q) up to a constant, and its gradient.
  double log_density_and_gradient(const double* q, double* grad) override {
    const double u = q[0] - p_.m1;
    const double r = q[1] - p_.m2 - p_.b * (u * u - p_.s1 * p_.s1);
    const double v1 = p_.s1 * p_.s1, v2 = p_.s2 * p_.s2;
    grad[0] = -u / v1 + (r / v2) * 2.0 * p_.b * u;
    grad[1] = -r / v2;
    return -0.5 * (u * u / v1 + r * r / v2);
  }

 private:
  BananaParams p_;
};

// The target itself is immutable, so the chains' threads share it.
class Banana : public symhmc::Target {
 public:
  explicit Banana(BananaParams p) : p_(p) {}
  std::size_t dim() const override { return 2; }
  std::unique_ptr<symhmc::GradientEvaluator> make_evaluator() const override {
    return std::make_unique<BananaEvaluator>(p_);
  }
  double true_mean(int i) const { return i == 0 ? p_.m1 : p_.m2; }
  double true_sd(int i) const {
    return i == 0 ? p_.s1 : std::sqrt(p_.s2 * p_.s2 + 2.0 * p_.b * p_.b * std::pow(p_.s1, 4));
  }

 private:
  BananaParams p_;
};

double median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

int run(int argc, char** argv) {
  const std::int64_t chains = argc > 1 ? std::atoll(argv[1]) : 64;
  const int threads = argc > 2 ? std::atoi(argv[2]) : 0;
  if (chains < 2) {
    std::fprintf(stderr, "need at least 2 chains (the Monte Carlo error comes from the spread of chain means)\n");
    return 2;
  }
  const Banana target(BananaParams{});
  const std::size_t dim = target.dim();

  symhmc::SamplerSettings settings;  // NUTS, Stan's adaptation; every default is in settings.hpp
  settings.warmup = 500;
  settings.draws = 100;
  // The banana's curvature grows in its tails, where a step size tuned on its body makes the
  // leapfrog integrator unstable (divergences); a higher acceptance target gives smaller steps.
  settings.dual_averaging.target_accept = 0.9;
  const std::uint64_t seed = 2024;

  // Caller-owned outputs, (chain, draw[, dim]) row-major.
  const std::size_t nc = static_cast<std::size_t>(chains);
  const std::size_t n = nc * static_cast<std::size_t>(settings.draws);
  std::vector<double> draws(n * dim), lp(n), acceptance(n), step_size(n), energy(n);
  std::vector<std::int32_t> tree_depth(n);
  std::vector<std::int64_t> n_steps(n), grad_evals(nc);
  std::vector<std::uint8_t> diverging(n), finished(nc);
  std::vector<double> adapted_step_size(nc), inv_mass(nc * dim);
  symhmc::ChainOutputs out;
  out.draws = draws.data();
  out.lp = lp.data();
  out.acceptance_rate = acceptance.data();
  out.step_size = step_size.data();
  out.tree_depth = tree_depth.data();
  out.n_steps = n_steps.data();
  out.diverging = diverging.data();
  out.energy = energy.data();
  out.adapted_step_size = adapted_step_size.data();
  out.inv_mass = inv_mass.data();
  out.n_grad_evals = grad_evals.data();
  out.finished = finished.data();

  std::printf("symhmc C++ library %s: OpenMP %s, %d threads available, build %s, kernels %s\n", SYMHMC_VERSION,
              symhmc::openmp_available() ? "on" : "off", symhmc::max_threads(), symhmc::build_arch(),
              symhmc::kernel_isa());
  std::printf("banana target: %lld chains x %lld draws after %lld warmup iterations, threads %d\n",
              static_cast<long long>(chains), static_cast<long long>(settings.draws),
              static_cast<long long>(settings.warmup), threads);

  // Progress may be read (and interrupt set) from another thread while the chains run.
  symhmc::Progress progress;
  symhmc::run_chains(target, settings, seed, chains, /*init=*/nullptr, out, progress, threads);

  // Posterior means with Monte Carlo standard errors from the spread of the chain means (valid
  // whatever the autocorrelation within a chain, as the chains are independent).
  bool ok = true;
  std::printf("\n%-4s %10s %10s %10s %7s %10s %10s\n", "", "mean", "mc_se", "true_mean", "z", "sd", "true_sd");
  for (std::size_t i = 0; i < dim; ++i) {
    std::vector<double> chain_mean(nc, 0.0);
    double sum = 0.0, sum_sq = 0.0;
    for (std::int64_t c = 0; c < chains; ++c) {
      for (std::int64_t k = 0; k < settings.draws; ++k) {
        const double x = draws[(std::size_t(c * settings.draws + k)) * dim + i];
        chain_mean[std::size_t(c)] += x / double(settings.draws);
        sum += x;
        sum_sq += x * x;
      }
    }
    const double mean = sum / double(n);
    const double sd = std::sqrt(std::max(0.0, sum_sq / double(n) - mean * mean));
    double spread = 0.0;
    for (double m : chain_mean) spread += (m - mean) * (m - mean);
    const double se = std::sqrt(spread / double(chains - 1) / double(chains));
    const double z = (mean - target.true_mean(int(i))) / se;
    std::printf("x%-3zu %10.4f %10.4f %10.4f %7.2f %10.4f %10.4f\n", i + 1, mean, se, target.true_mean(int(i)), z, sd,
                target.true_sd(int(i)));
    if (!(std::fabs(z) <= 5.0)) ok = false;
  }

  // Sampler statistics.
  double acc = 0.0, depth = 0.0;
  std::int64_t divergences = 0, total_grad = 0, done = 0;
  for (std::size_t k = 0; k < n; ++k) {
    acc += acceptance[k] / double(n);
    depth += double(tree_depth[k]) / double(n);
    divergences += diverging[k];
  }
  for (std::int64_t c = 0; c < chains; ++c) {
    total_grad += grad_evals[std::size_t(c)];
    done += finished[std::size_t(c)];
  }
  const auto [min_grad, max_grad] = std::minmax_element(grad_evals.begin(), grad_evals.end());
  const auto [min_eps, max_eps] = std::minmax_element(adapted_step_size.begin(), adapted_step_size.end());
  std::printf("\nmean acceptance statistic: %.3f (target %.2f)\n", acc, settings.dual_averaging.target_accept);
  std::printf("mean tree depth: %.2f\n", depth);
  std::printf("divergences: %lld after warmup, %lld during warmup\n", static_cast<long long>(divergences),
              static_cast<long long>(progress.warmup_divergences.load()));
  std::printf("gradient evaluations: %lld in total, per chain min %lld mean %.0f max %lld\n",
              static_cast<long long>(total_grad), static_cast<long long>(*min_grad),
              double(total_grad) / double(chains), static_cast<long long>(*max_grad));
  std::printf("adapted step sizes: min %.4f median %.4f max %.4f\n", *min_eps, median(adapted_step_size), *max_eps);
  std::printf("chains finished: %lld/%lld\n", static_cast<long long>(done), static_cast<long long>(chains));

  if (done != chains) ok = false;
  if (ok) {
    std::printf("PASS: every chain finished and every mean is within 5 Monte Carlo standard errors\n");
    return 0;
  }
  std::printf("FAIL: a mean is more than 5 Monte Carlo standard errors off or a chain did not finish\n");
  return 1;
}

}  // namespace

int main(int argc, char** argv) {
  try {
    return run(argc, argv);
  } catch (const std::exception& e) {  // run_chains rethrows an evaluator's or a setting's error
    std::fprintf(stderr, "error: %s\n", e.what());
    return 1;
  }
}
