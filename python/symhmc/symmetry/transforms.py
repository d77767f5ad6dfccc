"""Exact equioutput transforms: the Transform type, counting, drawing and applying them, and the
canonical map to one representative of every equioutput class."""

from __future__ import annotations

import math
import numbers
from dataclasses import dataclass
from typing import Sequence

import numpy as np

from .. import _core
from ..utils.validation import positive_int, threads_arg
from ..model import MLP
from ._checks import _check_model, _check_params, _seed_arg


@dataclass(frozen=True)
class Transform:
    """Signed permutations of every hidden layer, for one network or a batch of them.

    ``perms[h]`` and ``signs[h]`` have shape ``(*batch_shape, M_h)``: new neuron ``j`` of hidden
    layer ``h`` is old neuron ``perms[h][..., j]`` times ``signs[h][..., j]``.

    Parameters
    ----------
    perms : tuple of array of int
        One permutation of ``range(M_h)`` per hidden layer, each of shape ``(*batch_shape, M_h)``
        (stored as ``intp``).
    signs : tuple of array of {-1, 1}
        One sign per neuron, same shapes as ``perms`` (stored as ``int8``; only ``+1`` for relu).

    Raises
    ------
    ValueError
        If ``perms`` and ``signs`` differ in length or shape, or the layers' batch shapes differ.
    TypeError
        If ``perms`` are not integers or ``signs`` not numbers.

    Examples
    --------
    >>> from symhmc.symmetry import Transform
    >>> t = Transform(perms=(np.array([2, 0, 1]),), signs=(np.array([1, -1, 1]),))
    >>> t.widths, t.batch_shape
    ((3,), ())
    >>> bool(t.is_identity())
    False
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
                raise ValueError(
                    f"hidden layer {h}: perms and signs must have the same shape (..., width), "
                    f"got {p.shape} and {s.shape}"
                )
            if p.dtype.kind not in "iu" or s.dtype.kind not in "iuf":
                raise TypeError(f"hidden layer {h}: perms must be integers and signs numbers")
            if p.shape[:-1] != perms[0].shape[:-1]:
                raise ValueError("every hidden layer must have the same batch shape")
        object.__setattr__(self, "perms", tuple(p.astype(np.intp, copy=False) for p in perms))
        object.__setattr__(self, "signs", tuple(s.astype(np.int8, copy=False) for s in signs))

    @property
    def batch_shape(self) -> tuple[int, ...]:
        """Leading shape of the batch of transforms (``()`` for a single one)."""
        return self.perms[0].shape[:-1] if self.perms else ()

    @property
    def widths(self) -> tuple[int, ...]:
        """Width ``M_h`` of every hidden layer the transform acts on."""
        return tuple(p.shape[-1] for p in self.perms)

    def __len__(self) -> int:
        if not self.batch_shape:
            raise TypeError("a single transform has no length")
        return self.batch_shape[0]

    def __getitem__(self, index) -> "Transform":
        if not self.batch_shape:
            raise TypeError("a single transform cannot be indexed")
        return Transform(
            tuple(np.asarray(p[index]) for p in self.perms), tuple(np.asarray(s[index]) for s in self.signs)
        )

    def compose(self, other: "Transform") -> "Transform":
        """Compose two transforms: ``self ∘ other`` applies ``other`` first, then ``self``.

        Parameters
        ----------
        other : Transform
            The transform applied first; acts on the same hidden widths. Batch shapes broadcast.

        Returns
        -------
        Transform
            The composition, with the broadcast batch shape.

        Raises
        ------
        TypeError
            If ``other`` is not a :class:`Transform`.
        ValueError
            If the two act on different hidden widths.

        Examples
        --------
        >>> from symhmc import MLP, symmetry
        >>> model = MLP(hidden=(3, 2))
        >>> t = symmetry.random_transform(model, seed=0)
        >>> bool(t.compose(t.inverse()).is_identity())
        True
        """
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
        """The inverse transform: undoes ``self`` (for every member of a batch).

        Returns
        -------
        Transform
            ``t`` with ``t.compose(self)`` the identity; same batch shape as ``self``.

        Examples
        --------
        >>> from symhmc import MLP, symmetry
        >>> model = MLP(hidden=(4,))
        >>> t = symmetry.random_transform(model, seed=1, size=5)
        >>> t.inverse().compose(t).is_identity()
        array([ True,  True,  True,  True,  True])
        """
        perms = tuple(np.argsort(p, axis=-1, kind="stable") for p in self.perms)
        signs = tuple(np.take_along_axis(s, q, axis=-1) for s, q in zip(self.signs, perms))
        return Transform(perms, signs)

    def is_identity(self) -> np.ndarray:
        """Whether this is the identity transform (elementwise over a batch).

        Returns
        -------
        ndarray of bool
            Shape ``batch_shape`` (a 0-d array for a single transform).

        Examples
        --------
        >>> from symhmc import MLP, symmetry
        >>> model = MLP(hidden=(3,))
        >>> bool(symmetry.identity_transform(model).is_identity())
        True
        >>> bool(symmetry.random_transform(model, seed=2).is_identity())
        False
        """
        out = np.ones(self.batch_shape, dtype=bool)
        for p, s in zip(self.perms, self.signs):
            out &= np.all(p == np.arange(p.shape[-1]), axis=-1) & np.all(s == 1, axis=-1)
        return out

    def equals(self, other: "Transform") -> np.ndarray:
        """Elementwise equality of two transforms over their (broadcast) batches.

        Parameters
        ----------
        other : Transform
            A transform on the same hidden widths; batch shapes broadcast.

        Returns
        -------
        ndarray of bool
            Shape: the broadcast batch shape; ``True`` where permutations and signs all agree.

        Examples
        --------
        >>> from symhmc import MLP, symmetry
        >>> model = MLP(hidden=(3,))
        >>> t = symmetry.random_transform(model, seed=0, size=3)
        >>> t.equals(t[1])
        array([False,  True, False])
        """
        out = np.ones(np.broadcast_shapes(self.batch_shape, other.batch_shape), dtype=bool)
        for pa, sa, pb, sb in zip(self.perms, self.signs, other.perms, other.signs):
            out &= np.all(pa == pb, axis=-1) & np.all(sa == sb, axis=-1)
        return out

    def flat(self) -> tuple[np.ndarray, np.ndarray]:
        """All hidden layers concatenated, in the compiled core's layout.

        Returns
        -------
        perm : ndarray of int32, shape (..., n_hidden_neurons)
            The layers' permutations side by side (each indexes within its own layer).
        sign : ndarray of int32, shape (..., n_hidden_neurons)
            The layers' signs side by side.

        Examples
        --------
        >>> from symhmc import MLP, symmetry
        >>> model = MLP(hidden=(3, 2))
        >>> perm, sign = symmetry.identity_transform(model).flat()
        >>> perm, sign
        (array([0, 1, 2, 0, 1], dtype=int32), array([1, 1, 1, 1, 1], dtype=int32))
        """
        if not self.perms:
            shape = (*self.batch_shape, 0)
            return np.zeros(shape, np.int32), np.zeros(shape, np.int32)
        return (
            np.concatenate(self.perms, axis=-1).astype(np.int32),
            np.concatenate(self.signs, axis=-1).astype(np.int32),
        )

    @classmethod
    def from_flat(cls, perm, sign, widths: Sequence[int]) -> "Transform":
        """Split the core's concatenated layout (see :meth:`flat`) back into hidden layers.

        Parameters
        ----------
        perm : array_like of int, shape (..., sum(widths))
            Concatenated per-layer permutations.
        sign : array_like, shape (..., sum(widths))
            Concatenated per-layer signs.
        widths : sequence of int
            Width of every hidden layer.

        Returns
        -------
        Transform
            Batch shape ``perm.shape[:-1]``.

        Raises
        ------
        ValueError
            If ``perm`` and ``sign`` do not split into valid layers of the same shape.

        Examples
        --------
        >>> from symhmc import MLP, symmetry
        >>> model = MLP(hidden=(3, 2))
        >>> t = symmetry.random_transform(model, seed=0, size=4)
        >>> back = symmetry.Transform.from_flat(*t.flat(), model.hidden)
        >>> bool(back.equals(t).all()), back.batch_shape
        (True, (4,))
        """
        perm, sign = np.asarray(perm), np.asarray(sign)
        cuts = np.cumsum(widths)[:-1]
        return cls(
            tuple(np.split(perm, cuts, axis=-1)) if len(widths) else (),
            tuple(np.split(sign, cuts, axis=-1)) if len(widths) else (),
        )


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

    Parameters
    ----------
    model : MLP
        The network architecture (hidden widths and activation).

    Returns
    -------
    int
        ``|E|``, exact (no overflow: a Python int).

    Raises
    ------
    TypeError
        If ``model`` is not an :class:`~symhmc.MLP`.
    ValueError
        If ``model`` has identity activations and a hidden layer (infinitely many transforms).

    Examples
    --------
    >>> from symhmc import MLP, symmetry
    >>> symmetry.cardinality(MLP(hidden=(3,)))
    48
    >>> symmetry.cardinality(MLP(hidden=(3,), activation="relu"))
    6
    """
    model = _check_model(model)
    if model.activation == "identity" and model.hidden:
        raise ValueError(
            "cardinality is infinite for identity activations: a linear hidden layer of width M has "
            "the continuous symmetry group GL(M) (W -> A W, b -> A b, W_next -> W_next A^-1); its "
            "finite subgroup of signed permutations has prod M_l! 2^M_l elements"
        )
    n = 1
    for m in model.hidden:
        n *= math.factorial(m)
        if model.activation == "tanh":
            n *= 2**m
    return n


def identity_transform(model: MLP, size: int | Sequence[int] | None = None) -> Transform:
    """The identity transform of ``model`` (a batch of ``size`` copies when given).

    Parameters
    ----------
    model : MLP
        The network whose hidden widths the transform acts on.
    size : int or tuple of int, optional
        Batch shape; ``None`` gives a single transform.

    Returns
    -------
    Transform
        Identity permutations and ``+1`` signs, batch shape ``size``.

    Raises
    ------
    TypeError
        If ``model`` is not an :class:`~symhmc.MLP` or ``size`` is not None, an int or a tuple.
    ValueError
        If an entry of ``size`` is not positive.

    Examples
    --------
    >>> from symhmc import MLP, symmetry
    >>> t = symmetry.identity_transform(MLP(hidden=(3, 2)), size=(2, 5))
    >>> t.batch_shape, t.widths, bool(t.is_identity().all())
    ((2, 5), (3, 2), True)
    """
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
    """Draw uniformly random equioutput transforms of ``model``.

    Every hidden layer gets a random permutation and, for odd activations (tanh, identity),
    independent random signs (relu: all ``+1``).

    Parameters
    ----------
    model : MLP
        The network whose hidden widths the transforms act on.
    seed : None, int, SeedSequence or numpy.random.Generator, optional
        Random source; equal seeds give equal transforms.
    size : int or tuple of int, optional
        Batch shape; ``None`` gives a single transform.

    Returns
    -------
    Transform
        Batch shape ``size``.

    Raises
    ------
    TypeError
        If ``model``, ``seed`` or ``size`` has the wrong type.
    ValueError
        If ``seed`` is negative or an entry of ``size`` is not positive.

    Examples
    --------
    >>> from symhmc import MLP, symmetry
    >>> model = MLP(hidden=(4,))
    >>> t = symmetry.random_transform(model, seed=0, size=3)
    >>> t.batch_shape, t.perms[0].shape
    ((3,), (3, 4))
    >>> bool(t.equals(symmetry.random_transform(model, seed=0, size=3)).all())
    True
    """
    model = _check_model(model)
    rng = _seed_arg(seed)
    shape = _size_shape(size)
    odd = model.activation != "relu"
    perms, signs = [], []
    for m in model.hidden:
        perms.append(rng.permuted(np.broadcast_to(np.arange(m), (*shape, m)), axis=-1))
        signs.append(
            (rng.integers(0, 2, size=(*shape, m)) * 2 - 1).astype(np.int8) if odd else np.ones((*shape, m), np.int8)
        )
    return Transform(tuple(perms), tuple(signs))


def apply_transform(params, model: MLP, transform: Transform, *, threads: int | None = None) -> np.ndarray:
    """Apply ``transform`` to parameter vectors ``params`` (shape ``(..., n_params or dim)``).

    ``transform`` is a single transform (applied to every vector) or a batch whose batch shape
    equals ``params.shape[:-1]`` (one transform per vector). A trailing ``log sigma`` is copied.
    The result predicts exactly what ``params`` predicts (entries are only moved and negated).

    Parameters
    ----------
    params : array_like (..., n_params or dim)
        Parameter vectors of ``model``, any leading shape.
    model : MLP
        The network the vectors belong to.
    transform : Transform
        One transform, or a batch of batch shape ``params.shape[:-1]``.
    threads : int, optional
        Threads of the compiled core (default: all); the GIL is released.

    Returns
    -------
    ndarray
        The transformed vectors, same shape as ``params``.

    Raises
    ------
    TypeError
        If ``model`` is not an :class:`~symhmc.MLP` or ``transform`` not a :class:`Transform`.
    ValueError
        If ``params`` has the wrong last axis, or ``transform`` the wrong widths or batch shape.

    Examples
    --------
    >>> from symhmc import MLP, symmetry
    >>> model = MLP(hidden=(3,))
    >>> theta = np.random.default_rng(0).normal(size=(4, model.dim))
    >>> t = symmetry.random_transform(model, seed=1, size=4)
    >>> moved = symmetry.apply_transform(theta, model, t)
    >>> x = np.linspace(-1, 1, 5)
    >>> moved.shape, np.allclose(model.predict(moved, x), model.predict(theta, x))
    ((4, 11), True)
    >>> np.allclose(symmetry.apply_transform(moved, model, t.inverse()), theta)
    True
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
        raise ValueError(
            f"transform has batch shape {transform.batch_shape}; it must be () or the leading shape of params {lead}"
        )
    out = _core.apply_transform(
        list(model.widths),
        model.activation,
        flat,
        np.ascontiguousarray(perm),
        np.ascontiguousarray(sign),
        threads_arg(threads),
    )
    return out.reshape(params.shape)


def canonicalize(
    params, model: MLP, *, normalize: bool = False, threads: int | None = None, return_transform: bool = False
):
    """Map parameter vectors to the canonical representative of their equioutput class.

    tanh: from the last hidden layer to the first, flip each neuron so that its bias is
    positive, then sort the layer's neurons by bias (ties broken by the outgoing, then the
    incoming weights). relu: sort only; with ``normalize=True`` each neuron's (incoming weights,
    bias) is first scaled to unit norm, the scale moving to its outgoing weights (removes relu's
    positive rescaling symmetry). identity: raises ``ValueError`` (continuous ``GL`` symmetry).
    The exact definition, and why it is well-defined, is in ``cpp/include/symhmc/symmetry.hpp``.

    Parameters
    ----------
    params : array_like (..., n_params or dim)
        Any leading shape, e.g. ``(chain, draw, dim)``; a trailing ``log sigma`` is copied.
    model : MLP
        The network the vectors belong to (tanh or relu hidden layers).
    normalize : bool, default False
        relu only (ignored for tanh).
    threads : int or None
        OpenMP threads (None: all available); the GIL is released.
    return_transform : bool, default False
        Also return the :class:`Transform` applied (batch shape ``params.shape[:-1]``; for relu
        with ``normalize`` the rescaling is not part of it).

    Returns
    -------
    canonical : ndarray
        The canonical representatives, same shape as ``params``.
    transform : Transform
        Only with ``return_transform=True``: maps every input vector to its representative.

    Raises
    ------
    TypeError
        If ``model`` is not an :class:`~symhmc.MLP` or ``normalize`` not a bool.
    ValueError
        If ``params`` has the wrong last axis, or ``model`` has identity activations.

    Examples
    --------
    >>> from symhmc import MLP, symmetry
    >>> model = MLP(hidden=(3,))
    >>> theta = np.random.default_rng(0).normal(size=model.dim)
    >>> copies = symmetry.apply_transform(np.tile(theta, (5, 1)), model,
    ...                                   symmetry.random_transform(model, seed=0, size=5))
    >>> canon, t = symmetry.canonicalize(copies, model, return_transform=True)
    >>> np.allclose(canon, canon[0]), t.batch_shape
    (True, (5,))
    >>> np.allclose(symmetry.apply_transform(copies, model, t), canon)
    True
    """
    model = _check_model(model)
    params = _check_params(params, model)
    if not isinstance(normalize, (bool, np.bool_)):
        raise TypeError(f"normalize must be a bool, got {type(normalize).__name__}")
    if model.activation == "identity" and model.hidden:
        raise ValueError(
            "canonicalize is not defined for identity activations: a linear hidden layer has the "
            "continuous symmetry W -> A W, b -> A b, W_next -> W_next A^-1 for every invertible A, so "
            "no finite reference set exists"
        )
    lead = params.shape[:-1]
    flat = params.reshape(-1, params.shape[-1])
    res = _core.canonicalize(
        list(model.widths), model.activation, flat, bool(normalize), threads_arg(threads), bool(return_transform)
    )
    if not return_transform:
        return res.reshape(params.shape)
    out, perm, sign = res
    t = Transform.from_flat(perm.reshape(*lead, -1), sign.reshape(*lead, -1), model.hidden)
    return out.reshape(params.shape), t
