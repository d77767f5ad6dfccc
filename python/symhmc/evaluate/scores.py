"""Predictive scores of a Gaussian-likelihood posterior, computed from network outputs.

Every score here works on plain arrays so that it does not depend on the sampler:

* ``f``: network outputs at the test inputs, shape ``(n_draws, n_points)`` (one row per
  posterior draw);
* ``sigma``: the noise standard deviation of every draw, shape ``(n_draws,)``, or one number
  shared by all draws (a fixed ``noise_std``);
* ``y``: the test targets, shape ``(n_points,)`` (``(n_points, 1)`` is accepted too).

The posterior predictive distribution at test point ``i`` is the equally weighted mixture
``p(y | x_i) = (1/S) sum_s Normal(y | f[s, i], sigma[s]^2)`` over the ``S`` draws.

These are :mod:`symhmc.evaluate`'s scores for predictions given as arrays:
``scores.lppd(f, sigma, y)`` is ``evaluate.lppd(evaluate.Predictions(f, sigma), y)``. For a
model's draws use ``evaluate.Predictions.of_model(model, params, x)`` (or a run's
``results.predictions(x)``), which evaluates the network block by block over the test points.
The former ``model_*`` functions (``model_lppd(model, params, x, y)``, ...) are deprecated
aliases of exactly that.

Conventions (fixed, shared by all functions):

* the LPPD standard error is ``std(pointwise, ddof=1) / sqrt(n_points)`` -- the usual standard
  error of a mean over test points, as in the paper's Table 3 ("std over test points /
  sqrt(n)"); it is 0 for a single point;
* central predictive intervals at level ``l`` are ``[Q((1-l)/2), Q((1+l)/2)]`` of the mixture.
"""

from __future__ import annotations

import warnings
from typing import Sequence

import numpy as np

from . import predictions as _pred
from ._checks import _check_f, _check_sigma, _check_y
from .pointwise import (
    CRPS,
    DEFAULT_MEMORY_BUDGET,
    LPPD,
    PredictiveSummary,
    crps_pointwise,
    lppd_pointwise,
    mean_and_se,  # noqa: F401 - for the baselines
    mixture_quantiles,
    pit,
)

__all__ = [
    "LPPD",
    "CRPS",
    "PredictiveSummary",
    "lppd",
    "lppd_pointwise",
    "rmse",
    "pit",
    "coverage",
    "crps",
    "crps_pointwise",
    "mixture_quantiles",
    "predictive_summary",
]


# ----------------------------------------------------------------------------------------------
# LPPD
# ----------------------------------------------------------------------------------------------
def lppd(f, sigma, y, *, memory_budget: int = DEFAULT_MEMORY_BUDGET) -> LPPD:
    """Mean test log pointwise predictive density and its standard error.

    ``mean = (1/n) sum_i log (1/S) sum_s Normal(y_i | f[s, i], sigma[s]^2)`` (paper, Section 6),
    ``se = std_i(pointwise, ddof=1) / sqrt(n)``. Computed with log-sum-exp (see
    :func:`lppd_pointwise` for the per-point values).

    Parameters
    ----------
    f : array_like, shape (n_draws, n_points)
        Network outputs at the test inputs, one row per posterior draw.
    sigma : float or array_like, shape (n_draws,)
        Noise standard deviation of every draw, or one positive number shared by all draws.
    y : array_like, shape (n_points,) or (n_points, 1)
        Test targets.
    memory_budget : int, default 64 MiB
        Bytes of float64 temporaries per block of test points.

    Returns
    -------
    LPPD
        ``LPPD(mean, se)``.

    Raises
    ------
    TypeError
        If an array argument is not numeric, or ``memory_budget`` is not a number.
    ValueError
        If the shapes do not match, ``sigma`` is not positive, an array holds NaN or infinity,
        or ``memory_budget`` is not positive.

    Examples
    --------
    >>> f = np.zeros((2, 3))
    >>> score = symhmc.scores.lppd(f, 1.0, [0.0, 1.0, 2.0])
    >>> round(score.mean, 3), round(score.se, 3)
    (-1.752, 0.601)
    """
    return _pred.lppd(_pred.Predictions(f, sigma), y, memory_budget=memory_budget)


# ----------------------------------------------------------------------------------------------
# point predictions, PIT and coverage
# ----------------------------------------------------------------------------------------------
def rmse(f, sigma=None, y=None) -> float:
    """Root mean squared error of the predictive mean ``mean_s f[s, i]``.

    Call as ``rmse(f, y=y)`` or ``rmse(f, sigma, y)`` (the same signature as the other scores).

    Parameters
    ----------
    f : array_like, shape (n_draws, n_points)
        Network outputs at the test inputs, one row per posterior draw.
    sigma : float or array_like, shape (n_draws,), optional
        Unused apart from its check (as for the other scores).
    y : array_like, shape (n_points,) or (n_points, 1)
        Test targets (required).

    Returns
    -------
    float
        The root mean squared error.

    Raises
    ------
    TypeError
        If ``y`` is not given, or an array is not numeric.
    ValueError
        If the shapes do not match, ``sigma`` is not positive, or an array holds NaN or infinity.

    Examples
    --------
    >>> f = np.array([[0.0, 1.0], [2.0, 1.0]])   # predictive means 1 and 1
    >>> symhmc.scores.rmse(f, y=[1.0, 3.0])
    1.4142135623730951
    """
    if y is None:
        raise TypeError(
            "rmse needs the targets y: call rmse(f, sigma, y) or rmse(f, y=y) (a second positional argument is sigma)"
        )
    f = _check_f(f)
    if sigma is not None:
        _check_sigma(sigma, f.shape[0])
    y = _check_y(y, f.shape[1])
    return float(np.sqrt(np.mean((f.mean(axis=0) - y) ** 2)))


def coverage(
    f, sigma, y, levels: Sequence[float] = (0.5, 0.9, 0.95), *, memory_budget: int = DEFAULT_MEMORY_BUDGET
) -> dict[float, float]:
    """Fraction of targets inside the central predictive intervals.

    The central interval at level ``l`` is ``[Q((1-l)/2), Q((1+l)/2)]`` with ``Q`` the quantile
    function of the mixture predictive. The mixture CDF ``F`` of Gaussians with positive
    ``sigma`` is continuous and strictly increasing, so ``Q(a) <= y <= Q(b)`` holds exactly when
    ``a <= F(y) <= b``: coverage is computed from the PIT values ``F_i(y_i)`` (:func:`pit`),
    which is exact and needs no root finding. (:func:`mixture_quantiles` gives the interval
    ends themselves, found by root finding on ``F``; the two agree.)

    Parameters
    ----------
    f : array_like, shape (n_draws, n_points)
        Network outputs at the test inputs, one row per posterior draw.
    sigma : float or array_like, shape (n_draws,)
        Noise standard deviation of every draw, or one positive number shared by all draws.
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
        If an array argument is not numeric, or ``memory_budget`` is not a number.
    ValueError
        If the shapes do not match, ``sigma`` is not positive, an array holds NaN or infinity,
        or ``memory_budget`` is not positive.
        Also if a level is not strictly between 0 and 1.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> f = rng.normal(size=(100, 5))   # 100 draws at 5 test points
    >>> y = np.zeros(5)
    >>> symhmc.scores.coverage(f, 1.0, y, levels=(0.5, 0.99))
    {0.5: 1.0, 0.99: 1.0}
    """
    return _pred.coverage(_pred.Predictions(f, sigma), y, levels, memory_budget=memory_budget)


def predictive_summary(
    f,
    sigma,
    quantiles: Sequence[float] | np.ndarray = (0.025, 0.25, 0.5, 0.75, 0.975),
    *,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
) -> PredictiveSummary:
    """Mean, standard deviation and quantiles of the mixture predictive at every point.

    ``mean_i = mean_s f[s, i]``, ``std_i = sqrt(var_s f[s, i] + mean_s sigma_s^2)`` (the exact
    mixture variance: network spread plus noise, ``var`` with ``ddof=0``), quantiles by
    :func:`mixture_quantiles`.

    Parameters
    ----------
    f : array_like, shape (n_draws, n_points)
        Network outputs at the test inputs, one row per posterior draw.
    sigma : float or array_like, shape (n_draws,)
        Noise standard deviation of every draw, or one positive number shared by all draws.
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
        If an array argument is not numeric, or ``memory_budget`` is not a number.
    ValueError
        If the shapes do not match, ``sigma`` is not positive, an array holds NaN or infinity,
        or ``memory_budget`` is not positive.
        Also if a quantile probability is not strictly between 0 and 1.

    Examples
    --------
    >>> f = np.array([[-1.0], [1.0]])
    >>> s = symhmc.scores.predictive_summary(f, 1.0, quantiles=(0.5,))
    >>> s.mean, np.round(s.std, 4), np.round(s.quantiles, 4)
    (array([0.]), array([1.4142]), array([[0.]]))
    """
    return _pred.predictive_summary(_pred.Predictions(f, sigma), quantiles, memory_budget=memory_budget)


# ----------------------------------------------------------------------------------------------
# CRPS
# ----------------------------------------------------------------------------------------------
def crps(f, sigma, y, **kwargs) -> CRPS:
    """Mean CRPS over the test points and its standard error.

    The standard error is ``std(pointwise, ddof=1) / sqrt(n_points)``, as for :func:`lppd`.

    Parameters
    ----------
    f : array_like, shape (n_draws, n_points)
        Network outputs at the test inputs, one row per posterior draw.
    sigma : float or array_like, shape (n_draws,)
        Noise standard deviation of every draw, or one positive number shared by all draws.
    y : array_like, shape (n_points,) or (n_points, 1)
        Test targets.
    **kwargs
        ``n_pairs``, ``seed`` and ``memory_budget``, as for :func:`crps_pointwise`.

    Returns
    -------
    CRPS
        ``CRPS(mean, se)`` of the per-point CRPS.

    Raises
    ------
    TypeError
        If an array argument is not numeric, or ``memory_budget`` is not a number.
    ValueError
        If the shapes do not match, ``sigma`` is not positive, an array holds NaN or infinity,
        or ``memory_budget`` is not positive.
        Also if ``n_pairs`` is not a positive integer.
    TypeError
        If an unknown keyword argument is given.

    Examples
    --------
    >>> score = symhmc.scores.crps(np.zeros((1, 2)), 1.0, [0.0, 0.0])
    >>> round(score.mean, 4), score.se
    (0.2337, 0.0)
    """
    unknown = set(kwargs) - {"n_pairs", "seed", "memory_budget"}
    if unknown:
        raise TypeError(f"crps() got unexpected keyword arguments {sorted(unknown)}")
    return _pred.crps(_pred.Predictions(f, sigma), y, **kwargs)


# ----------------------------------------------------------------------------------------------
# deprecated: the scores of a model's draws (use evaluate.Predictions.of_model)
# ----------------------------------------------------------------------------------------------
def _deprecated(old: str, new: str) -> None:
    warnings.warn(
        f"symhmc.scores.{old} is deprecated and will be removed in the next release: use {new}",
        DeprecationWarning,
        stacklevel=3,
    )


def model_outputs(model, params, x):
    """Deprecated: ``Predictions.of_model(model, params, x)``'s ``outputs()`` and ``sigma``."""
    _deprecated("model_outputs", "symhmc.evaluate.Predictions.of_model(model, params, x).outputs()")
    pred = _pred.Predictions.of_model(model, params, x)
    return pred.outputs(), pred.sigma


def model_lppd(model, params, x, y, *, pointwise: bool = False, memory_budget: int = DEFAULT_MEMORY_BUDGET):
    """Deprecated: ``evaluate.lppd(Predictions.of_model(model, params, x), y)``."""
    _deprecated("model_lppd", "symhmc.evaluate.lppd(symhmc.evaluate.Predictions.of_model(model, params, x), y)")
    return _pred.lppd(_pred.Predictions.of_model(model, params, x), y, pointwise=pointwise, memory_budget=memory_budget)


def model_rmse(model, params, x, y, *, memory_budget: int = DEFAULT_MEMORY_BUDGET) -> float:
    """Deprecated: ``evaluate.rmse(Predictions.of_model(model, params, x), y)``."""
    _deprecated("model_rmse", "symhmc.evaluate.rmse(symhmc.evaluate.Predictions.of_model(model, params, x), y)")
    return _pred.rmse(_pred.Predictions.of_model(model, params, x), y, memory_budget=memory_budget)


def model_coverage(
    model, params, x, y, levels: Sequence[float] = (0.5, 0.9, 0.95), *, memory_budget: int = DEFAULT_MEMORY_BUDGET
) -> dict[float, float]:
    """Deprecated: ``evaluate.coverage(Predictions.of_model(model, params, x), y, levels)``."""
    _deprecated(
        "model_coverage", "symhmc.evaluate.coverage(symhmc.evaluate.Predictions.of_model(model, params, x), y, levels)"
    )
    return _pred.coverage(_pred.Predictions.of_model(model, params, x), y, levels, memory_budget=memory_budget)


def model_crps(model, params, x, y, *, pointwise: bool = False, memory_budget: int = DEFAULT_MEMORY_BUDGET, **kwargs):
    """Deprecated: ``evaluate.crps(Predictions.of_model(model, params, x), y)``."""
    _deprecated("model_crps", "symhmc.evaluate.crps(symhmc.evaluate.Predictions.of_model(model, params, x), y)")
    return _pred.crps(
        _pred.Predictions.of_model(model, params, x), y, pointwise=pointwise, memory_budget=memory_budget, **kwargs
    )


def model_predictive_summary(
    model,
    params,
    x,
    quantiles: Sequence[float] = (0.025, 0.25, 0.5, 0.75, 0.975),
    *,
    memory_budget: int = DEFAULT_MEMORY_BUDGET,
) -> PredictiveSummary:
    """Deprecated: ``evaluate.predictive_summary(Predictions.of_model(model, params, x), quantiles)``."""
    _deprecated(
        "model_predictive_summary",
        "symhmc.evaluate.predictive_summary(symhmc.evaluate.Predictions.of_model(model, params, x), quantiles)",
    )
    return _pred.predictive_summary(
        _pred.Predictions.of_model(model, params, x), quantiles, memory_budget=memory_budget
    )
