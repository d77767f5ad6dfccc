// The BNN posterior of the paper: Gaussian likelihood, N(0, prior_scale^2) on every weight and
// bias, and either a fixed noise scale or sigma ~ HalfNormal(noise_prior_scale) sampled as
// s = log(sigma) (with its log-Jacobian), stored after the network parameters.
// The log density includes every normalising constant.
#pragma once

#include <cstddef>
#include <memory>
#include <vector>

#include "symhmc/layout.hpp"
#include "symhmc/mlp.hpp"
#include "symhmc/target.hpp"

namespace symhmc {

struct PosteriorSettings {
  double prior_scale = 1.0;
  bool sample_noise = true;
  double noise_std = 1.0;          // used when !sample_noise
  double noise_prior_scale = 1.0;  // used when sample_noise
  // Opt-in float32 likelihood: data, weights, activations and products in float32 (twice the SIMD
  // lanes), sums over rows carried in float64; the prior, the returned log density and gradient
  // stay float64.
  bool float32 = false;
};

class BnnPosterior : public Target {
 public:
  // x: row-major (n_points x n_inputs), y: row-major (n_points x n_outputs).
  BnnPosterior(Layout layout, const double* x, const double* y, std::size_t n_points, PosteriorSettings settings);

  std::size_t dim() const override { return layout_.n_params() + (settings_.sample_noise ? 1 : 0); }
  std::unique_ptr<GradientEvaluator> make_evaluator() const override;

  const Layout& layout() const { return layout_; }
  const PosteriorSettings& settings() const { return settings_; }
  std::size_t n_points() const { return x_.n_rows; }
  const FeatureMajor& x() const { return x_; }
  const FeatureMajor& y() const { return y_; }
  // The float32 copies of x and y (empty unless settings().float32).
  const BasicFeatureMajor<float>& x_f32() const { return x_f32_; }
  const BasicFeatureMajor<float>& y_f32() const { return y_f32_; }

 private:
  Layout layout_;
  FeatureMajor x_, y_;
  BasicFeatureMajor<float> x_f32_, y_f32_;
  PosteriorSettings settings_;
};

// Network outputs for n_vectors parameter vectors (rows of params, each of length n_params or
// more; extra trailing entries such as log sigma are ignored), at x (row-major n_points x
// n_inputs). out: (n_vectors x n_points x n_outputs), row-major.
void predict_batch(const Layout& layout, const double* params, std::size_t n_vectors, std::size_t params_stride,
                   const double* x, std::size_t n_points, double* out, int threads);

// log density and gradient of a target at n_vectors points (rows of q); grad may be null.
void log_density_batch(const Target& target, const double* q, std::size_t n_vectors, double* log_density, double* grad,
                       int threads);

}  // namespace symhmc
