// What one MCMC transition reports (ArviZ sample_stats names).
#pragma once

#include <cstdint>

namespace symhmc {

struct TransitionStats {
  double lp = 0.0;               // log density at the new point
  double acceptance_rate = 0.0;  // NUTS: mean Metropolis probability over the trajectory; HMC: min(1, e^{-dH})
  double step_size = 0.0;        // step size used for this transition
  int tree_depth = 0;            // NUTS: completed doublings; HMC: 0
  std::int64_t n_steps = 0;      // leapfrog steps (= gradient evaluations) of this transition
  bool diverging = false;        // energy error above the threshold or a non-finite log density
  double energy = 0.0;           // Hamiltonian at the new point
};

}  // namespace symhmc
