// Every sampler setting and its default, in one place. The Python package, its type stub and the
// command line read their defaults from here (through the bound SamplerSettings class).
//
// The defaults match the paper's NumPyro run, which follows Stan: dual averaging towards a mean
// acceptance statistic of 0.8 (gamma 0.05, t0 10, kappa 0.75), a diagonal inverse mass matrix from
// windowed warmup (75 / 25 / 50), NUTS with maximum tree depth 10, 1024 warmup iterations and one
// draw per chain. Counts are 64-bit.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

namespace symhmc {

enum class SamplerKind { nuts, hmc };

// How warmup estimates the diagonal inverse mass matrix.
//   stan:     regularized variances of the draws in Stan's doubling windows (the paper's NumPyro run).
//   gradient: nutpie's estimate sqrt(var(draws) / var(gradients)) over overlapping windows,
//             updated every iteration and started from 1 / |gradient| at the initial point.
enum class MassAdaptation { stan, gradient };
const char* to_string(MassAdaptation a);
bool parse_mass_adaptation(const std::string& name, MassAdaptation& out);

struct DualAveragingSettings {
  double target_accept = 0.8;
  double gamma = 0.05;
  double t0 = 10.0;
  double kappa = 0.75;
};

struct WindowSettings {
  std::int64_t init_buffer = 75;
  std::int64_t base_window = 25;
  std::int64_t term_buffer = 50;
};

struct NutsSettings {
  int max_tree_depth = 10;  // at most 30: a trajectory of 2^depth leapfrog steps
  double max_energy_error = 1000.0;
};

struct HmcSettings {
  std::int64_t n_steps = 10;
  double step_jitter = 0.0;  // step size drawn uniformly from eps * [1 - jitter, 1 + jitter]
  double max_energy_error = 1000.0;
};

struct SamplerSettings {
  SamplerKind kind = SamplerKind::nuts;
  std::int64_t warmup = 1024;
  std::int64_t draws = 1;
  double step_size = 1.0;  // initial step size (before the search heuristic)
  bool adapt_step_size = true;
  bool adapt_mass_matrix = true;
  bool find_step_size = true;  // Stan's init_stepsize heuristic at start and after metric updates
  MassAdaptation adaptation = MassAdaptation::stan;
  DualAveragingSettings dual_averaging;
  WindowSettings windows;
  NutsSettings nuts;
  HmcSettings hmc;
  double init_radius = 2.0;           // uniform(-r, r) initial points when no user points are given
  std::int64_t max_init_tries = 100;  // redraw a uniform initial point whose log density is not finite
};

// Which samplers an option applies to.
enum class OptionScope { run, common, nuts, hmc };

// Calls f(name, field, scope) for every user-facing option: the one list of names shared by the
// bindings, the Python option table and the command line. A max_energy_error given by a user
// sets both samplers' thresholds (the HMC one is kept equal to the NUTS one).
template <class Settings, class F>
void for_each_option(Settings& s, F&& f) {
  f("warmup", s.warmup, OptionScope::run);
  f("draws", s.draws, OptionScope::run);
  f("step_size", s.step_size, OptionScope::common);
  f("target_accept", s.dual_averaging.target_accept, OptionScope::common);
  f("gamma", s.dual_averaging.gamma, OptionScope::common);
  f("t0", s.dual_averaging.t0, OptionScope::common);
  f("kappa", s.dual_averaging.kappa, OptionScope::common);
  f("adapt_step_size", s.adapt_step_size, OptionScope::common);
  f("adapt_mass_matrix", s.adapt_mass_matrix, OptionScope::common);
  f("find_step_size", s.find_step_size, OptionScope::common);
  f("adaptation", s.adaptation, OptionScope::common);
  f("max_energy_error", s.nuts.max_energy_error, OptionScope::common);
  f("init_buffer", s.windows.init_buffer, OptionScope::common);
  f("base_window", s.windows.base_window, OptionScope::common);
  f("term_buffer", s.windows.term_buffer, OptionScope::common);
  f("init_radius", s.init_radius, OptionScope::common);
  f("max_tree_depth", s.nuts.max_tree_depth, OptionScope::nuts);
  f("n_steps", s.hmc.n_steps, OptionScope::hmc);
  f("step_jitter", s.hmc.step_jitter, OptionScope::hmc);
}

// Throws std::invalid_argument naming the offending field.
void validate(const SamplerSettings& settings);

// The warmup schedule a chain with these settings follows, as plain data. With Stan's adaptation,
// slow windows are [start, end) iteration ranges whose draws estimate the inverse mass matrix;
// after each the metric is updated (and the step size search and dual averaging restart). With
// the gradient adaptation, each window is the span of draws behind the metric from its end on
// (the metric is re-estimated every iteration from the current window), the terminal buffer is
// the final stretch with a fixed metric, and init_buffer is the early phase of short windows
// (at most kMaxListedWindows windows are listed).
struct WarmupPlan {
  static constexpr std::size_t kMaxListedWindows = 4096;
  bool metric_adapted = false;  // false below 20 warmup iterations or with adapt_mass_matrix off
  std::int64_t init_buffer = 0, base_window = 0, term_buffer = 0;  // after Stan's 15/75/10 rescaling
  std::vector<std::int64_t> window_start, window_end;
};
WarmupPlan warmup_plan(const SamplerSettings& settings);

}  // namespace symhmc
