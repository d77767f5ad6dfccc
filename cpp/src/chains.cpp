#include "symhmc/chains.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "symhmc/integrator.hpp"
#include "detail/parallel.hpp"
#include "symhmc/rng.hpp"

namespace symhmc {
namespace {

// Stan's init_stepsize: double or halve the step size until the acceptance probability of one
// leapfrog step from the current point (fresh momentum each time) crosses 0.8.
double find_reasonable_step_size(const PhasePoint& z, double eps, const DiagMetric& metric, CountingEvaluator& eval,
                                 Rng& rng, PhasePoint& scratch) {
  if (!(eps > 0.0) || !(eps <= 1e7)) return eps;
  const double log_target = std::log(0.8);
  auto delta_h = [&] {
    scratch.assign(z);
    metric.sample_momentum(rng, scratch.p.data());
    const double h0 = hamiltonian(scratch, metric);
    leapfrog_step(scratch, eps, metric, eval);
    const double d = h0 - hamiltonian(scratch, metric);
    return std::isnan(d) ? -std::numeric_limits<double>::infinity() : d;
  };
  const int direction = delta_h() > log_target ? 1 : -1;
  for (int iter = 0; iter < 100; ++iter) {  // Stan loops until it throws; we stop at the bounds
    const double d = delta_h();
    if (direction == 1 && !(d > log_target)) break;
    if (direction == -1 && !(d < log_target)) break;
    const double next = direction == 1 ? 2.0 * eps : 0.5 * eps;
    if (next > 1e7 || next < 1e-12) break;
    eps = next;
  }
  return eps;
}

bool all_finite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

// nutpie's gradient-based diagonal metric: inverse mass sqrt(var(q) / var(grad)) per coordinate,
// from a foreground window of draws and gradients, re-estimated after every warmup iteration
// (GradientWindows decides when the background window takes over). Started from 1 / |grad| at the
// initial point. Coordinates whose estimate is not finite or not positive keep their value.
class GradientMetric {
 public:
  enum class Event { none, first_update, frozen };

  GradientMetric(std::size_t dim, std::int64_t warmup, bool wanted)
      : schedule_(warmup), active_(wanted && schedule_.enabled()), next_switch_(schedule_.next_switch()),
        fg_q_(dim), fg_g_(dim), bg_q_(dim), bg_g_(dim), inv_mass_(dim, 1.0) {}

  bool active() const { return active_; }

  void start(const PhasePoint& z, DiagMetric& metric) {
    add(z);
    for (std::size_t i = 0; i < inv_mass_.size(); ++i) {
      const double m = 1.0 / std::abs(z.grad[i]);
      if (std::isfinite(m) && m > 0.0) inv_mass_[i] = std::clamp(m, kLower, kUpper);
    }
    metric.set_inv_mass(inv_mass_);
  }

  // After warmup iteration `it` moved to z: collect, maybe switch windows, re-estimate.
  Event update(std::int64_t it, const PhasePoint& z, DiagMetric& metric) {
    if (it >= schedule_.final_start()) return Event::none;
    add(z);
    if (it == next_switch_) {
      next_switch_ = schedule_.next_switch();
      fg_q_ = bg_q_;
      fg_g_ = bg_g_;
      bg_q_.restart();
      bg_g_.restart();
    }
    Event event = Event::none;
    if (fg_q_.count() >= 3) {
      for (std::size_t i = 0; i < inv_mass_.size(); ++i) {
        const double m = std::sqrt(fg_q_.variance(i) / fg_g_.variance(i));
        if (std::isfinite(m) && m > 0.0) inv_mass_[i] = std::clamp(m, kLower, kUpper);
      }
      metric.set_inv_mass(inv_mass_);
      if (!updated_) event = Event::first_update;
      updated_ = true;
    }
    if (it + 1 == schedule_.final_start()) event = Event::frozen;
    return event;
  }

 private:
  static constexpr double kLower = 1e-20, kUpper = 1e20;

  void add(const PhasePoint& z) {
    fg_q_.add(z.q.data());
    fg_g_.add(z.grad.data());
    bg_q_.add(z.q.data());
    bg_g_.add(z.grad.data());
  }

  GradientWindows schedule_;
  bool active_;
  std::int64_t next_switch_;
  WelfordVariance fg_q_, fg_g_, bg_q_, bg_g_;
  std::vector<double> inv_mass_;
  bool updated_ = false;
};

class ChainRunner {
 public:
  ChainRunner(const Target& target, const SamplerSettings& s, std::uint64_t key, const ChainOutputs& out,
              Progress& progress)
      : target_(target), s_(s), key_(key), out_(out), progress_(progress), dim_(target.dim()) {}

  void run(std::int64_t c, std::uint64_t stream, const double* init) {
    // A chain not yet started when the run is interrupted does no work at all (no evaluator, no
    // initial point, no step size search), so that stopping many chains is quick.
    if (progress_.interrupt.load(std::memory_order_relaxed)) {
      out_.finished[c] = 0;
      return;
    }
    Rng rng(key_, stream);
    auto evaluator = target_.make_evaluator();
    CountingEvaluator eval(*evaluator);
    DiagMetric metric(dim_);
    PhasePoint cur(dim_), scratch(dim_);

    // Initial point.
    if (init) {
      std::copy(init, init + dim_, cur.q.begin());
      eval.update(cur);
    } else {
      for (std::int64_t tries = 0; tries < std::max<std::int64_t>(1, s_.max_init_tries); ++tries) {
        for (std::size_t i = 0; i < dim_; ++i) cur.q[i] = rng.uniform(-s_.init_radius, s_.init_radius);
        eval.update(cur);
        if (std::isfinite(cur.lp) && all_finite(cur.grad)) break;
      }
    }

    double eps = s_.step_size;
    DualAveraging dual_avg(s_.dual_averaging);
    WindowSchedule windows(s_.warmup, s_.windows);
    WelfordVariance welford(dim_);
    std::vector<double> var(dim_, 1.0);
    GradientMetric gradient_metric(dim_, s_.warmup,
                                   s_.adapt_mass_matrix && s_.adaptation == MassAdaptation::gradient);
    if (gradient_metric.active()) gradient_metric.start(cur, metric);
    if (s_.warmup > 0 && s_.adapt_step_size && s_.find_step_size)
      eps = find_reasonable_step_size(cur, eps, metric, eval, rng, scratch);
    dual_avg.restart(eps);

    Nuts nuts(dim_, s_.nuts);
    StaticHmc hmc(dim_, s_.hmc);
    nuts.set_stop_flag(&progress_.interrupt);
    hmc.set_stop_flag(&progress_.interrupt);
    const std::int64_t n_iter = s_.warmup + s_.draws;  // validate() rules out overflow
    bool finished = true;
    for (std::int64_t it = 0; it < n_iter; ++it) {
      if (progress_.interrupt.load(std::memory_order_relaxed)) {
        finished = false;
        break;
      }
      const TransitionStats st = s_.kind == SamplerKind::nuts ? nuts.transition(cur, eps, metric, eval, rng)
                                                              : hmc.transition(cur, eps, metric, eval, rng);
      if (nuts.stopped() || hmc.stopped()) {  // interrupted inside the transition: discard it
        finished = false;
        break;
      }
      if (it < s_.warmup) {
        if (st.diverging) progress_.warmup_divergences.fetch_add(1, std::memory_order_relaxed);
        if (s_.adapt_step_size) eps = dual_avg.update(st.acceptance_rate);
        if (gradient_metric.active()) {
          switch (gradient_metric.update(it, cur, metric)) {
            case GradientMetric::Event::first_update:  // nutpie: search the step size once for the new metric
              if (s_.adapt_step_size) {
                if (s_.find_step_size) eps = find_reasonable_step_size(cur, eps, metric, eval, rng, scratch);
                dual_avg.restart(eps);
              }
              break;
            case GradientMetric::Event::frozen:  // the final stretch: settle the step size for the fixed metric
              if (s_.adapt_step_size) dual_avg.restart(eps);
              break;
            case GradientMetric::Event::none:
              break;
          }
        } else if (s_.adapt_mass_matrix) {
          if (windows.in_window(it)) welford.add(cur.q.data());
          if (windows.end_window(it)) {
            welford.regularized_variance(var);
            welford.restart();
            metric.set_inv_mass(var);
            if (s_.adapt_step_size) {
              if (s_.find_step_size) eps = find_reasonable_step_size(cur, eps, metric, eval, rng, scratch);
              dual_avg.restart(eps);
            }
          }
        }
        if (it == s_.warmup - 1 && s_.adapt_step_size) eps = dual_avg.final_step_size();
      } else {
        const std::size_t k = std::size_t(c) * std::size_t(s_.draws) + std::size_t(it - s_.warmup);
        std::copy(cur.q.begin(), cur.q.end(), out_.draws + k * dim_);
        out_.lp[k] = st.lp;
        out_.acceptance_rate[k] = st.acceptance_rate;
        out_.step_size[k] = st.step_size;
        out_.tree_depth[k] = st.tree_depth;
        out_.n_steps[k] = st.n_steps;
        out_.diverging[k] = st.diverging ? 1 : 0;
        out_.energy[k] = st.energy;
        if (st.diverging) progress_.divergences.fetch_add(1, std::memory_order_relaxed);
      }
      progress_.iterations.fetch_add(1, std::memory_order_relaxed);
    }

    out_.adapted_step_size[c] = eps;
    std::copy(metric.inv_mass().begin(), metric.inv_mass().end(), out_.inv_mass + std::size_t(c) * dim_);
    out_.n_grad_evals[c] = eval.count();
    publish_finished(out_.finished[c], finished, progress_.chains_done);
  }

 private:
  const Target& target_;
  const SamplerSettings& s_;
  std::uint64_t key_;
  const ChainOutputs& out_;
  Progress& progress_;
  std::size_t dim_;
};

}  // namespace

void run_chains(const Target& target, const SamplerSettings& settings, std::uint64_t key, std::int64_t n_chains,
                const double* init, const ChainOutputs& out, Progress& progress, int threads,
                std::int64_t first_chain, const std::int64_t* chain_ids) {
  validate(settings);
  if (n_chains < 0) throw std::invalid_argument("n_chains must be >= 0");
  if (first_chain < 0 || first_chain > std::numeric_limits<std::int64_t>::max() - n_chains)
    throw std::invalid_argument("first_chain must be >= 0 and first_chain + n_chains must fit in 64 bits");
  if (chain_ids) {
    if (first_chain != 0) throw std::invalid_argument("give first_chain or chain_ids, not both");
    for (std::int64_t c = 0; c < n_chains; ++c)
      if (chain_ids[c] < 0) throw std::invalid_argument("chain_ids must be >= 0");
  }
  const std::size_t dim = target.dim();
  ChainRunner runner(target, settings, key, out, progress);
  run_parallel_jobs(n_chains, threads, progress.interrupt, [&](std::int64_t c) {
    const std::int64_t id = chain_ids ? chain_ids[c] : first_chain + c;
    runner.run(c, std::uint64_t(id), init ? init + std::size_t(c) * dim : nullptr);
  });
}

}  // namespace symhmc
