"""``align(method="match")``: coordinate descent over the hidden layers, each layer relabelled to
a template (the pivot sample, then the mean) by exact linear assignment."""

from __future__ import annotations

import numpy as np

from ..model import MLP
from ._layers import _apply_layer, _compose_layer


def _match_features(layers, h: int, odd: bool, mode: str):
    """(frame-invariant part or None, signed part) of the neuron vectors of hidden layer h.

    ``mode="full"``: the whole neuron vector (incoming weights, bias, outgoing weights).
    ``mode="back"`` (first sweep, last layer to first): the incoming weights live in the frame of
    the not yet aligned layer h-1 and enter only through their sorted absolute values (sorted
    values for relu), which no signed permutation of layer h-1 changes.
    ``mode="fwd"`` (first sweep, first layer to last): the same for the outgoing weights, which
    live in the frame of layer h+1.
    """
    W, b = layers[h]
    V = np.swapaxes(layers[h + 1][0], -1, -2)  # (n, M, n_next): outgoing weights per neuron
    last = h == len(layers) - 2
    if mode == "back" and h > 0:
        return np.sort(np.abs(W) if odd else W, axis=-1), np.concatenate([b[..., None], V], axis=-1)
    if mode == "fwd" and not last:
        return np.sort(np.abs(V) if odd else V, axis=-1), np.concatenate([W, b[..., None]], axis=-1)
    return None, np.concatenate([W, b[..., None], V], axis=-1)


def _match_layer(
    layers, h: int, odd: bool, mode: str, template_layers, use_mean: bool, tr_perms, tr_signs, linear_sum_assignment
) -> np.ndarray:
    """Relabel layer h of every sample to the template; returns which samples changed."""
    a, c = _match_features(layers, h, odd, mode)
    if use_mean:
        tc = c.mean(axis=0)
        ta = None if a is None else a.mean(axis=0)
    else:
        ta, tc = _match_features(template_layers, h, odd, mode)
        ta, tc = (None if ta is None else ta[0]), tc[0]
    n, M = c.shape[:2]
    # cost[g, i, j] = |a_i - alpha_j|^2 + min_s |s c_i - gamma_j|^2 up to terms that are the same
    # for every assignment.
    dots = np.einsum("gid,jd->gij", c, tc)
    cost = np.sum(tc * tc, axis=-1)[None, None, :] - 2.0 * (np.abs(dots) if odd else dots)
    if a is not None:
        assert ta is not None  # the template's features have the same layout as the samples'
        cost = cost + np.sum(ta * ta, axis=-1)[None, None, :] - 2.0 * np.einsum("gid,jd->gij", a, ta)
    perm = np.empty((n, M), dtype=np.intp)
    for g in range(n):
        rows, cols = linear_sum_assignment(cost[g])
        perm[g, cols] = rows  # template slot cols[r] receives neuron rows[r]
    sign = None
    moved = np.any(perm != np.arange(M), axis=1)
    if odd:
        picked = dots[np.arange(n)[:, None], perm, np.arange(M)[None, :]]  # <c_perm[j], gamma_j>
        sign = np.where(picked < 0, -1, 1).astype(np.int8)
        moved |= np.any(sign != 1, axis=1)
    if moved.any():
        _apply_layer(layers, h, perm, sign)
        _compose_layer(tr_perms, tr_signs, h, perm, sign)
    return moved


def _flat_layers(layers) -> np.ndarray:
    n = layers[0][0].shape[0]
    return np.concatenate([x.reshape(n, -1) for W, b in layers for x in (W, b)], axis=1)


def _align_match(layers, model: MLP, tr_perms, tr_signs, max_iter: int, pivot: int):
    """Two phases, both sweeping the hidden layers from the last to the first.

    1. Template = the pivot sample. Every sample is aligned to it independently, by coordinate
       descent over the layers from two starts (a first sweep that compares the incoming
       weights frame-invariantly going backwards, and one that does so for the outgoing weights
       going forwards), each followed by full-vector sweeps until nothing changes; per sample the
       start that ends closer to the pivot wins. Two starts guard against a wrongly settled sign
       of a neuron whose bias and outgoing weights are both near zero.
    2. Template = the mean of the aligned samples, until a sweep changes nothing.
    """
    from scipy.optimize import linear_sum_assignment  # noqa: PLC0415 - SciPy's submodule loads on first use

    odd = model.activation != "relu"
    L = len(model.hidden)
    n = layers[0][0].shape[0]
    template = [[W[pivot : pivot + 1].copy(), b[pivot : pivot + 1].copy()] for W, b in layers]
    changed_per_sweep = []
    sweeps = 0

    # Phase 1: align to the pivot from two starts.
    results = []
    for start in ("back", "fwd"):
        ly = [[W.copy(), b.copy()] for W, b in layers]
        tp, ts = [p.copy() for p in tr_perms], [s.copy() for s in tr_signs]
        order = reversed(range(L)) if start == "back" else range(L)
        changed = np.zeros(n, dtype=bool)
        for h in order:
            changed |= _match_layer(ly, h, odd, start, template, False, tp, ts, linear_sum_assignment)
        log = [int(changed.sum())]
        for _ in range(max_iter):
            changed = np.zeros(n, dtype=bool)
            for h in reversed(range(L)):
                changed |= _match_layer(ly, h, odd, "full", template, False, tp, ts, linear_sum_assignment)
            log.append(int(changed.sum()))
            if not changed.any():
                break
        dist = np.sum((_flat_layers(ly) - _flat_layers(template)) ** 2, axis=1)
        results.append((ly, tp, ts, dist, log))
    best = np.argmin(np.stack([r[3] for r in results]), axis=0)
    for i, (ly, tp, ts, _, log) in enumerate(results):
        sel = best == i
        for h in range(L + 1):
            for j in range(2):
                layers[h][j][sel] = ly[h][j][sel]
        for h in range(L):
            tr_perms[h][sel] = tp[h][sel]
            tr_signs[h][sel] = ts[h][sel]
        changed_per_sweep += log
        sweeps += len(log)

    # Phase 2: mean template.
    while sweeps < max_iter * 3:
        changed = np.zeros(n, dtype=bool)
        for h in reversed(range(L)):
            changed |= _match_layer(layers, h, odd, "full", None, True, tr_perms, tr_signs, linear_sum_assignment)
        changed_per_sweep.append(int(changed.sum()))
        sweeps += 1
        if not changed.any():
            return changed_per_sweep, True
    return changed_per_sweep, False
