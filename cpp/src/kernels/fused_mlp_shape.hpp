// Which networks the fused_mlp kernel takes, and the scratch memory it needs. Compiled once, for
// the baseline instruction set (fused_mlp_shape.cpp), like every caller of the kernel tables.
#pragma once

#include <cstddef>

#include "kernels/kernels.hpp"
#include "symhmc/layout.hpp"

namespace symhmc {
namespace kernels {

// True when fused_mlp takes this network (at least two hidden layers, each at most
// kFusedMlpMaxWidth wide, at most kFusedMlpMaxLayers weight layers, one output); then fills *shape.
bool fused_mlp_shape(const Layout& layout, MlpShape* shape);

// Doubles of scratch fused_mlp needs for this shape on any instruction set.
std::size_t fused_mlp_scratch_size(const MlpShape& shape);
// Doubles of scratch fused_mlp_f32 needs for this shape on any instruction set.
std::size_t fused_mlp_f32_scratch_size(const MlpShape& shape);

}  // namespace kernels
}  // namespace symhmc
