#include "symhmc/chains.hpp"

#include <algorithm>
#include <cmath>
#include <limits>
#include <stdexcept>
#include <string>

#include "symhmc/adaptation.hpp"
#include "symhmc/integrator.hpp"
#include "detail/parallel.hpp"
#include "symhmc/rng.hpp"

namespace symhmc {
namespace {

bool all_finite(const std::vector<double>& v) {
  for (double x : v)
    if (!std::isfinite(x)) return false;
  return true;
}

class ChainRunner {
 public:
  ChainRunner(const Target& target, const SamplerSettings& s, std::uint64_t key, const ChainOutputs& out,
              Progress& progress)
      : target_(target), s_(s), key_(key), out_(out), progress_(progress), dim_(target.dim()) {}

  void run(std::int64_t c, std::uint64_t stream, const double* init) {
    // A chain not yet started when the run is interrupted does no work at all (no evaluator, no
    // initial point, no step size search), so that stopping many chains is quick.
    if (progress_.interrupt.load(std::memory_order_relaxed)) {
      out_.finished[c] = 0;
      return;
    }
    Rng rng(key_, stream);
    auto evaluator = target_.make_evaluator();
    CountingEvaluator eval(*evaluator);
    DiagMetric metric(dim_);
    PhasePoint cur(dim_), scratch(dim_);

    // Initial point.
    if (init) {
      std::copy(init, init + dim_, cur.q.begin());
      eval.update(cur);
    } else {
      for (std::int64_t tries = 0; tries < std::max<std::int64_t>(1, s_.max_init_tries); ++tries) {
        for (std::size_t i = 0; i < dim_; ++i) cur.q[i] = rng.uniform(-s_.init_radius, s_.init_radius);
        eval.update(cur);
        if (std::isfinite(cur.lp) && all_finite(cur.grad)) break;
      }
    }

    WarmupAdapter adapter(dim_, s_);
    double eps = adapter.start(cur, metric, eval, rng, scratch);

    Nuts nuts(dim_, s_.nuts);
    StaticHmc hmc(dim_, s_.hmc);
    nuts.set_stop_flag(&progress_.interrupt);
    hmc.set_stop_flag(&progress_.interrupt);
    const std::int64_t n_iter = s_.warmup + s_.draws;  // validate() rules out overflow
    bool finished = true;
    for (std::int64_t it = 0; it < n_iter; ++it) {
      if (progress_.interrupt.load(std::memory_order_relaxed)) {
        finished = false;
        break;
      }
      const TransitionStats st = s_.kind == SamplerKind::nuts ? nuts.transition(cur, eps, metric, eval, rng)
                                                              : hmc.transition(cur, eps, metric, eval, rng);
      if (nuts.stopped() || hmc.stopped()) {  // interrupted inside the transition: discard it
        finished = false;
        break;
      }
      if (it < s_.warmup) {
        if (st.diverging) progress_.warmup_divergences.fetch_add(1, std::memory_order_relaxed);
        eps = adapter.update(it, cur, st.acceptance_rate, eps, metric, eval, rng, scratch);
      } else {
        const std::size_t k = std::size_t(c) * std::size_t(s_.draws) + std::size_t(it - s_.warmup);
        std::copy(cur.q.begin(), cur.q.end(), out_.draws + k * dim_);
        out_.lp[k] = st.lp;
        out_.acceptance_rate[k] = st.acceptance_rate;
        out_.step_size[k] = st.step_size;
        out_.tree_depth[k] = st.tree_depth;
        out_.n_steps[k] = st.n_steps;
        out_.diverging[k] = st.diverging ? 1 : 0;
        out_.energy[k] = st.energy;
        if (st.diverging) progress_.divergences.fetch_add(1, std::memory_order_relaxed);
      }
      progress_.iterations.fetch_add(1, std::memory_order_relaxed);
    }

    out_.adapted_step_size[c] = eps;
    std::copy(metric.inv_mass().begin(), metric.inv_mass().end(), out_.inv_mass + std::size_t(c) * dim_);
    out_.n_grad_evals[c] = eval.count();
    publish_finished(out_.finished[c], finished, progress_.chains_done);
  }

 private:
  const Target& target_;
  const SamplerSettings& s_;
  std::uint64_t key_;
  const ChainOutputs& out_;
  Progress& progress_;
  std::size_t dim_;
};

}  // namespace

void run_chains(const Target& target, const SamplerSettings& settings, std::uint64_t key, std::int64_t n_chains,
                const double* init, const ChainOutputs& out, Progress& progress, int threads, std::int64_t first_chain,
                const std::int64_t* chain_ids) {
  validate(settings);
  if (n_chains < 0) throw std::invalid_argument("n_chains must be >= 0");
  if (first_chain < 0 || first_chain > std::numeric_limits<std::int64_t>::max() - n_chains)
    throw std::invalid_argument("first_chain must be >= 0 and first_chain + n_chains must fit in 64 bits");
  if (chain_ids) {
    if (first_chain != 0) throw std::invalid_argument("give first_chain or chain_ids, not both");
    for (std::int64_t c = 0; c < n_chains; ++c)
      if (chain_ids[c] < 0) throw std::invalid_argument("chain_ids must be >= 0");
  }
  const std::size_t dim = target.dim();
  ChainRunner runner(target, settings, key, out, progress);
  run_parallel_jobs(n_chains, threads, progress.interrupt, [&](std::int64_t c) {
    const std::int64_t id = chain_ids ? chain_ids[c] : first_chain + c;
    runner.run(c, std::uint64_t(id), init ? init + std::size_t(c) * dim : nullptr);
  });
}

}  // namespace symhmc
