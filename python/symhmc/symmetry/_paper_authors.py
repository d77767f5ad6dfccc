"""``align(method="paper", variant="authors")``: supplement B as the authors' public code runs it
(jgwiese/mcmc_bnn_symmetry, ``src/utils/equioutput``), written anew in NumPy/SciPy.

What makes it differ from the ``"pooled"`` variant in ``_paper``:

* sign flips: the unsupervised SVM is trained by plain SGD (mini-batches of 16, 32 epochs,
  learning rate 0.1 multiplied by 0.8 after every epoch, incomplete last batch dropped), from
  2 random unit-norm starts; the start whose last-epoch mean batch loss is lowest is kept;
* neuron vectors are standardized per slot (each neuron position of the layer separately);
* the k-NN search excludes only the neuron itself (neurons of the same draw are candidates);
* the k-NN graph is symmetrized (an edge in either direction counts in both);
* relabelling stops after 8 consecutive rounds without a change, and every round a random half
  of all draws (not only those whose labels would change) takes the new labels.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from scipy.sparse import coo_matrix

from ..model import MLP
from ._layers import _apply_layer, _compose_layer, _neuron_vectors
from ._paper import _greedy_assign, _knn_graph

#: The authors' SVM settings (``remove_tanh_symmetries``: ``epochs=2**5, batch_size=2**4, lr=0.1``,
#: decay 0.8 per epoch in ``UnsupervisedSVMBinary``, ``tanh_planes=2`` in their notebooks).
SVM_EPOCHS, SVM_BATCH, SVM_LR, SVM_DECAY, SVM_RESTARTS = 32, 16, 0.1, 0.8, 2
#: Consecutive rounds without any relabelling after which their loop stops.
QUIET_ROUNDS = 8


def _svm_sgd(Phi: np.ndarray, C: float, restarts: int, epochs: int, rng: np.random.Generator):
    """Hyperplane through the origin minimising 1/2 |beta|^2 + C sum_batch max(0, 1 - |beta^T phi|)
    by mini-batch SGD; all restarts run side by side, each with its own batch order.
    Returns (beta, last-epoch mean batch loss) of the best restart."""
    N, D = Phi.shape
    batch = min(SVM_BATCH, N)
    n_batches = N // batch
    B = rng.standard_normal((restarts, D))
    B /= np.linalg.norm(B, axis=1, keepdims=True)
    lr = SVM_LR
    epoch_loss = np.zeros(restarts)
    for _ in range(epochs):
        order = np.argsort(rng.random((restarts, N)), axis=1)  # one permutation per restart
        total = np.zeros(restarts)
        for b in range(n_batches):
            X = Phi[order[:, b * batch : (b + 1) * batch]]  # (restarts, batch, D)
            Z = np.einsum("rbd,rd->rb", X, B)
            # Loss before the step, as their loop records it.
            total += 0.5 * np.sum(B * B, axis=1) + C * np.sum(np.maximum(0.0, 1.0 - np.abs(Z)), axis=1)
            active = (np.abs(Z) < 1.0) * np.sign(Z)
            B = B - lr * (B - C * np.einsum("rbd,rb->rd", X, active))
        epoch_loss = total / n_batches
        lr *= SVM_DECAY
    best = int(np.argmin(epoch_loss))
    return B[best], float(epoch_loss[best])


def _symmetric_knn_affinity(Z: np.ndarray, k: int):
    """k-NN graph over the rows of Z (only the row itself excluded), similarity exp(-|a - b| / 2)
    on the plain (not squared) distance as their ``graphs.similarity`` computes it, symmetrized.
    Returns the affinity as COO arrays (rows, cols, weights)."""
    N = Z.shape[0]
    nbr, d2 = _knn_graph(Z, np.arange(N), k)
    w = np.exp(-0.5 * np.sqrt(d2))
    A = coo_matrix((w.ravel(), (np.repeat(np.arange(N), k), nbr.ravel())), shape=(N, N)).tocsr()
    A = A.maximum(A.T).tocoo()  # equal weights both ways, so this is their "set both entries"
    return A.row, A.col, A.data


def _relabel(rows, cols, weights, n: int, M: int, iterations: int, rng: np.random.Generator):
    """Their iterative greedy k-NN loop; returns (labels (n, M), changes per round, converged)."""
    labels = np.tile(np.arange(M), (n, 1))
    changed = []
    quiet = 0
    for _ in range(iterations):
        votes = np.bincount(rows * M + labels.ravel()[cols], weights=weights, minlength=n * M * M)
        votes = votes.reshape(n, M, M)
        total = votes.sum(axis=2, keepdims=True)
        votes = np.divide(votes, total, out=np.zeros_like(votes), where=total > 0)
        new = _greedy_assign(votes)
        n_changed = int(np.sum(new != labels))
        changed.append(int(np.any(new != labels, axis=1).sum()))
        quiet = quiet + 1 if n_changed == 0 else 0
        if quiet >= QUIET_ROUNDS:
            return labels, changed, True
        take = rng.permutation(n)[: n // 2]
        labels[take] = new[take]
    return labels, changed, False


def _align_paper_authors(
    layers, model: MLP, tr_perms, tr_signs, k: int, iterations: int, C: float, restarts: int, svm_epochs: int, rng
):
    odd = model.activation != "relu"
    L = len(model.hidden)
    n = layers[0][0].shape[0]
    changed_all: list[int] = []
    converged = True
    details: dict[str, Any] = {"variant": "authors", "svm_loss": [], "k": None, "iterations_per_layer": []}
    for h in reversed(range(L)):
        M = model.hidden[h]
        if odd:  # Algorithm 1 on the raw (unstandardized) neuron vectors, all slots pooled
            F = _neuron_vectors(layers, h)
            beta, loss = _svm_sgd(F.reshape(n * M, -1), C, restarts, svm_epochs, rng)
            details["svm_loss"].append(loss)
            sign = np.where(F @ beta < 0, -1, 1).astype(np.int8)
            if np.any(sign != 1):
                ident = np.broadcast_to(np.arange(M), (n, M))
                _apply_layer(layers, h, ident, sign)
                _compose_layer(tr_perms, tr_signs, h, ident, sign)
        if M == 1 or n == 1:
            details["iterations_per_layer"].append(0)
            continue
        F = _neuron_vectors(layers, h)
        sd = F.std(axis=0)
        Z = ((F - F.mean(axis=0)) / np.where(sd > 0, sd, 1.0)).reshape(n * M, -1)
        k_eff = min(k, n * M - 1)
        details["k"] = k_eff
        rows, cols, weights = _symmetric_knn_affinity(Z, k_eff)
        labels, changed, done = _relabel(rows, cols, weights, n, M, iterations, rng)
        changed_all += changed
        converged = converged and done
        details["iterations_per_layer"].append(len(changed))
        perm = np.argsort(labels, axis=1, kind="stable")  # new slot c holds the neuron labelled c
        if np.any(perm != np.arange(M)):
            _apply_layer(layers, h, perm, None)
            _compose_layer(tr_perms, tr_signs, h, perm, None)
    return changed_all, converged, details
