// Multivariate normal targets with known moments, for testing the samplers (the symhmc_testing
// library and the Python module's _core.testing; not part of the core library).
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "symhmc/target.hpp"

namespace symhmc {
namespace testing {

class GaussianTarget : public Target {
 public:
  // Diagonal covariance: variances has one entry per dimension.
  static std::shared_ptr<GaussianTarget> diagonal(std::vector<double> mean, const std::vector<double>& variances);
  // Dense covariance, row-major dim x dim (symmetric positive definite, checked by its Cholesky factor).
  static std::shared_ptr<GaussianTarget> dense(std::vector<double> mean, const std::vector<double>& cov);

  std::size_t dim() const override { return mean_.size(); }
  std::unique_ptr<GradientEvaluator> make_evaluator() const override;

  bool is_diagonal() const { return diagonal_; }
  const std::vector<double>& mean() const { return mean_; }
  const std::vector<double>& precision() const { return precision_; }    // dense case, row-major
  const std::vector<double>& inv_variances() const { return inv_var_; }  // diagonal case
  double log_normalizer() const { return log_norm_; }                    // -1/2 log det(2 pi cov)

 private:
  GaussianTarget() = default;
  bool diagonal_ = true;
  std::vector<double> mean_, inv_var_, precision_;
  double log_norm_ = 0.0;
};

}  // namespace testing
}  // namespace symhmc
