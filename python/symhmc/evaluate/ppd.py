"""Convergence of the posterior predictive density as chains are added (paper, Section 5.2).

The posterior predictive density (PPD) after ``g`` chains at input ``x`` is the equally weighted
mixture over every draw of the first ``g`` chains::

    PPD_g(y | x) = mean over draws theta of Normal(y | f_theta(x), sigma_theta)

The paper measures how much adding chains still changes the prediction by the Kullback-Leibler
divergence ``KL(PPD_g || PPD_{g-1})`` on a grid ``y`` in [-3, 3] (the data are standardized),
for each ``x`` of an input grid, averaged over ``x``. Here:

* the densities are evaluated on ``y_grid``, floored at ``floor`` (so that ``log 0`` never
  occurs) and normalised to integrate to one on the grid with the trapezoid rule;
* ``KL(p || q) = trapezoid(p * log(p / q), y_grid)`` for every ``x``, then the mean over ``x``;
* the curve is computed incrementally: the densities of the chains are added to running sums in
  chain order, so the whole curve over 1274 chains costs about as much as one predictive
  density per chain; the work is done in blocks of inputs and chains whose float64 temporaries
  stay below ``memory_budget`` bytes.

``ppd_convergence`` compares successive chain counts: with ``step=1`` it is the paper's curve
``g = 2, 3, ..., G`` against ``g - 1``; with ``step=k`` the counts ``k, 2k, ...`` (and the last
chain) each against the one before; with a list of counts, each listed count against the
previous one (as ``sample(..., chains="auto")`` does with its rounds).
"""

from __future__ import annotations

import numbers
from typing import Iterable, NamedTuple, Sequence

import numpy as np

from .draws import positive_sigma, resolve_draws
from ..utils.validation import as_float_array, positive_float, positive_int
from ..model import MLP, gaussian_logpdf

__all__ = [
    "PPDConvergence",
    "ppd_convergence",
    "predictive_density",
    "kl_divergence",
    "DEFAULT_Y_GRID",
    "PredictiveDensity",
    "data_y_grid",
]

#: The paper's output grid: 201 points on [-3, 3] (standardized targets).
DEFAULT_Y_GRID = np.linspace(-3.0, 3.0, 201)
#: Points and padding (in standard deviations of y) of :func:`data_y_grid`.
DATA_GRID_POINTS = 201
DATA_GRID_PAD = 3.0
DEFAULT_FLOOR = 1e-12
DEFAULT_MEMORY_BUDGET = 64 * 2**20  # bytes of float64 temporaries per block


class PPDConvergence(NamedTuple):
    """The KL curve of :func:`ppd_convergence`.

    ``kl[i]`` is the mean over ``x`` of ``KL(PPD_{chains[i]} || PPD_{previous[i]})``. A named tuple.

    Attributes
    ----------
    chains : ndarray of int
        Chain counts of the curve.
    previous : ndarray of int
        The count each one is compared with.
    kl : ndarray
        Mean KL divergence over the inputs, one per entry of ``chains``.
    kl_per_point : ndarray of shape (len(chains), n_points) or None
        The KL at every input, when asked for (``per_point=True``).
    y_grid : ndarray
        The output grid of the densities.
    n_points : int
        Number of inputs compared.

    Examples
    --------
    >>> draws = np.random.default_rng(0).normal(size=(6, 10))
    >>> model = symhmc.MLP(hidden=(2,), noise_std=0.5)   # 7 parameters
    >>> curve = symhmc.ppd.ppd_convergence(draws[:, :7], np.linspace(-1, 1, 5), model=model)
    >>> curve.chains, curve.previous
    (array([2, 3, 4, 5, 6]), array([1, 2, 3, 4, 5]))
    """

    chains: np.ndarray
    previous: np.ndarray
    kl: np.ndarray
    kl_per_point: np.ndarray | None
    y_grid: np.ndarray
    n_points: int


# ----------------------------------------------------------------------------------------------
# argument checks
# ----------------------------------------------------------------------------------------------
def y_grid_arg(y_grid) -> np.ndarray:
    """The output grid to use: ``y_grid`` checked (increasing, at least 2 points), or the paper's."""
    if y_grid is None:
        return DEFAULT_Y_GRID.copy()
    grid = as_float_array(y_grid, "y_grid", ndim=1)
    if grid.size < 2:
        raise ValueError(f"y_grid must have at least 2 points, got {grid.size}")
    if not np.all(np.diff(grid) > 0):
        raise ValueError("y_grid must be strictly increasing")
    return grid


def data_y_grid(y, points: int = DATA_GRID_POINTS, pad: float = DATA_GRID_PAD) -> np.ndarray:
    """An output grid that fits the targets ``y``.

    ``points`` points on ``[min(y) - pad * sd(y), max(y) + pad * sd(y)]``. For standardized
    targets this is close to the paper's [-3, 3] (a little wider); for targets on another scale it
    still covers where the predictive density lives, so that a KL divergence on it does not
    compare two densities that are both floored to nothing (the default of
    ``sample(..., chains="auto")``). Constant targets use ``sd = max(|y|, 1)`` instead of 0.

    Parameters
    ----------
    y : array_like
        Targets (any shape; flattened).
    points : int, default 201
        Number of grid points, at least 2.
    pad : float, default 3.0
        Padding on each side, in standard deviations of ``y``.

    Returns
    -------
    ndarray, shape (points,)
        The increasing grid.

    Raises
    ------
    TypeError
        If ``y`` is not numeric, ``points`` is not an integer or ``pad`` not a real number.
    ValueError
        If ``y`` is empty or not finite, ``points < 2`` or ``pad`` is not positive.

    Examples
    --------
    >>> symhmc.ppd.data_y_grid([-1.0, 1.0], points=5, pad=1.0)
    array([-2., -1.,  0.,  1.,  2.])
    """
    values = as_float_array(y, "y").ravel()
    points = positive_int(points, "points", minimum=2)
    pad = positive_float(pad, "pad")
    lo, hi = float(values.min()), float(values.max())
    sd = float(values.std())
    if not sd > 0.0:  # one point or constant targets: a unit-free width that is never zero
        sd = max(abs(lo), 1.0)
    return np.linspace(lo - pad * sd, hi + pad * sd, points)


def _floor_arg(floor) -> float:
    return positive_float(floor, "floor")


def _budget_arg(memory_budget) -> int:
    return positive_int(memory_budget, "memory_budget", minimum=1024)


def trapezoid_weights(grid: np.ndarray) -> np.ndarray:
    """Weights ``w`` with ``sum(w * v) == trapezoid(v, grid)``."""
    d = np.diff(grid)
    w = np.zeros_like(grid)
    w[:-1] += d / 2
    w[1:] += d / 2
    return w


def _normalise(dens: np.ndarray, weights: np.ndarray, floor: float) -> np.ndarray:
    """Floor then normalise densities on the grid (last axis)."""
    d = np.maximum(dens, floor)
    return d / (d @ weights)[..., None]


def kl_divergence(p, q, y_grid=None, *, floor: float = DEFAULT_FLOOR) -> np.ndarray:
    """Kullback-Leibler divergence ``KL(p || q)`` of densities given on a grid.

    Both densities are floored at ``floor`` and normalised on the grid (trapezoid rule) first.
    Leading axes broadcast.

    Parameters
    ----------
    p, q : array_like, shape (..., len(y_grid))
        Densities on the grid (last axis).
    y_grid : array_like, optional
        Strictly increasing grid; default 201 points on [-3, 3].
    floor : float, default 1e-12
        Smallest density value, so that the logarithm stays finite.

    Returns
    -------
    ndarray or numpy.float64
        The divergence for every leading index (a scalar for 1-D ``p`` and ``q``), never
        negative.

    Raises
    ------
    TypeError
        If an argument is not numeric.
    ValueError
        If ``p`` or ``q`` does not end in an axis of length ``len(y_grid)``, ``y_grid`` is not
        strictly increasing with at least 2 points, ``floor`` is not positive, or an array holds
        NaN or infinity.

    Examples
    --------
    >>> grid = np.linspace(-5, 5, 401)
    >>> p = np.exp(-0.5 * grid**2)
    >>> q = np.exp(-0.5 * (grid - 1) ** 2)
    >>> round(float(symhmc.ppd.kl_divergence(p, q, grid)), 3)   # 1/2 for unit Gaussians 1 apart
    0.5
    """
    grid = y_grid_arg(y_grid)
    floor = _floor_arg(floor)
    p = as_float_array(p, "p")
    q = as_float_array(q, "q")
    if p.shape[-1] != grid.size or q.shape[-1] != grid.size:
        raise ValueError(
            f"p and q must end in an axis of length len(y_grid) = {grid.size}, got {p.shape} and {q.shape}"
        )
    w = trapezoid_weights(grid)
    return _kl(_normalise(p, w, floor), _normalise(q, w, floor), w)


def _kl(p: np.ndarray, q: np.ndarray, w: np.ndarray) -> np.ndarray:
    """KL of normalised, strictly positive densities on the grid with weights ``w``."""
    return np.maximum((p * np.log(p / q)) @ w, 0.0)


# ----------------------------------------------------------------------------------------------
# inputs: results or draws -> (per-chain draws, sigma, prediction function)
# ----------------------------------------------------------------------------------------------
def _setup(results_or_draws, x, model):
    """Returns ``(params (chains, draws, dim), sigma (chains, draws), x (n, n_inputs), model)``."""
    params, model, x = resolve_draws(
        results_or_draws, model, x, what="the predictive density", name="results_or_draws", ndim=(2, 3), one_output=True
    )
    if x is None:
        raise ValueError("x is needed (the inputs at which the predictive density is compared)")
    if params.ndim == 2:
        params = params[:, None, :]
    return params, positive_sigma(model, params, "draws"), model.check_x(x), model


def _chain_counts(step, n_chains: int) -> np.ndarray:
    if isinstance(step, numbers.Integral) and not isinstance(step, bool):
        step = positive_int(step, "step")
        counts = list(range(step, n_chains + 1, step))
        if not counts or counts[-1] != n_chains:
            counts.append(n_chains)
    else:
        if isinstance(step, (str, bytes, bool)) or not isinstance(step, (Sequence, np.ndarray, Iterable)):
            raise TypeError(f"step must be a positive integer or a list of chain counts, got {step!r}")
        arr = np.asarray(list(step))
        if arr.ndim != 1 or arr.dtype == bool or arr.dtype.kind not in "iu":
            raise TypeError(f"step must be a positive integer or a list of integer chain counts, got {step!r}")
        counts = [int(c) for c in arr]
        if len(counts) < 2:
            raise ValueError(f"step must list at least 2 chain counts, got {counts}")
        if counts[0] < 1 or counts[-1] > n_chains or np.any(np.diff(counts) <= 0):
            raise ValueError(f"step must list strictly increasing chain counts in [1, {n_chains}], got {counts}")
    out = np.asarray(counts, dtype=np.int64)
    if out.size < 2:
        raise ValueError(
            f"the KL curve needs at least 2 chain counts; with {n_chains} chain(s) and step={step} there is only one"
        )
    return out


# ----------------------------------------------------------------------------------------------
# the predictive density
# ----------------------------------------------------------------------------------------------
def _density_sum(f: np.ndarray, sigma: np.ndarray, grid: np.ndarray) -> np.ndarray:
    """``sum over axis 1 of Normal(grid | f, sigma)``: f ``(c, d, b)``, sigma ``(c, d)`` ->
    ``(c, b, n_y)``."""
    return np.exp(gaussian_logpdf(grid[None, None, None, :], f[..., None], sigma[:, :, None, None])).sum(axis=1)


class PredictiveDensity:
    """Running sum of the predictive density at fixed inputs ``x`` on ``y_grid``.

    :meth:`add` adds draws; :meth:`density` is the current mixture (unnormalised on the grid);
    :meth:`kl_to` is the mean over ``x`` of ``KL(current || previous)``. Used by
    ``sample(chains="auto")``.

    Parameters
    ----------
    model : MLP
        The network (one output).
    x : array_like, shape (n_points,) or (n_points, n_inputs)
        Inputs at which the density is accumulated.
    y_grid : array_like, optional
        Strictly increasing output grid; default 201 points on [-3, 3].
    floor : float, default 1e-12
        Floor of the densities before normalisation (:meth:`normalised`).
    memory_budget : int, default 64 MiB
        Bytes of float64 temporaries per block (at least 1024).

    Attributes
    ----------
    x : ndarray, shape (n_points, n_inputs)
        The checked inputs.
    y_grid : ndarray
        The output grid.
    weights : ndarray
        Trapezoid-rule weights of the grid (``density @ weights`` integrates over it).
    total : ndarray, shape (n_points, len(y_grid))
        Sum of the added draws' densities.
    count : int
        Number of draws added.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`symhmc.MLP`, or an argument has the wrong type.
    ValueError
        If the model has several outputs, ``x`` does not fit it, ``y_grid`` is not strictly
        increasing, or ``floor`` or ``memory_budget`` is out of range.

    Examples
    --------
    >>> model = symhmc.MLP(hidden=(2,), noise_std=0.5)
    >>> acc = symhmc.ppd.PredictiveDensity(model, np.linspace(-1, 1, 3))
    >>> acc.add(np.random.default_rng(0).normal(size=(10, model.dim)))
    >>> acc.density().shape
    (3, 201)
    """

    def __init__(
        self, model, x, y_grid=None, *, floor: float = DEFAULT_FLOOR, memory_budget: int = DEFAULT_MEMORY_BUDGET
    ):
        if not isinstance(model, MLP):
            raise TypeError(f"model must be a symhmc.MLP, got {type(model).__name__}")
        if model.n_outputs != 1:
            raise ValueError(f"the predictive density needs one output, got n_outputs={model.n_outputs}")
        self.model = model
        self.x = model.check_x(x)
        self.y_grid = y_grid_arg(y_grid)
        self.floor = _floor_arg(floor)
        self.memory_budget = _budget_arg(memory_budget)
        self.weights = trapezoid_weights(self.y_grid)
        self.total = np.zeros((self.x.shape[0], self.y_grid.size))
        self.count = 0

    def add(self, params) -> None:
        """Add posterior draws to the running mixture.

        Parameters
        ----------
        params : array_like, shape (n_draws, dim) or (chains, draws, dim)
            Flat parameter vectors of the density's model.

        Raises
        ------
        TypeError
            If ``params`` is not numeric.
        ValueError
            If ``params`` does not fit the model, holds NaN or infinity, or gives a non-positive noise
            scale.

        Examples
        --------
        >>> model = symhmc.MLP(hidden=(2,), noise_std=0.5)
        >>> acc = symhmc.ppd.PredictiveDensity(model, [0.0, 1.0])
        >>> acc.add(np.zeros((3, model.dim)))
        >>> acc.count
        3
        """
        params, sigma, _, _ = _setup(params, self.x, self.model)
        params, sigma = params.reshape(-1, 1, params.shape[-1]), sigma.reshape(-1, 1)
        n, nx, ny = params.shape[0], self.x.shape[0], self.y_grid.size
        xb = max(1, min(nx, self.memory_budget // (8 * 4 * max(n, 1) * ny)))
        cb = max(1, self.memory_budget // (8 * 4 * xb * ny))
        for x0 in range(0, nx, xb):
            xs = slice(x0, x0 + xb)
            f = np.asarray(self.model.predict(params[:, 0], self.x[xs]), dtype=float).reshape(n, 1, -1)
            for c0 in range(0, n, cb):
                self.total[xs] += _density_sum(f[c0 : c0 + cb], sigma[c0 : c0 + cb], self.y_grid).sum(axis=0)
        self.count += n

    def density(self) -> np.ndarray:
        """The current mixture density at every input, unnormalised on the grid.

        Returns
        -------
        ndarray, shape (n_points, len(y_grid))
            Mean over the added draws of ``Normal(y | f(x), sigma^2)``.

        Raises
        ------
        ValueError
            If no draws were added yet.

        Examples
        --------
        >>> model = symhmc.MLP(hidden=(2,), noise_std=1.0)
        >>> acc = symhmc.ppd.PredictiveDensity(model, [0.0])
        >>> acc.add(np.zeros((1, model.dim)))   # f = 0, sigma = 1
        >>> round(float(acc.density()[0, 100]), 4)   # standard normal density at y = 0
        0.3989
        """
        if self.count == 0:
            raise ValueError("no draws added yet")
        return self.total / self.count

    def grid_mass(self) -> np.ndarray:
        """Per input, the probability the current mixture puts on the grid's range.

        The mass on ``[y_grid[0], y_grid[-1]]`` by the trapezoid rule: well below 1, a KL divergence on
        the grid ignores where the prediction lives.

        Returns
        -------
        ndarray, shape (n_points,)
            Probability on the grid at every input.

        Raises
        ------
        ValueError
            If no draws were added yet.

        Examples
        --------
        >>> model = symhmc.MLP(hidden=(2,), noise_std=1.0)
        >>> acc = symhmc.ppd.PredictiveDensity(model, [0.0])
        >>> acc.add(np.zeros((1, model.dim)))
        >>> np.round(acc.grid_mass(), 3)   # P(|Z| <= 3)
        array([0.997])
        """
        return self.density() @ self.weights

    def normalised(self) -> np.ndarray:
        """The current density, floored and normalised on the grid.

        Returns
        -------
        ndarray, shape (n_points, len(y_grid))
            Densities that integrate to 1 on the grid (trapezoid rule).

        Raises
        ------
        ValueError
            If no draws were added yet.

        Examples
        --------
        >>> model = symhmc.MLP(hidden=(2,), noise_std=1.0)
        >>> acc = symhmc.ppd.PredictiveDensity(model, [0.0])
        >>> acc.add(np.zeros((1, model.dim)))
        >>> np.round(acc.normalised() @ acc.weights, 6)   # trapezoid rule on the grid
        array([1.])
        """
        return _normalise(self.density(), self.weights, self.floor)

    def kl_to(self, previous: np.ndarray) -> float:
        """Mean over the inputs of ``KL(current || previous)``.

        Parameters
        ----------
        previous : ndarray, shape (n_points, len(y_grid))
            An earlier :meth:`normalised` density of the same inputs and grid.

        Returns
        -------
        float
            The mean divergence, never negative.

        Raises
        ------
        ValueError
            If no draws were added yet.

        Examples
        --------
        >>> model = symhmc.MLP(hidden=(2,), noise_std=1.0)
        >>> acc = symhmc.ppd.PredictiveDensity(model, [0.0, 0.5])
        >>> acc.add(np.random.default_rng(0).normal(size=(5, model.dim)))
        >>> before = acc.normalised()
        >>> acc.kl_to(before)
        0.0
        """
        return float(np.mean(_kl(self.normalised(), previous, self.weights)))


def predictive_density(
    results_or_draws, x=None, *, model=None, y_grid=None, memory_budget: int = DEFAULT_MEMORY_BUDGET
) -> np.ndarray:
    """The posterior predictive density at inputs ``x`` on an output grid.

    The mean over all draws of ``Normal(y | f(x), sigma^2)``.

    Parameters
    ----------
    results_or_draws : SampleResults or array_like
        A run (its ``model`` and training inputs are used by default) or draws shaped
        ``(chains, draws, dim)`` or ``(n_draws, dim)`` (then ``model`` is required).
    x : array_like, optional
        Inputs ``(n_points, n_inputs)`` (1-D for one input); default: the run's training inputs.
    model : MLP, optional
        The network (default: ``results.model``).
    y_grid : array_like, optional
        Strictly increasing output grid; default 201 points on [-3, 3].
    memory_budget : int, default 64 MiB
        Bytes of float64 temporaries per block (at least 1024).

    Returns
    -------
    ndarray, shape (n_points, len(y_grid))
        The density at every input and grid point.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`symhmc.MLP` or an array argument is not numeric.
    ValueError
        If ``model`` or ``x`` is missing, the draws do not fit the model, the model has several
        outputs, ``y_grid`` is not strictly increasing with at least 2 points, or an array holds
        NaN or infinity.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
    >>> symhmc.ppd.predictive_density(run, x[:3]).shape
    (3, 201)
    """
    params, _, x, model = _setup(results_or_draws, x, model)
    acc = PredictiveDensity(model, x, y_grid, memory_budget=memory_budget)
    acc.add(params)
    return acc.density()


def ppd_convergence(
    results_or_draws,
    x=None,
    *,
    model=None,
    y_grid=None,
    step=1,
    floor: float = DEFAULT_FLOOR,
    per_point: bool = False,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
) -> PPDConvergence:
    """The paper's KL curve of the posterior predictive density as chains are added.

    Parameters
    ----------
    results_or_draws : SampleResults or array_like
        A run (its ``model`` and training inputs are used by default) or draws shaped
        ``(chains, draws, dim)`` or ``(chains, dim)`` (one draw per chain; then ``model`` is
        required). Chains are added in their stored order.
    x : array_like, optional
        Inputs ``(n_points, n_inputs)`` (1-D for one input) at which the densities are
        compared; default: the run's training inputs.
    model : MLP, optional
        The network (default: ``results.model``).
    y_grid : array_like, optional
        Increasing output grid; default 201 points on [-3, 3].
    step : int or sequence of int, default 1
        ``1``: the paper's curve, every ``g = 2..G`` against ``g - 1``. ``k``: counts
        ``k, 2k, ...`` (and ``G``), each against the one before. A list: those chain counts,
        each against the one before.
    floor : float, default 1e-12
        Densities are floored at this value before normalisation on the grid.
    per_point : bool, default False
        Also return the KL at every input (``kl_per_point``).
    memory_budget : int, default 64 MiB
        Bytes of float64 temporaries per block (at least 1024).

    Returns
    -------
    PPDConvergence
        ``chains``, ``previous``, ``kl`` (mean over ``x``), ``kl_per_point``, ``y_grid``,
        ``n_points``.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`symhmc.MLP`, an array argument is not numeric, ``step``
        is neither an integer nor a list of integers, or ``per_point`` is not a bool.
    ValueError
        If ``model`` or ``x`` is missing, the draws do not fit the model, ``step`` gives fewer
        than 2 chain counts or counts outside ``[1, chains]``, ``y_grid`` is not strictly
        increasing, or ``floor`` or ``memory_budget`` is out of range.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=8, warmup=50, seed=0, progress=False)
    >>> curve = symhmc.ppd.ppd_convergence(run, step=2)
    >>> curve.chains, curve.previous
    (array([4, 6, 8]), array([2, 4, 6]))
    >>> bool(np.all(curve.kl >= 0))
    True
    """
    params, sigma, x, model = _setup(results_or_draws, x, model)
    grid = y_grid_arg(y_grid)
    floor = _floor_arg(floor)
    budget = _budget_arg(memory_budget)
    if not isinstance(per_point, (bool, np.bool_)):
        raise TypeError(f"per_point must be True or False, got {per_point!r}")
    n_chains, n_draws = params.shape[:2]
    counts = _chain_counts(step, n_chains)
    n_chains = int(counts[-1])  # chains after the last count are never used
    w = trapezoid_weights(grid)
    nx, ny = x.shape[0], grid.size
    kl_points = np.empty((counts.size - 1, nx))
    flat = params[:n_chains].reshape(-1, params.shape[-1])
    # input block: prediction (n_chains*n_draws, xb) and two densities (xb, ny) per count
    xb = max(1, min(nx, budget // (8 * max(4 * ny, n_chains * n_draws))))
    # chain block: (cb, n_draws, xb, ny) of temporaries, ~4 of them
    cb = max(1, budget // (8 * 4 * n_draws * xb * ny))
    for x0 in range(0, nx, xb):
        xs = slice(x0, x0 + xb)
        f = np.asarray(model.predict(flat, x[xs]), dtype=float).reshape(n_chains, n_draws, -1)
        running = np.zeros((f.shape[2], ny))
        prev = None  # normalised density at the previous count
        k = 0  # next count to reach
        for c0 in range(0, n_chains, cb):
            c1 = min(c0 + cb, n_chains)
            cum = np.cumsum(_density_sum(f[c0:c1], sigma[c0:c1], grid), axis=0)
            cum += running
            while k < counts.size and counts[k] <= c1:
                g = int(counts[k])
                cur = _normalise(cum[g - c0 - 1] / (g * n_draws), w, floor)
                if prev is not None:
                    kl_points[k - 1, xs] = _kl(cur, prev, w)
                prev = cur
                k += 1
            running = cum[-1]
    return PPDConvergence(
        chains=counts[1:].copy(),
        previous=counts[:-1].copy(),
        kl=kl_points.mean(axis=1),
        kl_per_point=kl_points if per_point else None,
        y_grid=grid,
        n_points=nx,
    )
