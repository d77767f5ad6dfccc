"""``align(method="paper", variant="pooled")``: the paper's supplement B as we first read it --
sign flips from an unsupervised SVM, then greedy constrained k-NN relabelling, layer by layer
from the last to the first (``_paper_authors`` holds the variant the authors' code runs)."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..model import MLP
from ._layers import _apply_layer, _compose_layer, _neuron_vectors


def _unsupervised_svm(Phi: np.ndarray, C: float, restarts: int, steps: int, rng: np.random.Generator):
    """Hyperplane through the origin minimising 1/2 |beta|^2 + C sum max(0, 1 - |beta^T phi|);
    Adam from ``restarts`` random starts at once, returns (beta, loss) of the best."""
    N, D = Phi.shape
    scale = 1.0 / max(np.sqrt(np.mean(np.sum(Phi * Phi, axis=1))), 1e-12)
    B = rng.standard_normal((D, restarts)) * scale
    m = np.zeros_like(B)
    v = np.zeros_like(B)
    lr0, b1, b2, eps = 0.1 * scale, 0.9, 0.999, 1e-12

    def loss_of(B):
        Z = Phi @ B
        return 0.5 * np.sum(B * B, axis=0) + C * np.sum(np.maximum(0.0, 1.0 - np.abs(Z)), axis=0)

    for t in range(1, steps + 1):
        Z = Phi @ B
        active = (np.abs(Z) < 1.0) * np.sign(Z)  # d/dz of max(0, 1 - |z|) is -sign(z) inside the margin
        grad = B - C * (Phi.T @ active)
        m = b1 * m + (1 - b1) * grad
        v = b2 * v + (1 - b2) * grad * grad
        lr = lr0 / np.sqrt(t)
        B = B - lr * (m / (1 - b1**t)) / (np.sqrt(v / (1 - b2**t)) + eps)
    losses = loss_of(B)
    best = int(np.argmin(losses))
    return B[:, best], float(losses[best])


def _knn_graph(Z: np.ndarray, group: np.ndarray, k: int, chunk: int = 512):
    """k nearest neighbours of every row of Z among rows of other groups (brute force, chunked);
    returns (indices (N, k), squared distances (N, k))."""
    N = Z.shape[0]
    sq = np.sum(Z * Z, axis=1)
    idx = np.empty((N, k), dtype=np.int32)
    dist = np.empty((N, k))
    for a in range(0, N, chunk):
        e = min(N, a + chunk)
        d2 = sq[a:e, None] + sq[None, :] - 2.0 * (Z[a:e] @ Z.T)
        np.maximum(d2, 0.0, out=d2)
        d2[group[a:e, None] == group[None, :]] = np.inf  # own sample (and self) excluded
        part = np.argpartition(d2, k - 1, axis=1)[:, :k]
        idx[a:e] = part
        dist[a:e] = np.take_along_axis(d2, part, axis=1)
    return idx, dist


def _greedy_assign(votes: np.ndarray) -> np.ndarray:
    """Per sample, fix the (neuron, label) pair with the highest vote first, then the best among
    the remaining neurons and labels, ...; votes (n, M, M) -> labels (n, M)."""
    n, M, _ = votes.shape
    V = votes.copy()
    labels = np.empty((n, M), dtype=np.intp)
    rows = np.arange(n)
    for _ in range(M):
        flat = np.argmax(V.reshape(n, M * M), axis=1)
        i, c = np.divmod(flat, M)
        labels[rows, i] = c
        V[rows, i, :] = -np.inf
        V[rows, :, c] = -np.inf
    return labels


def _align_paper(
    layers, model: MLP, tr_perms, tr_signs, k: int, iterations: int, C: float, restarts: int, svm_steps: int, rng
):
    odd = model.activation != "relu"
    L = len(model.hidden)
    n = layers[0][0].shape[0]
    changed_all = []
    converged = True
    details: dict[str, Any] = {"svm_loss": [], "k": None, "iterations_per_layer": []}
    for h in reversed(range(L)):
        M = model.hidden[h]
        # Algorithm 1: sign flips from an unsupervised SVM.
        if odd:
            F = _neuron_vectors(layers, h)
            beta, loss = _unsupervised_svm(F.reshape(n * M, -1), C, restarts, svm_steps, rng)
            details["svm_loss"].append(loss)
            sign = np.where(F @ beta < 0, -1, 1).astype(np.int8)
            if np.any(sign != 1):
                ident = np.broadcast_to(np.arange(M), (n, M))
                _apply_layer(layers, h, ident, sign)
                _compose_layer(tr_perms, tr_signs, h, ident, sign)
        if M == 1 or n == 1:
            details["iterations_per_layer"].append(0)
            continue
        # Algorithms 2 and 3: greedy constrained k-NN relabelling.
        F = _neuron_vectors(layers, h).reshape(n * M, -1)
        sd = F.std(axis=0)
        Z = (F - F.mean(axis=0)) / np.where(sd > 0, sd, 1.0)
        k_eff = min(k, n - 1)
        details["k"] = k_eff
        group = np.repeat(np.arange(n), M)
        nbr, d2 = _knn_graph(Z, group, k_eff)
        w = np.exp(-0.5 * d2)
        labels = np.tile(np.arange(M), n)
        rows = np.repeat(np.arange(n * M), k_eff)
        wf = w.ravel()
        done = False
        it = 0
        for it in range(1, iterations + 1):
            votes = np.bincount(rows * M + labels[nbr].ravel(), weights=wf, minlength=n * M * M).reshape(n, M, M)
            # Each neuron's votes as label probabilities, so the greedy order compares neurons fairly.
            total = votes.sum(axis=2, keepdims=True)
            votes = np.divide(votes, total, out=np.zeros_like(votes), where=total > 0)
            new = _greedy_assign(votes).reshape(n, M)
            moved = np.any(new != labels.reshape(n, M), axis=1)
            changed_all.append(int(moved.sum()))
            if not moved.any():
                done = True
                break
            # Damping as in the authors' code: only a random half of the samples takes its new labels
            # (synchronous updates of all samples can oscillate forever).
            take = moved & (rng.random(n) < 0.5)
            lab = labels.reshape(n, M).copy()
            lab[take] = new[take]
            labels = lab.ravel()
        converged = converged and done
        details["iterations_per_layer"].append(it)
        perm = np.argsort(labels.reshape(n, M), axis=1)  # new position c holds the neuron labelled c
        if np.any(perm != np.arange(M)):
            _apply_layer(layers, h, perm, None)
            _compose_layer(tr_perms, tr_signs, h, perm, None)
    return changed_all, converged, details
