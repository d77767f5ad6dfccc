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

Layout::Layout(std::vector<int> widths, Activation activation)
    : widths_(std::move(widths)), activation_(activation) {
  if (widths_.size() < 2) throw std::invalid_argument("widths needs at least an input and an output width");
  for (int w : widths_) {
    if (w < 1) throw std::invalid_argument("every layer width must be >= 1");
  }
  for (int l = 0; l < n_weight_layers(); ++l) {
    weight_offset_.push_back(n_params_);
    n_params_ += std::size_t(widths_[l + 1]) * (widths_[l] + 1);
  }
  max_width_ = *std::max_element(widths_.begin(), widths_.end());
}

}  // namespace symhmc
