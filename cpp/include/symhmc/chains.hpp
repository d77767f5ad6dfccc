// Many independent chains in parallel: OpenMP over chains (dynamic schedule), one evaluator,
// RNG stream (key, chain) and workspace per chain, so chain c gives the same draws whatever the
// thread count. Outputs go into caller-provided arrays; progress and interruption go through
// a thread-safe object another thread may read and write while the chains run.
#pragma once

#include <atomic>
#include <cstdint>
#include <vector>

#include "symhmc/adaptation.hpp"
#include "symhmc/hmc.hpp"
#include "symhmc/nuts.hpp"
#include "symhmc/settings.hpp"
#include "symhmc/target.hpp"

namespace symhmc {

// Shared between the sampling threads and an observer thread.
struct Progress {
  std::atomic<std::int64_t> chains_done{0};  // chains that finished or stopped
  std::atomic<std::int64_t> iterations{0};   // warmup + sampling iterations done, all chains
  std::atomic<std::int64_t> divergences{0};  // divergent transitions after warmup
  std::atomic<std::int64_t> warmup_divergences{0};
  std::atomic<bool> interrupt{false};  // set to stop every chain at its next iteration
};

// Caller-owned outputs; (chain, draw[, dim]) row-major.
struct ChainOutputs {
  double* draws = nullptr;  // chains x draws x dim
  double* lp = nullptr;     // chains x draws (same for the rest)
  double* acceptance_rate = nullptr;
  double* step_size = nullptr;
  std::int32_t* tree_depth = nullptr;
  std::int64_t* n_steps = nullptr;
  std::uint8_t* diverging = nullptr;
  double* energy = nullptr;
  double* adapted_step_size = nullptr;   // chains
  double* inv_mass = nullptr;            // chains x dim
  std::int64_t* n_grad_evals = nullptr;  // chains
  std::uint8_t* finished = nullptr;      // chains
};

// Runs n_chains chains. init: n_chains x dim starting points, or null for uniform(-r, r).
// Chain c uses the RNG stream (key, first_chain + c), or (key, chain_ids[c]) when chain_ids (n_chains
// non-negative ids) is given: any subset of a run's chains (a resumed run, a block on a cluster)
// gives the same draws as in the whole run. Exceptions are rethrown after all threads stopped (the
// first one wins; it also interrupts the other chains). Setting progress.interrupt stops every
// chain within 64 leapfrog steps (the chain is then not finished).
void run_chains(const Target& target, const SamplerSettings& settings, std::uint64_t key, std::int64_t n_chains,
                const double* init, const ChainOutputs& out, Progress& progress, int threads,
                std::int64_t first_chain = 0, const std::int64_t* chain_ids = nullptr);

}  // namespace symhmc
