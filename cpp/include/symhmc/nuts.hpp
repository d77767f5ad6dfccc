// The No-U-Turn sampler with multinomial sampling (Betancourt 2017), following Stan's
// base_nuts.hpp: the trajectory doubles forwards or backwards at random; within a new subtree
// states are drawn uniformly (by weight), at the top level with the biased progressive rule
// that favours the new subtree. The generalized no-U-turn criterion is checked on every merged
// subtree, plus Stan's two extra checks across the boundary between the merged halves.
// A leapfrog step whose energy error exceeds max_energy_error (or whose log density is not
// finite) is a divergence: it ends the subtree (which is then rejected) and is reported.
//
// All scratch memory is allocated once per chain (one frame per tree depth), so a transition
// never allocates.
#pragma once

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>
#include <vector>

#include "symhmc/integrator.hpp"
#include "symhmc/settings.hpp"
#include "symhmc/transition.hpp"

namespace symhmc {

namespace detail {
inline double log_sum_exp(double a, double b) {
  if (a == -std::numeric_limits<double>::infinity()) return b;
  if (b == -std::numeric_limits<double>::infinity()) return a;
  const double m = std::max(a, b);
  return m + std::log(std::exp(a - m) + std::exp(b - m));
}
}  // namespace detail

class Nuts {
 public:
  Nuts(std::size_t dim, NutsSettings s)
      : s_(s),
        dim_(dim),
        z_(dim),
        z_fwd_(dim),
        z_bck_(dim),
        z_sample_(dim),
        z_propose_(dim),
        frames_(std::max(1, s.max_tree_depth)) {
    for (Vec* v : {&p_fwd_fwd_, &ps_fwd_fwd_, &p_fwd_bck_, &ps_fwd_bck_, &p_bck_fwd_, &ps_bck_fwd_, &p_bck_bck_,
                   &ps_bck_bck_, &rho_, &rho_fwd_, &rho_bck_, &rho_ext_})
      v->assign(dim, 0.0);
    for (Frame& f : frames_) f.resize(dim);
  }

  // A flag watched while a tree is built (every kStopCheckSteps leapfrog steps): when it is set
  // the transition ends early and its result must be discarded. A deep tree can take minutes,
  // too long to wait for after Ctrl-C. Reading it draws no random numbers, so it never changes
  // the draws of a run that is not stopped.
  void set_stop_flag(const std::atomic<bool>* stop) { stop_ = stop; }
  bool stopped() const { return stopped_; }

  // Moves `current` (position, lp and grad valid) to the next state.
  TransitionStats transition(PhasePoint& current, double step_size, const DiagMetric& metric, CountingEvaluator& eval,
                             Rng& rng) {
    stopped_ = false;
    metric_ = &metric;
    eval_ = &eval;
    rng_ = &rng;
    eps_ = step_size;
    divergent_ = false;
    n_leapfrog_ = 0;
    sum_metro_prob_ = 0.0;

    metric.sample_momentum(rng, current.p.data());
    z_.assign(current);
    z_fwd_.assign(current);
    z_bck_.assign(current);
    z_sample_.assign(current);
    z_propose_.assign(current);

    copy(current.p, p_fwd_fwd_);
    metric.velocity(current.p.data(), ps_fwd_fwd_.data());
    copy(p_fwd_fwd_, p_fwd_bck_);
    copy(ps_fwd_fwd_, ps_fwd_bck_);
    copy(p_fwd_fwd_, p_bck_fwd_);
    copy(ps_fwd_fwd_, ps_bck_fwd_);
    copy(p_fwd_fwd_, p_bck_bck_);
    copy(ps_fwd_fwd_, ps_bck_bck_);
    copy(current.p, rho_);

    double log_sum_weight = 0.0;  // the initial point has weight exp(H0 - H0) = 1
    h0_ = hamiltonian(current, metric);
    int depth = 0;

    while (depth < s_.max_tree_depth) {
      zero(rho_fwd_);
      zero(rho_bck_);
      bool valid_subtree;
      double log_sum_weight_subtree = -std::numeric_limits<double>::infinity();

      if (rng.uniform() > 0.5) {  // extend forwards
        z_.assign(z_fwd_);
        copy(rho_, rho_bck_);
        copy(p_fwd_bck_, p_bck_fwd_);
        copy(ps_fwd_bck_, ps_bck_fwd_);
        valid_subtree = build_tree(depth, z_propose_, ps_fwd_bck_, ps_fwd_fwd_, rho_fwd_, p_fwd_bck_, p_fwd_fwd_, 1.0,
                                   log_sum_weight_subtree);
        z_fwd_.assign(z_);
      } else {  // extend backwards
        z_.assign(z_bck_);
        copy(rho_, rho_fwd_);
        copy(p_bck_fwd_, p_fwd_bck_);
        copy(ps_bck_fwd_, ps_fwd_bck_);
        valid_subtree = build_tree(depth, z_propose_, ps_bck_fwd_, ps_bck_bck_, rho_bck_, p_bck_fwd_, p_bck_bck_, -1.0,
                                   log_sum_weight_subtree);
        z_bck_.assign(z_);
      }
      if (!valid_subtree) break;
      ++depth;

      // Biased progressive sampling: prefer the new subtree.
      if (log_sum_weight_subtree > log_sum_weight) {
        z_sample_.assign(z_propose_);
      } else if (rng.uniform() < std::exp(log_sum_weight_subtree - log_sum_weight)) {
        z_sample_.assign(z_propose_);
      }
      log_sum_weight = detail::log_sum_exp(log_sum_weight, log_sum_weight_subtree);

      for (std::size_t i = 0; i < dim_; ++i) rho_[i] = rho_bck_[i] + rho_fwd_[i];
      // No U-turn across the whole trajectory...
      bool persist = criterion(ps_bck_bck_, ps_fwd_fwd_, rho_);
      // ... and across the boundary between the old and the new subtree.
      for (std::size_t i = 0; i < dim_; ++i) rho_ext_[i] = rho_bck_[i] + p_fwd_bck_[i];
      persist = persist && criterion(ps_bck_bck_, ps_fwd_bck_, rho_ext_);
      for (std::size_t i = 0; i < dim_; ++i) rho_ext_[i] = rho_fwd_[i] + p_bck_fwd_[i];
      persist = persist && criterion(ps_bck_fwd_, ps_fwd_fwd_, rho_ext_);
      if (!persist) break;
    }

    current.assign(z_sample_);
    TransitionStats st;
    st.lp = current.lp;
    st.n_steps = n_leapfrog_;
    st.acceptance_rate = n_leapfrog_ > 0 ? sum_metro_prob_ / double(n_leapfrog_) : 0.0;
    st.step_size = eps_;
    st.tree_depth = depth;
    st.diverging = divergent_;
    st.energy = hamiltonian(current, metric);
    return st;
  }

 private:
  using Vec = std::vector<double>;
  struct Frame {  // locals of build_tree at one depth
    Vec p_init_end, ps_init_end, rho_init, p_final_beg, ps_final_beg, rho_final, rho_tmp;
    PhasePoint z_propose_final;
    void resize(std::size_t d) {
      for (Vec* v : {&p_init_end, &ps_init_end, &rho_init, &p_final_beg, &ps_final_beg, &rho_final, &rho_tmp})
        v->assign(d, 0.0);
      z_propose_final = PhasePoint(d);
    }
  };

  static void copy(const Vec& a, Vec& b) { std::copy(a.begin(), a.end(), b.begin()); }
  static void zero(Vec& a) { std::fill(a.begin(), a.end(), 0.0); }
  double dot(const Vec& a, const Vec& b) const {
    double s = 0.0;
    for (std::size_t i = 0; i < dim_; ++i) s += a[i] * b[i];
    return s;
  }
  // Generalized no-U-turn criterion (Betancourt 2017, Stan): both ends keep moving along rho.
  bool criterion(const Vec& ps_minus, const Vec& ps_plus, const Vec& rho) const {
    return dot(ps_plus, rho) > 0.0 && dot(ps_minus, rho) > 0.0;
  }

  // Builds a subtree of 2^depth leapfrog steps from z_ in direction sign; z_ ends at its far end.
  // Returns false when the subtree is invalid (divergence or an internal U-turn).
  bool build_tree(int depth, PhasePoint& z_propose, Vec& ps_beg, Vec& ps_end, Vec& rho, Vec& p_beg, Vec& p_end,
                  double sign, double& log_sum_weight) {
    if (depth == 0) {
      if (stop_ && n_leapfrog_ % kStopCheckSteps == 0 && stop_->load(std::memory_order_relaxed)) {
        stopped_ = true;
        return false;
      }
      leapfrog_step(z_, sign * eps_, *metric_, *eval_);
      ++n_leapfrog_;
      const double h = hamiltonian(z_, *metric_);  // NaN -> +inf
      if (!std::isfinite(z_.lp) || h - h0_ > s_.max_energy_error) divergent_ = true;
      const double log_w = h0_ - h;
      log_sum_weight = detail::log_sum_exp(log_sum_weight, log_w);
      sum_metro_prob_ += log_w > 0.0 ? 1.0 : std::exp(log_w);
      z_propose.assign(z_);
      metric_->velocity(z_.p.data(), ps_beg.data());
      copy(ps_beg, ps_end);
      for (std::size_t i = 0; i < dim_; ++i) rho[i] += z_.p[i];
      copy(z_.p, p_beg);
      copy(z_.p, p_end);
      return !divergent_;
    }

    Frame& f = frames_[depth - 1];
    // Initial half.
    double log_sum_weight_init = -std::numeric_limits<double>::infinity();
    zero(f.rho_init);
    if (!build_tree(depth - 1, z_propose, ps_beg, f.ps_init_end, f.rho_init, p_beg, f.p_init_end, sign,
                    log_sum_weight_init))
      return false;
    // Final half.
    f.z_propose_final.assign(z_);
    double log_sum_weight_final = -std::numeric_limits<double>::infinity();
    zero(f.rho_final);
    if (!build_tree(depth - 1, f.z_propose_final, f.ps_final_beg, ps_end, f.rho_final, f.p_final_beg, p_end, sign,
                    log_sum_weight_final))
      return false;

    // Uniform (by weight) choice between the halves.
    const double log_sum_weight_subtree = detail::log_sum_exp(log_sum_weight_init, log_sum_weight_final);
    log_sum_weight = detail::log_sum_exp(log_sum_weight, log_sum_weight_subtree);
    if (log_sum_weight_final > log_sum_weight_subtree) {
      z_propose.assign(f.z_propose_final);
    } else if (rng_->uniform() < std::exp(log_sum_weight_final - log_sum_weight_subtree)) {
      z_propose.assign(f.z_propose_final);
    }

    for (std::size_t i = 0; i < dim_; ++i) {
      f.rho_tmp[i] = f.rho_init[i] + f.rho_final[i];
      rho[i] += f.rho_tmp[i];
    }
    bool persist = criterion(ps_beg, ps_end, f.rho_tmp);
    for (std::size_t i = 0; i < dim_; ++i) f.rho_tmp[i] = f.rho_init[i] + f.p_final_beg[i];
    persist = persist && criterion(ps_beg, f.ps_final_beg, f.rho_tmp);
    for (std::size_t i = 0; i < dim_; ++i) f.rho_tmp[i] = f.rho_final[i] + f.p_init_end[i];
    persist = persist && criterion(f.ps_init_end, ps_end, f.rho_tmp);
    return persist;
  }

  static constexpr int kStopCheckSteps = 64;

  NutsSettings s_;
  std::size_t dim_;
  PhasePoint z_, z_fwd_, z_bck_, z_sample_, z_propose_;
  Vec p_fwd_fwd_, ps_fwd_fwd_, p_fwd_bck_, ps_fwd_bck_, p_bck_fwd_, ps_bck_fwd_, p_bck_bck_, ps_bck_bck_;
  Vec rho_, rho_fwd_, rho_bck_, rho_ext_;
  std::vector<Frame> frames_;

  const DiagMetric* metric_ = nullptr;
  CountingEvaluator* eval_ = nullptr;
  Rng* rng_ = nullptr;
  double eps_ = 1.0, h0_ = 0.0, sum_metro_prob_ = 0.0;
  int n_leapfrog_ = 0;
  bool divergent_ = false;
  const std::atomic<bool>* stop_ = nullptr;
  bool stopped_ = false;
};

}  // namespace symhmc
