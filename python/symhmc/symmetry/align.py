"""Data-driven symmetry removal: :func:`align` relabels the neurons of posterior samples
consistently, by exact matching to a template (``_match``) or the paper's SVM + k-NN
relabelling (as its authors' code runs it: ``_paper_authors``; our pooled variant: ``_paper``)."""

from __future__ import annotations

import contextlib
import numbers
import time
from dataclasses import dataclass, field
from typing import Literal

from .. import _core
from ..utils.validation import positive_float, positive_int
from ..model import MLP
from ._checks import _check_model, _check_params, _seed_arg
from ._layers import _unpack_copy
from ._match import _align_match
from ._paper import _align_paper
from ._paper_authors import SVM_EPOCHS, SVM_RESTARTS, _align_paper_authors
from .transforms import Transform, canonicalize, identity_transform


def _blas_single_thread():
    """Context limiting BLAS to one thread (threadpoolctl, when installed).

    The data-driven methods multiply many small matrices; a multi-threaded BLAS spends far more
    time synchronising than computing on them, and collapses (100x slower measured) when other
    processes hold the cores.
    """
    try:
        from threadpoolctl import threadpool_limits  # noqa: PLC0415 - optional dependency, imported on use
    except ImportError:  # pragma: no cover - depends on the environment
        return contextlib.nullcontext()
    return threadpool_limits(limits=1, user_api="blas")


@dataclass
class AlignInfo:
    """What :func:`align` did.

    Returned by ``align(..., return_info=True)``.

    Attributes
    ----------
    method : str
        ``"match"`` or ``"paper"``.
    transform : Transform
        Maps every input sample to its aligned version (batch shape = the samples' leading
        shape).
    n_iterations : int
        Sweeps (match) or relabelling iterations summed over layers (paper).
    converged : bool
        Whether the last sweep / every layer's relabelling ended without a change.
    seconds : float
        Wall-clock time of the alignment.
    changed : list of int
        How many samples changed their labels in each sweep / iteration.
    details : dict
        Method-specific diagnostics (paper: ``variant``, ``svm_loss``, ``k``,
        ``iterations_per_layer``; empty for match).

    Examples
    --------
    >>> from symhmc import MLP, symmetry
    >>> model = MLP(hidden=(3,))
    >>> theta = np.random.default_rng(0).normal(size=(6, model.dim))
    >>> aligned, info = symmetry.align(theta, model, return_info=True)
    >>> info.method, info.converged, info.transform.batch_shape
    ('match', True, (6,))
    >>> np.allclose(symmetry.apply_transform(theta, model, info.transform), aligned)
    True
    """

    method: str
    transform: Transform
    n_iterations: int
    converged: bool
    seconds: float
    changed: list = field(default_factory=list)
    details: dict = field(default_factory=dict)


def align(
    samples,
    model: MLP,
    method: Literal["match", "paper"] = "match",
    *,
    max_iter: int = 100,
    init: Literal["canonical", "none"] = "canonical",
    pivot: int = 0,
    k: int = 1024,
    iterations: int = 256,
    C: float = 1.0,
    restarts: int | None = None,
    svm_steps: int | None = None,
    variant: Literal["authors", "pooled"] = "authors",
    seed=0,
    return_info: bool = False,
):
    """Remove the symmetry from posterior samples by relabelling neurons consistently.

    Aligned samples are images of the inputs under signed permutations (applied exactly, so
    every aligned sample predicts what the original did), chosen so that corresponding neurons
    line up across samples and each functionally different mode looks unimodal.

    Parameters
    ----------
    samples : array_like (..., n_params or dim)
        E.g. ``(chain, draw, dim)``; a trailing ``log sigma`` is copied.
    model : MLP
        The network the samples belong to.
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
        loss ``1/2 |beta|^2 + C sum max(0, 1 - |beta^T phi|)`` over the neuron vectors (incoming
        weights, bias, outgoing weights) of all slots, ``restarts`` random starts, lowest loss
        kept; every neuron with ``beta^T phi < 0`` is flipped), then greedy constrained k-NN
        relabelling (Gaussian similarity on a ``k``-NN graph of standardized neuron vectors; each
        neuron's votes per label normalised to probabilities; the (neuron, label) pair with the
        highest probability is fixed first; per round a random half of the samples takes the
        new labels; at most ``iterations`` rounds). ``variant`` picks how:
    variant : {"authors", "pooled"}
        paper: ``"authors"`` (default) runs it as the authors' public code does: SVM by SGD
        (batches of 16, ``svm_steps`` = 32 epochs, learning rate 0.1 times 0.8 per epoch,
        ``restarts`` = 2; both variants fit the SVM to the raw neuron vectors); for the k-NN
        graph, neuron vectors standardized per slot; the ``k`` neighbours searched among all
        other neurons, the own draw's included (``k`` capped at their number); similarity ``exp(-|a - b| / 2)`` on the
        plain distance; graph symmetrized; a random half of all samples updated per round;
        stops after 8 consecutive rounds without a change (a quiet round is already a fixed
        point, so this only costs 7 rounds). Per-slot standardization suits scrambled draws
        (every slot a mixture of neurons) but maps the slots of draws that arrive aligned onto
        one standard blob each, so the relabelling then scrambles them (f1 draws given aligned:
        about 20 % keep their labels). ``"pooled"``: our earlier reading of the paper:
        SVM by full-batch Adam (``svm_steps`` = 300 steps, ``restarts`` = 10); neuron vectors
        standardized pooled over slots; neighbours only from other samples (``k`` capped at
        the number of samples - 1); similarity ``exp(-|a - b|^2 / 2)``; graph not symmetrized;
        a random half of the samples whose labels would change is updated; stops at the first
        quiet round. ``bench/bench_symmetry.py`` compares the two on scrambled f1 and f2 draws.
    max_iter : int, default 100
        match: maximal number of sweeps.
    init : {"canonical", "none"}
        match: start from the canonical representatives or from the samples as given.
    pivot : int, default 0
        match: index (into the flattened samples) of the first template.
    k : int, default 1024
        paper: neighbours in the k-NN graph (as in the paper and the authors' code).
    iterations : int, default 256
        paper: maximal relabelling rounds per layer (``I`` in the paper).
    C : float, default 1.0
        paper: SVM regularisation (as in the authors' code).
    restarts : int, optional
        paper: random SVM starts; default: the variant's value given above.
    svm_steps : int, optional
        paper: SGD epochs (``"authors"``) or Adam steps (``"pooled"``); default: the variant's
        value given above.
    seed : None, int, SeedSequence or numpy.random.Generator, default 0
        paper: SVM starts and batch order, and which samples are updated each round; equal
        seeds give equal results.
    return_info : bool, default False
        Also return an :class:`AlignInfo` with the transform applied to every sample.

    Returns
    -------
    aligned : ndarray
        The aligned samples, same shape as ``samples``.
    info : AlignInfo
        Only with ``return_info=True``.

    Raises
    ------
    TypeError
        If ``model`` is not an :class:`~symhmc.MLP` or ``seed`` has the wrong type.
    ValueError
        If ``samples`` has the wrong last axis, or ``method``, ``variant``, ``init``, ``pivot``
        or a hyperparameter is invalid (the message names it).

    Examples
    --------
    Copies of one network, scrambled by random symmetries, line up again:

    >>> from symhmc import MLP, symmetry
    >>> model = MLP(hidden=(3,))
    >>> theta = np.random.default_rng(0).normal(size=model.dim)
    >>> scrambled = symmetry.apply_transform(np.tile(theta, (8, 1)), model,
    ...                                      symmetry.random_transform(model, seed=1, size=8))
    >>> bool(np.allclose(scrambled, scrambled[0]))
    False
    >>> aligned = symmetry.align(scrambled, model)
    >>> bool(np.allclose(aligned, aligned[0]))
    True

    The paper's relabelling, with the diagnostics:

    >>> theta = np.random.default_rng(0).normal(size=(50, model.dim))
    >>> aligned, info = symmetry.align(theta, model, method="paper", return_info=True)
    >>> aligned.shape, info.details["variant"]
    ((50, 11), 'authors')
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
    if variant not in ("authors", "pooled"):
        raise ValueError(f"variant must be 'authors' or 'pooled', got {variant!r}")
    authors = variant == "authors"
    restarts = positive_int((SVM_RESTARTS if authors else 10) if restarts is None else restarts, "restarts")
    svm_steps = positive_int((SVM_EPOCHS if authors else 300) if svm_steps is None else svm_steps, "svm_steps")
    rng = _seed_arg(seed)
    lead = samples.shape[:-1]
    flat = samples.reshape(-1, samples.shape[-1])
    n = flat.shape[0]
    if isinstance(pivot, bool) or not isinstance(pivot, numbers.Integral) or not 0 <= pivot < n:
        raise ValueError(f"pivot must be an integer index in [0, {n}), got {pivot!r}")
    t0 = time.perf_counter()
    if not model.hidden:
        info = AlignInfo(
            method=method, transform=identity_transform(model, lead), n_iterations=0, converged=True, seconds=0.0
        )
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
        elif authors:
            changed, converged, details = _align_paper_authors(
                layers, model, tr_perms, tr_signs, k, iterations, C, restarts, svm_steps, rng
            )
        else:
            changed, converged, details = _align_paper(
                layers, model, tr_perms, tr_signs, k, iterations, C, restarts, svm_steps, rng
            )
            details["variant"] = "pooled"
    n_iter = len(changed)

    transform = Transform(tuple(tr_perms), tuple(tr_signs))
    # Apply the accumulated transform to the original samples in one exact pass.
    aligned = _core.apply_transform(list(model.widths), model.activation, flat, *transform.flat(), 0)
    aligned = aligned.reshape(samples.shape)
    if not return_info:
        return aligned
    info = AlignInfo(
        method=method,
        transform=Transform(
            tuple(p.reshape(*lead, -1) for p in tr_perms), tuple(s.reshape(*lead, -1) for s in tr_signs)
        ),
        n_iterations=n_iter,
        converged=converged,
        seconds=time.perf_counter() - t0,
        changed=changed,
        details=details,
    )
    return aligned, info
