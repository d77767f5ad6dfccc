#include "kernels/fused_mlp_shape.hpp"

namespace symhmc {
namespace kernels {
namespace {

constexpr std::size_t kMaxLanes = 8;  // doubles per vector of the widest table (AVX-512)

}  // namespace

bool fused_mlp_shape(const Layout& layout, MlpShape* shape) {
  const int L = layout.n_weight_layers();
  if (layout.n_hidden_layers() < 2 || L > kFusedMlpMaxLayers || layout.n_outputs() != 1) return false;
  for (int l = 1; l < L; ++l)
    if (layout.fan_in(l) > kFusedMlpMaxWidth) return false;
  MlpShape s;
  s.n_layers = L;
  for (int l = 0; l <= L; ++l) s.width[l] = layout.widths()[std::size_t(l)];
  for (int l = 0; l < L; ++l) {
    s.w[l] = layout.weight_offset(l);
    s.b[l] = layout.bias_offset(l);
  }
  s.n_params = layout.n_params();
  *shape = s;
  return true;
}

namespace {

// Rows of the tile matrices: one per layer's output, two for the deltas.
std::size_t tile_matrix_rows(const MlpShape& shape) {
  std::size_t rows = 0;
  Index max_width = 1;
  for (int l = 0; l < shape.n_layers; ++l) rows += std::size_t(shape.width[l + 1]);
  for (int l = 1; l < shape.n_layers; ++l) max_width = shape.width[l] > max_width ? shape.width[l] : max_width;
  rows += 2 * std::size_t(max_width);
  return rows;
}

}  // namespace

std::size_t fused_mlp_scratch_size(const MlpShape& shape) {
  // the tile matrices, then one vector per parameter
  return tile_matrix_rows(shape) * kFusedMlpTileRows + shape.n_params * kMaxLanes;
}

std::size_t fused_mlp_f32_scratch_size(const MlpShape& shape) {
  // two double vectors per parameter, then the tile matrices (twice the rows of float64's in the
  // same bytes) and one vector per parameter in float
  const std::size_t floats = tile_matrix_rows(shape) * 2 * kFusedMlpTileRows + shape.n_params * 2 * kMaxLanes;
  return 2 * shape.n_params * kMaxLanes + (floats + 1) / 2;
}

}  // namespace kernels
}  // namespace symhmc
