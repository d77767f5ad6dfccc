#include "symhmc/layout.hpp"

#include <algorithm>
#include <stdexcept>

namespace symhmc {

Activation parse_activation(const std::string& name) {
  if (name == "tanh") return Activation::tanh;
  if (name == "relu") return Activation::relu;
  if (name == "identity") return Activation::identity;
  throw std::invalid_argument("activation must be 'tanh', 'relu' or 'identity', got '" + name + "'");
}

const char* activation_name(Activation a) {
  switch (a) {
    case Activation::tanh: return "tanh";
    case Activation::relu: return "relu";
    case Activation::identity: return "identity";
  }
  return "?";
}

Layout::Layout(std::vector<std::int64_t> widths, Activation activation)
    : widths_(std::move(widths)), activation_(activation) {
  if (widths_.size() < 2) throw std::invalid_argument("widths needs at least an input and an output width");
  if (widths_.size() > 1u << 20) throw std::invalid_argument("too many layers");
  for (std::int64_t w : widths_) {
    if (w < 1) throw std::invalid_argument("every layer width must be >= 1");
    if (w > kMaxParams) throw std::invalid_argument("a layer width exceeds 2**48");
  }
  // Checked in 64 bits: every factor is at most 2**48, and the running total stops at 2**48.
  std::int64_t total = 0;
  for (int l = 0; l < n_weight_layers(); ++l) {
    weight_offset_.push_back(std::size_t(total));
    const std::int64_t in_plus_bias = widths_[l] + 1;
    if (widths_[l + 1] > (kMaxParams - total) / in_plus_bias)
      throw std::invalid_argument("the network has more than 2**48 parameters");
    total += widths_[l + 1] * in_plus_bias;
  }
  n_params_ = std::size_t(total);
  max_width_ = *std::max_element(widths_.begin(), widths_.end());
}

}  // namespace symhmc
