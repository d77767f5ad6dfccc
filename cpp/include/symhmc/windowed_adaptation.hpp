// Windowed metric adaptation as in Stan (src/stan/mcmc/windowed_adaptation.hpp,
// var_adaptation.hpp): a diagonal inverse mass matrix from regularized Welford variances of the
// draws, collected in doubling windows.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <vector>

#include "symhmc/metric.hpp"
#include "symhmc/settings.hpp"

namespace symhmc {

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

// The metric of Stan's windowed adaptation: after each warmup iteration the draw goes into the
// current slow window; when a window ends, the metric becomes its regularized variance.
class WindowedMetric {
 public:
  WindowedMetric(std::size_t dim, std::int64_t warmup, WindowSettings s)
      : schedule_(warmup, s), welford_(dim), var_(dim, 1.0) {}

  // After warmup iteration `it` moved to q; true when a window ended and `metric` changed.
  bool update(std::int64_t it, const double* q, DiagMetric& metric) {
    if (schedule_.in_window(it)) welford_.add(q);
    if (!schedule_.end_window(it)) return false;
    welford_.regularized_variance(var_);
    welford_.restart();
    metric.set_inv_mass(var_);
    return true;
  }

 private:
  WindowSchedule schedule_;
  WelfordVariance welford_;
  std::vector<double> var_;
};

}  // namespace symhmc
