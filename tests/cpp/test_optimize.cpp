// The deep-ensemble trainer on Gaussian targets: RMSprop and Adam reach the mean, the result does
// not depend on the thread count, an interrupted run does no work, bad settings are rejected, and
// exceptions thrown by an evaluator leave the parallel region.
#include <cmath>
#include <cstdint>
#include <limits>
#include <memory>
#include <stdexcept>
#include <vector>

#include "check.hpp"
#include "symhmc/testing/gaussian.hpp"
#include "symhmc/optimize.hpp"

using namespace symhmc;
using symhmc::testing::GaussianTarget;

namespace {

struct Run {
  std::vector<double> params, losses, final_loss;
  std::vector<std::int64_t> best_epoch;
  std::vector<std::uint8_t> finished, nonfinite;
};

Run train(const Target& t, const OptimizerSettings& s, std::int64_t members, int threads, bool interrupt = false) {
  Run r;
  const std::size_t d = t.dim();
  r.params.assign(members * d, 0.0);
  r.losses.assign(members * s.epochs, 0.0);
  r.final_loss.assign(members, 0.0);
  r.best_epoch.assign(members, 0);
  r.finished.assign(members, 0);
  r.nonfinite.assign(members, 0);
  TrainOutputs out;
  out.params = r.params.data();
  out.losses = r.losses.data();
  out.final_loss = r.final_loss.data();
  out.best_epoch = r.best_epoch.data();
  out.finished = r.finished.data();
  out.nonfinite = r.nonfinite.data();
  Progress progress;
  if (interrupt) progress.interrupt.store(true);
  train_members(t, s, 42, members, nullptr, out, progress, threads);
  return r;
}

class Throwing : public Target {
 public:
  std::size_t dim() const override { return 2; }
  std::unique_ptr<GradientEvaluator> make_evaluator() const override { throw std::runtime_error("evaluator failed"); }
};

}  // namespace

int main() {
  auto target = GaussianTarget::diagonal({1.0, -2.0, 0.5}, {1.0, 0.25, 4.0});
  for (OptimizerKind kind : {OptimizerKind::rmsprop, OptimizerKind::adam}) {
    OptimizerSettings s;
    s.kind = kind;
    s.epochs = 3000;
    const Run r = train(*target, s, 4, 2);
    for (std::size_t m = 0; m < 4; ++m) {
      CHECK(r.finished[m] == 1);
      CHECK_EQ(r.best_epoch[m], std::int64_t(3000));
      CHECK_LT(r.final_loss[m], r.losses[m * 3000]);
      for (std::size_t i = 0; i < 3; ++i) CHECK_NEAR(r.params[m * 3 + i], target->mean()[i], 0.02);
    }
  }
  {
    OptimizerSettings s;
    s.epochs = 50;
    const Run a = train(*target, s, 5, 1), b = train(*target, s, 5, 2);
    CHECK(a.params == b.params);
    CHECK(a.losses == b.losses);
    CHECK(a.params[0] != a.params[3]);  // members start at different points
  }
  {
    OptimizerSettings s;
    s.epochs = 10;
    const Run r = train(*target, s, 3, 2, /*interrupt=*/true);
    for (std::size_t m = 0; m < 3; ++m) {
      CHECK(r.finished[m] == 0);
      CHECK(std::isnan(r.losses[m * 10]));
    }
  }
  {
    OptimizerSettings s;
    s.learning_rate = -1.0;
    CHECK_THROWS(validate(s), std::invalid_argument);
    s = OptimizerSettings();
    s.epochs = 0;
    CHECK_THROWS(validate(s), std::invalid_argument);
    CHECK(member_stream(3) == ((std::uint64_t(1) << 63) | 3u));
  }
  {
    Throwing bad;
    OptimizerSettings s;
    s.epochs = 5;
    CHECK_THROWS(train(bad, s, 4, 2), std::runtime_error);
  }
  return check::report("test_optimize");
}
