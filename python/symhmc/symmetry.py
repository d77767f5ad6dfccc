"""Weight-space symmetries of MLPs: equioutput transforms, an exact reference set, and
data-driven symmetry removal from posterior samples (PAPER.md sections 2, 3 and 5).

Transforms
----------
A :class:`Transform` holds, for every hidden layer ``h``, a permutation ``perms[h]`` and signs
``signs[h]`` (``+1``/``-1``; only ``+1`` for relu). Neuron ``j`` of the transformed network is
neuron ``perms[h][j]`` of the original one, multiplied by ``signs[h][j]``: its incoming weights,
bias and outgoing weights move (and flip) together, so the network computes the same function.

Exact tools
-----------
:func:`cardinality` counts the transforms, :func:`apply_transform` applies them,
:func:`random_transform` draws them, :func:`canonicalize` maps any parameter vector to one fixed
representative of its equioutput class (see ``cpp/include/symhmc/symmetry.hpp`` for the exact
definition and why the layers are processed from the last to the first).

Data-driven removal
-------------------
:func:`align` relabels samples so that the posterior looks unimodal per mode
(``method="match"``: exact assignment to a running template; ``method="paper"``: the paper's
unsupervised SVM + greedy k-NN relabelling), and :func:`find_modes` clusters aligned samples
into functionally different modes (spectral clustering, scikit-learn).

Parameter vectors may end in ``log sigma`` (length ``model.dim``); it is never changed. Every
function accepts any leading shape, e.g. the ``(chain, draw, dim)`` arrays of a sampling run.
"""

from __future__ import annotations

import contextlib
import math
import numbers
import time
import warnings
from dataclasses import dataclass, field
from typing import Any, Literal, Sequence, Union, cast

import numpy as np

from . import _core
from ._validation import as_float_array, positive_float, positive_int, threads_arg
from .model import MLP

__all__ = [
    "Transform",
    "cardinality",
    "identity_transform",
    "random_transform",
    "apply_transform",
    "canonicalize",
    "align",
    "AlignInfo",
    "find_modes",
    "Modes",
    "ModeSummary",
]


# ----------------------------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------------------------
def _check_model(model) -> MLP:
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a symhmc.MLP, got {type(model).__name__}")
    return model


def _check_params(params, model: MLP, name: str = "params") -> np.ndarray:
    arr = as_float_array(params, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have at least 1 dimension, got a scalar")
    if arr.shape[-1] not in (model.n_params, model.dim):
        raise ValueError(f"{name} must end in an axis of length {model.n_params} (network parameters) or "
                         f"{model.dim} (with log sigma), got shape {arr.shape}")
    return arr


def _seed_arg(seed, name: str = "seed") -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (numbers.Integral, np.random.SeedSequence))):
        raise TypeError(f"{name} must be None, an int, a SeedSequence or a numpy Generator, got {type(seed).__name__}")
    if isinstance(seed, numbers.Integral) and seed < 0:
        raise ValueError(f"{name} must be non-negative, got {seed}")
    # numbers.Integral here is a Python or NumPy integer, which default_rng takes as an int.
    return np.random.default_rng(cast(Union[int, np.random.SeedSequence, None], seed))


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


# ----------------------------------------------------------------------------------------------
# transforms
# ----------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class Transform:
    """Signed permutations of every hidden layer, for one network or a batch of them.

    ``perms[h]`` and ``signs[h]`` have shape ``(*batch_shape, M_h)``: new neuron ``j`` of hidden
    layer ``h`` is old neuron ``perms[h][..., j]`` times ``signs[h][..., j]``.
    """

    perms: tuple[np.ndarray, ...]
    signs: tuple[np.ndarray, ...]

    def __post_init__(self):
        perms = tuple(np.asarray(p) for p in self.perms)
        signs = tuple(np.asarray(s) for s in self.signs)
        if len(perms) != len(signs):
            raise ValueError("perms and signs must have one entry per hidden layer")
        for h, (p, s) in enumerate(zip(perms, signs)):
            if p.ndim == 0 or p.shape != s.shape:
                raise ValueError(f"hidden layer {h}: perms and signs must have the same shape (..., width), "
                                 f"got {p.shape} and {s.shape}")
            if p.dtype.kind not in "iu" or s.dtype.kind not in "iuf":
                raise TypeError(f"hidden layer {h}: perms must be integers and signs numbers")
            if p.shape[:-1] != perms[0].shape[:-1]:
                raise ValueError("every hidden layer must have the same batch shape")
        object.__setattr__(self, "perms", tuple(p.astype(np.intp, copy=False) for p in perms))
        object.__setattr__(self, "signs", tuple(s.astype(np.int8, copy=False) for s in signs))

    @property
    def batch_shape(self) -> tuple[int, ...]:
        return self.perms[0].shape[:-1] if self.perms else ()

    @property
    def widths(self) -> tuple[int, ...]:
        return tuple(p.shape[-1] for p in self.perms)

    def __len__(self) -> int:
        if not self.batch_shape:
            raise TypeError("a single transform has no length")
        return self.batch_shape[0]

    def __getitem__(self, index) -> "Transform":
        if not self.batch_shape:
            raise TypeError("a single transform cannot be indexed")
        return Transform(tuple(np.asarray(p[index]) for p in self.perms),
                         tuple(np.asarray(s[index]) for s in self.signs))

    def compose(self, other: "Transform") -> "Transform":
        """``self ∘ other``: apply ``other`` first, then ``self`` (batch shapes broadcast)."""
        if not isinstance(other, Transform):
            raise TypeError(f"other must be a Transform, got {type(other).__name__}")
        if self.widths != other.widths:
            raise ValueError(f"transforms act on different hidden widths: {self.widths} and {other.widths}")
        perms, signs = [], []
        for pa, sa, pb, sb in zip(self.perms, self.signs, other.perms, other.signs):
            shape = np.broadcast_shapes(pa.shape, pb.shape)
            pa, sa = np.broadcast_to(pa, shape), np.broadcast_to(sa, shape)
            pb, sb = np.broadcast_to(pb, shape), np.broadcast_to(sb, shape)
            perms.append(np.take_along_axis(pb, pa, axis=-1))
            signs.append(sa * np.take_along_axis(sb, pa, axis=-1))
        return Transform(tuple(perms), tuple(signs))

    def inverse(self) -> "Transform":
        perms = tuple(np.argsort(p, axis=-1, kind="stable") for p in self.perms)
        signs = tuple(np.take_along_axis(s, q, axis=-1) for s, q in zip(self.signs, perms))
        return Transform(perms, signs)

    def is_identity(self) -> np.ndarray:
        """Boolean (array over the batch): is this the identity transform?"""
        out = np.ones(self.batch_shape, dtype=bool)
        for p, s in zip(self.perms, self.signs):
            out &= np.all(p == np.arange(p.shape[-1]), axis=-1) & np.all(s == 1, axis=-1)
        return out

    def equals(self, other: "Transform") -> np.ndarray:
        """Elementwise equality over (broadcast) batches."""
        out = np.ones(np.broadcast_shapes(self.batch_shape, other.batch_shape), dtype=bool)
        for pa, sa, pb, sb in zip(self.perms, self.signs, other.perms, other.signs):
            out &= np.all(pa == pb, axis=-1) & np.all(sa == sb, axis=-1)
        return out

    def flat(self) -> tuple[np.ndarray, np.ndarray]:
        """``(perm, sign)`` as int32 arrays ``(*batch_shape, n_hidden_neurons)`` (the core's layout)."""
        if not self.perms:
            shape = (*self.batch_shape, 0)
            return np.zeros(shape, np.int32), np.zeros(shape, np.int32)
        return (np.concatenate(self.perms, axis=-1).astype(np.int32),
                np.concatenate(self.signs, axis=-1).astype(np.int32))

    @classmethod
    def from_flat(cls, perm, sign, widths: Sequence[int]) -> "Transform":
        perm, sign = np.asarray(perm), np.asarray(sign)
        cuts = np.cumsum(widths)[:-1]
        return cls(tuple(np.split(perm, cuts, axis=-1)) if len(widths) else (),
                   tuple(np.split(sign, cuts, axis=-1)) if len(widths) else ())


def _check_transform(transform, model: MLP, name: str = "transform") -> Transform:
    if not isinstance(transform, Transform):
        raise TypeError(f"{name} must be a symhmc.symmetry.Transform, got {type(transform).__name__}")
    if transform.widths != model.hidden:
        raise ValueError(f"{name} acts on hidden widths {transform.widths} but the model has {model.hidden}")
    return transform


def cardinality(model: MLP) -> int:
    """Number of discrete equioutput transforms ``|E|`` of ``model`` (an exact Python int).

    * tanh (odd): permutations and sign flips of every hidden layer, ``prod_l M_l! * 2**M_l``
      (f1: 48; f2 with 3 x 16 neurons: ``(16! * 2**16)**3``).
    * relu: permutations only, ``prod_l M_l!``. Note that relu networks also have a continuous
      symmetry (scale a neuron's incoming weights and bias by ``c > 0``, its outgoing weights by
      ``1/c``), so every equioutput class is a set of positive measure-zero manifolds rather than
      ``|E|`` points; ``canonicalize(..., normalize=True)`` removes that scale.
    * identity: raises ``ValueError``: a linear hidden layer has the continuous symmetry group
      ``GL(M_l)`` (``W -> A W``, ``b -> A b``, ``W_next -> W_next A^-1``), so the number of
      equioutput transforms is infinite. (The signed permutations, ``prod_l M_l! * 2**M_l`` of
      them, form a finite subgroup and can still be applied.)

    A network without hidden layers has exactly one (the identity).
    """
    model = _check_model(model)
    if model.activation == "identity" and model.hidden:
        raise ValueError("cardinality is infinite for identity activations: a linear hidden layer of width M has "
                         "the continuous symmetry group GL(M) (W -> A W, b -> A b, W_next -> W_next A^-1); its "
                         "finite subgroup of signed permutations has prod M_l! 2^M_l elements")
    n = 1
    for m in model.hidden:
        n *= math.factorial(m)
        if model.activation == "tanh":
            n *= 2 ** m
    return n


def identity_transform(model: MLP, size: int | Sequence[int] | None = None) -> Transform:
    """The identity transform (a batch of ``size`` copies when given)."""
    model = _check_model(model)
    shape = _size_shape(size)
    perms = tuple(np.broadcast_to(np.arange(m), (*shape, m)).copy() for m in model.hidden)
    signs = tuple(np.ones((*shape, m), np.int8) for m in model.hidden)
    return Transform(perms, signs)


def _size_shape(size) -> tuple[int, ...]:
    if size is None:
        return ()
    if isinstance(size, numbers.Integral) and not isinstance(size, bool):
        return (positive_int(size, "size"),)
    try:
        return tuple(positive_int(s, "size") for s in size)
    except TypeError:
        raise TypeError(f"size must be None, an int or a tuple of ints, got {size!r}") from None


def random_transform(model: MLP, seed=None, size: int | Sequence[int] | None = None) -> Transform:
    """Uniformly random equioutput transform(s): a random permutation of every hidden layer and,
    for odd activations (tanh, identity), independent random signs; ``size`` gives a batch."""
    model = _check_model(model)
    rng = _seed_arg(seed)
    shape = _size_shape(size)
    odd = model.activation != "relu"
    perms, signs = [], []
    for m in model.hidden:
        perms.append(rng.permuted(np.broadcast_to(np.arange(m), (*shape, m)), axis=-1))
        signs.append((rng.integers(0, 2, size=(*shape, m)) * 2 - 1).astype(np.int8) if odd
                     else np.ones((*shape, m), np.int8))
    return Transform(tuple(perms), tuple(signs))


def apply_transform(params, model: MLP, transform: Transform, *, threads: int | None = None) -> np.ndarray:
    """Apply ``transform`` to parameter vectors ``params`` (shape ``(..., n_params or dim)``).

    ``transform`` is a single transform (applied to every vector) or a batch whose batch shape
    equals ``params.shape[:-1]`` (one transform per vector). A trailing ``log sigma`` is copied.
    The result predicts exactly what ``params`` predicts (entries are only moved and negated).
    """
    model = _check_model(model)
    params = _check_params(params, model)
    transform = _check_transform(transform, model)
    lead = params.shape[:-1]
    if not model.hidden:
        return params.copy()
    flat = params.reshape(-1, params.shape[-1])
    perm, sign = transform.flat()
    if transform.batch_shape == ():
        perm, sign = perm[None], sign[None]
    elif transform.batch_shape == lead:
        perm, sign = perm.reshape(-1, perm.shape[-1]), sign.reshape(-1, sign.shape[-1])
    else:
        raise ValueError(f"transform has batch shape {transform.batch_shape}; it must be () or the leading "
                         f"shape of params {lead}")
    out = _core.apply_transform(list(model.widths), model.activation, flat, np.ascontiguousarray(perm),
                                np.ascontiguousarray(sign), threads_arg(threads))
    return out.reshape(params.shape)


def canonicalize(params, model: MLP, *, normalize: bool = False, threads: int | None = None,
                 return_transform: bool = False):
    """Map parameter vectors to the canonical representative of their equioutput class.

    tanh: from the last hidden layer to the first, flip each neuron so that its bias is
    positive, then sort the layer's neurons by bias (ties broken by the outgoing, then the
    incoming weights). relu: sort only; with ``normalize=True`` each neuron's (incoming weights,
    bias) is first scaled to unit norm, the scale moving to its outgoing weights (removes relu's
    positive rescaling symmetry). identity: raises ``ValueError`` (continuous ``GL`` symmetry).
    The exact definition, and why it is well-defined, is in ``cpp/include/symhmc/symmetry.hpp``.

    Parameters
    ----------
    params : array (..., n_params or dim)
        Any leading shape, e.g. ``(chain, draw, dim)``; a trailing ``log sigma`` is copied.
    normalize : bool
        relu only (ignored for tanh).
    threads : int or None
        OpenMP threads (None: all available); the GIL is released.
    return_transform : bool
        Also return the :class:`Transform` applied (batch shape ``params.shape[:-1]``; for relu
        with ``normalize`` the rescaling is not part of it).
    """
    model = _check_model(model)
    params = _check_params(params, model)
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be a bool, got {type(normalize).__name__}")
    if model.activation == "identity" and model.hidden:
        raise ValueError("canonicalize is not defined for identity activations: a linear hidden layer has the "
                         "continuous symmetry W -> A W, b -> A b, W_next -> W_next A^-1 for every invertible A, so "
                         "no finite reference set exists")
    lead = params.shape[:-1]
    flat = params.reshape(-1, params.shape[-1])
    res = _core.canonicalize(list(model.widths), model.activation, flat, bool(normalize), threads_arg(threads),
                             bool(return_transform))
    if not return_transform:
        return res.reshape(params.shape)
    out, perm, sign = res
    t = Transform.from_flat(perm.reshape(*lead, -1), sign.reshape(*lead, -1), model.hidden)
    return out.reshape(params.shape), t


# ----------------------------------------------------------------------------------------------
# helpers for the data-driven methods: neuron vectors and in-place signed permutations of one
# hidden layer for a stack of samples held as per-layer (W, b) arrays
# ----------------------------------------------------------------------------------------------
def _unpack_copy(model: MLP, flat: np.ndarray) -> list[list[np.ndarray]]:
    return [[W.copy(), b.copy()] for W, b in model.unpack(flat[:, :model.n_params])]


def _neuron_vectors(layers, h: int) -> np.ndarray:
    """``(n, M_h, n_in + 1 + n_out)``: incoming weights, bias, outgoing weights of every neuron."""
    W, b = layers[h]
    V = layers[h + 1][0]
    return np.concatenate([W, b[..., None], np.swapaxes(V, -1, -2)], axis=-1)


def _apply_layer(layers, h: int, perm: np.ndarray, sign: np.ndarray | None) -> None:
    """New neuron j of layer h (per sample) = sign[:, j] * old neuron perm[:, j]."""
    W, b = layers[h]
    V = layers[h + 1][0]
    W = np.take_along_axis(W, perm[:, :, None], axis=1)
    b = np.take_along_axis(b, perm, axis=1)
    V = np.take_along_axis(V, perm[:, None, :], axis=2)
    if sign is not None:
        W *= sign[:, :, None]
        b *= sign
        V *= sign[:, None, :]
    layers[h][0], layers[h][1] = W, b
    layers[h + 1][0] = V


def _compose_layer(tr_perms: list, tr_signs: list, h: int, perm: np.ndarray, sign: np.ndarray | None) -> None:
    """Record a layer-h step after the transform accumulated so far (step ∘ accumulated)."""
    tr_perms[h] = np.take_along_axis(tr_perms[h], perm, axis=1)
    s_old = np.take_along_axis(tr_signs[h], perm, axis=1)
    tr_signs[h] = s_old if sign is None else (sign * s_old).astype(np.int8)


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


def _match_layer(layers, h: int, odd: bool, mode: str, template_layers, use_mean: bool, tr_perms, tr_signs,
                 linear_sum_assignment) -> np.ndarray:
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
    from scipy.optimize import linear_sum_assignment

    odd = model.activation != "relu"
    L = len(model.hidden)
    n = layers[0][0].shape[0]
    template = [[W[pivot:pivot + 1].copy(), b[pivot:pivot + 1].copy()] for W, b in layers]
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
        B = B - lr * (m / (1 - b1 ** t)) / (np.sqrt(v / (1 - b2 ** t)) + eps)
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


def _align_paper(layers, model: MLP, tr_perms, tr_signs, k: int, iterations: int, C: float, restarts: int,
                 svm_steps: int, rng):
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


# ----------------------------------------------------------------------------------------------
# modes
# ----------------------------------------------------------------------------------------------
@dataclass
class ModeSummary:
    """One functionally different mode: its size and the mean / std of its (aligned) samples;
    ``medoid`` indexes the flattened samples (the member closest to the mode's mean)."""

    size: int
    fraction: float
    mean: np.ndarray
    std: np.ndarray
    medoid: int


@dataclass
class Modes:
    """Result of :func:`find_modes`: ``labels`` has the samples' leading shape."""

    k: int
    labels: np.ndarray
    summaries: list
    eigenvalues: np.ndarray
    k_from_eigengap: bool


def find_modes(samples, model: MLP, k: int | None = None, *, n_neighbors: int = 4, max_k: int = 10,
               bandwidth: float | None = None, standardize: bool = False, include_noise: bool = False,
               seed: int = 0) -> Modes:
    """Cluster aligned samples into functionally different modes (PAPER.md section 5.3).

    Spectral clustering as in the paper: symmetric ``n_neighbors``-NN graph (4 in the paper) with
    Gaussian similarity, normalized Laplacian, k-means on the spectral embedding
    (scikit-learn's ``SpectralClustering`` on the precomputed affinity). ``k=None`` picks the
    number of modes by the largest eigengap of the normalized Laplacian among ``1 .. max_k``.

    Parameters
    ----------
    samples : array (..., n_params or dim)
        Aligned samples (run :func:`align` first: raw samples cluster into symmetric copies).
    bandwidth : float or None
        ``None`` (default): locally scaled similarity ``exp(-d_ij^2 / (s_i s_j))``, ``s_i`` the
        distance from sample i to its ``n_neighbors``-th neighbour (Zelnik-Manor & Perona), which
        makes the eigengap insensitive to the scale of the parameters. A float gives
        ``exp(-d^2 / (2 bandwidth^2))``; the paper's ``exp(-d^2/2)`` is ``bandwidth=1``.
    standardize : bool
        Standardize every coordinate first (off by default: all weights share one prior scale,
        and standardizing would make the within-mode geometry depend on where the other modes are).
    include_noise : bool
        Also cluster on ``log sigma`` when present.

    Requires scikit-learn (``pip install symhmc[sklearn]``).
    """
    model = _check_model(model)
    samples = _check_params(samples, model, "samples")
    try:
        from sklearn.cluster import SpectralClustering
        from sklearn.neighbors import kneighbors_graph
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("find_modes needs scikit-learn: pip install 'symhmc[sklearn]' "
                          "(or pip install scikit-learn)") from None
    from scipy.sparse import coo_matrix, csgraph
    from scipy.sparse.linalg import eigsh

    lead = samples.shape[:-1]
    X = samples.reshape(-1, samples.shape[-1])
    if not include_noise:
        X = X[:, :model.n_params]
    N = X.shape[0]
    n_neighbors = positive_int(n_neighbors, "n_neighbors")
    max_k = positive_int(max_k, "max_k")
    if N < 3:
        raise ValueError(f"samples must hold at least 3 vectors for clustering, got {N}")
    if n_neighbors >= N:
        raise ValueError(f"n_neighbors must be smaller than the number of samples ({N}), got {n_neighbors}")
    if k is not None:
        k = positive_int(k, "k")
        if k > N:
            raise ValueError(f"k must be at most the number of samples ({N}), got {k}")
    if bandwidth is not None:
        bandwidth = positive_float(bandwidth, "bandwidth")
    if standardize:
        sd = X.std(axis=0)
        X = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)

    D = kneighbors_graph(X, n_neighbors, mode="distance", include_self=False).tocoo()
    if bandwidth is None:
        scale = np.zeros(N)
        np.maximum.at(scale, D.row, D.data)  # distance to the n_neighbors-th neighbour
        scale = np.where(scale > 0, scale, 1.0)
        weights = np.exp(-(D.data ** 2) / (scale[D.row] * scale[D.col]))
    else:
        weights = np.exp(-0.5 * (D.data / bandwidth) ** 2)
    A = coo_matrix((weights, (D.row, D.col)), shape=(N, N)).tocsr()
    A = A.maximum(A.T).tocsr()

    n_eig = min(max_k + 1, N - 1)
    lap = csgraph.laplacian(A, normed=True)
    if N <= 2000:
        eig = np.linalg.eigvalsh(lap.toarray())[:n_eig]
    else:
        eig = np.sort(eigsh(lap, k=n_eig, sigma=-1e-3, which="LM", return_eigenvectors=False))
    eig = np.clip(eig, 0.0, None)
    from_gap = k is None
    if k is None:
        gaps = np.diff(eig[:max_k + 1]) if len(eig) > 1 else np.array([0.0])
        k = int(np.argmax(gaps)) + 1
    if k == 1:
        labels = np.zeros(N, dtype=np.intp)
    else:
        sc = SpectralClustering(n_clusters=k, affinity="precomputed", random_state=seed, assign_labels="kmeans")
        with warnings.catch_warnings():
            # Well separated modes give a disconnected graph: exactly the case we want to find.
            warnings.filterwarnings("ignore", message="Graph is not fully connected")
            labels = sc.fit_predict(A)
        # Number modes by decreasing size (deterministic output).
        order = np.argsort(-np.bincount(labels, minlength=k), kind="stable")
        relabel = np.empty(k, dtype=np.intp)
        relabel[order] = np.arange(k)
        labels = relabel[labels]
    flat = samples.reshape(-1, samples.shape[-1])
    summaries = []
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if len(members) == 0:  # k-means may leave a cluster empty
            nan = np.full(flat.shape[1], np.nan)
            summaries.append(ModeSummary(size=0, fraction=0.0, mean=nan, std=nan.copy(), medoid=-1))
            continue
        mean = flat[members].mean(axis=0)
        medoid = int(members[np.argmin(np.sum((flat[members] - mean) ** 2, axis=1))])
        summaries.append(ModeSummary(size=len(members), fraction=len(members) / N, mean=mean,
                                     std=flat[members].std(axis=0), medoid=medoid))
    return Modes(k=k, labels=labels.reshape(lead), summaries=summaries, eigenvalues=eig, k_from_eigengap=from_gap)
