// Register-tiled, vectorized loops over data rows, compiled once per instruction set and picked at
// run time: baseline x86-64 (SSE2), AVX2 + FMA and AVX-512 in the default x86-64 build, so that the
// module runs on any x86-64 CPU and still uses the widest registers the CPU has.
//
// Matrices here are neuron-major: row r of an (rows x n) matrix starts at ptr + r * stride and
// holds one value per data row; n is a multiple of 8 (rows are padded). Each copy lives in its own
// namespace (baseline, avx2, avx512) and shares no inline function with other translation units,
// so code built for AVX2 or AVX-512 can never be linked into the baseline path.
#pragma once

#include <cstddef>
#include <vector>

#include "symhmc/activation.hpp"

namespace symhmc {
namespace kernels {

using Index = std::ptrdiff_t;  // layer widths

// Where a one-hidden-layer, one-output network's W1, b1, w2 and b2 start in the flat vector
// (taken from the Layout by the caller, so the kernels never re-derive the layout).
struct OneHiddenOffsets {
  std::size_t w1 = 0, b1 = 0, w2 = 0, b2 = 0;
};

// The per-layer kernels over one scalar type T: double, or float for the opt-in float32 arithmetic
// (twice the SIMD lanes; gradient sums leave each call in double).
template <class T>
struct LayerKernels {
  // Z (out x n) = W (out x in, row-major) * A (in x n) + b
  void (*affine)(const T* W, const T* b, Index in, Index out, const T* A, std::size_t a_stride, T* Z,
                 std::size_t z_stride, std::size_t n);
  // gb += row sums of D (out x n); gW (out x in) += D * A^T
  void (*accumulate_gradient)(const T* D, std::size_t d_stride, Index out, const T* A, std::size_t a_stride, Index in,
                              std::size_t n, double* gW, double* gb);
  // Dn (in x n) = W^T * D
  void (*backpropagate)(const T* W, Index in, Index out, const T* D, std::size_t d_stride, T* Dn, std::size_t dn_stride,
                        std::size_t n);
  // z[i] = activation(z[i])
  void (*activate)(Activation activation, T* z, std::size_t n);
  // d[i] *= activation'(pre-activation), from the activation's output a[i]
  void (*activation_derivative)(Activation activation, const T* a, T* d, std::size_t n);
};

// fused_mlp's networks: weight layer l maps width[l] to width[l + 1] inputs, its W and b start at
// w[l] and b[l] in the flat vector; at least two hidden layers, each at most kFusedMlpMaxWidth
// wide, and one output (kernels/fused_mlp_shape.hpp decides).
constexpr int kFusedMlpMaxLayers = 8;
constexpr Index kFusedMlpMaxWidth = 32;
// rows per tile (f2: 25 KB of activations, near L1); fused_mlp_f32's tiles hold twice the rows in as many bytes
constexpr std::size_t kFusedMlpTileRows = 64;
struct MlpShape {
  int n_layers = 0;  // weight layers
  Index width[kFusedMlpMaxLayers + 1] = {};
  std::size_t w[kFusedMlpMaxLayers] = {}, b[kFusedMlpMaxLayers] = {};
  std::size_t n_params = 0;
};

struct Table {
  const char* name;  // its SYMHMC_KERNELS name: "baseline", "avx2" or "avx512"
  const char* isa;   // the instruction set it was compiled for, e.g. "x86-64-v3"
  LayerKernels<double> f64;
  LayerKernels<float> f32;
  // One hidden layer, one output, the whole pass in registers: given theta with W1, b1, w2, b2
  // at the offsets `at`, and feature-major x (n_in rows of stride) and y, adds
  // d/dtheta of -0.5 * inv_var * sum (y - f)^2 into grad and returns the residual sum of squares.
  double (*fused_one_hidden)(Activation activation, const double* theta, const OneHiddenOffsets& at, Index n_in,
                             Index hidden, const double* x, std::size_t stride, const double* y, std::size_t n,
                             double inv_var, double* grad);
  // The same in float32 (theta, x and y as float copies; stride a multiple of 16), with the sums
  // carried into float64 every few hundred rows; grad and the returned sum are float64.
  double (*fused_one_hidden_f32)(Activation activation, const float* theta, const OneHiddenOffsets& at, Index n_in,
                                 Index hidden, const float* x, std::size_t stride, const float* y, std::size_t n,
                                 double inv_var, double* grad);
  // A network of MlpShape, tile by tile of kFusedMlpTileRows rows through all layers and back: as
  // fused_one_hidden (adds into grad, returns the residual sum of squares), with `scratch` of
  // fused_mlp_scratch_size(shape) doubles (kernels/fused_mlp_shape.hpp).
  double (*fused_mlp)(Activation activation, const double* theta, const MlpShape& shape, const double* x,
                      std::size_t stride, const double* y, std::size_t n, double inv_var, double* grad,
                      double* scratch);
  // The same in float32 (theta, x and y as float copies, x padded to whole float vectors), with the
  // lane sums carried into float64 every few hundred rows; `scratch` of fused_mlp_f32_scratch_size(shape)
  // doubles; inv_var is applied to the float64 sums, grad and the returned sum are float64.
  double (*fused_mlp_f32)(Activation activation, const float* theta, const MlpShape& shape, const float* x,
                          std::size_t stride, const float* y, std::size_t n, double inv_var, double* grad,
                          double* scratch);
};

// Largest hidden width * (n_inputs + 2) handled by fused_one_hidden (its accumulators live on the stack).
constexpr int kFusedMaxAccumulators = 64;

// The table for this process, chosen once: SYMHMC_KERNELS=baseline|avx2|avx512 when this CPU can
// run that one ("portable" is baseline), else the widest one it can run.
const Table& table();
// The tables this build carries and this CPU can run, baseline first.
std::vector<const Table*> runnable_tables();

// One per instruction set; avx2 and avx512 exist in dispatching x86-64 builds only and must be called
// only after checking the CPU (kernels/dispatch.cpp).
namespace baseline {
const Table& table();
}
namespace avx2 {
const Table& table();
}
namespace avx512 {
const Table& table();
}

}  // namespace kernels
}  // namespace symhmc
