// Full-batch gradient descent on the negative log density of a Target: the members of a deep
// ensemble, trained in parallel (OpenMP over members, dynamic schedule), one evaluator, random
// stream and workspace per member, so member m gives the same parameters bit for bit whatever
// the thread count. The loss is exactly what the samplers target: for the BNN posterior,
// -log p(theta, log sigma | data) including the priors and the log-sigma parameterisation.
#pragma once

#include <cstdint>

#include "symhmc/chains.hpp"
#include "symhmc/target.hpp"

namespace symhmc {

enum class OptimizerKind { rmsprop, adam };

// Every optimiser setting and its default, in one place (the bindings read them from here).
//
// RMSprop: v <- rho v + (1 - rho) g^2 (v starts at 0), q <- q - lr g / (sqrt(v) + eps); eps is
// added outside the square root as in PyTorch and Keras (Optax's default adds it inside, which
// differs only where |g| is below ~1e-4). rho = 0.9 and eps = 1e-8 are Optax's defaults
// (PyTorch's alpha is 0.99). Adam: Kingma & Ba with bias correction, beta1 0.9, beta2 0.999,
// eps 1e-8 outside the square root (PyTorch, Optax). g is the gradient of the loss -log p.
struct OptimizerSettings {
  OptimizerKind kind = OptimizerKind::rmsprop;
  double learning_rate = 0.01;
  std::int64_t epochs = 500;          // full-batch gradient steps
  double rho = 0.9;                   // RMSprop decay of the squared-gradient average
  double beta1 = 0.9;                 // Adam
  double beta2 = 0.999;               // Adam
  double eps = 1e-8;                  // both
  double init_radius = 2.0;           // uniform(-r, r) initial points, as the sampler's
  std::int64_t max_init_tries = 100;  // redraw an initial point whose loss or gradient is not finite
};

// Throws std::invalid_argument naming the offending field.
void validate(const OptimizerSettings& settings);

// Caller-owned outputs, row-major.
struct TrainOutputs {
  double* params = nullptr;            // members x dim: the returned parameters
  double* losses = nullptr;            // members x epochs: training loss before update e (NaN after a stop)
  double* val_losses = nullptr;        // members x epochs, or null without validation
  double* final_loss = nullptr;        // members: training loss at the returned parameters
  std::int64_t* best_epoch = nullptr;  // members: number of updates behind the returned parameters
  std::uint8_t* finished = nullptr;    // members: 0 when interrupted
  std::uint8_t* nonfinite = nullptr;   // members: 1 when training stopped at a non-finite loss or gradient
};

// Stream id of member m: the top bit set, so the optimiser's initial points never share a
// Philox stream with a sampler chain (which uses stream id = chain index < 2^63).
inline std::uint64_t member_stream(std::int64_t member) { return (std::uint64_t(1) << 63) | std::uint64_t(member); }

// Trains n_members members. init: n_members x dim starting points, or null for uniform(-r, r)
// from the Philox stream (key, member_stream(first_member + m)). validation (nullable, same dim):
// early stopping on its negative log density, keeping the parameters of the best validation
// loss and stopping after `patience` epochs without improvement (patience 0: never stop early,
// still return the best). A member whose loss or gradient becomes non-finite stops and keeps its
// last finite parameters. Progress: iterations counts epochs, chains_done members; the interrupt
// flag is checked every epoch. Exceptions are rethrown after all threads stopped.
void train_members(const Target& target, const OptimizerSettings& settings, std::uint64_t key, std::int64_t n_members,
                   const double* init, const TrainOutputs& out, Progress& progress, int threads,
                   std::int64_t first_member = 0, const Target* validation = nullptr, std::int64_t patience = 0);

}  // namespace symhmc
