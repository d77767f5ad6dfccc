// Step-size adaptation as in Stan (src/stan/mcmc/stepsize_adaptation.hpp and base_hmc's
// init_stepsize) and NumPyro: Nesterov dual averaging of log(step size) towards a target mean
// acceptance statistic, and the doubling/halving search for a first reasonable step size.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstdint>

#include "symhmc/integrator.hpp"
#include "symhmc/metric.hpp"
#include "symhmc/rng.hpp"
#include "symhmc/settings.hpp"

namespace symhmc {

// Nesterov dual averaging of log(step size) towards a target mean acceptance statistic.
class DualAveraging {
 public:
  explicit DualAveraging(DualAveragingSettings s = {}) : s_(s) {}

  // Shrinks towards mu = log(10 * step_size) and forgets the history.
  void restart(double step_size) {
    mu_ = std::log(10.0 * step_size);
    counter_ = 0;
    s_bar_ = 0.0;
    x_bar_ = 0.0;
  }
  // One update with this iteration's acceptance statistic; returns the next step size.
  double update(double accept_stat) {
    if (!(accept_stat >= 0.0)) accept_stat = 0.0;  // NaN counts as rejection
    accept_stat = std::min(1.0, accept_stat);
    ++counter_;
    const double n = double(counter_);
    const double eta = 1.0 / (n + s_.t0);
    s_bar_ = (1.0 - eta) * s_bar_ + eta * (s_.target_accept - accept_stat);
    const double x = mu_ - s_bar_ * std::sqrt(n) / s_.gamma;
    const double x_eta = std::pow(n, -s_.kappa);
    x_bar_ = (1.0 - x_eta) * x_bar_ + x_eta * x;
    return std::exp(x);
  }
  // The averaged step size used after warmup.
  double final_step_size() const { return std::exp(x_bar_); }
  std::int64_t counter() const { return counter_; }

 private:
  DualAveragingSettings s_;
  double mu_ = std::log(10.0);
  std::int64_t counter_ = 0;
  double s_bar_ = 0.0, x_bar_ = 0.0;
};

// Stan's init_stepsize: double or halve the step size until the acceptance probability of one
// leapfrog step from z (fresh momentum each time) crosses 0.8. Draws momenta from rng.
double find_reasonable_step_size(const PhasePoint& z, double eps, const DiagMetric& metric, CountingEvaluator& eval,
                                 Rng& rng, PhasePoint& scratch);

}  // namespace symhmc
