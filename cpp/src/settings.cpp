#include "symhmc/settings.hpp"

#include <cmath>
#include <limits>
#include <sstream>
#include <stdexcept>
#include <string>

#include "symhmc/adaptation.hpp"

namespace symhmc {
namespace {

template <class T>
std::string text(T value) {
  std::ostringstream out;
  out << value;
  return out.str();
}

// Throws "<rule>, got <value>" unless ok.
template <class T>
void require(bool ok, const std::string& rule, T value) {
  if (!ok) throw std::invalid_argument(rule + ", got " + text(value));
}

}  // namespace

const char* to_string(MassAdaptation a) { return a == MassAdaptation::gradient ? "gradient" : "stan"; }

bool parse_mass_adaptation(const std::string& name, MassAdaptation& out) {
  if (name == "stan") {
    out = MassAdaptation::stan;
  } else if (name == "gradient") {
    out = MassAdaptation::gradient;
  } else {
    return false;
  }
  return true;
}

void validate(const SamplerSettings& s) {
  require(s.warmup >= 0, "warmup must be >= 0", s.warmup);
  require(s.draws >= 1, "draws must be >= 1", s.draws);
  require(s.warmup <= std::numeric_limits<std::int64_t>::max() - s.draws, "warmup + draws must fit in a 64-bit count",
          s.warmup);
  require(s.step_size > 0.0 && std::isfinite(s.step_size), "step_size must be positive and finite", s.step_size);
  const DualAveragingSettings& d = s.dual_averaging;
  require(d.target_accept > 0.0 && d.target_accept < 1.0, "target_accept must be in (0, 1)", d.target_accept);
  require(d.gamma > 0.0 && std::isfinite(d.gamma), "gamma must be positive and finite", d.gamma);
  require(d.t0 >= 0.0 && std::isfinite(d.t0), "t0 must be >= 0 and finite", d.t0);
  require(d.kappa > 0.0 && d.kappa <= 1.0, "kappa must be in (0, 1]", d.kappa);
  // Each stage at most 2^62, so that their sum (checked against the warmup) cannot overflow.
  const std::int64_t stage_max = std::int64_t(1) << 62;
  require(s.windows.init_buffer >= 0 && s.windows.init_buffer <= stage_max, "init_buffer must be in [0, 2**62]",
          s.windows.init_buffer);
  require(s.windows.term_buffer >= 0 && s.windows.term_buffer <= stage_max, "term_buffer must be in [0, 2**62]",
          s.windows.term_buffer);
  require(s.windows.base_window >= 1 && s.windows.base_window <= stage_max, "base_window must be in [1, 2**62]",
          s.windows.base_window);
  require(s.nuts.max_tree_depth >= 1 && s.nuts.max_tree_depth <= 30, "max_tree_depth must be in [1, 30]",
          s.nuts.max_tree_depth);
  require(s.nuts.max_energy_error > 0.0, "max_energy_error must be positive", s.nuts.max_energy_error);
  require(s.hmc.max_energy_error > 0.0, "max_energy_error must be positive", s.hmc.max_energy_error);
  require(s.hmc.n_steps >= 1, "n_steps must be >= 1", s.hmc.n_steps);
  require(s.hmc.step_jitter >= 0.0 && s.hmc.step_jitter < 1.0, "step_jitter must be in [0, 1)", s.hmc.step_jitter);
  require(s.init_radius > 0.0 && std::isfinite(s.init_radius), "init_radius must be positive and finite",
          s.init_radius);
  require(s.max_init_tries >= 1, "max_init_tries must be >= 1", s.max_init_tries);
}

WarmupPlan warmup_plan(const SamplerSettings& s) {
  validate(s);
  WarmupPlan plan;
  if (s.adaptation == MassAdaptation::gradient) {
    GradientWindows schedule(s.warmup);
    plan.metric_adapted = s.adapt_mass_matrix && schedule.enabled();
    if (!plan.metric_adapted) return plan;
    plan.init_buffer = schedule.early_end();
    plan.term_buffer = s.warmup - schedule.final_start();
    plan.base_window = GradientWindows::kFirstMainWindow;
    std::int64_t start = 0;
    // A huge warmup has millions of early windows: list the first ones only.
    for (std::int64_t it = schedule.next_switch(); it >= 0 && plan.window_start.size() < WarmupPlan::kMaxListedWindows;
         it = schedule.next_switch()) {
      plan.window_start.push_back(start);
      plan.window_end.push_back(it + 1);
      start = it + 1;
    }
    return plan;
  }
  WindowSchedule schedule(s.warmup, s.windows);
  plan.metric_adapted = s.adapt_mass_matrix && schedule.enabled();
  if (!plan.metric_adapted) return plan;
  const WindowSettings& w = schedule.settings();
  plan.init_buffer = w.init_buffer;
  plan.base_window = w.base_window;
  plan.term_buffer = w.term_buffer;
  // Jump from one window end to the next instead of walking every iteration (warmup may be huge).
  std::int64_t start = w.init_buffer;
  const std::int64_t last = s.warmup - w.term_buffer - 1;
  while (start <= last) {
    const std::int64_t end = schedule.next_window_end();
    if (end < start || !schedule.end_window(end)) break;
    plan.window_start.push_back(start);
    plan.window_end.push_back(end + 1);
    if (end >= last) break;
    start = end + 1;
  }
  return plan;
}

}  // namespace symhmc
