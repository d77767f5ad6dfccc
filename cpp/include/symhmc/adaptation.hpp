// Warmup adaptation: one adapter that the chain runner calls, combining the separate pieces as
// Stan does (step-size adaptation, windowed metric adaptation) and nutpie's gradient-based metric:
//   step_size_adaptation.hpp   dual averaging and the initial step-size search
//   windowed_adaptation.hpp    Welford variances in Stan's doubling windows
//   gradient_metric.hpp        nutpie's metric from draws and gradients
#pragma once

#include <cstddef>
#include <cstdint>

#include "symhmc/gradient_metric.hpp"
#include "symhmc/integrator.hpp"
#include "symhmc/metric.hpp"
#include "symhmc/rng.hpp"
#include "symhmc/settings.hpp"
#include "symhmc/step_size_adaptation.hpp"
#include "symhmc/windowed_adaptation.hpp"

namespace symhmc {

// The warmup of one chain. start() before the first iteration; update() after each warmup
// iteration; both return the step size for the next iteration (after the last warmup iteration,
// the averaged one that sampling keeps) and may change the metric.
class WarmupAdapter {
 public:
  WarmupAdapter(std::size_t dim, const SamplerSettings& s);

  double start(const PhasePoint& z, DiagMetric& metric, CountingEvaluator& eval, Rng& rng, PhasePoint& scratch);
  double update(std::int64_t it, const PhasePoint& z, double accept_stat, double eps, DiagMetric& metric,
                CountingEvaluator& eval, Rng& rng, PhasePoint& scratch);

 private:
  // The metric changed: search a step size for it (if asked) and restart dual averaging there.
  double restart_step_size(const PhasePoint& z, double eps, const DiagMetric& metric, CountingEvaluator& eval, Rng& rng,
                           PhasePoint& scratch, bool search);

  const SamplerSettings& s_;
  DualAveraging dual_avg_;
  WindowedMetric windowed_;
  GradientMetric gradient_;
};

}  // namespace symhmc
