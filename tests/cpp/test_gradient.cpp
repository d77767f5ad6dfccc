// Log densities and gradients: BnnPosterior (tanh, relu and identity networks with 0-2 hidden
// layers, one or several inputs and outputs, fixed or sampled noise, data sets smaller and
// larger than one block of rows) against a plain reference implementation of the density and
// central finite differences; GaussianTarget against its closed form.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "check.hpp"
#include "symhmc/testing/gaussian.hpp"
#include "symhmc/layout.hpp"
#include "symhmc/posterior.hpp"
#include "symhmc/rng.hpp"

using namespace symhmc;
using symhmc::testing::GaussianTarget;

namespace {

constexpr double kLog2Pi = 1.83787706640934548356;

std::vector<double> random_vector(Rng& rng, std::size_t n, double scale) {
  std::vector<double> v(n);
  for (double& x : v) x = scale * rng.normal();
  return v;
}

double activate(Activation a, double z) {
  switch (a) {
    case Activation::tanh: return std::tanh(z);
    case Activation::relu: return z > 0.0 ? z : 0.0;
    case Activation::identity: return z;
  }
  return NAN;
}

// The documented density (posterior.hpp, layout.hpp) written out plainly. If `pattern` is given it
// receives the sign of every hidden pre-activation on every row (where relu is not smooth, the
// pattern changes).
double reference_log_density(const Layout& layout, const PosteriorSettings& s, const std::vector<double>& x,
                             const std::vector<double>& y, std::size_t n, const double* q,
                             std::vector<bool>* pattern = nullptr) {
  const std::size_t P = layout.n_params();
  double lp = 0.0;
  for (std::size_t i = 0; i < P; ++i)
    lp += -0.5 * q[i] * q[i] / (s.prior_scale * s.prior_scale) - std::log(s.prior_scale) - 0.5 * kLog2Pi;
  const double sigma = s.sample_noise ? std::exp(q[P]) : s.noise_std;
  if (pattern) pattern->clear();
  const std::int64_t n_in = layout.n_inputs(), n_out = layout.n_outputs();
  for (std::size_t row = 0; row < n; ++row) {
    std::vector<double> a(x.begin() + std::ptrdiff_t(row * std::size_t(n_in)),
                          x.begin() + std::ptrdiff_t((row + 1) * std::size_t(n_in)));
    for (int l = 0; l < layout.n_weight_layers(); ++l) {
      const double* W = q + layout.weight_offset(l);
      const double* b = q + layout.bias_offset(l);
      std::vector<double> z(std::size_t(layout.fan_out(l)));
      for (std::int64_t j = 0; j < layout.fan_out(l); ++j) {
        double sum = b[j];
        for (std::int64_t k = 0; k < layout.fan_in(l); ++k) sum += W[j * layout.fan_in(l) + k] * a[std::size_t(k)];
        if (l < layout.n_hidden_layers()) {
          if (pattern) pattern->push_back(sum > 0.0);
          sum = activate(layout.activation(), sum);
        }
        z[std::size_t(j)] = sum;
      }
      a = z;
    }
    for (std::int64_t o = 0; o < n_out; ++o) {
      const double r = (y[row * std::size_t(n_out) + std::size_t(o)] - a[std::size_t(o)]) / sigma;
      lp += -0.5 * r * r - std::log(sigma) - 0.5 * kLog2Pi;
    }
  }
  if (s.sample_noise) {
    // HalfNormal(tau) on sigma = exp(s), plus the log-Jacobian s.
    const double tau = s.noise_prior_scale;
    lp += std::log(2.0) - 0.5 * kLog2Pi - std::log(tau) - 0.5 * sigma * sigma / (tau * tau) + q[P];
  }
  return lp;
}

struct Worst {
  double value = 0.0, gradient = 0.0;
  long skipped = 0, compared = 0;
};

// Checks the evaluator at q0: its log density against the reference value, and every gradient
// component against fourth-order central differences of its own log density,
//   (8 (f(q + h) - f(q - h)) - (f(q + 2h) - f(q - 2h))) / (12 h),
// whose truncation error (h^4) is far below the roundoff (eps |lp| / h). The error of component i
// is relative to max(|g_i|, 1e-2 max(1, |g|_inf)): small components are compared at the precision
// differences of a density of this size allow. smooth(i, h) may exclude a component whose
// stencil crosses a kink.
template <class Smooth>
Worst check_point(GradientEvaluator& eval, const std::vector<double>& q0, double reference, const std::string& name,
                  Smooth smooth) {
  const std::size_t d = q0.size();
  std::vector<double> q = q0, grad(d), scratch(d);
  const double lp = eval.log_density_and_gradient(q.data(), grad.data());
  Worst w;
  w.value = std::fabs(lp - reference) / std::max(1.0, std::fabs(reference));
  CHECK_MSG(w.value < 1e-12, name << ": log density " << lp << " reference " << reference);
  const double h = 1e-4;
  double g_scale = 1.0;
  for (double g : grad) g_scale = std::max(g_scale, std::fabs(g));
  auto f = [&](std::size_t i, double step) {
    q[i] = q0[i] + step;
    const double v = eval.log_density_and_gradient(q.data(), scratch.data());
    q[i] = q0[i];
    return v;
  };
  for (std::size_t i = 0; i < d; ++i) {
    if (!smooth(i, h)) {
      ++w.skipped;
      continue;
    }
    ++w.compared;
    const double fd = (8.0 * (f(i, h) - f(i, -h)) - (f(i, 2.0 * h) - f(i, -2.0 * h))) / (12.0 * h);
    const double err = std::fabs(fd - grad[i]) / std::max(std::fabs(grad[i]), 1e-2 * g_scale);
    w.gradient = std::max(w.gradient, err);
    CHECK_MSG(err < 1e-6, name << ": d/dq[" << i << "] analytic " << grad[i] << " finite difference " << fd);
  }
  // The evaluator keeps no state between calls: the same point gives the same values.
  std::vector<double> grad2(d);
  CHECK_EQ(eval.log_density_and_gradient(q0.data(), grad2.data()), lp);
  CHECK(grad2 == grad);
  return w;
}

Worst check_point(GradientEvaluator& eval, const std::vector<double>& q0, double reference, const std::string& name) {
  return check_point(eval, q0, reference, name, [](std::size_t, double) { return true; });
}

void merge(Worst& total, const Worst& w) {
  total.value = std::max(total.value, w.value);
  total.gradient = std::max(total.gradient, w.gradient);
  total.skipped += w.skipped;
  total.compared += w.compared;
}

void bnn_case(const std::vector<std::int64_t>& widths, Activation act, bool sample_noise, std::size_t n_points,
              Rng& rng, Worst& worst) {
  const Layout layout(widths, act);
  std::string name = std::string(activation_name(act)) + " widths";
  for (std::int64_t w : widths) name += " " + std::to_string(w);
  name += sample_noise ? ", sampled noise" : ", fixed noise";
  name += ", " + std::to_string(n_points) + " rows";

  PosteriorSettings s;
  s.sample_noise = sample_noise;
  s.prior_scale = 1.5;
  s.noise_std = 0.7;
  s.noise_prior_scale = 2.0;
  const std::vector<double> x = random_vector(rng, n_points * std::size_t(layout.n_inputs()), 1.0);
  const std::vector<double> y = random_vector(rng, n_points * std::size_t(layout.n_outputs()), 1.0);
  const BnnPosterior post(layout, x.data(), y.data(), n_points, s);
  CHECK_EQ(post.dim(), layout.n_params() + (sample_noise ? 1 : 0));
  auto eval = post.make_evaluator();

  for (int point = 0; point < 3; ++point) {
    std::vector<double> q = random_vector(rng, post.dim(), 0.6);
    if (sample_noise) q.back() = rng.uniform(-0.5, 0.5);
    std::vector<bool> pattern, moved;
    const double reference = reference_log_density(layout, s, x, y, n_points, q.data(), &pattern);
    // relu: compare only components whose stencil keeps every pre-activation's sign.
    auto smooth = [&](std::size_t i, double h) {
      if (act != Activation::relu || i >= layout.n_params()) return true;
      std::vector<double> p = q;
      for (double step : {-2.0 * h, -h, h, 2.0 * h}) {
        p[i] = q[i] + step;
        reference_log_density(layout, s, x, y, n_points, p.data(), &moved);
        if (moved != pattern) return false;
      }
      return true;
    };
    merge(worst, check_point(*eval, q, reference, name, smooth));
  }
}

void bnn_gradients() {
  Rng rng(99, 1);
  const std::vector<std::vector<std::int64_t>> shapes = {
      {1, 1},             // no hidden layer
      {3, 2},             // no hidden layer, several inputs and outputs
      {1, 3, 1},          // one hidden layer, one output (the fused kernel)
      {2, 16, 1},         // one hidden layer too wide for the fused kernel
      {3, 4, 2},          // one hidden layer, two outputs
      {2, 5, 4, 1},       // two hidden layers (the fused narrow-MLP kernel)
      {3, 16, 9, 16, 1},  // three hidden layers, as f2 (fused narrow-MLP kernel)
      {2, 3, 3, 3},       // two hidden layers, three outputs
  };
  Worst worst;
  for (Activation act : {Activation::tanh, Activation::relu, Activation::identity})
    for (const auto& widths : shapes)
      for (bool noise : {true, false})
        for (std::size_t n : {std::size_t(1), std::size_t(7), std::size_t(300)})  // 300 rows: two blocks
          bnn_case(widths, act, noise, n, rng, worst);
  std::cout << "BnnPosterior: largest relative error of the log density " << worst.value << ", of the gradient "
            << worst.gradient << " (" << worst.compared << " components compared, " << worst.skipped
            << " relu components skipped at kinks)" << std::endl;
  // Kinks are rare: nearly every component is compared.
  CHECK_LT(double(worst.skipped), 0.02 * double(worst.compared));
}

// The opt-in float32 likelihood agrees with float64 at float32 precision: log density to 1e-5
// relative, gradient to 1e-4 of its largest component (every shape above, every activation, data
// smaller and larger than one block, run once per kernel table by ctest).
void float32_matches_float64() {
  Rng rng(31, 2);
  const std::vector<std::vector<std::int64_t>> shapes = {{1, 1},    {3, 2},       {1, 3, 1},     {2, 16, 1},
                                                         {3, 4, 2}, {2, 5, 4, 1}, {8, 16, 16, 1}};
  double worst_value = 0.0, worst_gradient = 0.0;
  for (Activation act : {Activation::tanh, Activation::relu, Activation::identity})
    for (const auto& widths : shapes)
      for (std::size_t n : {std::size_t(7), std::size_t(301)}) {
        const Layout layout(widths, act);
        const std::vector<double> x = random_vector(rng, n * std::size_t(layout.n_inputs()), 1.0);
        const std::vector<double> y = random_vector(rng, n * std::size_t(layout.n_outputs()), 1.0);
        PosteriorSettings s64, s32;
        s32.float32 = true;
        const BnnPosterior p64(layout, x.data(), y.data(), n, s64), p32(layout, x.data(), y.data(), n, s32);
        auto e64 = p64.make_evaluator();
        auto e32 = p32.make_evaluator();
        const std::vector<double> q = random_vector(rng, p64.dim(), 0.5);
        std::vector<double> g64(q.size()), g32(q.size());
        const double lp64 = e64->log_density_and_gradient(q.data(), g64.data());
        const double lp32 = e32->log_density_and_gradient(q.data(), g32.data());
        double g_scale = 0.0, g_err = 0.0;
        for (std::size_t i = 0; i < q.size(); ++i) {
          g_scale = std::max(g_scale, std::fabs(g64[i]));
          g_err = std::max(g_err, std::fabs(g32[i] - g64[i]));
        }
        worst_value = std::max(worst_value, std::fabs(lp32 - lp64) / std::fabs(lp64));
        worst_gradient = std::max(worst_gradient, g_err / g_scale);
      }
  std::cout << "float32 likelihood: largest relative error of the log density " << worst_value
            << ", of the gradient (relative to its largest component) " << worst_gradient << std::endl;
  CHECK_LT(worst_value, 1e-5);
  CHECK_LT(worst_gradient, 1e-4);
  CHECK_LT(0.0, worst_value);  // the float32 path ran
}

// log_density_batch (2 threads) agrees with one evaluator.
void batch_matches_evaluator() {
  Rng rng(7, 3);
  const Layout layout({2, 4, 1}, Activation::tanh);
  const std::vector<double> x = random_vector(rng, 2 * 20, 1.0), y = random_vector(rng, 20, 1.0);
  const BnnPosterior post(layout, x.data(), y.data(), 20, PosteriorSettings{});
  const std::size_t n = 64, d = post.dim();
  const std::vector<double> q = random_vector(rng, n * d, 0.5);
  std::vector<double> lp(n), grad(n * d), lp_only(n);
  log_density_batch(post, q.data(), n, lp.data(), grad.data(), 2);
  log_density_batch(post, q.data(), n, lp_only.data(), nullptr, 2);
  CHECK(lp == lp_only);
  auto eval = post.make_evaluator();
  bool same = true;
  std::vector<double> g(d);
  for (std::size_t v = 0; v < n; ++v) {
    same = same && eval->log_density_and_gradient(q.data() + v * d, g.data()) == lp[v];
    same = same && std::equal(g.begin(), g.end(), grad.begin() + std::ptrdiff_t(v * d));
  }
  CHECK(same);
}

void bnn_rejects_bad_input() {
  const Layout layout({1, 2, 1}, Activation::tanh);
  const std::vector<double> x = {0.0, 1.0}, y = {1.0, NAN};
  PosteriorSettings s;
  CHECK_THROWS(BnnPosterior(layout, x.data(), y.data(), 2, s), std::invalid_argument);
  CHECK_THROWS(BnnPosterior(layout, x.data(), x.data(), 0, s), std::invalid_argument);
  s.prior_scale = 0.0;
  CHECK_THROWS(BnnPosterior(layout, x.data(), x.data(), 2, s), std::invalid_argument);
  CHECK_THROWS(Layout({3}, Activation::tanh), std::invalid_argument);
  CHECK_THROWS(Layout({3, 0, 1}, Activation::tanh), std::invalid_argument);
  CHECK_THROWS(parse_activation("sigmoid"), std::invalid_argument);
  CHECK(parse_activation("relu") == Activation::relu);
}

void gaussian_gradients() {
  // Dense 2-D: cov = [[2, 0.6], [0.6, 0.5]], det 0.64, precision [[0.5, -0.6], [-0.6, 2]] / 0.64.
  const std::vector<double> mean = {1.0, -2.0};
  auto dense = GaussianTarget::dense(mean, {2.0, 0.6, 0.6, 0.5});
  CHECK(!dense->is_diagonal());
  CHECK_NEAR(dense->log_normalizer(), -0.5 * (2.0 * kLog2Pi + std::log(0.64)), 1e-14);
  const double prec[4] = {0.5 / 0.64, -0.6 / 0.64, -0.6 / 0.64, 2.0 / 0.64};
  for (int i = 0; i < 4; ++i) CHECK_NEAR(dense->precision()[std::size_t(i)], prec[i], 1e-13);
  auto eval = dense->make_evaluator();
  Rng rng(3, 4);
  for (int point = 0; point < 5; ++point) {
    const std::vector<double> q = random_vector(rng, 2, 2.0);
    const double d0 = q[0] - mean[0], d1 = q[1] - mean[1];
    const double g0 = -(prec[0] * d0 + prec[1] * d1), g1 = -(prec[2] * d0 + prec[3] * d1);
    const double lp_ref = 0.5 * (d0 * g0 + d1 * g1) + dense->log_normalizer();
    std::vector<double> g(2);
    CHECK_NEAR(eval->log_density_and_gradient(q.data(), g.data()), lp_ref, 1e-12 * std::max(1.0, std::fabs(lp_ref)));
    CHECK_NEAR(g[0], g0, 1e-12 * std::max(1.0, std::fabs(g0)));
    CHECK_NEAR(g[1], g1, 1e-12 * std::max(1.0, std::fabs(g1)));
    check_point(*eval, q, lp_ref, "dense gaussian");
  }

  // Diagonal 3-D.
  const std::vector<double> m3 = {0.5, 0.0, -1.0}, var = {0.01, 1.0, 100.0};
  auto diag = GaussianTarget::diagonal(m3, var);
  CHECK(diag->is_diagonal());
  auto deval = diag->make_evaluator();
  for (int point = 0; point < 5; ++point) {
    const std::vector<double> q = random_vector(rng, 3, 1.0);
    double lp_ref = 0.0;
    for (std::size_t i = 0; i < 3; ++i)
      lp_ref += -0.5 * (q[i] - m3[i]) * (q[i] - m3[i]) / var[i] - 0.5 * std::log(2.0 * 3.14159265358979323846 * var[i]);
    check_point(*deval, q, lp_ref, "diagonal gaussian");
  }

  // Invalid covariances.
  CHECK_THROWS(GaussianTarget::diagonal({0.0, 0.0}, {1.0, -1.0}), std::invalid_argument);
  CHECK_THROWS(GaussianTarget::diagonal({0.0, 0.0}, {1.0}), std::invalid_argument);
  CHECK_THROWS(GaussianTarget::dense({0.0, 0.0}, {1.0, 2.0, 2.0, 1.0}), std::invalid_argument);  // indefinite
  CHECK_THROWS(GaussianTarget::dense({0.0, 0.0}, {1.0, 0.5, 0.4, 1.0}), std::invalid_argument);  // asymmetric
  CHECK_THROWS(GaussianTarget::dense({}, {}), std::invalid_argument);
}

}  // namespace

int main() {
  bnn_gradients();
  float32_matches_float64();
  batch_matches_evaluator();
  bnn_rejects_bad_input();
  gaussian_gradients();
  return check::report("test_gradient");
}
