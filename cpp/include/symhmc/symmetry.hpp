// Equioutput transforms of an MLP and an exact canonical map into a reference set
// (docs/paper.md sections 2 and 3).
//
// Transforms
// ----------
// A transform acts on every hidden layer h = 0 .. L-1 (L = n_hidden_layers()) with a permutation
// p_h and, for odd activations (tanh, identity), signs s_h in {+1, -1}. Neuron j of the new
// network is neuron p_h[j] of the old one, multiplied by s_h[j]:
//
//     W'_h[j, k]  = s_h[j] * W_h[p_h[j], p_{h-1}[k]] * s_{h-1}[k]
//     b'_h[j]     = s_h[j] * b_h[p_h[j]]
//
// where the input layer (h = -1) and the output layer (h = L) are never transformed. This is
// the signed permutation matrix T_h = S_h P_h acting as W'_h = T_h W_h T_{h-1}^T, b'_h = T_h b_h;
// as T_h is orthogonal and the activation odd (or sign-free for relu), the output is unchanged.
// In flat form a transform is two int arrays of length n_hidden_neurons() (every hidden
// layer's p_h, then s_h, concatenated from the first hidden layer to the last).
//
// Canonical map (the reference set S1)
// -----------------------------------
// tanh: for every hidden layer from the LAST to the first:
//   1. flip each neuron so that its bias is positive;
//   2. sort the layer's neurons by bias (ascending).
// Why last-to-first: the canonical choice of layer h must not depend on the arbitrary
// labelling of the other layers. The bias b_h transforms as T_h b_h, independently of all other
// layers, so the primary key is always well-defined. The tie-breaks (bias exactly 0 for the
// sign; equal biases for the order) use the neuron's OUTGOING weights, column i of W_{h+1}.
// Apart from travelling with neuron i itself (T_h), these entries are only changed by T_{h+1}
// (W_{h+1} -> T_{h+1} W_{h+1} T_h^T): when layers are processed from the last to the first,
// T_{h+1} has already been fixed (and the output layer is never transformed), so these keys are
// in a settled frame. Processing first-to-last would use
// outgoing weights still in an arbitrary frame and the map would depend on the input's
// labelling. Concretely the sign makes the first non-zero entry of (b_i, W_{h+1}[:, i]) positive,
// and the order is lexicographic on (b_i, W_{h+1}[:, i]). Only if a neuron has a zero bias and
// zero outgoing weights, or two neurons agree on bias and all outgoing weights, are the
// incoming weights consulted (in the frame of the not-yet-settled layer h-1): on that null set
// the representative may depend on the input's labelling, but the map still only applies an
// equioutput transform, so predictions are always preserved.
// Result: canonicalize(E theta) == canonicalize(theta) for every transform E, except on the null
// set just described; the map is idempotent.
//
// relu: no sign flips (relu is not odd). Optionally (normalize) first, from the FIRST hidden
// layer to the last, every neuron's incoming weights and bias (w_i, b_i) are scaled to unit
// Euclidean norm and the scale moved onto its outgoing weights (relu(c z) = c relu(z), c > 0);
// this must run input-to-output because the moved scale changes the next layer's incoming
// weights. Neurons with (w_i, b_i) = 0 are left unscaled. Then the same sort as for tanh, last
// hidden layer to first. With normalize the map also removes the continuous positive-rescaling
// symmetry (exact up to rounding); without it, rescaled copies stay different vectors.
//
// identity: a linear hidden layer has the continuous symmetry W_h -> A W_h, b_h -> A b_h,
// W_{h+1} -> W_{h+1} A^{-1} for every invertible A (GL(M_h)); no finite reference set exists and
// canonicalize throws std::invalid_argument. Signed permutations are still equioutput and can
// be applied.
//
// Any entries of a vector after the n_params network parameters (e.g. log sigma) are copied
// through untouched.
#pragma once

#include <cstddef>
#include <vector>

#include "symhmc/layout.hpp"

namespace symhmc {

// Sum of the hidden layer widths: length of a flat transform.
int n_hidden_neurons(const Layout& layout);

// Throws std::invalid_argument unless perm holds a permutation of every hidden layer and sign
// holds +1/-1 entries (only +1 for relu).
void check_transform(const Layout& layout, const int* perm, const int* sign);

// out = E in for one vector of `stride` >= n_params entries; entries past n_params are copied.
// in and out must not overlap.
void apply_transform(const Layout& layout, const double* in, double* out, std::size_t stride, const int* perm,
                     const int* sign);

// n vectors (row stride `stride`); n_transforms is 1 (one transform for all) or n (one each).
// Transforms are not checked here (call check_transform first).
void apply_transform_batch(const Layout& layout, const double* in, std::size_t n, std::size_t stride, const int* perm,
                           const int* sign, std::size_t n_transforms, double* out, int threads);

struct CanonicalizeOptions {
  bool normalize = false;  // relu only: unit-norm (incoming weights, bias) per hidden neuron
};

// Reusable scratch for canonicalizing vectors of one layout (one per thread).
class CanonicalWorkspace {
 public:
  explicit CanonicalWorkspace(const Layout& layout);
  // Canonicalizes theta (n_params entries) in place. If perm/sign are given (n_hidden_neurons
  // entries each) they receive the signed permutation that was applied (the relu rescaling is
  // not part of it).
  void canonicalize(double* theta, const CanonicalizeOptions& options, int* perm = nullptr, int* sign = nullptr);

 private:
  const Layout& layout_;
  std::vector<int> order_;
  std::vector<int> flip_;
  std::vector<double> scratch_;
  void sort_layer(double* theta, int h, int* perm);
};

// out[v] = canonical representative of in[v] for n vectors with row stride `stride`; perm/sign
// (n x n_hidden_neurons, optional) receive the signed permutations applied. Throws for identity.
void canonicalize_batch(const Layout& layout, const double* in, std::size_t n, std::size_t stride, double* out,
                        const CanonicalizeOptions& options, int threads, int* perm = nullptr, int* sign = nullptr);

}  // namespace symhmc
