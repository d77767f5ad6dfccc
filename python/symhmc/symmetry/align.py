"""Data-driven symmetry removal: :func:`align` relabels the neurons of posterior samples
consistently, by exact matching to a template (``_match``) or the paper's SVM + k-NN
relabelling (``_paper``)."""

from __future__ import annotations

import contextlib
import numbers
import time
from dataclasses import dataclass, field
from typing import Literal

from .. import _core
from .._validation import positive_float, positive_int
from ..model import MLP
from ._checks import _check_model, _check_params, _seed_arg
from ._layers import _unpack_copy
from ._match import _align_match
from ._paper import _align_paper
from .transforms import Transform, canonicalize, identity_transform


def _blas_single_thread():
    """Context limiting BLAS to one thread (threadpoolctl, when installed).

    The data-driven methods multiply many small matrices; a multi-threaded BLAS spends far more
    time synchronising than computing on them, and collapses (100x slower measured) when other
    processes hold the cores.
    """
    try:
        from threadpoolctl import threadpool_limits
    except ImportError:  # pragma: no cover - depends on the environment
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")

@dataclass
class AlignInfo:
    """What :func:`align` did.

    ``transform`` maps every input sample to its aligned version (batch shape = the samples'
    leading shape); ``n_iterations`` counts sweeps (match) or relabelling iterations summed over
    layers (paper); ``changed`` lists how many samples changed in each sweep / iteration.
    """

    method: str
    transform: Transform
    n_iterations: int
    converged: bool
    seconds: float
    changed: list = field(default_factory=list)
    details: dict = field(default_factory=dict)


def align(samples, model: MLP, method: Literal["match", "paper"] = "match", *,
          max_iter: int = 100, init: Literal["canonical", "none"] = "canonical", pivot: int = 0,
          k: int = 1024, iterations: int = 256, C: float = 1.0, restarts: int = 10, svm_steps: int = 300,
          seed=0, return_info: bool = False):
    """Remove the symmetry from posterior samples by relabelling neurons consistently.

    Aligned samples are images of the inputs under signed permutations (applied exactly, so
    every aligned sample predicts what the original did), chosen so that corresponding neurons
    line up across samples and each functionally different mode looks unimodal.

    Parameters
    ----------
    samples : array (..., n_params or dim)
        E.g. ``(chain, draw, dim)``; a trailing ``log sigma`` is copied.
    method : {"match", "paper"}
        ``"match"``: start from :func:`canonicalize` (``init="canonical"``), then repeatedly
        relabel every sample's hidden neurons, layer by layer from the last to the first, to a
        template by exact linear assignment (``scipy.optimize.linear_sum_assignment`` on squared
        Euclidean distances between neuron vectors (incoming weights, bias, outgoing weights); for
        odd activations each pair also picks the sign that fits best). The first sweep uses sample
        ``pivot`` as the template, later sweeps the mean of the aligned samples. Stops when a sweep
        changes no label (at most ``max_iter`` sweeps). Each step lowers the total squared
        distance to the template, so it converges (to a local optimum, as in k-means).
        ``"paper"``: the paper's supplement B: for every hidden layer from the last to the first,
        sign flips from an unsupervised linear SVM through the origin (odd activations only;
        loss ``1/2 |beta|^2 + C sum max(0, 1 - |beta^T phi|)``, ``restarts`` random starts,
        ``svm_steps`` Adam steps each, lowest loss kept), then greedy constrained k-NN
        relabelling on the standardized neuron vectors (Gaussian similarity
        ``exp(-|a - b|^2 / 2)``, ``k`` neighbours from other samples, capped at the number of
        samples - 1; each neuron's votes normalised to label probabilities; per round a random
        half of the samples whose labels would change takes the new labels, as in the authors'
        code, which stops the synchronous updates from oscillating; at most ``iterations``
        rounds, stopping early when no label would change).
    max_iter : int
        match: maximal number of sweeps.
    init : {"canonical", "none"}
        match: start from the canonical representatives or from the samples as given.
    pivot : int
        match: index (into the flattened samples) of the first template.
    k, iterations, C, restarts, svm_steps :
        paper: hyperparameters (k = 1024 and I = 256 as in the paper; C, restarts and
        svm_steps are ours: the paper does not report them).
    seed :
        paper: random starts of the SVM.
    return_info : bool
        Also return an :class:`AlignInfo` with the transform applied to every sample.

    Returns
    -------
    aligned : array like ``samples``, or ``(aligned, info)``.
    """
    model = _check_model(model)
    samples = _check_params(samples, model, "samples")
    if method not in ("match", "paper"):
        raise ValueError(f"method must be 'match' or 'paper', got {method!r}")
    if init not in ("canonical", "none"):
        raise ValueError(f"init must be 'canonical' or 'none', got {init!r}")
    max_iter = positive_int(max_iter, "max_iter")
    k = positive_int(k, "k")
    iterations = positive_int(iterations, "iterations")
    C = positive_float(C, "C")
    restarts = positive_int(restarts, "restarts")
    svm_steps = positive_int(svm_steps, "svm_steps")
    rng = _seed_arg(seed)
    lead = samples.shape[:-1]
    flat = samples.reshape(-1, samples.shape[-1])
    n = flat.shape[0]
    if isinstance(pivot, bool) or not isinstance(pivot, numbers.Integral) or not 0 <= pivot < n:
        raise ValueError(f"pivot must be an integer index in [0, {n}), got {pivot!r}")
    t0 = time.perf_counter()
    if not model.hidden:
        info = AlignInfo(method=method, transform=identity_transform(model, lead), n_iterations=0, converged=True,
                         seconds=0.0)
        return (samples.copy(), info) if return_info else samples.copy()

    if method == "match" and init == "canonical" and model.activation != "identity":
        start, t_start = canonicalize(flat, model, return_transform=True)
    else:
        start, t_start = flat, identity_transform(model, n)
    layers = _unpack_copy(model, start)
    tr_perms = [p.copy() for p in t_start.perms]
    tr_signs = [s.copy() for s in t_start.signs]

    with _blas_single_thread():
        if method == "match":
            changed, converged = _align_match(layers, model, tr_perms, tr_signs, max_iter, pivot)
            details = {}
        else:
            changed, converged, details = _align_paper(layers, model, tr_perms, tr_signs, k, iterations, C,
                                                       restarts, svm_steps, rng)
    n_iter = len(changed)

    transform = Transform(tuple(tr_perms), tuple(tr_signs))
    # Apply the accumulated transform to the original samples in one exact pass.
    aligned = _core.apply_transform(list(model.widths), model.activation, flat, *transform.flat(), 0)
    aligned = aligned.reshape(samples.shape)
    if not return_info:
        return aligned
    info = AlignInfo(method=method, transform=Transform(tuple(p.reshape(*lead, -1) for p in tr_perms),
                                                        tuple(s.reshape(*lead, -1) for s in tr_signs)),
                     n_iterations=n_iter, converged=converged, seconds=time.perf_counter() - t0,
                     changed=changed, details=details)
    return aligned, info
