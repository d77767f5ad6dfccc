// Warmup adaptation as in Stan (src/stan/mcmc/stepsize_adaptation.hpp, windowed_adaptation.hpp,
// var_adaptation.hpp) and NumPyro: dual averaging of the step size, and a diagonal inverse mass
// matrix from regularized Welford variances collected in doubling windows.
#pragma once

#include <algorithm>
#include <cmath>
#include <cstddef>
#include <cstdint>
#include <vector>

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

// Running mean and variance (Welford).
class WelfordVariance {
 public:
  explicit WelfordVariance(std::size_t dim) : mean_(dim, 0.0), m2_(dim, 0.0) {}
  void restart() {
    n_ = 0;
    std::fill(mean_.begin(), mean_.end(), 0.0);
    std::fill(m2_.begin(), m2_.end(), 0.0);
  }
  void add(const double* q) {
    ++n_;
    for (std::size_t i = 0; i < mean_.size(); ++i) {
      const double delta = q[i] - mean_[i];
      mean_[i] += delta / double(n_);
      m2_[i] += delta * (q[i] - mean_[i]);
    }
  }
  std::int64_t count() const { return n_; }
  // Sample variance (n - 1 in the denominator); needs count() >= 2.
  double variance(std::size_t i) const { return m2_[i] / (double(n_) - 1.0); }
  // Stan's regularized sample variance: (n / (n + 5)) var + 1e-3 (5 / (n + 5)).
  void regularized_variance(std::vector<double>& out) const {
    const double n = double(n_);
    for (std::size_t i = 0; i < mean_.size(); ++i) {
      const double var = n > 1 ? m2_[i] / (n - 1.0) : 0.0;
      out[i] = (n / (n + 5.0)) * var + 1e-3 * (5.0 / (n + 5.0));
    }
  }

 private:
  std::int64_t n_ = 0;
  std::vector<double> mean_, m2_;
};

// Stan's windowed schedule: a fast initial buffer (step size only), slow windows of doubling
// length that estimate the metric, a fast terminal buffer. With fewer than 20 warmup
// iterations the metric is not adapted; when the configured stages do not fit, they are
// rescaled to 15% / 75% / 10% of the warmup.
class WindowSchedule {
 public:
  WindowSchedule(std::int64_t num_warmup, WindowSettings s) : num_warmup_(num_warmup), s_(s) {
    if (num_warmup < 20) {
      enabled_ = false;
    } else if (s_.init_buffer + s_.base_window + s_.term_buffer > num_warmup) {
      s_.init_buffer = std::int64_t(0.15 * double(num_warmup));
      s_.term_buffer = std::int64_t(0.1 * double(num_warmup));
      s_.base_window = num_warmup - (s_.init_buffer + s_.term_buffer);
    }
    window_size_ = s_.base_window;
    next_window_ = s_.init_buffer + window_size_ - 1;
  }

  // Is iteration `counter` (0-based) inside a slow window (collect a sample)?
  bool in_window(std::int64_t counter) const {
    return enabled_ && counter >= s_.init_buffer && counter < num_warmup_ - s_.term_buffer && counter != num_warmup_;
  }
  // Does a slow window end at iteration `counter`? Advances the schedule when it does.
  bool end_window(std::int64_t counter) {
    if (!(enabled_ && counter == next_window_ && counter != num_warmup_)) return false;
    compute_next_window(counter);
    return true;
  }
  const WindowSettings& settings() const { return s_; }
  bool enabled() const { return enabled_; }
  // The iteration at which the current slow window ends.
  std::int64_t next_window_end() const { return next_window_; }

 private:
  void compute_next_window(std::int64_t counter) {
    const std::int64_t last = num_warmup_ - s_.term_buffer - 1;
    if (next_window_ == last) return;
    window_size_ *= 2;
    next_window_ = counter + window_size_;
    if (next_window_ != last) {
      const std::int64_t next_boundary = next_window_ + 2 * window_size_;
      if (next_boundary >= num_warmup_ - s_.term_buffer) next_window_ = last;
    }
  }

  std::int64_t num_warmup_;
  WindowSettings s_;
  bool enabled_ = true;
  std::int64_t window_size_ = 0;
  std::int64_t next_window_ = 0;
};

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

}  // namespace symhmc
