#include "symhmc/adaptation.hpp"

#include <algorithm>
#include <cmath>
#include <limits>

namespace symhmc {

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

GradientMetric::GradientMetric(std::size_t dim, std::int64_t warmup, bool wanted)
    : schedule_(warmup),
      active_(wanted && schedule_.enabled()),
      next_switch_(schedule_.next_switch()),
      fg_q_(dim),
      fg_g_(dim),
      bg_q_(dim),
      bg_g_(dim),
      inv_mass_(dim, 1.0) {}

void GradientMetric::start(const PhasePoint& z, DiagMetric& metric) {
  add(z);
  for (std::size_t i = 0; i < inv_mass_.size(); ++i) {
    const double m = 1.0 / std::abs(z.grad[i]);
    if (std::isfinite(m) && m > 0.0) inv_mass_[i] = std::clamp(m, kLower, kUpper);
  }
  metric.set_inv_mass(inv_mass_);
}

GradientMetric::Event GradientMetric::update(std::int64_t it, const PhasePoint& z, DiagMetric& metric) {
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

void GradientMetric::add(const PhasePoint& z) {
  fg_q_.add(z.q.data());
  fg_g_.add(z.grad.data());
  bg_q_.add(z.q.data());
  bg_g_.add(z.grad.data());
}

WarmupAdapter::WarmupAdapter(std::size_t dim, const SamplerSettings& s)
    : s_(s),
      dual_avg_(s.dual_averaging),
      windowed_(dim, s.warmup, s.windows),
      gradient_(dim, s.warmup, s.adapt_mass_matrix && s.adaptation == MassAdaptation::gradient) {}

double WarmupAdapter::start(const PhasePoint& z, DiagMetric& metric, CountingEvaluator& eval, Rng& rng,
                            PhasePoint& scratch) {
  double eps = s_.step_size;
  if (gradient_.active()) gradient_.start(z, metric);
  if (s_.warmup > 0 && s_.adapt_step_size && s_.find_step_size)
    eps = find_reasonable_step_size(z, eps, metric, eval, rng, scratch);
  dual_avg_.restart(eps);
  return eps;
}

double WarmupAdapter::update(std::int64_t it, const PhasePoint& z, double accept_stat, double eps, DiagMetric& metric,
                             CountingEvaluator& eval, Rng& rng, PhasePoint& scratch) {
  if (s_.adapt_step_size) eps = dual_avg_.update(accept_stat);
  if (gradient_.active()) {
    switch (gradient_.update(it, z, metric)) {
      case GradientMetric::Event::first_update:  // nutpie: search the step size once for the new metric
        eps = restart_step_size(z, eps, metric, eval, rng, scratch, s_.find_step_size);
        break;
      case GradientMetric::Event::frozen:  // the final stretch: settle the step size for the fixed metric
        eps = restart_step_size(z, eps, metric, eval, rng, scratch, false);
        break;
      case GradientMetric::Event::none: break;
    }
  } else if (s_.adapt_mass_matrix && windowed_.update(it, z.q.data(), metric)) {
    eps = restart_step_size(z, eps, metric, eval, rng, scratch, s_.find_step_size);
  }
  if (it == s_.warmup - 1 && s_.adapt_step_size) eps = dual_avg_.final_step_size();
  return eps;
}

double WarmupAdapter::restart_step_size(const PhasePoint& z, double eps, const DiagMetric& metric,
                                        CountingEvaluator& eval, Rng& rng, PhasePoint& scratch, bool search) {
  if (!s_.adapt_step_size) return eps;
  if (search) eps = find_reasonable_step_size(z, eps, metric, eval, rng, scratch);
  dual_avg_.restart(eps);
  return eps;
}

}  // namespace symhmc
