"""The predictive scores, written once over :class:`Predictions`.

A :class:`Predictions` is the predictive distribution of posterior draws at some test inputs:
the network outputs ``f`` (one row per draw) and the noise scale of every draw. It is given as
arrays (``Predictions(f, sigma)``: external samples, baselines), or made from a model's draws
(``Predictions.of_model(model, params, x)``, :meth:`symhmc.SampleResults.predictions`), in which
case the network is evaluated block by block over the test points when a score reads it, so that
temporaries stay below ``memory_budget`` bytes however many draws and points there are.

Every score takes ``(pred, y)``: :func:`lppd`, :func:`rmse`, :func:`coverage`, :func:`crps`, and
:func:`predictive_summary` (no targets). :class:`~symhmc.SampleResults` exposes them as methods
(``results.lppd(x, y)`` is ``lppd(results.predictions(x), y)``).
"""

from __future__ import annotations

import math
from typing import Iterator, Sequence

import numpy as np

from ._checks import _check_budget, _check_inputs, _check_probs, _check_quantiles, _check_y, _point_block
from .draws import positive_sigma, resolve_draws
from .pointwise import (
    CRPS,
    DEFAULT_MEMORY_BUDGET,
    LPPD,
    PredictiveSummary,
    _coverage_from_pit,
    crps_pointwise,
    lppd_pointwise,
    mean_and_se,
    pit,
    summary_block,
)

__all__ = ["Predictions", "lppd", "rmse", "coverage", "crps", "predictive_summary"]


class Predictions:
    """Network outputs and noise scales of posterior draws at some test inputs.

    ``Predictions(f, sigma)`` holds them as arrays; :meth:`of_model` computes them from a model's
    draws, block by block over the inputs, when a score reads them.

    Parameters
    ----------
    f : array_like, shape (n_draws, n_points)
        Network outputs at the test inputs, one row per posterior draw.
    sigma : float or array_like, shape (n_draws,)
        Noise standard deviation of every draw, or one positive number shared by all draws.

    Raises
    ------
    TypeError
        If an array argument is not numeric.
    ValueError
        If the shapes do not match, ``sigma`` is not positive, or an array holds NaN or infinity.

    Examples
    --------
    >>> pred = symhmc.evaluate.Predictions(np.zeros((2, 3)), 1.0)
    >>> pred.n_draws, pred.n_points
    (2, 3)
    >>> round(symhmc.evaluate.lppd(pred, [0.0, 1.0, 2.0]).mean, 3)
    -1.752
    """

    def __init__(self, f, sigma):
        self._f, self._sigma = _check_inputs(f, sigma)
        self._model = self._params = self._x = None

    @classmethod
    def of_model(cls, model, params, x, *, what: str = "these scores") -> "Predictions":
        """The predictions of a model's draws at inputs ``x`` (evaluated when a score reads them).

        Parameters
        ----------
        model : MLP
            The network the draws belong to (one output).
        params : array_like, shape (n_draws, dim)
            Flat parameter vectors (``dim`` is ``model.n_params``, or ``model.dim`` with
            ``log sigma`` last when the model samples the noise scale).
        x : array_like, shape (n_points,) or (n_points, n_inputs)
            Test inputs.
        what : str, default "these scores"
            What the predictions are for, named in error messages.

        Returns
        -------
        Predictions
            Lazy predictions: the network runs block by block inside each score.

        Raises
        ------
        TypeError
            If ``model`` is not a :class:`symhmc.MLP` or an array argument is not numeric.
        ValueError
            If ``params`` does not fit the model, the model has several outputs, ``x`` does not
            fit the model, an array holds NaN or infinity, or a draw's noise scale is not positive.

        Examples
        --------
        >>> model = symhmc.MLP(hidden=(3,))
        >>> params = np.random.default_rng(0).normal(size=(50, model.dim))   # 50 draws
        >>> pred = symhmc.evaluate.Predictions.of_model(model, params, np.linspace(-1, 1, 8))
        >>> pred.n_draws, pred.n_points, pred.outputs().shape
        (50, 8, (50, 8))
        """
        params, model, _ = resolve_draws(params, model, what=what, name="params", ndim=2, one_output=True)
        self = cls.__new__(cls)
        self._f = None
        self._sigma = positive_sigma(model, params, "params")
        self._model, self._params, self._x = model, params, model.check_x(x)
        return self

    @property
    def n_draws(self) -> int:
        """Number of posterior draws."""
        return int(self._sigma.shape[0])

    @property
    def n_points(self) -> int:
        """Number of test points."""
        return int(self._f.shape[1] if self._f is not None else self._x.shape[0])

    @property
    def sigma(self) -> np.ndarray:
        """Noise standard deviation of every draw, shape ``(n_draws,)``."""
        return self._sigma

    def outputs(self) -> np.ndarray:
        """The network outputs ``f``, all in memory.

        Returns
        -------
        ndarray, shape (n_draws, n_points)
            One row per draw.

        Examples
        --------
        >>> symhmc.evaluate.Predictions(np.ones((2, 3)), 1.0).outputs().shape
        (2, 3)
        """
        if self._f is not None:
            return self._f
        return np.asarray(self._model.predict(self._params, self._x), dtype=float).reshape(self.n_draws, -1)

    def blocks(self, memory_budget: int, n_temporaries: int) -> Iterator[tuple[slice, np.ndarray]]:
        """Yield ``(points, f_block)``: the outputs at consecutive blocks of test points.

        Arrays come as one block (the per-point functions block them further); a model's
        outputs are computed block by block, with ``n_temporaries`` arrays of a block's size
        (plus the widest layer's) fitting in ``memory_budget`` bytes.

        Parameters
        ----------
        memory_budget : int
            Bytes of float64 temporaries per block of test points.
        n_temporaries : int
            Arrays of a block's size the caller keeps at once.

        Yields
        ------
        points : slice
            The test points of the block.
        f_block : ndarray, shape (n_draws, block size)
            Network outputs at those points.

        Examples
        --------
        >>> pred = symhmc.evaluate.Predictions(np.ones((2, 3)), 1.0)
        >>> [(sl, fb.shape) for sl, fb in pred.blocks(2**20, 4)]
        [(slice(0, 3, None), (2, 3))]
        """
        if self._f is not None:
            yield slice(0, self.n_points), self._f
            return
        width = max((*self._model.hidden, 1))
        block = _point_block(self.n_draws, memory_budget, n_temporaries + width)
        for start in range(0, self.n_points, block):
            sl = slice(start, start + block)
            yield sl, np.asarray(self._model.predict(self._params, self._x[sl]), dtype=float).reshape(self.n_draws, -1)


def _pred_arg(pred) -> Predictions:
    if not isinstance(pred, Predictions):
        raise TypeError(
            f"pred must be symhmc.evaluate.Predictions (e.g. results.predictions(x) or "
            f"Predictions(f, sigma)), got {type(pred).__name__}"
        )
    return pred


def lppd(pred: Predictions, y, *, pointwise: bool = False, memory_budget: int = DEFAULT_MEMORY_BUDGET):
    """Mean test log pointwise predictive density and its standard error.

    ``mean = (1/n) sum_i log (1/S) sum_s Normal(y_i | f[s, i], sigma[s]^2)`` (paper, Section 6),
    ``se = std_i(pointwise, ddof=1) / sqrt(n)``, computed with log-sum-exp over the draws, so it
    stays finite and exact even when every density underflows (no point is dropped).

    Parameters
    ----------
    pred : Predictions
        The predictive distribution at the test inputs.
    y : array_like, shape (n_points,) or (n_points, 1)
        Test targets.
    pointwise : bool, default False
        Return the per-point values instead of their mean and standard error.
    memory_budget : int, default 64 MiB
        Bytes of float64 temporaries per block of test points.

    Returns
    -------
    LPPD or ndarray of shape (n_points,)
        ``LPPD(mean, se)``, or the per-point values when ``pointwise=True``.

    Raises
    ------
    TypeError
        If ``pred`` is not a :class:`Predictions`, ``y`` is not numeric, or ``memory_budget`` is not
        a number.
    ValueError
        If ``y`` does not have one value per point, holds NaN or infinity, or ``memory_budget`` is
        not positive.

    Examples
    --------
    >>> pred = symhmc.evaluate.Predictions(np.zeros((2, 3)), 1.0)
    >>> score = symhmc.evaluate.lppd(pred, [0.0, 1.0, 2.0])
    >>> round(score.mean, 3), round(score.se, 3)
    (-1.752, 0.601)
    """
    pred = _pred_arg(pred)
    y = _check_y(y, pred.n_points)
    budget = _check_budget(memory_budget)
    values = np.empty(pred.n_points)
    for sl, fb in pred.blocks(budget, 4):
        values[sl] = lppd_pointwise(fb, pred.sigma, y[sl], memory_budget=budget)
    return values if pointwise else mean_and_se(values, LPPD)


def rmse(pred: Predictions, y, *, memory_budget: int = DEFAULT_MEMORY_BUDGET) -> float:
    """Root mean squared error of the predictive mean ``mean_s f[s, i]``.

    Parameters
    ----------
    pred : Predictions
        The predictive distribution at the test inputs.
    y : array_like, shape (n_points,) or (n_points, 1)
        Test targets.
    memory_budget : int, default 64 MiB
        Bytes of float64 temporaries per block of test points.

    Returns
    -------
    float
        The root mean squared error.

    Raises
    ------
    TypeError
        If ``pred`` is not a :class:`Predictions`, ``y`` is not numeric, or ``memory_budget`` is not
        a number.
    ValueError
        If ``y`` does not have one value per point, holds NaN or infinity, or ``memory_budget`` is
        not positive.

    Examples
    --------
    >>> pred = symhmc.evaluate.Predictions(np.array([[0.0, 1.0], [2.0, 1.0]]), 1.0)   # means 1 and 1
    >>> symhmc.evaluate.rmse(pred, [1.0, 3.0])
    1.4142135623730951
    """
    pred = _pred_arg(pred)
    y = _check_y(y, pred.n_points)
    budget = _check_budget(memory_budget)
    sq = 0.0
    for sl, fb in pred.blocks(budget, 2):
        sq += float(np.sum((fb.mean(axis=0) - y[sl]) ** 2))
    return math.sqrt(sq / pred.n_points)


def coverage(
    pred: Predictions, y, levels: Sequence[float] = (0.5, 0.9, 0.95), *, memory_budget: int = DEFAULT_MEMORY_BUDGET
) -> dict[float, float]:
    """Fraction of targets inside the central predictive intervals.

    The interval at level ``l`` is ``[Q((1-l)/2), Q((1+l)/2)]`` of the mixture; a target is
    inside when its PIT value is in ``[(1-l)/2, (1+l)/2]``.

    Parameters
    ----------
    pred : Predictions
        The predictive distribution at the test inputs.
    y : array_like, shape (n_points,) or (n_points, 1)
        Test targets.
    levels : sequence of float, default (0.5, 0.9, 0.95)
        Interval levels, each strictly between 0 and 1.
    memory_budget : int, default 64 MiB
        Bytes of float64 temporaries per block of test points.

    Returns
    -------
    dict of float to float
        ``{level: fraction of targets inside}``.

    Raises
    ------
    TypeError
        If ``pred`` is not a :class:`Predictions`, ``y`` is not numeric, or ``memory_budget`` is not
        a number.
    ValueError
        If ``y`` does not have one value per point, holds NaN or infinity, a level is not strictly
        between 0 and 1, or ``memory_budget`` is not positive.

    Examples
    --------
    >>> f = np.random.default_rng(0).normal(size=(100, 5))   # 100 draws at 5 test points
    >>> symhmc.evaluate.coverage(symhmc.evaluate.Predictions(f, 1.0), np.zeros(5), levels=(0.5, 0.99))
    {0.5: 1.0, 0.99: 1.0}
    """
    pred = _pred_arg(pred)
    level_arr = _check_probs(levels, "levels")
    y = _check_y(y, pred.n_points)
    budget = _check_budget(memory_budget)
    u = np.empty(pred.n_points)
    for sl, fb in pred.blocks(budget, 3):
        u[sl] = pit(fb, pred.sigma, y[sl], memory_budget=budget)
    return _coverage_from_pit(u, level_arr)


def crps(
    pred: Predictions,
    y,
    *,
    pointwise: bool = False,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
    n_pairs: int = 2**15,
    seed=0,
):
    """Mean continuous ranked probability score and its standard error (lower is better).

    ``CRPS_i = E|Y - y_i| - E|Y - Y'| / 2`` for ``Y, Y'`` independent draws of the mixture
    predictive (see :func:`symhmc.scores.crps_pointwise` for how it is computed); the standard
    error is ``std(pointwise, ddof=1) / sqrt(n_points)``.

    Parameters
    ----------
    pred : Predictions
        The predictive distribution at the test inputs.
    y : array_like, shape (n_points,) or (n_points, 1)
        Test targets.
    pointwise : bool, default False
        Return the per-point values instead of their mean and standard error.
    memory_budget : int, default 64 MiB
        Bytes of float64 temporaries per block of test points.
    n_pairs : int, default 32768
        Draw pairs for the spread term beyond which it is estimated from random pairs, as for
        :func:`symhmc.scores.crps_pointwise`.
    seed : int, default 0
        Seed of those random pairs.

    Returns
    -------
    CRPS or ndarray of shape (n_points,)
        ``CRPS(mean, se)``, or the per-point values when ``pointwise=True``.

    Raises
    ------
    TypeError
        If ``pred`` is not a :class:`Predictions`, ``y`` is not numeric, or ``memory_budget`` is not
        a number.
    ValueError
        If ``y`` does not have one value per point, holds NaN or infinity, ``n_pairs`` is not a
        positive integer, or ``memory_budget`` is not positive.

    Examples
    --------
    >>> score = symhmc.evaluate.crps(symhmc.evaluate.Predictions(np.zeros((1, 2)), 1.0), [0.0, 0.0])
    >>> round(score.mean, 4), score.se
    (0.2337, 0.0)
    """
    pred = _pred_arg(pred)
    y = _check_y(y, pred.n_points)
    budget = _check_budget(memory_budget)
    values = np.empty(pred.n_points)
    for sl, fb in pred.blocks(budget, 4):
        values[sl] = crps_pointwise(fb, pred.sigma, y[sl], n_pairs=n_pairs, seed=seed, memory_budget=budget)
    return values if pointwise else mean_and_se(values, CRPS)


def predictive_summary(
    pred: Predictions,
    quantiles: Sequence[float] | np.ndarray = (0.025, 0.25, 0.5, 0.75, 0.975),
    *,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
) -> PredictiveSummary:
    """Mean, standard deviation and quantiles of the mixture predictive at every point.

    ``mean_i = mean_s f[s, i]``, ``std_i = sqrt(var_s f[s, i] + mean_s sigma_s^2)`` (the exact
    mixture variance: network spread plus noise, ``var`` with ``ddof=0``), quantiles by
    :func:`symhmc.scores.mixture_quantiles`.

    Parameters
    ----------
    pred : Predictions
        The predictive distribution at the inputs.
    quantiles : sequence of float, default (0.025, 0.25, 0.5, 0.75, 0.975)
        Probabilities of the quantiles, strictly between 0 and 1; ``()`` skips them.
    memory_budget : int, default 64 MiB
        Bytes of float64 temporaries per block of test points.

    Returns
    -------
    PredictiveSummary
        ``(mean, std, quantiles, probs)``.

    Raises
    ------
    TypeError
        If ``pred`` is not a :class:`Predictions`, or ``memory_budget`` is not a number.
    ValueError
        If a quantile probability is not strictly between 0 and 1, or ``memory_budget`` is not
        positive.

    Examples
    --------
    >>> pred = symhmc.evaluate.Predictions(np.array([[-1.0], [1.0]]), 1.0)
    >>> s = symhmc.evaluate.predictive_summary(pred, quantiles=(0.5,))
    >>> s.mean, np.round(s.std, 4), np.round(s.quantiles, 4)
    (array([0.]), array([1.4142]), array([[0.]]))
    """
    pred = _pred_arg(pred)
    q = _check_quantiles(quantiles)
    budget = _check_budget(memory_budget)
    n = pred.n_points
    mean, std, qs = np.empty(n), np.empty(n), np.empty((q.size, n))
    for sl, fb in pred.blocks(budget, 5):
        res = summary_block(fb, pred.sigma, q, budget)
        mean[sl], std[sl], qs[:, sl] = res.mean, res.std, res.quantiles
    return PredictiveSummary(mean, std, qs, q)
