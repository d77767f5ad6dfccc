// Diagonal Euclidean metric: kinetic energy K(p) = 1/2 p^T M^{-1} p with a diagonal inverse mass
// matrix M^{-1} (Stan's diag_e_metric). Momenta are drawn as p ~ Normal(0, M).
#pragma once

#include <cmath>
#include <cstddef>
#include <vector>

#include "symhmc/rng.hpp"

namespace symhmc {

class DiagMetric {
 public:
  explicit DiagMetric(std::size_t dim) : inv_mass_(dim, 1.0), sqrt_mass_(dim, 1.0) {}

  std::size_t dim() const { return inv_mass_.size(); }
  const std::vector<double>& inv_mass() const { return inv_mass_; }
  void set_inv_mass(const std::vector<double>& inv_mass) {
    inv_mass_ = inv_mass;
    for (std::size_t i = 0; i < inv_mass_.size(); ++i) sqrt_mass_[i] = 1.0 / std::sqrt(inv_mass_[i]);
  }
  void set_identity() {
    for (std::size_t i = 0; i < inv_mass_.size(); ++i) inv_mass_[i] = sqrt_mass_[i] = 1.0;
  }

  double kinetic(const double* p) const {
    double k = 0.0;
    for (std::size_t i = 0; i < inv_mass_.size(); ++i) k += p[i] * p[i] * inv_mass_[i];
    return 0.5 * k;
  }
  // dK/dp = M^{-1} p (Stan's dtau_dp, "p sharp").
  void velocity(const double* p, double* v) const {
    for (std::size_t i = 0; i < inv_mass_.size(); ++i) v[i] = inv_mass_[i] * p[i];
  }
  void sample_momentum(Rng& rng, double* p) const {
    for (std::size_t i = 0; i < inv_mass_.size(); ++i) p[i] = sqrt_mass_[i] * rng.normal();
  }

 private:
  std::vector<double> inv_mass_;
  std::vector<double> sqrt_mass_;
};

}  // namespace symhmc
