"""Per-point scores of a Gaussian-mixture predictive given as arrays, and the score types.

The building blocks of :mod:`symhmc.evaluate`: ``f`` holds network outputs at the test points,
shape ``(n_draws, n_points)``; ``sigma`` the noise standard deviation of every draw, shape
``(n_draws,)``, or one number shared by all draws; ``y`` the test targets, shape ``(n_points,)``.
The predictive at point ``i`` is ``(1/S) sum_s Normal(y | f[s, i], sigma[s]^2)``. Every function
works in blocks of test points so that temporaries stay below ``memory_budget`` bytes.

The standard error of a mean score is ``std(pointwise, ddof=1) / sqrt(n_points)`` (the paper's
Table 3 convention; 0 for a single point); central predictive intervals at level ``l`` are
``[Q((1-l)/2), Q((1+l)/2)]`` of the mixture.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple

import numpy as np
from scipy.special import logsumexp, ndtr, ndtri

from ..model import gaussian_logpdf
from ._checks import _check_budget, _check_inputs, _check_probs, _point_block

__all__ = ["LPPD", "CRPS", "PredictiveSummary", "lppd_pointwise", "pit", "crps_pointwise", "mixture_quantiles"]

DEFAULT_MEMORY_BUDGET = 64 * 2**20  # bytes of float64 temporaries per block
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)


class LPPD(NamedTuple):
    """Mean of a pointwise score over the test points and its standard error.

    Returned by the LPPD scores (:func:`symhmc.evaluate.lppd`, :func:`symhmc.scores.lppd`,
    :meth:`symhmc.SampleResults.lppd`). A named tuple: it unpacks as ``mean, se``.

    Attributes
    ----------
    mean : float
        Mean over the test points.
    se : float
        Standard error of the mean, ``std(pointwise, ddof=1) / sqrt(n_points)`` (0 for one point).

    Examples
    --------
    >>> score = symhmc.scores.LPPD(mean=-1.25, se=0.5)
    >>> mean, se = score
    >>> mean, se
    (-1.25, 0.5)
    """

    mean: float
    se: float


class CRPS(NamedTuple):
    """Mean continuous ranked probability score over the test points and its standard error.

    Returned by the CRPS scores (:func:`symhmc.evaluate.crps`, :func:`symhmc.scores.crps`,
    :meth:`symhmc.SampleResults.crps`); lower is better. A named tuple: it unpacks as
    ``mean, se``.

    Attributes
    ----------
    mean : float
        Mean over the test points.
    se : float
        Standard error of the mean, ``std(pointwise, ddof=1) / sqrt(n_points)`` (0 for one point).

    Examples
    --------
    >>> score = symhmc.scores.CRPS(mean=0.25, se=0.05)
    >>> mean, se = score
    >>> mean, se
    (0.25, 0.05)
    """

    mean: float
    se: float


class PredictiveSummary(NamedTuple):
    """Moments and quantiles of the mixture predictive at every point.

    Returned by :func:`symhmc.evaluate.predictive_summary` (and :func:`symhmc.scores.predictive_summary`,
    :meth:`symhmc.SampleResults.predict`);
    ``quantiles[k, i]`` is the ``probs[k]`` quantile at point ``i``.

    Attributes
    ----------
    mean : ndarray, shape (n_points,)
        Predictive mean.
    std : ndarray, shape (n_points,)
        Predictive standard deviation (network spread plus noise).
    quantiles : ndarray, shape (n_probs, n_points)
        Quantiles of the predictive mixture.
    probs : ndarray, shape (n_probs,)
        The probabilities of the quantiles.

    Examples
    --------
    >>> s = symhmc.scores.predictive_summary(np.zeros((4, 3)), 1.0, quantiles=(0.5,))
    >>> s.mean.shape, s.quantiles.shape
    ((3,), (1, 3))
    """

    mean: np.ndarray
    std: np.ndarray
    quantiles: np.ndarray
    probs: np.ndarray


# ----------------------------------------------------------------------------------------------
# LPPD
# ----------------------------------------------------------------------------------------------
def lppd_pointwise(f, sigma, y, *, memory_budget: int = DEFAULT_MEMORY_BUDGET) -> np.ndarray:
    """Log predictive density of every test point.

    ``log (1/S) sum_s Normal(y_i | f[s, i], sigma[s]^2)``, computed with log-sum-exp over the draws,
    so it stays finite and exact even when every density underflows in double precision (``y``
    hundreds of sigma away); no point is dropped.

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
    ndarray, shape (n_points,)
        The log predictive density of each target.

    Raises
    ------
    TypeError
        If an array argument is not numeric, or ``memory_budget`` is not a number.
    ValueError
        If the shapes do not match, ``sigma`` is not positive, an array holds NaN or infinity,
        or ``memory_budget`` is not positive.

    See Also
    --------
    lppd : The mean and its standard error.

    Examples
    --------
    >>> f = np.zeros((2, 3))
    >>> np.round(symhmc.scores.lppd_pointwise(f, 1.0, [0.0, 1.0, 2.0]), 3)
    array([-0.919, -1.419, -2.919])
    """
    f, s, y = _check_inputs(f, sigma, y)
    budget = _check_budget(memory_budget)
    n_draws, n_points = f.shape
    s = s[:, None]
    out = np.empty(n_points)
    block = _point_block(n_draws, budget, 3)
    for start in range(0, n_points, block):
        sl = slice(start, start + block)
        out[sl] = logsumexp(gaussian_logpdf(y[None, sl], f[:, sl], s), axis=0)
    return out - math.log(n_draws)


def mean_and_se(values: np.ndarray, kind=LPPD):
    """Mean of per-point values and its standard error (the conventions above), as a ``kind``
    (:class:`LPPD` or :class:`CRPS`)."""
    n = values.shape[0]
    mean = float(np.mean(values))
    se = float(np.std(values, ddof=1) / math.sqrt(n)) if n > 1 else 0.0
    return kind(mean, se)


# ----------------------------------------------------------------------------------------------
# PIT and coverage
# ----------------------------------------------------------------------------------------------
def pit(f, sigma, y, *, memory_budget: int = DEFAULT_MEMORY_BUDGET) -> np.ndarray:
    """Probability integral transform ``F_i(y_i)`` of every target under the mixture predictive.

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
    ndarray, shape (n_points,)
        Values in ``[0, 1]``; uniform over the points for a calibrated predictive.

    Raises
    ------
    TypeError
        If an array argument is not numeric, or ``memory_budget`` is not a number.
    ValueError
        If the shapes do not match, ``sigma`` is not positive, an array holds NaN or infinity,
        or ``memory_budget`` is not positive.

    Examples
    --------
    >>> symhmc.scores.pit(np.zeros((3, 2)), 1.0, [0.0, 10.0])
    array([0.5, 1. ])
    """
    f, s, y = _check_inputs(f, sigma, y)
    budget = _check_budget(memory_budget)
    n_draws, n_points = f.shape
    inv_s = (1.0 / s)[:, None]
    out = np.empty(n_points)
    block = _point_block(n_draws, budget, 2)
    for start in range(0, n_points, block):
        sl = slice(start, start + block)
        out[sl] = ndtr((y[None, sl] - f[:, sl]) * inv_s).mean(axis=0)
    return out


def _coverage_from_pit(u: np.ndarray, levels: np.ndarray) -> dict[float, float]:
    lo = (1.0 - levels) / 2.0
    hi = (1.0 + levels) / 2.0
    inside = (u[None, :] >= lo[:, None]) & (u[None, :] <= hi[:, None])
    return {float(lv): float(frac) for lv, frac in zip(levels, inside.mean(axis=1))}


# ----------------------------------------------------------------------------------------------
# mixture quantiles
# ----------------------------------------------------------------------------------------------
def _mixture_quantiles_block(
    f: np.ndarray, s: np.ndarray, probs: np.ndarray, tol: float = 1e-12, max_iter: int = 200
) -> np.ndarray:
    """Quantiles ``(n_probs, n_points)`` of the mixtures in the columns of ``f`` (one block).

    Safeguarded Newton iteration on ``F(q) - p``: the root is bracketed by the smallest and
    largest component quantiles ``f_s + sigma_s * z_p`` (every component CDF is <= p at the
    smallest one and >= p at the largest), Newton steps that leave the bracket are replaced by
    bisection, and the bracket shrinks at every step.
    """
    n_draws, n_points = f.shape
    inv_s = (1.0 / s)[:, None]
    out = np.empty((probs.shape[0], n_points))
    scale = np.sqrt(f.var(axis=0) + np.mean(s * s)) + np.abs(f.mean(axis=0))
    for k, p in enumerate(probs):
        zp = ndtri(p)
        comp_q = f + s[:, None] * zp
        lo = comp_q.min(axis=0)
        hi = comp_q.max(axis=0)
        x = comp_q.mean(axis=0)
        active = np.ones(n_points, dtype=bool)
        for _ in range(max_iter):
            idx = np.flatnonzero(active)
            if idx.size == 0:
                break
            xa = x[idx]
            z = (xa[None, :] - f[:, idx]) * inv_s
            g = ndtr(z).mean(axis=0) - p
            dens = np.exp(gaussian_logpdf(xa[None, :], f[:, idx], s[:, None])).mean(axis=0)
            lo_a = np.where(g < 0, xa, lo[idx])
            hi_a = np.where(g > 0, xa, hi[idx])
            with np.errstate(divide="ignore", invalid="ignore"):
                step = xa - g / dens
            finite = np.isfinite(step)
            small = finite & (np.abs(step - xa) <= tol * scale[idx])  # converged
            bad = ~finite | (step < lo_a) | (step > hi_a)
            new = np.where(small | (g == 0), np.where(g == 0, xa, step), np.where(bad, 0.5 * (lo_a + hi_a), step))
            lo[idx], hi[idx] = lo_a, hi_a
            done = small | (g == 0) | (hi_a - lo_a <= tol * scale[idx])
            x[idx] = new
            active[idx[done]] = False
        out[k] = x
    return out


def mixture_quantiles(f, sigma, probs, *, memory_budget: int = DEFAULT_MEMORY_BUDGET) -> np.ndarray:
    """Quantiles of the mixture predictive at every point.

    Found by vectorised, bracketed Newton root finding on the mixture CDF (relative tolerance
    ``1e-12`` of the predictive scale).

    Parameters
    ----------
    f : array_like, shape (n_draws, n_points)
        Network outputs at the test inputs, one row per posterior draw.
    sigma : float or array_like, shape (n_draws,)
        Noise standard deviation of every draw, or one positive number shared by all draws.
    probs : float or array_like of float
        Probabilities, each strictly between 0 and 1.
    memory_budget : int, default 64 MiB
        Bytes of float64 temporaries per block of test points.

    Returns
    -------
    ndarray, shape (len(probs), n_points)
        ``out[k, i]`` is the ``probs[k]`` quantile at point ``i``.

    Raises
    ------
    TypeError
        If an array argument is not numeric, or ``memory_budget`` is not a number.
    ValueError
        If the shapes do not match, ``sigma`` is not positive, an array holds NaN or infinity,
        or ``memory_budget`` is not positive.
        Also if a probability is not strictly between 0 and 1.

    Examples
    --------
    >>> q = symhmc.scores.mixture_quantiles(np.zeros((2, 1)), 1.0, [0.5, 0.975])
    >>> np.round(q, 2)
    array([[0.  ],
           [1.96]])
    """
    f, s = _check_inputs(f, sigma)
    probs = _check_probs(probs, "probs")
    budget = _check_budget(memory_budget)
    n_draws, n_points = f.shape
    out = np.empty((probs.shape[0], n_points))
    block = _point_block(n_draws, budget, 5)
    for start in range(0, n_points, block):
        sl = slice(start, start + block)
        out[:, sl] = _mixture_quantiles_block(f[:, sl], s, probs)
    return out


def summary_block(f: np.ndarray, s: np.ndarray, q: np.ndarray, memory_budget: int) -> PredictiveSummary:
    """The mixture's mean, std and quantiles ``q`` at the points of ``f`` (checked arrays: ``s``
    of shape ``(n_draws,)``, ``q`` checked probabilities)."""
    mean = f.mean(axis=0)
    std = np.sqrt(f.var(axis=0) + np.mean(s * s))
    qs = mixture_quantiles(f, s, q, memory_budget=memory_budget) if q.size else np.empty((0, f.shape[1]))
    return PredictiveSummary(mean, std, qs, q)


# ----------------------------------------------------------------------------------------------
# CRPS
# ----------------------------------------------------------------------------------------------
def _abs_normal_mean(m, v):
    """``E|Z|`` for ``Z ~ Normal(m, v)`` (``v`` the variance): ``m (2 Phi(m/s) - 1) + 2 s phi(m/s)``."""
    sd = np.sqrt(v)
    z = m / sd
    return m * (2.0 * ndtr(z) - 1.0) + sd * math.sqrt(2.0 / math.pi) * np.exp(-0.5 * z * z)


def crps_pointwise(
    f, sigma, y, *, n_pairs: int = 2**15, seed=0, memory_budget: int = DEFAULT_MEMORY_BUDGET
) -> np.ndarray:
    """Continuous ranked probability score of the mixture predictive at every point (lower is better).

    Uses the closed form for a Gaussian mixture with weights ``1/S`` (Grimit et al. 2006)::

        CRPS = (1/S) sum_s A(y - f_s, sigma_s^2) - 1/(2 S^2) sum_{s,t} A(f_s - f_t, sigma_s^2 + sigma_t^2)

    with ``A(m, v) = E|Normal(m, v)|``. The first term costs ``O(S)`` per point, the pairwise
    term ``O(S^2)``; ``n_pairs`` bounds the pair evaluations per point. The ``S`` diagonal terms
    ``A(0, 2 sigma_s^2) = 2 sigma_s / sqrt(pi)`` are always exact. The off-diagonal pairs are
    enumerated by shifts: shift ``d`` pairs every draw ``s`` with draw ``(s + d) mod S``, and the
    shifts ``1..S-1`` cover every ordered pair ``s != t`` once (shifts ``d`` and ``S - d`` give
    the same unordered pairs). When ``floor(S/2) * S <= n_pairs`` the sum is exact, using the
    shifts ``1..floor(S/2)``. Otherwise it is estimated from ``K = max(1, n_pairs // S)`` distinct
    shifts drawn uniformly from ``1..S-1`` without replacement (the same shifts at every point,
    generator seeded by ``seed``): every draw is used equally, each shift's mean has the
    off-diagonal mean as its expectation, so the CRPS estimate is unbiased for the exact
    mixture CRPS, with a Monte Carlo error shrinking like ``1 / sqrt(K S)``.

    Parameters
    ----------
    f : array_like, shape (n_draws, n_points)
        Network outputs at the test inputs, one row per posterior draw.
    sigma : float or array_like, shape (n_draws,)
        Noise standard deviation of every draw, or one positive number shared by all draws.
    y : array_like, shape (n_points,) or (n_points, 1)
        Test targets.
    n_pairs : int, default 32768
        Most pair evaluations per point before the pairwise term is estimated.
    seed : int or numpy.random.Generator or None, default 0
        Seed of the shift choice when the pairwise term is estimated.
    memory_budget : int, default 64 MiB
        Bytes of float64 temporaries per block of test points.

    Returns
    -------
    ndarray, shape (n_points,)
        The CRPS of each target.

    Raises
    ------
    TypeError
        If an array argument is not numeric, or ``memory_budget`` is not a number.
    ValueError
        If the shapes do not match, ``sigma`` is not positive, an array holds NaN or infinity,
        or ``memory_budget`` is not positive.
        Also if ``n_pairs`` is not a positive integer.

    Examples
    --------
    >>> c = symhmc.scores.crps_pointwise(np.zeros((1, 2)), 1.0, [0.0, 0.0])
    >>> np.round(c, 4)   # one standard normal: (sqrt(2) - 1) / sqrt(pi)
    array([0.2337, 0.2337])
    """
    f, s, y = _check_inputs(f, sigma, y)
    budget = _check_budget(memory_budget)
    if isinstance(n_pairs, bool) or not isinstance(n_pairs, numbers.Integral) or n_pairs < 1:
        raise ValueError(f"n_pairs must be a positive integer, got {n_pairs!r}")
    n_draws, n_points = f.shape
    var = s * s
    out = np.empty(n_points)
    block = _point_block(n_draws, budget, 8)

    # first term: E|X - y|
    for start in range(0, n_points, block):
        sl = slice(start, start + block)
        out[sl] = _abs_normal_mean(y[None, sl] - f[:, sl], var[:, None]).mean(axis=0)

    # second term: 0.5 E|X - X'| = 0.5 (diag + (S - 1) * off-diagonal mean) / S
    diag = float(np.mean(2.0 * s * _INV_SQRT_PI))
    if n_draws == 1:
        return out - 0.5 * diag
    half = n_draws // 2
    if half * n_draws <= n_pairs:
        shifts = np.arange(1, half + 1)
        weights = np.full(half, 2.0)
        if n_draws % 2 == 0:
            weights[-1] = 1.0  # d = S/2 is its own mirror
        weights /= n_draws - 1
    else:
        rng = np.random.default_rng(seed)
        n_shifts = min(n_draws - 1, max(1, int(n_pairs) // n_draws))
        shifts = rng.choice(n_draws - 1, size=n_shifts, replace=False) + 1
        weights = np.full(n_shifts, 1.0 / n_shifts)
    off_mean = np.zeros(n_points)
    base = np.arange(n_draws)
    pairs = [((base + d) % n_draws, w) for d, w in zip(shifts, weights)]
    for start in range(0, n_points, block):
        fb = f[:, start : start + block]
        acc = np.zeros(fb.shape[1])
        for j, w in pairs:
            acc += w * _abs_normal_mean(fb - fb[j], (var + var[j])[:, None]).mean(axis=0)
        off_mean[start : start + block] = acc
    expected_abs = (diag + (n_draws - 1) * off_mean) / n_draws
    return out - 0.5 * expected_abs
