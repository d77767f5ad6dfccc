#include "symhmc/mlp.hpp"

#include <algorithm>

#include "symhmc/fast_math.hpp"

namespace symhmc {
namespace {

constexpr std::size_t kPad = 8;  // rows are padded to a multiple of the widest SIMD width

std::size_t round_up(std::size_t n) { return (n + kPad - 1) / kPad * kPad; }

void apply_activation(Activation a, double* z, std::size_t n) {
  switch (a) {
    case Activation::tanh: fastmath::tanh_inplace(z, n); break;
    case Activation::relu:
#pragma omp simd
      for (std::size_t i = 0; i < n; ++i) z[i] = z[i] > 0.0 ? z[i] : 0.0;
      break;
    case Activation::identity: break;
  }
}

// delta *= activation'(pre-activation), written in terms of the activation's output a.
void multiply_activation_derivative(Activation act, const double* a, double* delta, std::size_t n) {
  switch (act) {
    case Activation::tanh:
#pragma omp simd
      for (std::size_t i = 0; i < n; ++i) delta[i] *= 1.0 - a[i] * a[i];
      break;
    case Activation::relu:
#pragma omp simd
      for (std::size_t i = 0; i < n; ++i) delta[i] = a[i] > 0.0 ? delta[i] : 0.0;
      break;
    case Activation::identity: break;
  }
}

}  // namespace

FeatureMajor::FeatureMajor(const double* row_major, std::size_t rows, int cols)
    : n_features(cols), n_rows(rows), stride(round_up(rows)), values(std::size_t(cols) * round_up(rows), 0.0) {
  for (std::size_t i = 0; i < rows; ++i)
    for (int k = 0; k < cols; ++k) values[std::size_t(k) * stride + i] = row_major[i * cols + k];
}

MlpWorkspace::MlpWorkspace(const Layout& layout, std::size_t block_rows)
    : layout_(layout), block_(round_up(std::max<std::size_t>(block_rows, 1))) {
  for (int l = 0; l < layout_.n_weight_layers(); ++l) act_.emplace_back(std::size_t(layout_.fan_out(l)) * block_, 0.0);
  delta_a_.assign(std::size_t(layout_.max_width()) * block_, 0.0);
  delta_b_.assign(std::size_t(layout_.max_width()) * block_, 0.0);
}

const double* MlpWorkspace::forward(const double* theta, const FeatureMajor& x, std::size_t row0, std::size_t n) {
  const std::size_t B = block_;
  const std::size_t nv = std::min(round_up(n), B);  // columns computed (padding is finite garbage)
  const int L = layout_.n_weight_layers();
  for (int l = 0; l < L; ++l) {
    const int in = layout_.fan_in(l), out = layout_.fan_out(l);
    const double* W = theta + layout_.weight_offset(l);
    const double* b = theta + layout_.bias_offset(l);
    double* Z = act_[l].data();
    for (int j = 0; j < out; ++j) {
      double* z = Z + std::size_t(j) * B;
      const double bj = b[j];
#pragma omp simd
      for (std::size_t i = 0; i < nv; ++i) z[i] = bj;
      for (int k = 0; k < in; ++k) {
        const double w = W[std::size_t(j) * in + k];
        const double* a = l == 0 ? input_block(x, k, row0) : act_[l - 1].data() + std::size_t(k) * B;
#pragma omp simd
        for (std::size_t i = 0; i < nv; ++i) z[i] += w * a[i];
      }
    }
    if (l + 1 < L) {
      for (int j = 0; j < out; ++j) apply_activation(layout_.activation(), Z + std::size_t(j) * B, nv);
    }
  }
  return act_[L - 1].data();
}

void MlpWorkspace::backward(const double* theta, const FeatureMajor& x, std::size_t row0, std::size_t n,
                            double* d_output, double* grad) {
  const std::size_t B = block_;
  const std::size_t nv = std::min(round_up(n), B);
  const int L = layout_.n_weight_layers();
  double* D = d_output;  // d loglik / d (pre-activation) of layer l, (fan_out x B)
  for (int l = L - 1; l >= 0; --l) {
    const int in = layout_.fan_in(l), out = layout_.fan_out(l);
    const double* W = theta + layout_.weight_offset(l);
    double* gW = grad + layout_.weight_offset(l);
    double* gb = grad + layout_.bias_offset(l);
    for (int j = 0; j < out; ++j) {
      const double* d = D + std::size_t(j) * B;
      double s = 0.0;
#pragma omp simd reduction(+ : s)
      for (std::size_t i = 0; i < nv; ++i) s += d[i];
      gb[j] += s;
      for (int k = 0; k < in; ++k) {
        const double* a = l == 0 ? input_block(x, k, row0) : act_[l - 1].data() + std::size_t(k) * B;
        double t = 0.0;
#pragma omp simd reduction(+ : t)
        for (std::size_t i = 0; i < nv; ++i) t += d[i] * a[i];
        gW[std::size_t(j) * in + k] += t;
      }
    }
    if (l == 0) break;
    double* Dn = (D == delta_a_.data()) ? delta_b_.data() : delta_a_.data();
    for (int k = 0; k < in; ++k) {
      double* dn = Dn + std::size_t(k) * B;
#pragma omp simd
      for (std::size_t i = 0; i < nv; ++i) dn[i] = 0.0;
      for (int j = 0; j < out; ++j) {
        const double w = W[std::size_t(j) * in + k];
        const double* d = D + std::size_t(j) * B;
#pragma omp simd
        for (std::size_t i = 0; i < nv; ++i) dn[i] += w * d[i];
      }
      multiply_activation_derivative(layout_.activation(), act_[l - 1].data() + std::size_t(k) * B, dn, B);
    }
    D = Dn;
  }
}

}  // namespace symhmc
