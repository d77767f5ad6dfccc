#include "symhmc/testing/gaussian.hpp"

#include <Eigen/Dense>
#include <cmath>
#include <stdexcept>

namespace symhmc {
namespace testing {
namespace {

constexpr double kLog2Pi = 1.83787706640934548356;
using ConstVec = Eigen::Map<const Eigen::VectorXd>;
using ConstMat = Eigen::Map<const Eigen::MatrixXd>;  // symmetric, so the storage order does not matter

class GaussianEvaluator : public GradientEvaluator {
 public:
  explicit GaussianEvaluator(const GaussianTarget& t) : t_(t), diff_(t.dim()) {}
  double log_density_and_gradient(const double* q, double* grad) override {
    const Eigen::Index d = Eigen::Index(t_.dim());
    Eigen::Map<Eigen::VectorXd> g(grad, d);
    diff_ = ConstVec(q, d) - ConstVec(t_.mean().data(), d);
    if (t_.is_diagonal()) {
      g = -ConstVec(t_.inv_variances().data(), d).cwiseProduct(diff_);
    } else {
      g.noalias() = -ConstMat(t_.precision().data(), d, d) * diff_;
    }
    return 0.5 * diff_.dot(g) + t_.log_normalizer();
  }

 private:
  const GaussianTarget& t_;
  Eigen::VectorXd diff_;
};

void check_mean(const std::vector<double>& mean) {
  if (mean.empty()) throw std::invalid_argument("mean must not be empty");
  if (!ConstVec(mean.data(), Eigen::Index(mean.size())).allFinite())
    throw std::invalid_argument("mean contains NaN or infinity");
}

}  // namespace

std::shared_ptr<GaussianTarget> GaussianTarget::diagonal(std::vector<double> mean,
                                                         const std::vector<double>& variances) {
  check_mean(mean);
  if (variances.size() != mean.size()) throw std::invalid_argument("cov must have as many entries as mean");
  const ConstVec var(variances.data(), Eigen::Index(variances.size()));
  if (!var.allFinite() || (var.array() <= 0.0).any())
    throw std::invalid_argument("cov (variances) must be positive and finite");
  std::shared_ptr<GaussianTarget> t(new GaussianTarget());
  t->diagonal_ = true;
  t->log_norm_ = -0.5 * (double(mean.size()) * kLog2Pi + var.array().log().sum());
  t->mean_ = std::move(mean);
  t->inv_var_.resize(variances.size());
  Eigen::Map<Eigen::VectorXd>(t->inv_var_.data(), var.size()) = var.cwiseInverse();
  return t;
}

std::shared_ptr<GaussianTarget> GaussianTarget::dense(std::vector<double> mean, const std::vector<double>& cov) {
  check_mean(mean);
  const Eigen::Index d = Eigen::Index(mean.size());
  if (cov.size() != mean.size() * mean.size()) throw std::invalid_argument("cov must be a square matrix matching mean");
  const Eigen::MatrixXd c =
      Eigen::Map<const Eigen::Matrix<double, Eigen::Dynamic, Eigen::Dynamic, Eigen::RowMajor>>(cov.data(), d, d);
  if (!c.allFinite()) throw std::invalid_argument("cov contains NaN or infinity");
  // c.isApprox(c^T, 1e-10) written out: through Eigen's Transpose, GCC 12 at baseline x86-64 warns of
  // an uninitialized read that is not there.
  double asymmetry = 0.0;
  for (Eigen::Index i = 0; i < d; ++i)
    for (Eigen::Index j = 0; j < d; ++j) asymmetry += (c(i, j) - c(j, i)) * (c(i, j) - c(j, i));
  if (asymmetry > 1e-20 * c.squaredNorm()) throw std::invalid_argument("cov must be symmetric");
  Eigen::LLT<Eigen::MatrixXd> llt(c);
  if (llt.info() != Eigen::Success) throw std::invalid_argument("cov must be positive definite");
  std::shared_ptr<GaussianTarget> t(new GaussianTarget());
  t->diagonal_ = false;
  t->mean_ = std::move(mean);
  Eigen::MatrixXd precision = llt.solve(Eigen::MatrixXd::Identity(d, d));
  precision = (0.5 * (precision + precision.transpose())).eval();
  t->precision_.assign(precision.data(), precision.data() + precision.size());
  const Eigen::MatrixXd L = llt.matrixL();
  t->log_norm_ = -0.5 * double(d) * kLog2Pi - L.diagonal().array().log().sum();
  return t;
}

std::unique_ptr<GradientEvaluator> GaussianTarget::make_evaluator() const {
  return std::make_unique<GaussianEvaluator>(*this);
}

}  // namespace testing
}  // namespace symhmc
