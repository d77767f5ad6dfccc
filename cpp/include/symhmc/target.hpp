// A differentiable log density: what every sampler in symhmc works on.
#pragma once

#include <cstddef>
#include <memory>

namespace symhmc {

// Evaluates one target with private scratch memory; one per thread or chain.
class GradientEvaluator {
 public:
  virtual ~GradientEvaluator() = default;
  // Returns log p(q) (up to the target's documented constant) and writes d log p / dq into grad.
  virtual double log_density_and_gradient(const double* q, double* grad) = 0;
};

// Immutable after construction, so evaluators on many threads may share it.
class Target {
 public:
  virtual ~Target() = default;
  virtual std::size_t dim() const = 0;
  virtual std::unique_ptr<GradientEvaluator> make_evaluator() const = 0;
};

}  // namespace symhmc
