// Network architecture and the flat parameter layout shared by every part of symhmc.
//
// Flat vector: layer by layer from input to output; for each layer its weight matrix W
// (shape out x in, row-major) followed by its bias b (length out). A sampled noise scale
// is stored as s = log(sigma) after the network parameters (see posterior.hpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "symhmc/activation.hpp"

namespace symhmc {

class Layout {
 public:
  // widths = {n_in, hidden_1, ..., hidden_L, n_out}; every width >= 1. Throws
  // std::invalid_argument when the parameter count would not fit in memory addresses
  // (more than kMaxParams entries).
  Layout(std::vector<std::int64_t> widths, Activation activation);

  static constexpr std::int64_t kMaxParams = std::int64_t(1) << 48;

  const std::vector<std::int64_t>& widths() const { return widths_; }
  Activation activation() const { return activation_; }
  std::int64_t n_inputs() const { return widths_.front(); }
  std::int64_t n_outputs() const { return widths_.back(); }
  int n_weight_layers() const { return static_cast<int>(widths_.size()) - 1; }
  int n_hidden_layers() const { return n_weight_layers() - 1; }
  std::int64_t max_width() const { return max_width_; }
  std::size_t n_params() const { return n_params_; }
  // Offsets into the flat vector of layer l's W and b, l = 0 .. n_weight_layers()-1.
  std::size_t weight_offset(int l) const { return weight_offset_[l]; }
  std::size_t bias_offset(int l) const { return weight_offset_[l] + std::size_t(widths_[l + 1] * widths_[l]); }
  std::int64_t fan_in(int l) const { return widths_[l]; }
  std::int64_t fan_out(int l) const { return widths_[l + 1]; }

 private:
  std::vector<std::int64_t> widths_;
  Activation activation_;
  std::vector<std::size_t> weight_offset_;
  std::size_t n_params_ = 0;
  std::int64_t max_width_ = 0;
};

}  // namespace symhmc
