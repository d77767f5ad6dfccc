"""The Bayesian MLP: architecture, flat parameter layout, log posterior and predictions.

Flat parameter vector (shared with the C++ core): layer by layer from input to output, for each
layer its weight matrix ``W`` (shape ``(out, in)``, row-major) then its bias ``b``. When the noise
scale is sampled, ``s = log(sigma)`` follows the network parameters, so posterior vectors have
``n_params + 1`` entries; with a fixed ``noise_std`` they have ``n_params``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Literal, Sequence

import numpy as np

from . import _core
from .utils.validation import as_float_array, positive_float, positive_int, threads_arg, warn_if_badly_scaled

ActivationName = Literal["tanh", "relu", "identity"]
ACTIVATIONS = ("tanh", "relu", "identity")
DtypeName = Literal["float64", "float32"]
DTYPES = ("float64", "float32")
_HALF_LOG_2PI = 0.5 * math.log(2.0 * math.pi)


def gaussian_logpdf(y, mean, sigma):
    """Elementwise Gaussian log density ``log Normal(y | mean, sigma^2)``.

    The observation model of every :class:`MLP`, shared by the scores, the predictive density and
    the ArviZ export. Arrays broadcast; no argument checks (a fast inner function).

    Parameters
    ----------
    y : array_like
        Observations.
    mean : array_like
        Means.
    sigma : array_like
        Standard deviations (positive).

    Returns
    -------
    ndarray or float
        The log densities, broadcast shape of the arguments.

    Examples
    --------
    >>> round(float(symhmc.model.gaussian_logpdf(0.0, 0.0, 1.0)), 6)   # -log(2 pi) / 2
    -0.918939
    """
    z = (y - mean) / sigma
    return -0.5 * z * z - np.log(sigma) - _HALF_LOG_2PI


def _dtype_name(dtype) -> str:
    """``dtype`` as "float64" or "float32" (a NumPy float type or its name is accepted)."""
    try:
        name = None if dtype is None else np.dtype(dtype).name  # np.dtype(None) would be float64
    except TypeError:
        name = None
    if name not in DTYPES:
        raise ValueError(f"dtype must be one of {DTYPES}, got {dtype!r}")
    return name


@dataclass(frozen=True)
class MLP:
    """A fully connected network with a Gaussian likelihood and Gaussian priors.

    Flat parameter vectors hold, layer by layer from input to output, the weight matrix
    ``W`` (shape ``(out, in)``, row-major) then the bias ``b``; ``log sigma`` follows when the
    noise scale is sampled. Frozen (hashable); arguments are checked on construction.

    Parameters
    ----------
    hidden : sequence of int or int, default (3,)
        Width of every hidden layer; ``()`` gives Bayesian linear regression.
    activation : {"tanh", "relu", "identity"}, default "tanh"
        Activation of the hidden layers; the output layer is linear.
    n_inputs : int, default 1
        Input dimension.
    n_outputs : int, default 1
        Number of outputs.
    prior_scale : float, default 1.0
        Standard deviation of the N(0, prior_scale^2) prior on every weight and bias.
    noise_std : float or None, default None
        Fixed noise standard deviation, or ``None`` to sample sigma ~ HalfNormal(noise_prior_scale)
        as ``s = log(sigma)`` (the default, as in the paper).
    noise_prior_scale : float, default 1.0
        Scale of the HalfNormal prior on sigma when it is sampled.
    dtype : {"float64", "float32"}, default "float64"
        Arithmetic of the likelihood in :meth:`posterior` (and so in :func:`symhmc.sample`).
        ``"float32"`` (opt-in, as NumPyro and the paper ran) keeps float32 copies of the data and
        runs the network's products and activations in float32, twice the SIMD lanes; sums over
        data rows are carried in float64, and positions, momenta, energies, the prior and the
        returned log density and gradient stay float64. Log densities and gradients then agree
        with float64 to within 1e-5 and 1e-4 relative (typically 1e-7); draws differ from the
        float64 ones. Predictions are float64. Keep float64 for the Laplace baseline, whose
        Hessian is a finite difference of gradients.

    Raises
    ------
    TypeError
        If ``hidden`` is not a sequence of integers, or a size or scale has the wrong type.
    ValueError
        If ``activation`` or ``dtype`` is unknown, a size is below 1, a scale is not positive and finite, or
        the network has more parameters than the compiled core holds.

    Examples
    --------
    >>> model = symhmc.MLP(hidden=(3,))
    >>> model.widths, model.n_params, model.dim
    ((1, 3, 1), 10, 11)
    >>> symhmc.MLP(hidden=(3,), dtype="float32").dtype
    'float32'
    >>> symhmc.MLP(hidden=(2, 2), noise_std=0.1).dim   # (2 + 2) + (4 + 2) + (2 + 1)
    13
    """

    hidden: tuple[int, ...] = (3,)
    activation: ActivationName = "tanh"
    n_inputs: int = 1
    n_outputs: int = 1
    prior_scale: float = 1.0
    noise_std: float | None = None
    noise_prior_scale: float = 1.0
    dtype: DtypeName = "float64"

    def __post_init__(self):
        hidden = self.hidden
        if isinstance(hidden, (int, np.integer)) and not isinstance(hidden, bool):
            hidden = (int(hidden),)
        try:
            hidden = tuple(hidden)
        except TypeError:
            raise TypeError(f"hidden must be a sequence of layer widths, got {self.hidden!r}") from None
        hidden = tuple(positive_int(h, "hidden") for h in hidden)
        object.__setattr__(self, "hidden", hidden)
        if self.activation not in ACTIVATIONS:
            raise ValueError(f"activation must be one of {ACTIVATIONS}, got {self.activation!r}")
        object.__setattr__(self, "n_inputs", positive_int(self.n_inputs, "n_inputs"))
        object.__setattr__(self, "n_outputs", positive_int(self.n_outputs, "n_outputs"))
        object.__setattr__(self, "prior_scale", positive_float(self.prior_scale, "prior_scale"))
        if self.noise_std is not None:
            object.__setattr__(self, "noise_std", positive_float(self.noise_std, "noise_std"))
        object.__setattr__(self, "noise_prior_scale", positive_float(self.noise_prior_scale, "noise_prior_scale"))
        object.__setattr__(self, "dtype", _dtype_name(self.dtype))
        if self.n_params > _core.max_params:
            raise ValueError(
                f"hidden={self.hidden} with n_inputs={self.n_inputs} and n_outputs={self.n_outputs} gives "
                f"{self.n_params} parameters, more than the core holds ({_core.max_params})"
            )

    # ----- layout -------------------------------------------------------------------------
    @property
    def widths(self) -> tuple[int, ...]:
        """``(n_inputs, *hidden, n_outputs)``."""
        return (self.n_inputs, *self.hidden, self.n_outputs)

    @property
    def layer_shapes(self) -> list[tuple[int, int]]:
        """``(out, in)`` of every weight matrix, input layer first."""
        w = self.widths
        return [(w[i + 1], w[i]) for i in range(len(w) - 1)]

    @property
    def n_params(self) -> int:
        """Number of network weights and biases."""
        return sum(o * i + o for o, i in self.layer_shapes)

    @property
    def samples_noise(self) -> bool:
        """Whether ``log sigma`` is sampled (no fixed ``noise_std``)."""
        return self.noise_std is None

    @property
    def dim(self) -> int:
        """Length of a posterior vector: ``n_params``, plus one for ``log sigma`` when sampled."""
        return self.n_params + (1 if self.samples_noise else 0)

    def unpack(self, params) -> list[tuple[np.ndarray, np.ndarray]]:
        """Split flat vectors into per-layer ``(W, b)`` views.

        Parameters
        ----------
        params : array_like, shape (..., n_params) or (..., dim)
            Flat vectors (a trailing ``log sigma`` is ignored).

        Returns
        -------
        list of tuple of ndarray
            One ``(W, b)`` per layer, input layer first: ``W`` of shape ``(..., out, in)`` and ``b``
            of shape ``(..., out)``.

        Raises
        ------
        ValueError
            If the last axis of ``params`` is neither ``n_params`` nor ``dim`` long.

        Examples
        --------
        >>> model = symhmc.MLP(hidden=(3,), noise_std=0.1)
        >>> [(W.shape, b.shape) for W, b in model.unpack(np.arange(10.0))]
        [((3, 1), (3,)), ((1, 3), (1,))]
        """
        params = np.asarray(params)
        if params.shape[-1:] not in ((self.n_params,), (self.dim,)):
            raise ValueError(f"params must end in an axis of length {self.n_params} or {self.dim}, got {params.shape}")
        lead = params.shape[:-1]
        layers, offset = [], 0
        for out, inp in self.layer_shapes:
            W = params[..., offset : offset + out * inp].reshape(*lead, out, inp)
            offset += out * inp
            b = params[..., offset : offset + out]
            offset += out
            layers.append((W, b))
        return layers

    def pack(self, layers: Sequence[tuple[np.ndarray, np.ndarray]], log_sigma=None) -> np.ndarray:
        """Inverse of :meth:`unpack`: per-layer ``(W, b)`` to flat vectors.

        Parameters
        ----------
        layers : sequence of tuple of array_like
            One ``(W, b)`` per layer, ``W`` ending in ``(out, in)`` and ``b`` in ``(out,)``.
        log_sigma : array_like, optional
            Appended as the last coordinate when given.

        Returns
        -------
        ndarray, shape (..., n_params) or (..., n_params + 1)
            The flat vectors.

        Raises
        ------
        ValueError
            If the number of layers or a layer's shape does not fit the model.

        Examples
        --------
        >>> model = symhmc.MLP(hidden=(3,))
        >>> params = np.arange(11.0)
        >>> np.array_equal(model.pack(model.unpack(params), log_sigma=params[-1]), params)
        True
        """
        if len(layers) != len(self.layer_shapes):
            raise ValueError(f"layers must hold {len(self.layer_shapes)} (W, b) pairs, got {len(layers)}")
        parts = []
        for k, ((W, b), (out, inp)) in enumerate(zip(layers, self.layer_shapes)):
            W, b = np.asarray(W, dtype=float), np.asarray(b, dtype=float)
            if W.shape[-2:] != (out, inp) or b.shape[-1:] != (out,):
                raise ValueError(
                    f"layer {k}: W must end in {(out, inp)} and b in {(out,)}, got {W.shape} and {b.shape}"
                )
            parts += [W.reshape(*W.shape[:-2], out * inp), b]
        if log_sigma is not None:
            parts.append(np.asarray(log_sigma, dtype=float)[..., None])
        return np.concatenate(parts, axis=-1)

    def noise_scale(self, params, name: str = "params") -> np.ndarray:
        """Noise standard deviation of each vector.

        ``exp`` of the trailing ``log sigma`` when the model samples it, else ``noise_std``.

        Parameters
        ----------
        params : array_like, shape (..., n_params or dim)
            Flat vectors (``dim`` long when the model samples the noise scale).
        name : str, default "params"
            Argument name used in error messages.

        Returns
        -------
        ndarray, shape params.shape[:-1]
            The noise standard deviations.

        Raises
        ------
        ValueError
            If the last axis does not fit the model.

        Examples
        --------
        >>> model = symhmc.MLP(hidden=(1,))
        >>> model.noise_scale(np.zeros((2, model.dim)))
        array([1., 1.])
        """
        params = np.asarray(params, dtype=float)
        if self.noise_std is None:
            if params.shape[-1] != self.dim:
                raise ValueError(
                    f"{name} must end in log sigma ({self.dim} entries per vector: the network's "
                    f"{self.n_params} parameters then log sigma) because the model samples the "
                    f"noise scale, got {params.shape[-1]}"
                )
            return np.exp(params[..., -1])
        if params.shape[-1] not in (self.n_params, self.dim):
            raise ValueError(
                f"{name} must have {self.n_params} or {self.dim} entries per vector, got {params.shape[-1]}"
            )
        return np.full(params.shape[:-1], float(self.noise_std))

    # ----- data ---------------------------------------------------------------------------
    def check_x(self, x, name: str = "x") -> np.ndarray:
        """Inputs as a float64 array ``(n_points, n_inputs)``.

        Parameters
        ----------
        x : array_like, shape (n_points,) or (n_points, n_inputs)
            Inputs; 1-D input is one feature.
        name : str, default "x"
            Argument name used in error messages.

        Returns
        -------
        ndarray, shape (n_points, n_inputs)
            The checked inputs.

        Raises
        ------
        TypeError
            If ``x`` is not numeric.
        ValueError
            If ``x`` does not have 1 or 2 dimensions, its columns do not match ``n_inputs``, or it
            is empty or not finite.

        Examples
        --------
        >>> symhmc.MLP().check_x([1, 2, 3]).shape
        (3, 1)
        """
        x = as_float_array(x, name, ndim=(1, 2))
        if x.ndim == 1:
            if self.n_inputs != 1:
                raise ValueError(
                    f"{name} is 1-D but the model has n_inputs={self.n_inputs}; pass shape (n, {self.n_inputs})"
                )
            x = x[:, None]
        if x.shape[1] != self.n_inputs:
            raise ValueError(f"{name} has {x.shape[1]} columns but the model has n_inputs={self.n_inputs}")
        return x

    def check_y(self, y, n_points: int, name: str = "y") -> np.ndarray:
        """Targets as a float64 array ``(n_points, n_outputs)``.

        Parameters
        ----------
        y : array_like, shape (n_points,) or (n_points, n_outputs)
            Targets.
        n_points : int
            Required number of rows (the rows of ``x``).
        name : str, default "y"
            Argument name used in error messages.

        Returns
        -------
        ndarray, shape (n_points, n_outputs)
            The checked targets.

        Raises
        ------
        TypeError
            If ``y`` is not numeric.
        ValueError
            If ``y`` does not have ``n_points`` rows and ``n_outputs`` columns, or is empty or not
            finite.

        Examples
        --------
        >>> symhmc.MLP().check_y([0.5, 1.5], n_points=2).shape
        (2, 1)
        """
        y = as_float_array(y, name, ndim=(1, 2))
        if y.ndim == 1:
            y = y[:, None]
        if y.shape[1] != self.n_outputs:
            raise ValueError(f"{name} has {y.shape[1]} outputs but the model has n_outputs={self.n_outputs}")
        if y.shape[0] != n_points:
            raise ValueError(f"{name} has {y.shape[0]} rows but x has {n_points}")
        return y

    def _check_params(self, params, length: int, name: str = "params") -> tuple[np.ndarray, bool]:
        params = as_float_array(params, name, ndim=(1, 2))
        single = params.ndim == 1
        params = np.atleast_2d(params)
        if params.shape[1] != length:
            raise ValueError(f"{name} must have {length} entries per vector, got {params.shape[1]}")
        return params, single

    def posterior(self, x, y) -> "_core.Posterior":
        """The compiled posterior target for data ``(x, y)``, as the samplers use it.

        It computes in the model's :attr:`dtype` arithmetic.

        Warns (:class:`~symhmc.DataScaleWarning`, a ``RuntimeWarning``) when ``x`` or ``y`` holds values
        beyond 1e6 in magnitude, far from the standardized scale the priors suit.

        Parameters
        ----------
        x : array_like, shape (n_points,) or (n_points, n_inputs)
            Inputs (1-D: one feature).
        y : array_like, shape (n_points,) or (n_points, n_outputs)
            Targets.

        Returns
        -------
        symhmc._core.Posterior
            The target, to pass to :func:`symhmc.sample_target`.

        Raises
        ------
        TypeError
            If ``x`` or ``y`` is not numeric.
        ValueError
            If ``x`` or ``y`` does not fit the model, or holds NaN or infinity.

        Examples
        --------
        >>> model = symhmc.MLP(hidden=(2,))
        >>> target = model.posterior(np.linspace(-1, 1, 5), np.zeros(5))
        >>> target.dim == model.dim
        True
        """
        x = self.check_x(x)
        y = self.check_y(y, x.shape[0])
        warn_if_badly_scaled(x, "x")
        warn_if_badly_scaled(y, "y")
        return _core.Posterior(
            list(self.widths),
            self.activation,
            x,
            y,
            self.prior_scale,
            self.noise_std,
            self.noise_prior_scale,
            self.dtype,
        )

    # ----- evaluation ---------------------------------------------------------------------
    def log_prob_and_grad(self, params, x, y, *, threads: int | None = None):
        """Log posterior density (all constants included) and its gradient.

        Parameters
        ----------
        params : array_like, shape (dim,) or (n_vectors, dim)
            One vector or a stack of vectors.
        x : array_like, shape (n_points,) or (n_points, n_inputs)
            Inputs (1-D: one feature).
        y : array_like, shape (n_points,) or (n_points, n_outputs)
            Targets.
        threads : int, optional
            Threads of the compiled core (default: all).

        Returns
        -------
        log_prob : float or ndarray of shape (n_vectors,)
            The log density.
        grad : ndarray of shape (dim,) or (n_vectors, dim)
            Its gradient.

        Raises
        ------
        TypeError
            If an array argument is not numeric.
        ValueError
            If ``params``, ``x`` or ``y`` does not fit the model, or an array holds NaN or infinity.

        Examples
        --------
        >>> model = symhmc.MLP(hidden=(2,))
        >>> lp, grad = model.log_prob_and_grad(np.zeros(model.dim), [0.0, 1.0], [0.0, 0.5])
        >>> isinstance(lp, float), grad.shape
        (True, (8,))
        """
        params, single = self._check_params(params, self.dim)
        lp, grad = self.posterior(x, y).log_density(params, threads_arg(threads), True)
        return (float(lp[0]), grad[0]) if single else (lp, grad)

    def log_prob(self, params, x, y, *, threads: int | None = None):
        """Log posterior density at one vector or a stack of vectors.

        Parameters
        ----------
        params : array_like, shape (dim,) or (n_vectors, dim)
            One vector or a stack of vectors.
        x : array_like, shape (n_points,) or (n_points, n_inputs)
            Inputs (1-D: one feature).
        y : array_like, shape (n_points,) or (n_points, n_outputs)
            Targets.
        threads : int, optional
            Threads of the compiled core (default: all).

        Returns
        -------
        float or ndarray of shape (n_vectors,)
            The log density (the same as :meth:`log_prob_and_grad`'s first value).

        Raises
        ------
        TypeError
            If an array argument is not numeric.
        ValueError
            If ``params``, ``x`` or ``y`` does not fit the model, or an array holds NaN or infinity.

        Examples
        --------
        >>> model = symhmc.MLP(hidden=(2,))
        >>> model.log_prob(np.zeros((3, model.dim)), [0.0, 1.0], [0.0, 0.5]).shape
        (3,)
        """
        params, single = self._check_params(params, self.dim)
        lp, _ = self.posterior(x, y).log_density(params, threads_arg(threads), False)
        return float(lp[0]) if single else lp

    def predict(self, params, x, *, threads: int | None = None) -> np.ndarray:
        """Network outputs ``f_theta(x)``.

        Parameters
        ----------
        params : array_like, shape (n_params or dim,) or (n_vectors, n_params or dim)
            One vector or a stack (a trailing ``log sigma`` is ignored).
        x : array_like, shape (n_points,) or (n_points, n_inputs)
            Inputs (1-D: one feature).
        threads : int, optional
            Threads of the compiled core (default: all).

        Returns
        -------
        ndarray
            ``(n_vectors, n_points)`` for one output (``(n_vectors, n_points, n_outputs)``
            otherwise); one vector drops the first axis.

        Raises
        ------
        TypeError
            If ``params`` or ``x`` is not numeric.
        ValueError
            If ``params`` or ``x`` does not fit the model, or holds NaN or infinity.

        Examples
        --------
        >>> model = symhmc.MLP(hidden=(2,))
        >>> model.predict(np.zeros((4, model.dim)), np.linspace(-1, 1, 3))
        array([[0., 0., 0.],
               [0., 0., 0.],
               [0., 0., 0.],
               [0., 0., 0.]])
        """
        params = as_float_array(params, "params", ndim=(1, 2))
        if params.shape[-1] not in (self.n_params, self.dim):
            raise ValueError(
                f"params must have {self.n_params} or {self.dim} entries per vector, got {params.shape[-1]}"
            )
        single = params.ndim == 1
        x = self.check_x(x)
        out = _core.predict(list(self.widths), self.activation, np.atleast_2d(params), x, threads_arg(threads))
        if self.n_outputs == 1:
            out = out[..., 0]
        return out[0] if single else out


# ----------------------------------------------------------------------------------------------
# model spec: the JSON description of an MLP that result files, checkpoints and executor blocks
# carry (and that rebuilds the model on the other side)
# ----------------------------------------------------------------------------------------------
#: The fields of a spec; ``dtype`` is optional (left out for float64, as in older files).
MODEL_SPEC_FIELDS = frozenset(
    {"class", "hidden", "activation", "n_inputs", "n_outputs", "prior_scale", "noise_std", "noise_prior_scale"}
)


def model_spec(model):
    """The JSON-ready description of a model, from which :func:`model_from_spec` rebuilds it.

    Parameters
    ----------
    model : MLP or None
        The model (``None`` for a run sampled from a raw target).

    Returns
    -------
    dict or None
        ``{"class": "MLP", "hidden": [...], "activation": ..., ...}``, or None for ``None``.

    Raises
    ------
    TypeError
        If ``model`` is neither an :class:`MLP` nor None.

    Examples
    --------
    >>> spec = symhmc.model.model_spec(symhmc.MLP(hidden=(3,)))
    >>> spec["class"], spec["hidden"], spec["activation"]
    ('MLP', [3], 'tanh')
    """
    if model is None:
        return None
    if not isinstance(model, MLP):
        raise TypeError(f"results.model must be a symhmc.MLP (or None) to be saved, got {type(model).__name__}")
    spec = {
        "class": "MLP",
        "hidden": list(model.hidden),
        "activation": model.activation,
        "n_inputs": model.n_inputs,
        "n_outputs": model.n_outputs,
        "prior_scale": model.prior_scale,
        "noise_std": model.noise_std,
        "noise_prior_scale": model.noise_prior_scale,
    }
    if model.dtype != "float64":  # optional field: float64 specs stay as before
        spec["dtype"] = model.dtype
    return spec


def model_from_spec(spec, where: str):
    """The MLP a spec describes (every field present, none unknown), or None for ``None``.

    Parameters
    ----------
    spec : dict or None
        A description written by :func:`model_spec` (read back from a file: checked).
    where : str
        What the spec was read from, to start error messages with.

    Returns
    -------
    MLP or None
        The model, or None for ``None``.

    Raises
    ------
    ValueError
        If the spec is not a complete, valid MLP description.

    Examples
    --------
    >>> model = symhmc.MLP(hidden=(3,))
    >>> symhmc.model.model_from_spec(symhmc.model.model_spec(model), "example") == model
    True
    """
    if spec is None:
        return None
    if not isinstance(spec, dict) or spec.get("class") != "MLP":
        raise ValueError(f"{where}: model: unknown model spec {spec!r:.200}")
    if set(spec) - {"dtype"} != MODEL_SPEC_FIELDS:
        raise ValueError(
            f"{where}: model: the spec must have the fields {sorted(MODEL_SPEC_FIELDS)}, got {sorted(spec)}"
        )
    if not isinstance(spec["hidden"], list):
        raise ValueError(f"{where}: model: 'hidden' must be a list of layer widths, got {spec['hidden']!r:.80}")
    fields = {k: v for k, v in spec.items() if k != "class"}
    try:
        return MLP(**{**fields, "hidden": tuple(fields["hidden"])})
    except (TypeError, ValueError, OverflowError) as exc:  # OverflowError: an int beyond float range
        raise ValueError(f"{where}: model: invalid model spec {spec!r:.200}: {exc}") from None
