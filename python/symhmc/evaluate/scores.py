"""Predictive scores of a Gaussian-likelihood posterior, computed from network outputs.

Every score here works on plain arrays so that it does not depend on the sampler:

* ``f``: network outputs at the test inputs, shape ``(n_draws, n_points)`` (one row per
  posterior draw);
* ``sigma``: the noise standard deviation of every draw, shape ``(n_draws,)``, or one number
  shared by all draws (a fixed ``noise_std``);
* ``y``: the test targets, shape ``(n_points,)`` (``(n_points, 1)`` is accepted too).

The posterior predictive distribution at test point ``i`` is the equally weighted mixture
``p(y | x_i) = (1/S) sum_s Normal(y | f[s, i], sigma[s]^2)`` over the ``S`` draws.

The ``model_*`` wrappers take ``(model, params, x, y)`` instead, with ``params`` a plain
``(n_draws, dim)`` array of flat parameter vectors and ``model`` a :class:`symhmc.MLP`; they
evaluate the network block by block over the test points so that temporaries stay below
``memory_budget`` bytes (64 MB by default) however many draws and points there are.

Conventions (fixed, shared by all functions):

* the LPPD standard error is ``std(pointwise, ddof=1) / sqrt(n_points)`` -- the usual standard
  error of a mean over test points, as in the paper's Table 3 ("std over test points /
  sqrt(n)"); it is 0 for a single point;
* central predictive intervals at level ``l`` are ``[Q((1-l)/2), Q((1+l)/2)]`` of the mixture.
"""

from __future__ import annotations

import math
import numbers
from typing import NamedTuple, Sequence

import numpy as np
from scipy.special import logsumexp, ndtr, ndtri

from .draws import positive_sigma, resolve_draws
from ._checks import (_check_budget, _check_f, _check_inputs, _check_probs, _check_quantiles, _check_sigma,
                            _check_y, _point_block)
from ..model import gaussian_logpdf

__all__ = [
    "LPPD", "PredictiveSummary",
    "lppd", "lppd_pointwise", "rmse", "pit", "coverage", "crps", "crps_pointwise",
    "mixture_quantiles", "predictive_summary",
    "model_outputs", "model_lppd", "model_rmse", "model_coverage", "model_crps",
    "model_predictive_summary",
]

DEFAULT_MEMORY_BUDGET = 64 * 2**20  # bytes of float64 temporaries per block
_INV_SQRT_PI = 1.0 / math.sqrt(math.pi)


class LPPD(NamedTuple):
    """Mean of a pointwise score over the test points and its standard error.

    Returned by :func:`lppd` and :func:`crps` (and their ``model_*`` and
    :class:`~symhmc.SampleResults` counterparts). A named tuple: it unpacks as ``mean, se``.

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


class PredictiveSummary(NamedTuple):
    """Moments and quantiles of the mixture predictive at every point.

    Returned by :func:`predictive_summary` and :func:`model_predictive_summary`;
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


def mean_and_se(values: np.ndarray) -> LPPD:
    """Mean of per-point values and its standard error (the conventions above)."""
    n = values.shape[0]
    mean = float(np.mean(values))
    se = float(np.std(values, ddof=1) / math.sqrt(n)) if n > 1 else 0.0
    return LPPD(mean, se)


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
    return mean_and_se(lppd_pointwise(f, sigma, y, memory_budget=memory_budget))


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
        raise TypeError("rmse needs the targets y: call rmse(f, sigma, y) or rmse(f, y=y) "
                        "(a second positional argument is sigma)")
    f = _check_f(f)
    if sigma is not None:
        _check_sigma(sigma, f.shape[0])
    y = _check_y(y, f.shape[1])
    return float(np.sqrt(np.mean((f.mean(axis=0) - y) ** 2)))


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


def coverage(f, sigma, y, levels: Sequence[float] = (0.5, 0.9, 0.95), *,
             memory_budget: int = DEFAULT_MEMORY_BUDGET) -> dict[float, float]:
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
    level_arr = _check_probs(levels, "levels")
    return _coverage_from_pit(pit(f, sigma, y, memory_budget=memory_budget), level_arr)


# ----------------------------------------------------------------------------------------------
# mixture quantiles
# ----------------------------------------------------------------------------------------------
def _mixture_quantiles_block(f: np.ndarray, s: np.ndarray, probs: np.ndarray,
                             tol: float = 1e-12, max_iter: int = 200) -> np.ndarray:
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
            small = finite & (np.abs(step - xa) <= tol * scale[idx])   # converged
            bad = ~finite | (step < lo_a) | (step > hi_a)
            new = np.where(small | (g == 0), np.where(g == 0, xa, step),
                           np.where(bad, 0.5 * (lo_a + hi_a), step))
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


def predictive_summary(f, sigma, quantiles: Sequence[float] | np.ndarray = (0.025, 0.25, 0.5, 0.75, 0.975), *,
                       memory_budget: int = DEFAULT_MEMORY_BUDGET) -> PredictiveSummary:
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
    f, s = _check_inputs(f, sigma)
    q = _check_quantiles(quantiles)
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


def crps_pointwise(f, sigma, y, *, n_pairs: int = 2**15, seed=0,
                   memory_budget: int = DEFAULT_MEMORY_BUDGET) -> np.ndarray:
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
        fb = f[:, start:start + block]
        acc = np.zeros(fb.shape[1])
        for j, w in pairs:
            acc += w * _abs_normal_mean(fb - fb[j], (var + var[j])[:, None]).mean(axis=0)
        off_mean[start:start + block] = acc
    expected_abs = (diag + (n_draws - 1) * off_mean) / n_draws
    return out - 0.5 * expected_abs


def crps(f, sigma, y, **kwargs) -> LPPD:
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
    LPPD
        ``(mean, se)`` of the per-point CRPS (the same named tuple as :func:`lppd`).

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
    return mean_and_se(crps_pointwise(f, sigma, y, **kwargs))


# ----------------------------------------------------------------------------------------------
# wrappers taking a model and a (draws, dim) parameter array
# ----------------------------------------------------------------------------------------------
def _model_setup(model, params, x, y=None):
    params, model, _ = resolve_draws(params, model, what="these scores", name="params", ndim=2, one_output=True)
    sigma = positive_sigma(model, params, "params")
    x = model.check_x(x)
    if y is None:
        return params, sigma, x
    return params, sigma, x, _check_y(y, x.shape[0])


def _model_blocks(model, params, x, memory_budget, n_temporaries):
    """Yield ``(slice, f_block)`` with ``f_block = model.predict(params, x[slice])``."""
    n_draws = params.shape[0]
    width = max((*model.hidden, 1))
    block = _point_block(n_draws, memory_budget, n_temporaries + width)
    for start in range(0, x.shape[0], block):
        sl = slice(start, start + block)
        yield sl, np.asarray(model.predict(params, x[sl]), dtype=float).reshape(n_draws, -1)


def model_outputs(model, params, x):
    """Network outputs and noise scales of a model's draws, for the array functions.

    ``f = model.predict(params, x)`` and ``sigma`` per draw (``exp(params[:, -1])`` when the model
    samples the noise scale, else ``model.noise_std``). Holds all of ``f`` in memory: use the
    ``model_*`` scores for large cases.

    Parameters
    ----------
    model : MLP
        The network the draws belong to (one output).
    params : array_like, shape (n_draws, dim)
        Flat parameter vectors (``dim`` is ``model.n_params``, or ``model.dim`` with ``log sigma``
        last when the model samples the noise scale).
    x : array_like, shape (n_points,) or (n_points, n_inputs)
        Test inputs.

    Returns
    -------
    f : ndarray, shape (n_draws, n_points)
        Network outputs.
    sigma : ndarray, shape (n_draws,)
        Noise standard deviation of every draw.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`symhmc.MLP` or an array argument is not numeric.
    ValueError
        If ``params`` does not fit the model, the model has several outputs, the shapes of ``x``
        and ``y`` disagree, an array holds NaN or infinity, or a draw's noise scale is not
        positive.

    Examples
    --------
    >>> model = symhmc.MLP(hidden=(3,))
    >>> params = np.random.default_rng(0).normal(size=(50, model.dim))   # 50 draws
    >>> x = np.linspace(-1, 1, 8)
    >>> y = np.sin(x)
    >>> f, sigma = symhmc.scores.model_outputs(model, params, x)
    >>> f.shape, sigma.shape
    ((50, 8), (50,))
    """
    params, sigma, x = _model_setup(model, params, x)
    return np.asarray(model.predict(params, x), dtype=float).reshape(params.shape[0], -1), sigma


def model_lppd(model, params, x, y, *, pointwise: bool = False,
               memory_budget: int = DEFAULT_MEMORY_BUDGET):
    """:func:`lppd` of a model's posterior draws on test data.

    Parameters
    ----------
    model : MLP
        The network the draws belong to (one output).
    params : array_like, shape (n_draws, dim)
        Flat parameter vectors (``dim`` is ``model.n_params``, or ``model.dim`` with ``log sigma``
        last when the model samples the noise scale).
    x : array_like, shape (n_points,) or (n_points, n_inputs)
        Test inputs.
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
        If ``model`` is not a :class:`symhmc.MLP` or an array argument is not numeric.
    ValueError
        If ``params`` does not fit the model, the model has several outputs, the shapes of ``x``
        and ``y`` disagree, an array holds NaN or infinity, or a draw's noise scale is not
        positive.

    Examples
    --------
    >>> model = symhmc.MLP(hidden=(3,))
    >>> params = np.random.default_rng(0).normal(size=(50, model.dim))   # 50 draws
    >>> x = np.linspace(-1, 1, 8)
    >>> y = np.sin(x)
    >>> score = symhmc.scores.model_lppd(model, params, x, y)
    >>> f, sigma = symhmc.scores.model_outputs(model, params, x)
    >>> bool(np.isclose(score.mean, symhmc.scores.lppd(f, sigma, y).mean))
    True
    """
    budget = _check_budget(memory_budget)
    params, sigma, x, y = _model_setup(model, params, x, y)
    values = np.empty(x.shape[0])
    for sl, fb in _model_blocks(model, params, x, budget, 4):
        values[sl] = lppd_pointwise(fb, sigma, y[sl], memory_budget=budget)
    return values if pointwise else mean_and_se(values)


def model_rmse(model, params, x, y, *, memory_budget: int = DEFAULT_MEMORY_BUDGET) -> float:
    """:func:`rmse` of a model's posterior draws on test data.

    Parameters
    ----------
    model : MLP
        The network the draws belong to (one output).
    params : array_like, shape (n_draws, dim)
        Flat parameter vectors (``dim`` is ``model.n_params``, or ``model.dim`` with ``log sigma``
        last when the model samples the noise scale).
    x : array_like, shape (n_points,) or (n_points, n_inputs)
        Test inputs.
    y : array_like, shape (n_points,) or (n_points, 1)
        Test targets.
    memory_budget : int, default 64 MiB
        Bytes of float64 temporaries per block of test points.

    Returns
    -------
    float
        The root mean squared error of the predictive mean.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`symhmc.MLP` or an array argument is not numeric.
    ValueError
        If ``params`` does not fit the model, the model has several outputs, the shapes of ``x``
        and ``y`` disagree, an array holds NaN or infinity, or a draw's noise scale is not
        positive.

    Examples
    --------
    >>> model = symhmc.MLP(hidden=(3,))
    >>> params = np.random.default_rng(0).normal(size=(50, model.dim))   # 50 draws
    >>> x = np.linspace(-1, 1, 8)
    >>> y = np.sin(x)
    >>> f, _ = symhmc.scores.model_outputs(model, params, x)
    >>> bool(np.isclose(symhmc.scores.model_rmse(model, params, x, y), symhmc.scores.rmse(f, y=y)))
    True
    """
    budget = _check_budget(memory_budget)
    params, sigma, x, y = _model_setup(model, params, x, y)
    sq = 0.0
    for sl, fb in _model_blocks(model, params, x, budget, 2):
        sq += float(np.sum((fb.mean(axis=0) - y[sl]) ** 2))
    return math.sqrt(sq / x.shape[0])


def model_coverage(model, params, x, y, levels: Sequence[float] = (0.5, 0.9, 0.95), *,
                   memory_budget: int = DEFAULT_MEMORY_BUDGET) -> dict[float, float]:
    """:func:`coverage` of a model's posterior draws on test data.

    Parameters
    ----------
    model : MLP
        The network the draws belong to (one output).
    params : array_like, shape (n_draws, dim)
        Flat parameter vectors (``dim`` is ``model.n_params``, or ``model.dim`` with ``log sigma``
        last when the model samples the noise scale).
    x : array_like, shape (n_points,) or (n_points, n_inputs)
        Test inputs.
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
        If ``model`` is not a :class:`symhmc.MLP` or an array argument is not numeric.
    ValueError
        If ``params`` does not fit the model, the model has several outputs, the shapes of ``x``
        and ``y`` disagree, an array holds NaN or infinity, or a draw's noise scale is not
        positive.
        Also if a level is not strictly between 0 and 1.

    Examples
    --------
    >>> model = symhmc.MLP(hidden=(3,))
    >>> params = np.random.default_rng(0).normal(size=(50, model.dim))   # 50 draws
    >>> x = np.linspace(-1, 1, 8)
    >>> y = np.sin(x)
    >>> cov = symhmc.scores.model_coverage(model, params, x, y, levels=(0.5, 0.9))
    >>> sorted(cov)
    [0.5, 0.9]
    """
    budget = _check_budget(memory_budget)
    level_arr = _check_probs(levels, "levels")
    params, sigma, x, y = _model_setup(model, params, x, y)
    u = np.empty(x.shape[0])
    for sl, fb in _model_blocks(model, params, x, budget, 3):
        u[sl] = pit(fb, sigma, y[sl], memory_budget=budget)
    return _coverage_from_pit(u, level_arr)


def model_crps(model, params, x, y, *, pointwise: bool = False,
               memory_budget: int = DEFAULT_MEMORY_BUDGET, **kwargs):
    """:func:`crps` of a model's posterior draws on test data.

    Parameters
    ----------
    model : MLP
        The network the draws belong to (one output).
    params : array_like, shape (n_draws, dim)
        Flat parameter vectors (``dim`` is ``model.n_params``, or ``model.dim`` with ``log sigma``
        last when the model samples the noise scale).
    x : array_like, shape (n_points,) or (n_points, n_inputs)
        Test inputs.
    y : array_like, shape (n_points,) or (n_points, 1)
        Test targets.
    pointwise : bool, default False
        Return the per-point values instead of their mean and standard error.
    memory_budget : int, default 64 MiB
        Bytes of float64 temporaries per block of test points.
    **kwargs
        ``n_pairs`` and ``seed``, as for :func:`crps_pointwise`.

    Returns
    -------
    LPPD or ndarray of shape (n_points,)
        ``LPPD(mean, se)``, or the per-point values when ``pointwise=True``.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`symhmc.MLP` or an array argument is not numeric.
    ValueError
        If ``params`` does not fit the model, the model has several outputs, the shapes of ``x``
        and ``y`` disagree, an array holds NaN or infinity, or a draw's noise scale is not
        positive.
        Also if ``n_pairs`` is not a positive integer.

    Examples
    --------
    >>> model = symhmc.MLP(hidden=(3,))
    >>> params = np.random.default_rng(0).normal(size=(50, model.dim))   # 50 draws
    >>> x = np.linspace(-1, 1, 8)
    >>> y = np.sin(x)
    >>> symhmc.scores.model_crps(model, params, x, y, pointwise=True).shape
    (8,)
    """
    budget = _check_budget(memory_budget)
    params, sigma, x, y = _model_setup(model, params, x, y)
    values = np.empty(x.shape[0])
    for sl, fb in _model_blocks(model, params, x, budget, 4):
        values[sl] = crps_pointwise(fb, sigma, y[sl], memory_budget=budget, **kwargs)
    return values if pointwise else mean_and_se(values)


def model_predictive_summary(model, params, x,
                             quantiles: Sequence[float] = (0.025, 0.25, 0.5, 0.75, 0.975), *,
                             memory_budget: int = DEFAULT_MEMORY_BUDGET) -> PredictiveSummary:
    """:func:`predictive_summary` of a model's posterior draws at inputs ``x``, in blocks of points.

    Parameters
    ----------
    model : MLP
        The network the draws belong to (one output).
    params : array_like, shape (n_draws, dim)
        Flat parameter vectors (``dim`` is ``model.n_params``, or ``model.dim`` with ``log sigma``
        last when the model samples the noise scale).
    x : array_like, shape (n_points,) or (n_points, n_inputs)
        Test inputs.
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
        If ``model`` is not a :class:`symhmc.MLP` or an array argument is not numeric.
    ValueError
        If ``params`` does not fit the model, the model has several outputs, the shapes of ``x``
        and ``y`` disagree, an array holds NaN or infinity, or a draw's noise scale is not
        positive.
        Also if a quantile probability is not strictly between 0 and 1.

    Examples
    --------
    >>> model = symhmc.MLP(hidden=(3,))
    >>> params = np.random.default_rng(0).normal(size=(50, model.dim))   # 50 draws
    >>> x = np.linspace(-1, 1, 8)
    >>> y = np.sin(x)
    >>> s = symhmc.scores.model_predictive_summary(model, params, x, quantiles=(0.05, 0.95))
    >>> s.mean.shape, s.quantiles.shape
    ((8,), (2, 8))
    """
    budget = _check_budget(memory_budget)
    params, sigma, x = _model_setup(model, params, x)
    n = x.shape[0]
    mean, std = np.empty(n), np.empty(n)
    q = _check_quantiles(quantiles)
    qs = np.empty((q.size, n))
    for sl, fb in _model_blocks(model, params, x, budget, 5):
        res = predictive_summary(fb, sigma, q, memory_budget=budget)
        mean[sl], std[sl], qs[:, sl] = res.mean, res.std, res.quantiles
    return PredictiveSummary(mean, std, qs, q)
