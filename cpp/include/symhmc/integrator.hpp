// Phase-space points and the leapfrog (velocity Verlet) integrator for H(q, p) = -log p(q) + K(p).
#pragma once

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

#include "symhmc/metric.hpp"
#include "symhmc/target.hpp"

namespace symhmc {

struct PhasePoint {
  std::vector<double> q, p, grad;  // position, momentum, d log p / dq at q
  double lp = 0.0;                 // log density at q

  PhasePoint() = default;
  explicit PhasePoint(std::size_t dim) : q(dim, 0.0), p(dim, 0.0), grad(dim, 0.0) {}
  // Copy without reallocation (sizes always match within a chain).
  void assign(const PhasePoint& o) {
    std::copy(o.q.begin(), o.q.end(), q.begin());
    std::copy(o.p.begin(), o.p.end(), p.begin());
    std::copy(o.grad.begin(), o.grad.end(), grad.begin());
    lp = o.lp;
  }
};

// Wraps an evaluator and counts gradient evaluations.
class CountingEvaluator {
 public:
  explicit CountingEvaluator(GradientEvaluator& eval) : eval_(eval) {}
  // Evaluates at z.q, writing z.lp and z.grad.
  void update(PhasePoint& z) {
    ++count_;
    z.lp = eval_.log_density_and_gradient(z.q.data(), z.grad.data());
  }
  std::int64_t count() const { return count_; }

 private:
  GradientEvaluator& eval_;
  std::int64_t count_ = 0;
};

// Total energy H = -lp + K(p); NaN becomes +inf so that it always counts as a divergence.
inline double hamiltonian(const PhasePoint& z, const DiagMetric& metric) {
  const double h = -z.lp + metric.kinetic(z.p.data());
  return std::isnan(h) ? std::numeric_limits<double>::infinity() : h;
}

// One leapfrog step of size eps (negative eps integrates backwards in time).
inline void leapfrog_step(PhasePoint& z, double eps, const DiagMetric& metric, CountingEvaluator& eval) {
  const std::size_t d = z.q.size();
  const double* m = metric.inv_mass().data();
  const double half = 0.5 * eps;
  for (std::size_t i = 0; i < d; ++i) {
    z.p[i] += half * z.grad[i];
    z.q[i] += eps * m[i] * z.p[i];
  }
  eval.update(z);
  for (std::size_t i = 0; i < d; ++i) z.p[i] += half * z.grad[i];
}

}  // namespace symhmc
