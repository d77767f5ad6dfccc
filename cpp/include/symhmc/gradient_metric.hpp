// nutpie's gradient-based diagonal metric (nuts-rs, adapt_strategy.rs and mass_matrix_adapt.rs):
// inverse mass sqrt(var(q) / var(grad)) per coordinate from windows of draws and gradients.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "symhmc/integrator.hpp"
#include "symhmc/metric.hpp"
#include "symhmc/windowed_adaptation.hpp"

namespace symhmc {

// nutpie's warmup schedule for the gradient-based metric (nuts-rs, adapt_strategy.rs): draws
// and gradients go into a foreground and a background estimator; the metric is re-estimated
// from the foreground every iteration; when the background holds a full window it becomes the
// foreground and a new background starts. Windows are 10 draws in the early phase (the first
// 30 % of warmup), then 80 growing by 1.5x; the last 15 % keep the metric fixed while the step
// size settles. The initial point counts as the first draw of both estimators.
class GradientWindows {
 public:
  static constexpr std::int64_t kEarlyWindow = 10;
  static constexpr std::int64_t kFirstMainWindow = 80;

  explicit GradientWindows(std::int64_t num_warmup)
      : enabled_(num_warmup >= 20),
        early_end_(std::int64_t(0.3 * double(num_warmup))),
        final_start_(num_warmup - std::int64_t(0.15 * double(num_warmup))) {}

  bool enabled() const { return enabled_; }
  std::int64_t early_end() const { return early_end_; }
  // First iteration whose metric is fixed (the metric adapts for iterations < final_start()).
  std::int64_t final_start() const { return final_start_; }

  // The next iteration after whose draw the background estimate replaces the foreground, or -1
  // when there is none left; each call advances to the following switch. The background gains
  // one draw per iteration, so the schedule is fixed by the warmup length; it jumps from switch
  // to switch (warmup may be huge).
  std::int64_t next_switch() {
    if (!enabled_) return -1;
    while (it_ < final_start_) {
      const bool early = it_ < early_end_;
      if (!early && it_ == early_end_) window_ = std::max(window_, background_);  // never shrink
      const std::int64_t freq = early ? kEarlyWindow : window_;
      const std::int64_t next =
          early ? kEarlyWindow : std::max(window_ + 1, std::int64_t(std::llround(double(window_) * 1.5)));
      const std::int64_t phase_end = early ? std::min(early_end_, final_start_) : final_start_;
      // The iteration whose draw fills the background to `freq` draws.
      const std::int64_t full = it_ + std::max<std::int64_t>(0, freq - background_ - 1);
      // No switch when the next window would not fit before the final stretch ("late").
      if (full >= phase_end || next + full > final_start_) {
        background_ += phase_end - it_;
        it_ = phase_end;
        continue;
      }
      background_ = 0;
      if (!early) window_ = next;
      it_ = full + 1;
      return full;
    }
    return -1;
  }

 private:
  bool enabled_;
  std::int64_t early_end_, final_start_;
  std::int64_t it_ = 0, background_ = 1, window_ = kFirstMainWindow;  // the initial point is a draw
};

// The metric itself: estimated from a foreground window of draws and gradients, re-estimated
// after every warmup iteration (GradientWindows decides when the background window takes over).
// Started from 1 / |grad| at the initial point. Coordinates whose estimate is not finite or not
// positive keep their value.
class GradientMetric {
 public:
  enum class Event { none, first_update, frozen };

  GradientMetric(std::size_t dim, std::int64_t warmup, bool wanted);

  bool active() const { return active_; }
  // The metric at the initial point z.
  void start(const PhasePoint& z, DiagMetric& metric);
  // After warmup iteration `it` moved to z: collect, maybe switch windows, re-estimate.
  Event update(std::int64_t it, const PhasePoint& z, DiagMetric& metric);

 private:
  static constexpr double kLower = 1e-20, kUpper = 1e20;
  void add(const PhasePoint& z);

  GradientWindows schedule_;
  bool active_;
  std::int64_t next_switch_;
  WelfordVariance fg_q_, fg_g_, bg_q_, bg_g_;
  std::vector<double> inv_mass_;
  bool updated_ = false;
};

}  // namespace symhmc
