// The hidden layers' activation: the one enum every part of symhmc uses.
#pragma once

#include <string>

namespace symhmc {

enum class Activation { tanh, relu, identity };

Activation parse_activation(const std::string& name);  // throws std::invalid_argument
const char* activation_name(Activation a);

}  // namespace symhmc
