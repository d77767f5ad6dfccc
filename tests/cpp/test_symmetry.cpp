// Equioutput transforms and the canonical map (symmetry.hpp): random signed permutations leave
// the network's predictions unchanged, canonicalize(E theta) == canonicalize(theta), the map is
// idempotent and reports the transform it applied; relu without sign flips (and with the
// positive-rescaling normalization); identity activations cannot be canonicalized.
#include <algorithm>
#include <cmath>
#include <cstdint>
#include <stdexcept>
#include <string>
#include <vector>

#include "check.hpp"
#include "symhmc/layout.hpp"
#include "symhmc/posterior.hpp"
#include "symhmc/rng.hpp"
#include "symhmc/symmetry.hpp"

using namespace symhmc;

namespace {

struct Transform {
  std::vector<int> perm, sign;
};

std::string describe(const Layout& layout) {
  std::string s = activation_name(layout.activation());
  for (std::int64_t w : layout.widths()) s += "-" + std::to_string(w);
  return s;
}

std::vector<double> random_vector(Rng& rng, std::size_t n, double scale = 1.0) {
  std::vector<double> v(n);
  for (double& x : v) x = scale * rng.normal();
  return v;
}

// A uniformly random signed permutation of every hidden layer (signs only when allowed).
Transform random_transform(const Layout& layout, Rng& rng, bool signs) {
  Transform t;
  for (int h = 0; h < layout.n_hidden_layers(); ++h) {
    const int M = int(layout.fan_out(h));
    std::vector<int> p(M);
    for (int j = 0; j < M; ++j) p[j] = j;
    for (int j = M - 1; j > 0; --j) std::swap(p[j], p[int(rng.next_u64() % std::uint64_t(j + 1))]);
    for (int j = 0; j < M; ++j) {
      t.perm.push_back(p[j]);
      t.sign.push_back(signs && rng.uniform() < 0.5 ? -1 : 1);
    }
  }
  return t;
}

std::vector<double> apply(const Layout& layout, const std::vector<double>& theta, const Transform& t) {
  std::vector<double> out(theta.size(), NAN);
  apply_transform(layout, theta.data(), out.data(), theta.size(), t.perm.data(), t.sign.data());
  return out;
}

std::vector<double> predict(const Layout& layout, const std::vector<double>& theta, const std::vector<double>& x) {
  const std::size_t n = x.size() / std::size_t(layout.n_inputs());
  std::vector<double> out(n * std::size_t(layout.n_outputs()));
  predict_batch(layout, theta.data(), 1, theta.size(), x.data(), n, out.data(), 1);
  return out;
}

double max_rel_diff(const std::vector<double>& a, const std::vector<double>& b) {
  double m = 0.0;
  for (std::size_t i = 0; i < a.size(); ++i) m = std::max(m, std::fabs(a[i] - b[i]) / std::max(1.0, std::fabs(a[i])));
  return m;
}

struct Canonical {
  std::vector<double> theta;
  Transform applied;
};

Canonical canonical(const Layout& layout, const std::vector<double>& theta, bool normalize = false) {
  Canonical c{theta, {}};
  const int H = n_hidden_neurons(layout);
  c.applied.perm.assign(std::size_t(H), -1);
  c.applied.sign.assign(std::size_t(H), 0);
  CanonicalWorkspace ws(layout);
  CanonicalizeOptions options;
  options.normalize = normalize;
  ws.canonicalize(c.theta.data(), options, c.applied.perm.data(), c.applied.sign.data());
  return c;
}

bool is_identity(const Transform& t, const Layout& layout) {
  std::size_t k = 0;
  for (int h = 0; h < layout.n_hidden_layers(); ++h)
    for (int j = 0; j < int(layout.fan_out(h)); ++j, ++k)
      if (t.perm[k] != j || t.sign[k] != 1) return false;
  return true;
}

// Biases of every hidden layer ascending (and positive for tanh) in the canonical vector.
bool in_reference_set(const Layout& layout, const std::vector<double>& theta) {
  for (int h = 0; h < layout.n_hidden_layers(); ++h) {
    const double* b = theta.data() + layout.bias_offset(h);
    for (int j = 0; j < int(layout.fan_out(h)); ++j) {
      if (layout.activation() == Activation::tanh && !(b[j] > 0.0)) return false;
      if (j > 0 && b[j] < b[j - 1]) return false;
    }
  }
  return true;
}

void signed_permutations(const Layout& layout, Rng& rng, int trials) {
  const std::string name = describe(layout);
  const bool odd = layout.activation() != Activation::relu;
  const std::size_t stride = layout.n_params() + 1;  // a trailing log sigma rides along
  const std::vector<double> x = random_vector(rng, 13 * std::size_t(layout.n_inputs()), 2.0);
  for (int trial = 0; trial < trials; ++trial) {
    const std::vector<double> theta = random_vector(rng, stride);
    const Transform t = random_transform(layout, rng, odd);
    check_transform(layout, t.perm.data(), t.sign.data());  // valid by construction: must not throw
    const std::vector<double> moved = apply(layout, theta, t);
    CHECK_EQ(moved.back(), theta.back());
    CHECK_MSG(max_rel_diff(predict(layout, theta, x), predict(layout, moved, x)) <= 1e-12, name);

    const Canonical a = canonical(layout, theta), b = canonical(layout, moved);
    CHECK_MSG(a.theta == b.theta, name << ": canonicalize(E theta) != canonicalize(theta), trial " << trial);
    CHECK_MSG(in_reference_set(layout, a.theta), name);
    // The reported transform is the one applied.
    CHECK_MSG(apply(layout, theta, a.applied) == a.theta, name);
    CHECK_MSG(apply(layout, moved, b.applied) == b.theta, name);
    // Idempotent, with the identity transform reported.
    const Canonical again = canonical(layout, a.theta);
    CHECK_MSG(again.theta == a.theta, name << ": not idempotent");
    CHECK_MSG(is_identity(again.applied, layout), name);
    CHECK_MSG(max_rel_diff(predict(layout, theta, x), predict(layout, a.theta, x)) <= 1e-12, name);
  }
}

// The batch functions (with 2 threads; 300 vectors is above the parallel threshold) agree with
// the single-vector ones.
void batches(const Layout& layout, Rng& rng) {
  const std::size_t n = 300, stride = layout.n_params() + 1;
  const int H = n_hidden_neurons(layout);
  const std::vector<double> in = random_vector(rng, n * stride);
  std::vector<int> perm, sign;
  for (std::size_t v = 0; v < n; ++v) {
    const Transform t = random_transform(layout, rng, layout.activation() != Activation::relu);
    perm.insert(perm.end(), t.perm.begin(), t.perm.end());
    sign.insert(sign.end(), t.sign.begin(), t.sign.end());
  }
  std::vector<double> moved(n * stride), canon(n * stride);
  apply_transform_batch(layout, in.data(), n, stride, perm.data(), sign.data(), n, moved.data(), 2);
  std::vector<int> cperm(n * std::size_t(H)), csign(n * std::size_t(H));
  canonicalize_batch(layout, moved.data(), n, stride, canon.data(), {}, 2, cperm.data(), csign.data());
  bool same = true;
  for (std::size_t v = 0; v < n; ++v) {
    const std::vector<double> theta(in.begin() + std::ptrdiff_t(v * stride),
                                    in.begin() + std::ptrdiff_t((v + 1) * stride));
    const Transform t{
        std::vector<int>(perm.begin() + std::ptrdiff_t(v * H), perm.begin() + std::ptrdiff_t((v + 1) * H)),
        std::vector<int>(sign.begin() + std::ptrdiff_t(v * H), sign.begin() + std::ptrdiff_t((v + 1) * H))};
    const std::vector<double> one = apply(layout, theta, t);
    same = same && std::equal(one.begin(), one.end(), moved.begin() + std::ptrdiff_t(v * stride));
    const Canonical c = canonical(layout, one);
    same = same && std::equal(c.theta.begin(), c.theta.end(), canon.begin() + std::ptrdiff_t(v * stride));
    same = same && std::equal(c.applied.perm.begin(), c.applied.perm.end(), cperm.begin() + std::ptrdiff_t(v * H));
    same = same && std::equal(c.applied.sign.begin(), c.applied.sign.end(), csign.begin() + std::ptrdiff_t(v * H));
  }
  CHECK_MSG(same, describe(layout) << ": batch results differ from single vectors");
  // One transform for all vectors; in place canonicalization.
  apply_transform_batch(layout, in.data(), n, stride, perm.data(), sign.data(), 1, moved.data(), 2);
  const Transform first{std::vector<int>(perm.begin(), perm.begin() + H),
                        std::vector<int>(sign.begin(), sign.begin() + H)};
  const std::vector<double> last(in.end() - std::ptrdiff_t(stride), in.end());
  const std::vector<double> last_moved = apply(layout, last, first);
  CHECK(std::equal(last_moved.begin(), last_moved.end(), moved.end() - std::ptrdiff_t(stride)));
  canonicalize_batch(layout, moved.data(), n, stride, moved.data(), {}, 2);
  CHECK(moved == canon);
}

// relu: positive rescaling of a neuron (incoming weights and bias times c, outgoing over c)
// is equioutput; with normalize the canonical map removes it too (up to rounding).
void relu_rescaling(const Layout& layout, Rng& rng, int trials) {
  const std::string name = describe(layout);
  const std::vector<double> x = random_vector(rng, 11 * std::size_t(layout.n_inputs()), 2.0);
  for (int trial = 0; trial < trials; ++trial) {
    const std::vector<double> theta = random_vector(rng, layout.n_params());
    std::vector<double> scaled = theta;
    for (int h = 0; h < layout.n_hidden_layers(); ++h) {
      const std::int64_t M = layout.fan_out(h), n_in = layout.fan_in(h), n_next = layout.fan_out(h + 1);
      for (std::int64_t i = 0; i < M; ++i) {
        const double c = std::exp(rng.uniform(-1.0, 1.0));
        for (std::int64_t k = 0; k < n_in; ++k) scaled[layout.weight_offset(h) + std::size_t(i * n_in + k)] *= c;
        scaled[layout.bias_offset(h) + std::size_t(i)] *= c;
        for (std::int64_t r = 0; r < n_next; ++r) scaled[layout.weight_offset(h + 1) + std::size_t(r * M + i)] /= c;
      }
    }
    const std::vector<double> moved = apply(layout, scaled, random_transform(layout, rng, false));
    CHECK_MSG(max_rel_diff(predict(layout, theta, x), predict(layout, moved, x)) <= 1e-12, name);
    const Canonical a = canonical(layout, theta, true), b = canonical(layout, moved, true);
    CHECK_MSG(max_rel_diff(a.theta, b.theta) <= 1e-12, name << ": normalized canonical forms differ");
    CHECK_MSG(max_rel_diff(predict(layout, theta, x), predict(layout, a.theta, x)) <= 1e-12, name);
    // Without normalize the rescaled copy stays a different vector.
    CHECK_MSG(canonical(layout, theta).theta != canonical(layout, moved).theta, name);
    // Every hidden neuron of the normalized form has unit (incoming weights, bias) norm.
    double worst = 0.0;
    for (int h = 0; h < layout.n_hidden_layers(); ++h) {
      const std::int64_t M = layout.fan_out(h), n_in = layout.fan_in(h);
      for (std::int64_t i = 0; i < M; ++i) {
        double ss = a.theta[layout.bias_offset(h) + std::size_t(i)] * a.theta[layout.bias_offset(h) + std::size_t(i)];
        for (std::int64_t k = 0; k < n_in; ++k) {
          const double w = a.theta[layout.weight_offset(h) + std::size_t(i * n_in + k)];
          ss += w * w;
        }
        worst = std::max(worst, std::fabs(std::sqrt(ss) - 1.0));
      }
    }
    CHECK_MSG(worst < 1e-12, name << ": norm off by " << worst);
  }
}

void invalid_transforms() {
  const Layout tanh_net({2, 3, 2, 1}, Activation::tanh), relu_net({2, 3, 1}, Activation::relu);
  CHECK_EQ(n_hidden_neurons(tanh_net), 5);
  const std::vector<int> ok_perm = {2, 0, 1, 1, 0}, ok_sign = {1, -1, 1, -1, 1};
  check_transform(tanh_net, ok_perm.data(), ok_sign.data());
  const std::vector<int> repeated = {0, 0, 1, 1, 0}, out_of_range = {0, 1, 3, 1, 0}, zero_sign = {1, 0, 1, 1, 1};
  CHECK_THROWS(check_transform(tanh_net, repeated.data(), ok_sign.data()), std::invalid_argument);
  CHECK_THROWS(check_transform(tanh_net, out_of_range.data(), ok_sign.data()), std::invalid_argument);
  CHECK_THROWS(check_transform(tanh_net, ok_perm.data(), zero_sign.data()), std::invalid_argument);
  const std::vector<int> relu_perm = {1, 2, 0}, relu_flip = {1, -1, 1}, relu_plus = {1, 1, 1};
  check_transform(relu_net, relu_perm.data(), relu_plus.data());
  CHECK_THROWS(check_transform(relu_net, relu_perm.data(), relu_flip.data()), std::invalid_argument);
}

// Identity activations: signed permutations are equioutput, but no canonical map exists.
void identity_activation(Rng& rng) {
  const Layout layout({2, 4, 3, 1}, Activation::identity);
  const std::vector<double> x = random_vector(rng, 2 * 9);
  const std::vector<double> theta = random_vector(rng, layout.n_params());
  const std::vector<double> moved = apply(layout, theta, random_transform(layout, rng, true));
  CHECK(max_rel_diff(predict(layout, theta, x), predict(layout, moved, x)) <= 1e-12);
  CHECK_THROWS(CanonicalWorkspace{layout}, std::invalid_argument);
  std::vector<double> out(theta.size());
  CHECK_THROWS(canonicalize_batch(layout, theta.data(), 1, theta.size(), out.data(), {}, 1), std::invalid_argument);
  // Without hidden layers there is nothing to canonicalize: the map is the identity.
  const Layout linear({3, 2}, Activation::identity);
  const std::vector<double> w = random_vector(rng, linear.n_params());
  std::vector<double> cw(w.size());
  canonicalize_batch(linear, w.data(), 1, w.size(), cw.data(), {}, 1);
  CHECK(cw == w);
}

}  // namespace

int main() {
  Rng rng(20230405, 0);
  const std::vector<std::vector<std::int64_t>> shapes = {
      {1, 3, 1},        // the paper's f1
      {2, 4, 3, 1},     // two hidden layers
      {3, 5, 4, 3, 2},  // three hidden layers, two outputs
      {2, 1, 6, 1},     // a width-1 hidden layer
  };
  for (Activation act : {Activation::tanh, Activation::relu}) {
    for (const auto& widths : shapes) {
      const Layout layout(widths, act);
      signed_permutations(layout, rng, 25);
      batches(layout, rng);
      if (act == Activation::relu) relu_rescaling(layout, rng, 10);
    }
  }
  invalid_transforms();
  identity_activation(rng);
  return check::report("test_symmetry");
}
