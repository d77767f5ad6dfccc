#include "symhmc/mlp.hpp"

#include <algorithm>

#include "kernels/kernels.hpp"

namespace symhmc {
namespace {

// Rows are padded to a multiple of the widest SIMD width: 64 bytes, 8 doubles or 16 floats.
template <class T>
std::size_t round_up(std::size_t n) {
  constexpr std::size_t pad = 64 / sizeof(T);
  return (n + pad - 1) / pad * pad;
}

template <class T>
const kernels::LayerKernels<T>& layer_kernels();
template <>
const kernels::LayerKernels<double>& layer_kernels<double>() {
  return kernels::table().f64;
}
template <>
const kernels::LayerKernels<float>& layer_kernels<float>() {
  return kernels::table().f32;
}

}  // namespace

template <class T>
BasicFeatureMajor<T>::BasicFeatureMajor(const double* row_major, std::size_t rows, std::int64_t cols)
    : n_features(cols), n_rows(rows), stride(round_up<T>(rows)), values(std::size_t(cols) * round_up<T>(rows), T(0)) {
  for (std::size_t i = 0; i < rows; ++i)
    for (std::int64_t k = 0; k < cols; ++k)
      values[std::size_t(k) * stride + i] = T(row_major[i * std::size_t(cols) + std::size_t(k)]);
}

template <class T>
BasicMlpWorkspace<T>::BasicMlpWorkspace(const Layout& layout, std::size_t block_rows)
    : layout_(layout), block_(round_up<T>(std::max<std::size_t>(block_rows, 1))) {
  for (int l = 0; l < layout_.n_weight_layers(); ++l) act_.emplace_back(std::size_t(layout_.fan_out(l)) * block_, 0.0);
  delta_a_.assign(std::size_t(layout_.max_width()) * block_, 0.0);
  delta_b_.assign(std::size_t(layout_.max_width()) * block_, 0.0);
}

template <class T>
const T* BasicMlpWorkspace<T>::forward(const T* theta, const BasicFeatureMajor<T>& x, std::size_t row0, std::size_t n) {
  const kernels::LayerKernels<T>& k = layer_kernels<T>();
  const std::size_t B = block_;
  const std::size_t nv = std::min(round_up<T>(n), B);  // columns computed; padding columns stay finite
  const int L = layout_.n_weight_layers();
  for (int l = 0; l < L; ++l) {
    const std::int64_t in = layout_.fan_in(l), out = layout_.fan_out(l);
    const T* W = theta + layout_.weight_offset(l);
    const T* b = theta + layout_.bias_offset(l);
    T* Z = act_[l].data();
    const T* A = l == 0 ? x.feature(0) + row0 : act_[l - 1].data();
    const std::size_t a_stride = l == 0 ? x.stride : B;
    k.affine(W, b, in, out, A, a_stride, Z, B, nv);
    if (l + 1 < L) {
      for (std::int64_t j = 0; j < out; ++j) k.activate(layout_.activation(), Z + std::size_t(j) * B, nv);
    }
  }
  return act_[L - 1].data();
}

template <class T>
void BasicMlpWorkspace<T>::backward(const T* theta, const BasicFeatureMajor<T>& x, std::size_t row0, std::size_t n,
                                    T* d_output, double* grad) {
  const kernels::LayerKernels<T>& k = layer_kernels<T>();
  const std::size_t B = block_;
  const std::size_t nv = std::min(round_up<T>(n), B);
  const int L = layout_.n_weight_layers();
  const Activation act = layout_.activation();
  T* D = d_output;  // d loglik / d (pre-activation) of layer l, (fan_out x B)
  for (int l = L - 1; l >= 0; --l) {
    const std::int64_t in = layout_.fan_in(l), out = layout_.fan_out(l);
    const T* W = theta + layout_.weight_offset(l);
    double* gW = grad + layout_.weight_offset(l);
    double* gb = grad + layout_.bias_offset(l);
    const T* A = l == 0 ? x.feature(0) + row0 : act_[l - 1].data();
    const std::size_t a_stride = l == 0 ? x.stride : B;
    k.accumulate_gradient(D, B, out, A, a_stride, in, nv, gW, gb);
    if (l == 0) break;
    T* Dn = (D == delta_a_.data()) ? delta_b_.data() : delta_a_.data();
    k.backpropagate(W, in, out, D, B, Dn, B, nv);
    for (std::int64_t j = 0; j < in; ++j)
      k.activation_derivative(act, act_[l - 1].data() + std::size_t(j) * B, Dn + std::size_t(j) * B, nv);
    D = Dn;
  }
}

template struct BasicFeatureMajor<double>;
template struct BasicFeatureMajor<float>;
template class BasicMlpWorkspace<double>;
template class BasicMlpWorkspace<float>;

}  // namespace symhmc
