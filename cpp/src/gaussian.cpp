#include "symhmc/gaussian.hpp"

#include <cmath>
#include <stdexcept>

namespace symhmc {
namespace {

constexpr double kLog2Pi = 1.83787706640934548356;

class GaussianEvaluator : public GradientEvaluator {
 public:
  explicit GaussianEvaluator(const GaussianTarget& t) : t_(t), diff_(t.dim()) {}
  double log_density_and_gradient(const double* q, double* grad) override {
    const Eigen::Index d = t_.mean().size();
    Eigen::Map<const Eigen::VectorXd> qv(q, d);
    Eigen::Map<Eigen::VectorXd> g(grad, d);
    diff_ = qv - t_.mean();
    if (t_.is_diagonal()) {
      g = -t_.inv_variances().cwiseProduct(diff_);
    } else {
      g.noalias() = -t_.precision() * diff_;
    }
    return 0.5 * diff_.dot(g) + t_.log_normalizer();
  }

 private:
  const GaussianTarget& t_;
  Eigen::VectorXd diff_;
};

void check_mean(const Eigen::VectorXd& mean) {
  if (mean.size() == 0) throw std::invalid_argument("mean must not be empty");
  if (!mean.allFinite()) throw std::invalid_argument("mean contains NaN or infinity");
}

}  // namespace

std::shared_ptr<GaussianTarget> GaussianTarget::diagonal(const Eigen::VectorXd& mean, const Eigen::VectorXd& variances) {
  check_mean(mean);
  if (variances.size() != mean.size()) throw std::invalid_argument("cov must have as many entries as mean");
  if (!variances.allFinite() || (variances.array() <= 0.0).any())
    throw std::invalid_argument("cov (variances) must be positive and finite");
  std::shared_ptr<GaussianTarget> t(new GaussianTarget());
  t->diagonal_ = true;
  t->mean_ = mean;
  t->inv_var_ = variances.cwiseInverse();
  t->log_norm_ = -0.5 * (double(mean.size()) * kLog2Pi + variances.array().log().sum());
  return t;
}

std::shared_ptr<GaussianTarget> GaussianTarget::dense(const Eigen::VectorXd& mean, const Eigen::MatrixXd& cov) {
  check_mean(mean);
  if (cov.rows() != mean.size() || cov.cols() != mean.size())
    throw std::invalid_argument("cov must be a square matrix matching mean");
  if (!cov.allFinite()) throw std::invalid_argument("cov contains NaN or infinity");
  if (!cov.isApprox(cov.transpose(), 1e-10)) throw std::invalid_argument("cov must be symmetric");
  Eigen::LLT<Eigen::MatrixXd> llt(cov);
  if (llt.info() != Eigen::Success) throw std::invalid_argument("cov must be positive definite");
  std::shared_ptr<GaussianTarget> t(new GaussianTarget());
  t->diagonal_ = false;
  t->mean_ = mean;
  const Eigen::MatrixXd identity = Eigen::MatrixXd::Identity(mean.size(), mean.size());
  t->precision_ = llt.solve(identity);
  t->precision_ = 0.5 * (t->precision_ + t->precision_.transpose()).eval();
  const Eigen::MatrixXd L = llt.matrixL();
  t->log_norm_ = -0.5 * double(mean.size()) * kLog2Pi - L.diagonal().array().log().sum();
  return t;
}

std::unique_ptr<GradientEvaluator> GaussianTarget::make_evaluator() const {
  return std::make_unique<GaussianEvaluator>(*this);
}

}  // namespace symhmc
