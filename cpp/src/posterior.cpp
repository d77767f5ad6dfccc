#include "symhmc/posterior.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <cstdlib>
#include <cstring>
#include <stdexcept>
#include <type_traits>

#include "kernels/fused_mlp_shape.hpp"
#include "kernels/kernels.hpp"
#include "detail/parallel.hpp"

namespace symhmc {
namespace {

constexpr double kHalfLog2Pi = 0.91893853320467274178;
constexpr std::size_t kBlockRows = 256;  // rows per pass: keeps a layer's activations in L1/L2

// T is the likelihood's arithmetic: double, or float with settings().float32 (then theta is cast
// to float once per evaluation, and row sums reach double every block of at most kBlockRows rows).
template <class T>
class BnnEvaluator : public GradientEvaluator {
 public:
  explicit BnnEvaluator(const BnnPosterior& post)
      : post_(post),
        mlp_(post.layout(), std::min(kBlockRows, post.n_points())),
        d_out_(std::size_t(post.layout().n_outputs()) * mlp_.block_rows(), T(0)) {
    const Layout& layout = post.layout();
    fused_ = layout.n_hidden_layers() == 1 && layout.n_outputs() == 1 &&
             layout.fan_out(0) <= kernels::kFusedMaxAccumulators / (layout.n_inputs() + 2) &&
             layout.activation() != Activation::identity;
    if (fused_) {
      offsets_.w1 = layout.weight_offset(0);
      offsets_.b1 = layout.bias_offset(0);
      offsets_.w2 = layout.weight_offset(1);
      offsets_.b2 = layout.bias_offset(1);
    }
    if constexpr (!std::is_same_v<T, double>) {
      theta_.resize(layout.n_params());
      lik_grad_.resize(layout.n_params());
    }
    // SYMHMC_FUSED_MLP=0 keeps deeper networks on the layer-by-layer path (for comparisons)
    const char* fused_mlp_env = std::getenv("SYMHMC_FUSED_MLP");
    fused_mlp_ =
        !(fused_mlp_env && std::strcmp(fused_mlp_env, "0") == 0) && kernels::fused_mlp_shape(layout, &mlp_shape_);
    if (fused_mlp_)
      fused_mlp_scratch_.assign(std::is_same_v<T, double> ? kernels::fused_mlp_scratch_size(mlp_shape_)
                                                          : kernels::fused_mlp_f32_scratch_size(mlp_shape_),
                                0.0);
  }

  double log_density_and_gradient(const double* q, double* grad) override {
    const Layout& layout = post_.layout();
    const PosteriorSettings& set = post_.settings();
    const std::size_t P = layout.n_params();
    const std::size_t N = post_.n_points();
    const std::int64_t n_out = layout.n_outputs();
    const std::size_t B = mlp_.block_rows();
    const BasicFeatureMajor<T>& x = data_x();
    const BasicFeatureMajor<T>& yd = data_y();

    double log_sigma, sigma;
    if (set.sample_noise) {
      log_sigma = q[P];
      sigma = std::exp(log_sigma);
    } else {
      sigma = set.noise_std;
      log_sigma = std::log(sigma);
    }
    const double inv_var = 1.0 / (sigma * sigma);

    // Prior on the network parameters.
    const double inv_prior_var = 1.0 / (set.prior_scale * set.prior_scale);
    double sum_sq = 0.0;
    for (std::size_t i = 0; i < P; ++i) {
      sum_sq += q[i] * q[i];
      grad[i] = -q[i] * inv_prior_var;
    }
    double lp = -0.5 * sum_sq * inv_prior_var - double(P) * (std::log(set.prior_scale) + kHalfLog2Pi);

    const T* theta = nullptr;
    if constexpr (std::is_same_v<T, double>) {
      theta = q;
    } else {
      for (std::size_t i = 0; i < P; ++i) theta_[i] = T(q[i]);
      theta = theta_.data();
    }

    // Likelihood: one fused pass for small one-hidden-layer networks, else block by block.
    double ssr = 0.0;
    if (fused_) {
      const kernels::Table& k = kernels::table();
      if constexpr (std::is_same_v<T, double>)
        ssr = k.fused_one_hidden(layout.activation(), theta, offsets_, layout.n_inputs(), layout.fan_out(0),
                                 x.feature(0), x.stride, yd.feature(0), N, inv_var, grad);
      else
        ssr = k.fused_one_hidden_f32(layout.activation(), theta, offsets_, layout.n_inputs(), layout.fan_out(0),
                                     x.feature(0), x.stride, yd.feature(0), N, inv_var, grad);
    }
    // float32 leaves 1 / sigma^2 out of the rows (it may exceed float range when sigma is tiny)
    // and scales the summed gradient in double below.
    constexpr bool kFloat64 = std::is_same_v<T, double>;
    const T d_scale = kFloat64 ? T(inv_var) : T(1);
    double* lik_grad = grad;
    if constexpr (!kFloat64) {
      std::fill(lik_grad_.begin(), lik_grad_.end(), 0.0);
      lik_grad = lik_grad_.data();
    }
    if (fused_mlp_) {
      // both add inv_var times the likelihood gradient into grad (float32 in double, at the end)
      if constexpr (kFloat64)
        ssr = kernels::table().fused_mlp(layout.activation(), theta, mlp_shape_, x.feature(0), x.stride, yd.feature(0),
                                         N, inv_var, grad, fused_mlp_scratch_.data());
      else
        ssr = kernels::table().fused_mlp_f32(layout.activation(), theta, mlp_shape_, x.feature(0), x.stride,
                                             yd.feature(0), N, inv_var, grad, fused_mlp_scratch_.data());
    }
    for (std::size_t row0 = 0; row0 < (fused_ || fused_mlp_ ? 0 : N); row0 += B) {
      const std::size_t n = std::min(B, N - row0);
      const T* out = mlp_.forward(theta, x, row0, n);
      for (std::int64_t o = 0; o < n_out; ++o) {
        const T* y = yd.feature(o) + row0;
        const T* f = out + std::size_t(o) * B;
        T* d = d_out_.data() + std::size_t(o) * B;
        T s = 0;
#pragma omp simd reduction(+ : s)
        for (std::size_t i = 0; i < n; ++i) {
          const T r = y[i] - f[i];
          s += r * r;
          d[i] = r * d_scale;
        }
        for (std::size_t i = n; i < B; ++i) d[i] = T(0);
        ssr += s;
      }
      mlp_.backward(theta, x, row0, n, d_out_.data(), lik_grad);
    }
    if constexpr (!kFloat64) {
      if (!fused_ && !fused_mlp_)
        for (std::size_t i = 0; i < P; ++i) grad[i] += inv_var * lik_grad_[i];
    }
    const double n_obs = double(N) * n_out;
    lp += -0.5 * ssr * inv_var - n_obs * (log_sigma + kHalfLog2Pi);

    if (set.sample_noise) {
      // HalfNormal(tau) prior on sigma = exp(s), plus the log-Jacobian s.
      const double tau = set.noise_prior_scale;
      lp += std::log(2.0) - kHalfLog2Pi - std::log(tau) - 0.5 * sigma * sigma / (tau * tau) + log_sigma;
      grad[P] = -n_obs + ssr * inv_var - sigma * sigma / (tau * tau) + 1.0;
    }
    return lp;
  }

 private:
  const BasicFeatureMajor<T>& data_x() const {
    if constexpr (std::is_same_v<T, double>)
      return post_.x();
    else
      return post_.x_f32();
  }
  const BasicFeatureMajor<T>& data_y() const {
    if constexpr (std::is_same_v<T, double>)
      return post_.y();
    else
      return post_.y_f32();
  }

  const BnnPosterior& post_;
  BasicMlpWorkspace<T> mlp_;
  std::vector<T> d_out_;
  std::vector<T> theta_;          // theta cast to T (float32 only)
  std::vector<double> lik_grad_;  // likelihood gradient before the 1 / sigma^2 (float32 only)
  bool fused_ = false;
  kernels::OneHiddenOffsets offsets_;
  bool fused_mlp_ = false;
  kernels::MlpShape mlp_shape_;
  std::vector<double> fused_mlp_scratch_;
};

}  // namespace

BnnPosterior::BnnPosterior(Layout layout, const double* x, const double* y, std::size_t n_points,
                           PosteriorSettings settings)
    : layout_(std::move(layout)), settings_(settings) {
  if (n_points == 0) throw std::invalid_argument("the data must have at least one row");
  if (!(settings_.prior_scale > 0.0 && std::isfinite(settings_.prior_scale)))
    throw std::invalid_argument("prior_scale must be positive and finite");
  if (settings_.sample_noise) {
    if (!(settings_.noise_prior_scale > 0.0 && std::isfinite(settings_.noise_prior_scale)))
      throw std::invalid_argument("noise_prior_scale must be positive and finite");
  } else if (!(settings_.noise_std > 0.0 && std::isfinite(settings_.noise_std))) {
    throw std::invalid_argument("noise_std must be positive and finite");
  }
  for (std::size_t i = 0; i < n_points * std::size_t(layout_.n_inputs()); ++i)
    if (!std::isfinite(x[i])) throw std::invalid_argument("x contains NaN or infinity");
  for (std::size_t i = 0; i < n_points * std::size_t(layout_.n_outputs()); ++i)
    if (!std::isfinite(y[i])) throw std::invalid_argument("y contains NaN or infinity");
  x_ = FeatureMajor(x, n_points, layout_.n_inputs());
  y_ = FeatureMajor(y, n_points, layout_.n_outputs());
  if (settings_.float32) {
    const double most = std::numeric_limits<float>::max();
    for (std::size_t i = 0; i < n_points * std::size_t(layout_.n_inputs()); ++i)
      if (std::fabs(x[i]) > most) throw std::invalid_argument("x holds values beyond the float32 range");
    for (std::size_t i = 0; i < n_points * std::size_t(layout_.n_outputs()); ++i)
      if (std::fabs(y[i]) > most) throw std::invalid_argument("y holds values beyond the float32 range");
    x_f32_ = BasicFeatureMajor<float>(x, n_points, layout_.n_inputs());
    y_f32_ = BasicFeatureMajor<float>(y, n_points, layout_.n_outputs());
  }
}

std::unique_ptr<GradientEvaluator> BnnPosterior::make_evaluator() const {
  if (settings_.float32) return std::make_unique<BnnEvaluator<float>>(*this);
  return std::make_unique<BnnEvaluator<double>>(*this);
}

void predict_batch(const Layout& layout, const double* params, std::size_t n_vectors, std::size_t params_stride,
                   const double* x, std::size_t n_points, double* out, [[maybe_unused]] int threads) {
  if (n_points == 0 || n_vectors == 0) return;
  const FeatureMajor xf(x, n_points, layout.n_inputs());
  const std::int64_t n_out = layout.n_outputs();
  ExceptionCarrier errors;
#pragma omp parallel num_threads(resolve_threads(threads))
  {
    errors.run([&] {
      MlpWorkspace mlp(layout, std::min(kBlockRows, n_points));
      const std::size_t B = mlp.block_rows();
#pragma omp for schedule(static)
      for (std::ptrdiff_t v = 0; v < std::ptrdiff_t(n_vectors); ++v) {
        const double* theta = params + std::size_t(v) * params_stride;
        double* o = out + std::size_t(v) * n_points * std::size_t(n_out);
        for (std::size_t row0 = 0; row0 < n_points; row0 += B) {
          const std::size_t n = std::min(B, n_points - row0);
          const double* f = mlp.forward(theta, xf, row0, n);
          for (std::size_t i = 0; i < n; ++i)
            for (std::int64_t k = 0; k < n_out; ++k)
              o[(row0 + i) * std::size_t(n_out) + std::size_t(k)] = f[std::size_t(k) * B + i];
        }
      }
    });
  }
  errors.rethrow();
}

void log_density_batch(const Target& target, const double* q, std::size_t n_vectors, double* log_density, double* grad,
                       [[maybe_unused]] int threads) {
  const std::size_t d = target.dim();
  ExceptionCarrier errors;
#pragma omp parallel num_threads(resolve_threads(threads))
  {
    errors.run([&] {
      auto eval = target.make_evaluator();
      std::vector<double> scratch(grad ? 0 : d);
#pragma omp for schedule(static)
      for (std::ptrdiff_t v = 0; v < std::ptrdiff_t(n_vectors); ++v) {
        double* g = grad ? grad + std::size_t(v) * d : scratch.data();
        log_density[v] = eval->log_density_and_gradient(q + std::size_t(v) * d, g);
      }
    });
  }
  errors.rethrow();
}

}  // namespace symhmc
