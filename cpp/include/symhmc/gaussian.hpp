// Multivariate normal targets with known moments, for testing the samplers.
#pragma once

#include <Eigen/Dense>
#include <cstddef>
#include <memory>

#include "symhmc/target.hpp"

namespace symhmc {

class GaussianTarget : public Target {
 public:
  // Diagonal covariance: variances has length dim.
  static std::shared_ptr<GaussianTarget> diagonal(const Eigen::VectorXd& mean, const Eigen::VectorXd& variances);
  // Dense covariance (symmetric positive definite, checked by its Cholesky factorization).
  static std::shared_ptr<GaussianTarget> dense(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov);

  std::size_t dim() const override { return std::size_t(mean_.size()); }
  std::unique_ptr<GradientEvaluator> make_evaluator() const override;

  bool is_diagonal() const { return diagonal_; }
  const Eigen::VectorXd& mean() const { return mean_; }
  const Eigen::MatrixXd& precision() const { return precision_; }      // dense case
  const Eigen::VectorXd& inv_variances() const { return inv_var_; }    // diagonal case
  double log_normalizer() const { return log_norm_; }                  // -1/2 log det(2 pi cov)

 private:
  GaussianTarget() = default;
  bool diagonal_ = true;
  Eigen::VectorXd mean_, inv_var_;
  Eigen::MatrixXd precision_;
  double log_norm_ = 0.0;
};

}  // namespace symhmc
