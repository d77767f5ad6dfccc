// Forward and backward passes of the MLP over blocks of data rows.
//
// Data are stored feature-major (one contiguous row of length n_padded per feature) so that
// every per-neuron operation is a contiguous, vectorized loop over data rows.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "symhmc/layout.hpp"

namespace symhmc {

// Column-padded, feature-major copy of a row-major (n_rows x n_cols) array, in scalar type T
// (double, or float for the opt-in float32 arithmetic).
template <class T>
struct BasicFeatureMajor {
  std::int64_t n_features = 0;
  std::size_t n_rows = 0;
  std::size_t stride = 0;  // n_rows rounded up to the widest SIMD width (64 bytes)
  std::vector<T> values;
  BasicFeatureMajor() = default;
  BasicFeatureMajor(const double* row_major, std::size_t n_rows, std::int64_t n_cols);
  const T* feature(std::int64_t k) const { return values.data() + std::size_t(k) * stride; }
};
using FeatureMajor = BasicFeatureMajor<double>;

// Scratch memory and passes for one network over blocks of at most block_rows data rows, with
// weights, activations and products in T (double or float); parameter gradients are summed in double.
template <class T>
class BasicMlpWorkspace {
 public:
  BasicMlpWorkspace(const Layout& layout, std::size_t block_rows);
  std::size_t block_rows() const { return block_; }

  // Forward pass over rows [row0, row0 + n) of x; returns a pointer to the outputs
  // (n_outputs x block_rows, output-major).
  const T* forward(const T* theta, const BasicFeatureMajor<T>& x, std::size_t row0, std::size_t n);
  // Backward pass after forward() of the same rows: d_output (n_outputs x block_rows) is
  // d loglik / d output, zero on padded columns; adds the parameter gradient into grad.
  void backward(const T* theta, const BasicFeatureMajor<T>& x, std::size_t row0, std::size_t n, T* d_output,
                double* grad);

 private:
  const Layout& layout_;
  std::size_t block_;
  std::vector<std::vector<T>> act_;  // act_[l]: output of weight layer l (width x block)
  std::vector<T> delta_a_, delta_b_;
};
using MlpWorkspace = BasicMlpWorkspace<double>;

}  // namespace symhmc
