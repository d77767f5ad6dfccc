// Static HMC (Stan's base_static_hmc): n_steps leapfrog steps of a (optionally jittered) step
// size, then a Metropolis accept/reject. Numerical trouble (a non-finite log density or an
// energy error above max_energy_error) is reported as a divergence and rejected, never thrown.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>

#include "symhmc/integrator.hpp"
#include "symhmc/settings.hpp"
#include "symhmc/transition.hpp"

namespace symhmc {

class StaticHmc {
 public:
  StaticHmc(std::size_t dim, HmcSettings s) : s_(s), z_(dim) {}

  // As Nuts::set_stop_flag: checked every 64 leapfrog steps; a stopped transition is discarded.
  void set_stop_flag(const std::atomic<bool>* stop) { stop_ = stop; }
  bool stopped() const { return stopped_; }

  // Moves `current` (position, lp and grad valid) to the next state.
  TransitionStats transition(PhasePoint& current, double step_size, const DiagMetric& metric, CountingEvaluator& eval,
                             Rng& rng) {
    stopped_ = false;
    double eps = step_size;
    if (s_.step_jitter > 0.0) eps *= 1.0 + s_.step_jitter * (2.0 * rng.uniform() - 1.0);
    metric.sample_momentum(rng, current.p.data());
    const double h0 = hamiltonian(current, metric);
    z_.assign(current);
    TransitionStats st;
    st.step_size = eps;
    bool diverging = false;
    std::int64_t steps = 0;
    for (; steps < s_.n_steps; ++steps) {
      if (stop_ && steps % 64 == 0 && stop_->load(std::memory_order_relaxed)) {
        stopped_ = true;
        return st;  // current is unchanged; the caller discards this transition
      }
      leapfrog_step(z_, eps, metric, eval);
      if (!std::isfinite(z_.lp) || hamiltonian(z_, metric) - h0 > s_.max_energy_error) {
        diverging = true;  // stop early: the trajectory is lost
        ++steps;
        break;
      }
    }
    st.n_steps = steps;
    const double h = diverging ? INFINITY : hamiltonian(z_, metric);
    const double accept = h0 - h >= 0.0 ? 1.0 : std::exp(h0 - h);
    st.acceptance_rate = accept;
    st.diverging = diverging;
    if (rng.uniform() < accept) current.assign(z_);
    st.lp = current.lp;
    st.energy = hamiltonian(current, metric);
    return st;
  }

 private:
  HmcSettings s_;
  PhasePoint z_;
  const std::atomic<bool>* stop_ = nullptr;
  bool stopped_ = false;
};

}  // namespace symhmc
