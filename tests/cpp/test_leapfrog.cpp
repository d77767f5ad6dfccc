// The leapfrog integrator on Gaussian targets (harmonic oscillators): one step matches the
// velocity Verlet map, the energy error is second order in the step size, and the integrator
// is reversible.
#include <algorithm>
#include <cmath>
#include <memory>
#include <vector>

#include "check.hpp"
#include "symhmc/testing/gaussian.hpp"
#include "symhmc/integrator.hpp"
#include "symhmc/metric.hpp"

using namespace symhmc;
using symhmc::testing::GaussianTarget;

namespace {

constexpr double kPi = 3.14159265358979323846;
const std::vector<double> kVar = {1.0, 0.25, 4.0};
const std::vector<double> kQ0 = {1.0, -0.5, 2.0};
const std::vector<double> kP0 = {0.3, 1.0, -0.7};

struct Trajectory {
  std::vector<double> q, p, energies;
  std::int64_t grad_evals = 0;
};

// n leapfrog steps of size eps from (q0, p0); energies[0] is the initial energy.
Trajectory integrate(const Target& target, const std::vector<double>& q0, const std::vector<double>& p0, double eps,
                     int n, const std::vector<double>* inv_mass = nullptr) {
  const std::size_t d = target.dim();
  DiagMetric metric(d);
  if (inv_mass) metric.set_inv_mass(*inv_mass);
  auto evaluator = target.make_evaluator();
  CountingEvaluator eval(*evaluator);
  PhasePoint z(d);
  z.q = q0;
  z.p = p0;
  eval.update(z);
  Trajectory t;
  t.energies.push_back(hamiltonian(z, metric));
  for (int i = 0; i < n; ++i) {
    leapfrog_step(z, eps, metric, eval);
    t.energies.push_back(hamiltonian(z, metric));
  }
  t.q = z.q;
  t.p = z.p;
  t.grad_evals = eval.count() - 1;
  return t;
}

double max_energy_error(const Target& target, double eps, const std::vector<double>* inv_mass) {
  const int n = int(std::lround(3.0 / eps));  // the same total time for every step size
  const Trajectory t = integrate(target, kQ0, kP0, eps, n, inv_mass);
  double err = 0.0;
  for (double e : t.energies) err = std::max(err, std::fabs(e - t.energies[0]));
  return err;
}

double max_abs_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]));
  return m;
}

std::vector<double> negated(std::vector<double> v) {
  for (double& x : v) x = -x;
  return v;
}

// One step on H = q^2 / (2 var) + m p^2 / 2 written out by hand (velocity Verlet).
void one_step_matches_velocity_verlet() {
  const double var = 0.5, m = 2.0, eps = 0.1, q = 0.7, p = -0.4;
  auto target = GaussianTarget::diagonal({0.0}, {var});
  const std::vector<double> inv_mass = {m};
  const Trajectory t = integrate(*target, {q}, {p}, eps, 1, &inv_mass);
  const double p_half = p - 0.5 * eps * q / var;
  const double q1 = q + eps * m * p_half;
  const double p1 = p_half - 0.5 * eps * q1 / var;
  CHECK_NEAR(t.q[0], q1, 1e-15);
  CHECK_NEAR(t.p[0], p1, 1e-15);
  CHECK_EQ(t.grad_evals, std::int64_t(1));  // one gradient per step (the start is reused)
}

void initial_energy() {
  auto target = GaussianTarget::diagonal({0.0, 0.0, 0.0}, kVar);
  const Trajectory t = integrate(*target, {1.0, 2.0, 3.0}, {0.1, 0.2, 0.3}, 0.1, 0);
  double expected = 0.0;
  for (int i = 0; i < 3; ++i) {
    const double q = 1.0 + i, p = 0.1 * (1 + i);
    expected += 0.5 * q * q / kVar[i] + 0.5 * std::log(2.0 * kPi * kVar[i]) + 0.5 * p * p;
  }
  CHECK_EQ(t.energies.size(), std::size_t(1));
  CHECK_NEAR(t.energies[0], expected, 1e-12 * std::fabs(expected));
}

void energy_error_is_second_order() {
  auto target = GaussianTarget::diagonal({0.0, 0.0, 0.0}, kVar);
  const std::vector<double> inv_mass = {0.5, 2.0, 1.5};
  for (const std::vector<double>* m : {static_cast<const std::vector<double>*>(nullptr), &inv_mass}) {
    const double steps[] = {0.1, 0.05, 0.025};
    double errors[3];
    for (int i = 0; i < 3; ++i) errors[i] = max_energy_error(*target, steps[i], m);
    for (int i = 0; i < 2; ++i) {
      // Halving the step divides the maximum energy error by 4 (+-15 %).
      const double ratio = errors[i] / errors[i + 1];
      CHECK_MSG(ratio > 3.4 && ratio < 4.6, "errors " << errors[i] << " / " << errors[i + 1] << " = " << ratio);
    }
    CHECK_LT(errors[0], 0.1);
  }
}

void reversible(const Target& target, const std::vector<double>* inv_mass) {
  const Trajectory fwd = integrate(target, kQ0, kP0, 0.13, 50, inv_mass);
  CHECK_EQ(fwd.grad_evals, std::int64_t(50));
  CHECK_LT(1e-3, max_abs_diff(fwd.q, kQ0));  // it did move
  // Negate the momentum and integrate back.
  const Trajectory back = integrate(target, fwd.q, negated(fwd.p), 0.13, 50, inv_mass);
  CHECK_LT(max_abs_diff(back.q, kQ0), 1e-10);
  CHECK_LT(max_abs_diff(negated(back.p), kP0), 1e-10);
  // A negative step runs time backwards.
  const Trajectory rev = integrate(target, fwd.q, fwd.p, -0.13, 50, inv_mass);
  CHECK_LT(max_abs_diff(rev.q, kQ0), 1e-10);
  CHECK_LT(max_abs_diff(rev.p, kP0), 1e-10);
}

void reversibility() {
  const std::vector<double> inv_mass = {0.5, 2.0, 1.5};
  auto diag = GaussianTarget::diagonal({0.0, 1.0, -1.0}, kVar);
  reversible(*diag, nullptr);
  reversible(*diag, &inv_mass);
  auto dense = GaussianTarget::dense({0.5, 0.0, -0.5}, {1.0, 0.3, -0.2,  //
                                                        0.3, 0.5, 0.1,   //
                                                        -0.2, 0.1, 2.0});
  reversible(*dense, nullptr);
  reversible(*dense, &inv_mass);
}

}  // namespace

int main() {
  one_step_matches_velocity_verlet();
  initial_energy();
  energy_error_is_second_order();
  reversibility();
  return check::report("test_leapfrog");
}
