#include "symhmc/symmetry.hpp"

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <numeric>
#include <stdexcept>
#include <string>

#include "detail/parallel.hpp"

namespace symhmc {

namespace {

// Transforms index neurons with int (the flat perm/sign arrays), so every width and the total
// number of hidden neurons must fit in one; the narrowing casts below rely on this check.
void require_int_sizes(const Layout& layout) {
  constexpr std::int64_t kMax = std::numeric_limits<int>::max();
  std::int64_t total = 0;
  for (std::int64_t w : layout.widths())
    if (w > kMax) throw std::invalid_argument("symmetry transforms need every layer width below 2**31");
  for (int h = 0; h < layout.n_hidden_layers(); ++h) total += layout.fan_out(h);
  if (total > kMax) throw std::invalid_argument("symmetry transforms need fewer than 2**31 hidden neurons");
}

// Offset of hidden layer h's neurons in a flat transform.
std::vector<int> hidden_offsets(const Layout& layout) {
  require_int_sizes(layout);
  std::vector<int> off(layout.n_hidden_layers() + 1, 0);
  for (int h = 0; h < layout.n_hidden_layers(); ++h) off[h + 1] = off[h] + int(layout.fan_out(h));
  return off;
}

inline int sign_of(double v) { return v > 0.0 ? 1 : -1; }

// Below this many vectors a parallel region costs more than the work (microseconds per vector).
constexpr std::size_t kMinParallel = 256;

}  // namespace

int n_hidden_neurons(const Layout& layout) { return hidden_offsets(layout).back(); }

void check_transform(const Layout& layout, const int* perm, const int* sign) {
  const std::vector<int> off = hidden_offsets(layout);
  std::vector<char> seen;
  for (int h = 0; h < layout.n_hidden_layers(); ++h) {
    const int M = int(layout.fan_out(h));
    seen.assign(M, 0);
    for (int j = 0; j < M; ++j) {
      const int p = perm[off[h] + j];
      if (p < 0 || p >= M || seen[p])
        throw std::invalid_argument("the permutation of hidden layer " + std::to_string(h) +
                                    " is not a permutation of 0.." + std::to_string(M - 1));
      seen[p] = 1;
      const int s = sign[off[h] + j];
      if (s != 1 && s != -1)
        throw std::invalid_argument("signs must be +1 or -1, got " + std::to_string(s) + " in hidden layer " +
                                    std::to_string(h));
      if (s == -1 && layout.activation() == Activation::relu)
        throw std::invalid_argument("sign flips are not equioutput for relu networks (relu is not odd)");
    }
  }
}

void apply_transform(const Layout& layout, const double* in, double* out, std::size_t stride, const int* perm,
                     const int* sign) {
  const int L = layout.n_hidden_layers();
  const std::vector<int> off = hidden_offsets(layout);
  for (int l = 0; l <= L; ++l) {
    const int n_out = int(layout.fan_out(l)), n_in = int(layout.fan_in(l));
    const int* pr = l < L ? perm + off[l] : nullptr;
    const int* sr = l < L ? sign + off[l] : nullptr;
    const int* pc = l > 0 ? perm + off[l - 1] : nullptr;
    const int* sc = l > 0 ? sign + off[l - 1] : nullptr;
    const double* W = in + layout.weight_offset(l);
    const double* b = in + layout.bias_offset(l);
    double* Wo = out + layout.weight_offset(l);
    double* bo = out + layout.bias_offset(l);
    for (int j = 0; j < n_out; ++j) {
      const int rj = pr ? pr[j] : j;
      const double sj = sr ? double(sr[j]) : 1.0;
      const double* row = W + std::size_t(rj) * n_in;
      double* orow = Wo + std::size_t(j) * n_in;
      if (pc) {
        for (int k = 0; k < n_in; ++k) orow[k] = sj * double(sc[k]) * row[pc[k]];
      } else {
        for (int k = 0; k < n_in; ++k) orow[k] = sj * row[k];
      }
      bo[j] = sj * b[rj];
    }
  }
  const std::size_t np = layout.n_params();
  for (std::size_t k = np; k < stride; ++k) out[k] = in[k];
}

void apply_transform_batch(const Layout& layout, const double* in, std::size_t n, std::size_t stride, const int* perm,
                           const int* sign, std::size_t n_transforms, double* out, int threads) {
  if (n == 0) return;
  if (n_transforms != 1 && n_transforms != n) throw std::invalid_argument("need one transform or one per vector");
  if (stride < layout.n_params()) throw std::invalid_argument("vectors are shorter than n_params");
  const std::size_t H = std::size_t(n_hidden_neurons(layout));
  ExceptionCarrier errors;
#pragma omp parallel for schedule(static) num_threads(resolve_threads(threads)) if (n >= kMinParallel)
  for (std::ptrdiff_t v = 0; v < std::ptrdiff_t(n); ++v) {
    errors.run([&] {
      const std::size_t t = n_transforms == 1 ? 0 : std::size_t(v);
      apply_transform(layout, in + std::size_t(v) * stride, out + std::size_t(v) * stride, stride, perm + t * H,
                      sign + t * H);
    });
  }
  errors.rethrow();
}

namespace {
void require_canonicalizable(const Layout& layout) {
  if (layout.activation() == Activation::identity && layout.n_hidden_layers() > 0)
    throw std::invalid_argument(
        "canonicalize is not defined for identity activations: a linear hidden layer has the continuous "
        "symmetry W -> A W, b -> A b, W_next -> W_next A^-1 for every invertible A, so no finite reference set "
        "exists (signed permutations can still be applied with apply_transform)");
}
}  // namespace

CanonicalWorkspace::CanonicalWorkspace(const Layout& layout) : layout_(layout) {
  require_canonicalizable(layout);
  require_int_sizes(layout);
  std::size_t need = 0;
  for (int h = 0; h < layout.n_hidden_layers(); ++h) {
    const std::size_t M = std::size_t(layout.fan_out(h));
    need = std::max(need, M * std::size_t(layout.fan_in(h) + 1 + layout.fan_out(h + 1)));
  }
  scratch_.resize(need);
  order_.resize(std::size_t(layout.max_width()));
  flip_.resize(std::size_t(layout.max_width()));
}

void CanonicalWorkspace::canonicalize(double* theta, const CanonicalizeOptions& options, int* perm, int* sign) {
  const int L = layout_.n_hidden_layers();
  const bool odd = layout_.activation() == Activation::tanh;
  const std::vector<int> off = (perm || sign) ? hidden_offsets(layout_) : std::vector<int>();

  // relu: move each neuron's scale to its outgoing weights, input to output.
  if (layout_.activation() == Activation::relu && options.normalize) {
    for (int h = 0; h < L; ++h) {
      const int M = int(layout_.fan_out(h)), n_in = int(layout_.fan_in(h)), n_next = int(layout_.fan_out(h + 1));
      double* W = theta + layout_.weight_offset(h);
      double* b = theta + layout_.bias_offset(h);
      double* V = theta + layout_.weight_offset(h + 1);
      for (int i = 0; i < M; ++i) {
        double ss = b[i] * b[i];
        for (int k = 0; k < n_in; ++k) ss += W[std::size_t(i) * n_in + k] * W[std::size_t(i) * n_in + k];
        if (!(ss > 0.0)) continue;
        const double norm = std::sqrt(ss);
        for (int k = 0; k < n_in; ++k) W[std::size_t(i) * n_in + k] /= norm;
        b[i] /= norm;
        for (int r = 0; r < n_next; ++r) V[std::size_t(r) * M + i] *= norm;
      }
    }
  }

  // Sign flips (tanh) and sorting, last hidden layer to first.
  for (int h = L - 1; h >= 0; --h) {
    const int M = int(layout_.fan_out(h)), n_in = int(layout_.fan_in(h)), n_next = int(layout_.fan_out(h + 1));
    double* W = theta + layout_.weight_offset(h);
    double* b = theta + layout_.bias_offset(h);
    double* V = theta + layout_.weight_offset(h + 1);
    for (int i = 0; i < M; ++i) {
      int s = 1;
      if (odd) {
        // First non-zero of (bias, outgoing weights, incoming weights) made positive.
        if (b[i] != 0.0) {
          s = sign_of(b[i]);
        } else {
          bool found = false;
          for (int r = 0; r < n_next && !found; ++r)
            if (V[std::size_t(r) * M + i] != 0.0) s = sign_of(V[std::size_t(r) * M + i]), found = true;
          for (int k = 0; k < n_in && !found; ++k)
            if (W[std::size_t(i) * n_in + k] != 0.0) s = sign_of(W[std::size_t(i) * n_in + k]), found = true;
        }
        if (s < 0) {
          b[i] = -b[i];
          for (int k = 0; k < n_in; ++k) W[std::size_t(i) * n_in + k] = -W[std::size_t(i) * n_in + k];
          for (int r = 0; r < n_next; ++r) V[std::size_t(r) * M + i] = -V[std::size_t(r) * M + i];
        }
      }
      flip_[i] = s;
    }
    sort_layer(theta, h, perm ? perm + off[h] : nullptr);
    if (sign) {
      for (int j = 0; j < M; ++j) sign[off[h] + j] = flip_[order_[j]];
    }
  }
}

void CanonicalWorkspace::sort_layer(double* theta, int h, int* perm) {
  const int M = int(layout_.fan_out(h)), n_in = int(layout_.fan_in(h)), n_next = int(layout_.fan_out(h + 1));
  double* W = theta + layout_.weight_offset(h);
  double* b = theta + layout_.bias_offset(h);
  double* V = theta + layout_.weight_offset(h + 1);
  int* order = order_.data();
  std::iota(order, order + M, 0);
  // Lexicographic on (bias, outgoing weights, incoming weights), then index: a strict total order.
  auto less = [&](int i, int j) {
    if (b[i] != b[j]) return b[i] < b[j];
    for (int r = 0; r < n_next; ++r) {
      const double vi = V[std::size_t(r) * M + i], vj = V[std::size_t(r) * M + j];
      if (vi != vj) return vi < vj;
    }
    for (int k = 0; k < n_in; ++k) {
      const double wi = W[std::size_t(i) * n_in + k], wj = W[std::size_t(j) * n_in + k];
      if (wi != wj) return wi < wj;
    }
    return i < j;
  };
  std::sort(order, order + M, less);
  if (perm) std::copy(order, order + M, perm);
  bool identity = true;
  for (int j = 0; j < M; ++j) identity = identity && order[j] == j;
  if (identity) return;
  double* sW = scratch_.data();
  double* sb = sW + std::size_t(M) * n_in;
  double* sV = sb + M;
  std::memcpy(sW, W, sizeof(double) * std::size_t(M) * n_in);
  std::memcpy(sb, b, sizeof(double) * M);
  std::memcpy(sV, V, sizeof(double) * std::size_t(M) * n_next);
  for (int j = 0; j < M; ++j) {
    const int o = order[j];
    std::memcpy(W + std::size_t(j) * n_in, sW + std::size_t(o) * n_in, sizeof(double) * n_in);
    b[j] = sb[o];
    for (int r = 0; r < n_next; ++r) V[std::size_t(r) * M + j] = sV[std::size_t(r) * M + o];
  }
}

void canonicalize_batch(const Layout& layout, const double* in, std::size_t n, std::size_t stride, double* out,
                        const CanonicalizeOptions& options, int threads, int* perm, int* sign) {
  require_canonicalizable(layout);
  if (n == 0) return;
  if (stride < layout.n_params()) throw std::invalid_argument("vectors are shorter than n_params");
  const std::size_t H = std::size_t(n_hidden_neurons(layout));
  ExceptionCarrier errors;
#pragma omp parallel num_threads(resolve_threads(threads)) if (n >= kMinParallel)
  {
    errors.run([&] {
      CanonicalWorkspace ws(layout);
#pragma omp for schedule(static)
      for (std::ptrdiff_t v = 0; v < std::ptrdiff_t(n); ++v) {
        const double* src = in + std::size_t(v) * stride;
        double* dst = out + std::size_t(v) * stride;
        if (dst != src) std::memcpy(dst, src, sizeof(double) * stride);
        ws.canonicalize(dst, options, perm ? perm + std::size_t(v) * H : nullptr,
                        sign ? sign + std::size_t(v) * H : nullptr);
      }
    });
  }
  errors.rethrow();
}

}  // namespace symhmc
