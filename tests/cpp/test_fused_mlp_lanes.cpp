// fused_mlp (the narrow-MLP value-and-gradient kernel) with 8 lanes per vector, as on AVX-512, gives
// the baseline table's residual sum of squares and gradient up to rounding, for widths up to 32,
// 2-3 hidden layers, every activation and row counts below, at and off tile and vector multiples;
// fused_mlp_f32 with 16 float lanes gives the baseline's (4 lanes) up to float32 rounding.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <iostream>
#include <vector>

#include "check.hpp"
#include "kernels/fused_mlp_shape.hpp"
#include "symhmc/mlp.hpp"
#include "symhmc/rng.hpp"

namespace symhmc {
namespace kernels {
namespace lanes8 {
const Table& table();  // fused_mlp_lanes_kernels.cpp
}
}  // namespace kernels
}  // namespace symhmc

using namespace symhmc;

int main() {
  Rng rng(2023, 0);
  auto normal_vector = [&](std::size_t n, double scale) {
    std::vector<double> v(n);
    for (double& e : v) e = scale * rng.normal();
    return v;
  };
  const std::vector<std::vector<std::int64_t>> shapes = {
      {8, 16, 16, 16, 1}, {3, 7, 5, 1}, {2, 32, 13, 1}, {5, 9, 16, 11, 1}};
  double worst = 0.0, worst32 = 0.0;
  int cases = 0;
  for (const auto& widths : shapes)
    for (std::size_t n : {1, 5, 33, 64, 77, 250})
      for (Activation act : {Activation::tanh, Activation::relu, Activation::identity}) {
        const Layout layout(widths, act);
        kernels::MlpShape shape;
        CHECK(kernels::fused_mlp_shape(layout, &shape));
        const std::vector<double> x_rows = normal_vector(n * std::size_t(widths[0]), 1.0);
        const std::vector<double> y_rows = normal_vector(n, 1.0);
        const FeatureMajor x(x_rows.data(), n, widths[0]), y(y_rows.data(), n, 1);
        const std::vector<double> theta = normal_vector(layout.n_params(), 0.7);
        std::vector<double> scratch(kernels::fused_mlp_scratch_size(shape));
        std::vector<double> g2(theta.size(), 0.0), g8(theta.size(), 0.0);
        const double ssr2 = kernels::baseline::table().fused_mlp(act, theta.data(), shape, x.feature(0), x.stride,
                                                                 y.feature(0), n, 2.0, g2.data(), scratch.data());
        const double ssr8 = kernels::lanes8::table().fused_mlp(act, theta.data(), shape, x.feature(0), x.stride,
                                                               y.feature(0), n, 2.0, g8.data(), scratch.data());
        double scale = 1.0, diff = std::fabs(ssr2 - ssr8) / std::max(ssr2, 1e-300);
        for (double g : g2) scale = std::max(scale, std::fabs(g));
        for (std::size_t i = 0; i < g2.size(); ++i) diff = std::max(diff, std::fabs(g2[i] - g8[i]) / scale);
        CHECK_MSG(diff < 1e-12, activation_name(act) << " widths " << widths.size() << " layers, " << n
                                                     << " rows: relative difference " << diff);
        CHECK(std::isfinite(ssr8) && ssr8 > 0.0);
        worst = std::max(worst, diff);
        ++cases;

        // float32: the sums run in another order with 16 lanes than with 4, so they agree to float
        // rounding only; 20 rows off, 300 rows span two 256-row chunks
        const std::size_t n32 = n == 250 ? 300 : n;
        const std::vector<double> x32_rows = normal_vector(n32 * std::size_t(widths[0]), 1.0);
        const std::vector<double> y32_rows = normal_vector(n32, 1.0);
        const BasicFeatureMajor<float> xf(x32_rows.data(), n32, widths[0]), yf(y32_rows.data(), n32, 1);
        const std::vector<float> theta_f(theta.begin(), theta.end());
        std::vector<double> scratch32(kernels::fused_mlp_f32_scratch_size(shape));
        std::vector<double> h4(theta.size(), 0.0), h16(theta.size(), 0.0);
        const double ssr4 = kernels::baseline::table().fused_mlp_f32(
            act, theta_f.data(), shape, xf.feature(0), xf.stride, yf.feature(0), n32, 2.0, h4.data(), scratch32.data());
        const double ssr16 =
            kernels::lanes8::table().fused_mlp_f32(act, theta_f.data(), shape, xf.feature(0), xf.stride, yf.feature(0),
                                                   n32, 2.0, h16.data(), scratch32.data());
        double scale32 = 1.0, diff32 = std::fabs(ssr4 - ssr16) / std::max(ssr4, 1e-300);
        for (double g : h4) scale32 = std::max(scale32, std::fabs(g));
        for (std::size_t i = 0; i < h4.size(); ++i) diff32 = std::max(diff32, std::fabs(h4[i] - h16[i]) / scale32);
        CHECK_MSG(diff32 < 1e-5, "float32 " << activation_name(act) << " widths " << widths.size() << " layers, " << n32
                                            << " rows: relative difference " << diff32);
        CHECK(std::isfinite(ssr16) && ssr16 > 0.0);
        worst32 = std::max(worst32, diff32);
      }
  std::cout << cases << " networks: largest relative difference between 2 and 8 lanes " << worst
            << ", float32 between 4 and 16 lanes " << worst32 << std::endl;
  return check::report("fused_mlp_lanes");
}
