#include "symhmc/optimize.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <memory>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "detail/parallel.hpp"
#include "symhmc/rng.hpp"

namespace symhmc {
namespace {

template <class T>
void require(bool ok, const std::string& rule, T value) {
  if (!ok) {
    std::ostringstream out;
    out << rule << ", got " << value;
    throw std::invalid_argument(out.str());
  }
}

bool all_finite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

class MemberTrainer {
 public:
  MemberTrainer(const Target& target, const OptimizerSettings& s, std::uint64_t key, const TrainOutputs& out,
                Progress& progress, const Target* validation, std::int64_t patience)
      : target_(target),
        s_(s),
        key_(key),
        out_(out),
        progress_(progress),
        validation_(validation),
        patience_(patience),
        dim_(target.dim()) {}

  void run(std::int64_t m, std::int64_t stream_member, const double* init) {
    const double nan = std::numeric_limits<double>::quiet_NaN();
    const std::size_t epochs = std::size_t(s_.epochs);
    double* losses = out_.losses + std::size_t(m) * epochs;
    double* val_losses = out_.val_losses ? out_.val_losses + std::size_t(m) * epochs : nullptr;
    std::fill(losses, losses + epochs, nan);
    if (val_losses) std::fill(val_losses, val_losses + epochs, nan);
    double* params = out_.params + std::size_t(m) * dim_;
    out_.finished[m] = 0;
    out_.nonfinite[m] = 0;
    out_.best_epoch[m] = 0;
    out_.final_loss[m] = nan;
    if (progress_.interrupt.load(std::memory_order_relaxed)) {
      std::fill(params, params + dim_, nan);
      return;
    }

    auto evaluator = target_.make_evaluator();
    std::unique_ptr<GradientEvaluator> val_eval = validation_ ? validation_->make_evaluator() : nullptr;
    std::vector<double> q(dim_), g(dim_), prev(dim_), m1(dim_, 0.0), m2(dim_, 0.0), best(dim_), val_grad(dim_);

    // Initial point.
    double lp = nan;
    if (init) {
      std::copy(init, init + dim_, q.begin());
      lp = evaluator->log_density_and_gradient(q.data(), g.data());
    } else {
      Rng rng(key_, member_stream(stream_member));
      for (std::int64_t tries = 0; tries < std::max<std::int64_t>(1, s_.max_init_tries); ++tries) {
        for (std::size_t i = 0; i < dim_; ++i) q[i] = rng.uniform(-s_.init_radius, s_.init_radius);
        lp = evaluator->log_density_and_gradient(q.data(), g.data());
        if (std::isfinite(lp) && all_finite(g)) break;
      }
    }
    double loss = -lp;
    std::int64_t updates = 0;
    bool finished = true, nonfinite = !(std::isfinite(loss) && all_finite(g));

    // Early stopping state.
    double best_val = std::numeric_limits<double>::infinity(), best_loss = nan;
    std::int64_t best_updates = -1, since_best = 0;
    auto check_validation = [&](std::size_t e) {  // true: stop now
      const double vl = -val_eval->log_density_and_gradient(q.data(), val_grad.data());
      if (e < epochs) val_losses[e] = vl;
      if (vl < best_val) {
        best_val = vl;
        best = q;
        best_loss = loss;
        best_updates = updates;
        since_best = 0;
        return false;
      }
      ++since_best;
      return patience_ > 0 && since_best >= patience_;
    };

    const double lr = s_.learning_rate, eps = s_.eps;
    double b1t = 1.0, b2t = 1.0;  // beta^t for Adam's bias correction
    bool stopped_early = false;
    for (std::size_t e = 0; e < epochs && !nonfinite; ++e) {
      if (progress_.interrupt.load(std::memory_order_relaxed)) {
        finished = false;
        break;
      }
      losses[e] = loss;
      if (val_eval && check_validation(e)) {
        stopped_early = true;
        progress_.iterations.fetch_add(1, std::memory_order_relaxed);
        break;
      }
      prev = q;
      // g is d log p / dq; the loss gradient is -g.
      if (s_.kind == OptimizerKind::rmsprop) {
        const double rho = s_.rho;
        for (std::size_t i = 0; i < dim_; ++i) {
          m2[i] = rho * m2[i] + (1.0 - rho) * g[i] * g[i];
          q[i] += lr * g[i] / (std::sqrt(m2[i]) + eps);
        }
      } else {
        const double beta1 = s_.beta1, beta2 = s_.beta2;
        b1t *= beta1;
        b2t *= beta2;
        for (std::size_t i = 0; i < dim_; ++i) {
          const double gl = -g[i];
          m1[i] = beta1 * m1[i] + (1.0 - beta1) * gl;
          m2[i] = beta2 * m2[i] + (1.0 - beta2) * gl * gl;
          const double mhat = m1[i] / (1.0 - b1t), vhat = m2[i] / (1.0 - b2t);
          q[i] -= lr * mhat / (std::sqrt(vhat) + eps);
        }
      }
      const double new_lp = evaluator->log_density_and_gradient(q.data(), g.data());
      if (!(std::isfinite(new_lp) && all_finite(g) && all_finite(q))) {
        q = prev;  // keep the last finite parameters (loss unchanged)
        nonfinite = true;
      } else {
        loss = -new_lp;
        ++updates;
      }
      progress_.iterations.fetch_add(1, std::memory_order_relaxed);
    }
    // The parameters after the last update are a candidate too.
    if (val_eval && finished && !stopped_early && std::isfinite(loss)) check_validation(epochs);

    if (val_eval && best_updates >= 0) {
      std::copy(best.begin(), best.end(), params);
      out_.final_loss[m] = best_loss;
      out_.best_epoch[m] = best_updates;
    } else {
      std::copy(q.begin(), q.end(), params);
      out_.final_loss[m] = loss;
      out_.best_epoch[m] = updates;
    }
    out_.nonfinite[m] = nonfinite ? 1 : 0;
    publish_finished(out_.finished[m], finished, progress_.chains_done);
  }

 private:
  const Target& target_;
  const OptimizerSettings& s_;
  std::uint64_t key_;
  const TrainOutputs& out_;
  Progress& progress_;
  const Target* validation_;
  std::int64_t patience_;
  std::size_t dim_;
};

}  // namespace

void validate(const OptimizerSettings& s) {
  require(s.learning_rate > 0.0 && std::isfinite(s.learning_rate), "learning_rate must be positive and finite",
          s.learning_rate);
  require(s.epochs >= 1 && s.epochs <= (std::int64_t(1) << 40), "epochs must be in [1, 2^40]", s.epochs);
  require(s.rho >= 0.0 && s.rho < 1.0, "rho must be in [0, 1)", s.rho);
  require(s.beta1 >= 0.0 && s.beta1 < 1.0, "beta1 must be in [0, 1)", s.beta1);
  require(s.beta2 >= 0.0 && s.beta2 < 1.0, "beta2 must be in [0, 1)", s.beta2);
  require(s.eps > 0.0 && std::isfinite(s.eps), "eps must be positive and finite", s.eps);
  require(s.init_radius > 0.0 && std::isfinite(s.init_radius), "init_radius must be positive and finite",
          s.init_radius);
  require(s.max_init_tries >= 1, "max_init_tries must be >= 1", s.max_init_tries);
}

void train_members(const Target& target, const OptimizerSettings& settings, std::uint64_t key, std::int64_t n_members,
                   const double* init, const TrainOutputs& out, Progress& progress, int threads,
                   std::int64_t first_member, const Target* validation, std::int64_t patience) {
  validate(settings);
  if (n_members < 0) throw std::invalid_argument("n_members must be >= 0");
  if (first_member < 0 || first_member > (std::int64_t(1) << 62) - n_members)
    throw std::invalid_argument("first_member must be >= 0 and first_member + n_members below 2^62");
  if (patience < 0) throw std::invalid_argument("patience must be >= 0");
  if (validation && validation->dim() != target.dim())
    throw std::invalid_argument("validation target must have the same dimension as the target");
  const std::size_t dim = target.dim();
  MemberTrainer trainer(target, settings, key, out, progress, validation, patience);
  run_parallel_jobs(n_members, threads, progress.interrupt, [&](std::int64_t m) {
    trainer.run(m, first_member + m, init ? init + std::size_t(m) * dim : nullptr);
  });
}

}  // namespace symhmc
