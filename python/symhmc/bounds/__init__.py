"""How many chains are needed to visit every mode (docs/paper.md section 4, the paper's Eq. 5).

A chain started at random lands in one of ``nu`` functionally different modes, mode ``j`` with
probability ``pi_j``. The number ``G`` of independent chains until every mode has been
visited at least once is a coupon collector with unequal probabilities. This module gives

* :func:`mode_probabilities` -- the paper's default ``pi`` (HalfNormal(1) density at ``nu``
  equally spaced points on [0, 1.96], normalised), and :func:`check_probabilities` for
  user-given vectors;
* :func:`expected_chains` -- ``E[G]`` exactly;
* :func:`prob_all_visited` -- ``P(G <= g)`` exactly;
* :func:`chains_needed` -- a number of chains that visits every mode with probability at
  least ``p``: the paper's Markov bound, the exact quantile of ``G``, or a union bound.

Numerical routes
----------------
Inclusion--exclusion over the ``2**nu`` subsets of modes is used for ``nu <= 12``
(:data:`INCLUSION_EXCLUSION_MAX_MODES`). It is exact but exponential in ``nu`` and its
alternating sum loses about ``2**nu`` ulps. Larger ``nu`` uses two routes that have no
catastrophic cancellation and cost ``O(nu)`` per function evaluation:

* ``E[G]``: Poissonize (chains arrive at the times of a rate-1 Poisson process). The
  completion time ``T`` has ``P(T <= t) = prod_j (1 - exp(-pi_j t))`` and, by Wald's
  identity, ``E[T] = E[G]`` *exactly*, so ``E[G] = int_0^inf 1 - prod_j (1 - exp(-pi_j t))
  dt``. The integrand is evaluated as ``-expm1(sum_j log1p(-exp(-pi_j t)))`` and integrated
  with :func:`scipy.integrate.quad` on pieces split where the integrand crosses fixed levels
  (so the transition and the exponential tail, which may be at very different scales for
  skewed probabilities, each get their own pieces).
* ``P(G <= g)``: the discrete distribution is *not* a product over modes (the counts of a
  multinomial are dependent), but its exponential generating function is:
  ``sum_n P(G <= n) x**n / n! = exp(x) prod_j (1 - exp(-pi_j x))`` (this is the
  Poissonization identity above). ``P(G <= g)`` is ``g!`` times the ``g``-th Taylor
  coefficient, extracted by the trapezoidal rule on the saddle-point circle ``|x| = g``
  (a Cauchy integral). For an entire function this converges geometrically; the aliasing
  error is below ``exp(-N**2 / (2 g))`` for ``N`` nodes and is made negligible, and the
  rounding error is a few ulps times ``sqrt(g)`` because the circle passes through the
  saddle point, where all the mass of the integrand sits. Nodes whose rigorous magnitude
  bound is below 1e-22 are skipped, so one evaluation costs ``O(nu * sqrt(g))`` at worst
  and typically ``O(50 nu)``. The routine returns its own error estimate; :func:`chains_needed`
  refuses an answer it cannot certify.

The union bound ``sum_j (1 - pi_j)**g <= 1 - p`` needs only ``O(nu)`` work per candidate
``g`` and is located by a bracketed integer bisection.
"""

from __future__ import annotations

import math
import numbers

import numpy as np

from ._coupon_numerics import _cdf_contour, _cdf_inclusion_exclusion, _expected_inclusion_exclusion, _expected_integral
from ..utils.validation import as_float_array, positive_int

__all__ = [
    "INCLUSION_EXCLUSION_MAX_MODES",
    "DEFAULT_MODES",
    "METHODS",
    "mode_probabilities",
    "check_probabilities",
    "expected_chains",
    "prob_all_visited",
    "chains_needed",
]

#: Largest number of modes handled by inclusion--exclusion when ``method="auto"``.
INCLUSION_EXCLUSION_MAX_MODES = 12

#: Number of modes assumed by :func:`chains_needed` when neither ``modes`` nor ``probs`` is given.
DEFAULT_MODES = 3

#: The bounds understood by :func:`chains_needed`.
METHODS = ("markov", "exact", "union")

_HALFNORMAL_RIGHT_END = 1.96
_SUM_TOLERANCE = 1e-9
# "exact" refuses to decide P(G <= g) >= p when the estimated error exceeds this.
_MAX_CDF_ERROR = 1e-9


# ----------------------------------------------------------------------------------------------
# Probabilities
# ----------------------------------------------------------------------------------------------


def mode_probabilities(modes: int = DEFAULT_MODES) -> np.ndarray:
    """The paper's default probabilities of landing in each mode.

    Proportional to the HalfNormal(1) density at ``modes`` equally spaced points on
    [0, 1.96], so the first mode is the most likely and the last one about 6.8 times less
    likely.

    Parameters
    ----------
    modes : int, default 3
        Number of functionally different modes (>= 1).

    Returns
    -------
    numpy.ndarray
        Shape ``(modes,)``, positive, sums to 1. ``modes=1`` gives ``[1.0]``.

    Raises
    ------
    TypeError
        If ``modes`` is not an integer.
    ValueError
        If ``modes < 1``.

    Examples
    --------
    >>> symhmc.bounds.mode_probabilities(3).round(4)
    array([0.5665, 0.3505, 0.083 ])
    """
    modes = positive_int(modes, "modes")
    x = np.linspace(0.0, _HALFNORMAL_RIGHT_END, modes)
    density = np.exp(-0.5 * x * x)  # the normalising constant cancels
    return density / density.sum()


def check_probabilities(probs, modes: int | None = None, name: str = "probs") -> np.ndarray:
    """Validate a user-given vector of mode probabilities.

    Parameters
    ----------
    probs : array_like
        Candidate probabilities: 1-D, finite, every entry > 0, summing to 1 within 1e-9.
    modes : int, optional
        If given, the required length of ``probs``.
    name : str, default "probs"
        Argument name used in error messages.

    Returns
    -------
    numpy.ndarray
        ``probs`` as float64, rescaled to sum to exactly 1 up to rounding.

    Raises
    ------
    TypeError
        If ``probs`` is not numeric or ``modes`` is not an integer.
    ValueError
        If any of the conditions above fails.

    Examples
    --------
    >>> symhmc.bounds.check_probabilities([0.25, 0.75])
    array([0.25, 0.75])
    >>> symhmc.bounds.check_probabilities([0.5, 0.6])
    Traceback (most recent call last):
        ...
    ValueError: probs must sum to 1 (within 1e-09), got 1.1
    """
    arr = as_float_array(probs, name, ndim=1)
    if np.any(arr <= 0):
        bad = int(np.flatnonzero(arr <= 0)[0])
        raise ValueError(f"{name} must be positive (drop modes that cannot be reached), got {name}[{bad}] = {arr[bad]}")
    total = math.fsum(arr)
    if abs(total - 1.0) > _SUM_TOLERANCE:
        raise ValueError(f"{name} must sum to 1 (within {_SUM_TOLERANCE:g}), got {total!r}")
    if modes is not None:
        modes = positive_int(modes, "modes")
        if arr.size != modes:
            raise ValueError(f"{name} has length {arr.size} but modes={modes}")
    return arr / total


def _probs_arg(probs) -> np.ndarray:
    return check_probabilities(probs, name="probs")


def _method_arg(method, allowed) -> str:
    if not isinstance(method, str) or method not in allowed:
        raise ValueError(f"method must be one of {', '.join(map(repr, allowed))}, got {method!r}")
    return method


def _auto_route(method, probs, allowed, large):
    method = _method_arg(method, ("auto",) + allowed)
    if method == "auto":
        return "inclusion-exclusion" if probs.size <= INCLUSION_EXCLUSION_MAX_MODES else large
    return method


# ----------------------------------------------------------------------------------------------
# Expected number of chains
# ----------------------------------------------------------------------------------------------


def expected_chains(probs, *, method: str = "auto") -> float:
    """Expected number of chains ``E[G]`` until every mode has been visited.

    The discrete coupon collector with unequal probabilities (one mode per chain), the
    paper's Eq. 5::

        E[G] = sum_{q=0}^{nu-1} (-1)^(nu-1-q) sum_{|J|=q} 1 / (1 - Pi_J)
             = int_0^inf 1 - prod_j (1 - exp(-pi_j t)) dt

    (the two are identical, see the module notes). With the paper's probabilities for 3
    modes this is 12.7309...

    Parameters
    ----------
    probs : array_like
        Mode probabilities (1-D, positive, summing to 1), e.g. :func:`mode_probabilities`.
    method : {"auto", "inclusion-exclusion", "integral"}, default "auto"
        "auto" uses inclusion-exclusion for at most
        :data:`INCLUSION_EXCLUSION_MAX_MODES` modes and the integral otherwise. The
        integral is accurate to about 1e-12 relative for any number of modes (tested to
        ``nu = 10**4``); inclusion-exclusion is limited to ``nu <= 20``.

    Returns
    -------
    float
        ``E[G]`` (equal probabilities give ``nu * H_nu``).

    Raises
    ------
    TypeError
        If ``probs`` is not numeric.
    ValueError
        If ``probs`` is not 1-D, positive and summing to 1, or ``method`` is unknown.

    Examples
    --------
    >>> round(symhmc.bounds.expected_chains(symhmc.bounds.mode_probabilities(3)), 4)
    12.7309
    >>> symhmc.bounds.expected_chains([0.5, 0.5])   # 2 * (1 + 1/2)
    3.0
    """
    probs = _probs_arg(probs)
    route = _auto_route(method, probs, ("inclusion-exclusion", "integral"), "integral")
    if probs.size == 1:
        return 1.0
    if route == "inclusion-exclusion":
        return _expected_inclusion_exclusion(probs)
    return _expected_integral(probs)


# ----------------------------------------------------------------------------------------------
# Distribution of the number of chains
# ----------------------------------------------------------------------------------------------


def prob_all_visited(g, probs, *, method: str = "auto"):
    """Probability ``P(G <= g)`` that ``g`` chains visit every mode.

    Exactly ``P(G <= g) = sum_{K subset of modes} (-1)^(nu - |K|) (Pi_K)^g``.

    Parameters
    ----------
    g : int or array_like of int
        Numbers of chains (>= 0).
    probs : array_like
        Mode probabilities (1-D, positive, summing to 1).
    method : {"auto", "inclusion-exclusion", "contour"}, default "auto"
        "auto" uses inclusion-exclusion (absolute error ~ ``2**nu`` ulps) for at most
        :data:`INCLUSION_EXCLUSION_MAX_MODES` modes, otherwise the Cauchy integral of the
        exponential generating function on the saddle-point circle (absolute error about
        1e-13, cost ``O(nu)`` times a few dozen nodes per ``g``; see the module notes).
        Neither gives small probabilities (``P(G <= g) < 1e-12``, far below any useful
        ``p``) to full relative accuracy.

    Returns
    -------
    float or numpy.ndarray
        Same shape as ``g``; values in [0, 1], non-decreasing in ``g``.

    Raises
    ------
    TypeError
        If ``g`` does not hold whole numbers, or ``probs`` is not numeric.
    ValueError
        If ``g`` is negative, ``probs`` is not 1-D, positive and summing to 1, or ``method``
        is unknown.

    Examples
    --------
    >>> symhmc.bounds.prob_all_visited([1, 2, 3], [0.5, 0.5])   # 1 - 2 * 0.5**g for g >= 1
    array([0.  , 0.5 , 0.75])
    """
    probs = _probs_arg(probs)
    route = _auto_route(method, probs, ("inclusion-exclusion", "contour"), "contour")
    g_arr = _chain_counts_arg(g)
    if route == "inclusion-exclusion":
        out = _cdf_inclusion_exclusion(g_arr.ravel(), probs)
    else:
        out = np.array([_cdf_contour(int(n), probs)[0] for n in g_arr.ravel()])
    out = np.clip(out, 0.0, 1.0).reshape(g_arr.shape)
    return float(out) if out.ndim == 0 else out


def _chain_counts_arg(g) -> np.ndarray:
    if isinstance(g, (str, bytes)):
        raise TypeError(f"g must be an integer or an array of integers, got {type(g).__name__}")
    arr = np.asarray(g)
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise TypeError(f"g must hold integers, got dtype {arr.dtype}")
    if arr.dtype.kind == "f":
        if not np.all(np.isfinite(arr)) or np.any(arr != np.round(arr)):
            raise TypeError("g must hold whole numbers")
    if np.any(arr < 0):
        raise ValueError(f"g must be >= 0, got min {arr.min()}")
    return arr.astype(np.int64)


# ----------------------------------------------------------------------------------------------
# Number of chains
# ----------------------------------------------------------------------------------------------


def chains_needed(modes: int | None = None, p: float = 0.99, probs=None, method: str = "markov") -> int:
    """Number of chains that visit every one of ``modes`` modes with probability >= ``p``.

    Parameters
    ----------
    modes : int, optional
        Number of functionally different modes (>= 1). Default: ``len(probs)`` if ``probs``
        is given, otherwise 3 (:data:`DEFAULT_MODES`).
    p : float, default 0.99
        Required probability, strictly between 0 and 1.
    probs : array_like, optional
        Probability that a chain lands in each mode (1-D, positive, summing to 1; its
        length must equal ``modes`` if both are given). Default:
        :func:`mode_probabilities` ``(modes)``, the paper's HalfNormal choice.
    method : {"markov", "exact", "union"}, default "markov"
        * ``"markov"`` -- the paper's bound ``ceil(E[G] / (1 - p))`` (Markov's inequality;
          1274 for 3 modes at p = 0.99, 128 at p = 0.9). Conservative by one:
          ``ceil(E[G] / (1 - p)) - 1`` chains would already satisfy
          ``P(G > g) <= E[G] / (g + 1) <= 1 - p``; the paper's rounding is kept.
        * ``"exact"`` -- the p-quantile of ``G``: the smallest ``g`` with
          ``P(G <= g) >= p`` (54 for 3 modes at p = 0.99, 27 at p = 0.9). Inclusion-exclusion
          for up to 12 modes, the saddle-point contour beyond. Every decision
          ``P(G <= g) >= p`` is certified by the contour's own error estimate (a
          ``RuntimeError`` is raised if that exceeds 1e-9 near ``p``); in practice the
          absolute error is ~1e-13, checked for ``p`` from 1e-6 to 1 - 1e-9 and up to
          ``10**5`` modes (0.2 s at ``10**4`` modes, 2 s at ``10**5``; the cost grows like
          ``nu log(g)``). Decisions within ~1e-12 of ``p`` are rounding-level ties.
        * ``"union"`` -- the smallest ``g`` with ``sum_j (1 - pi_j)**g <= 1 - p`` (Boole's
          inequality, a valid upper bound on the exact count; ``O(nu)`` per step, any
          ``nu``).

    Returns
    -------
    int
        The number of chains. ``"exact" <= "markov"`` and ``"exact" <= "union"`` always.

    Raises
    ------
    TypeError
        If ``modes`` is not an integer, ``p`` not a real number, ``probs`` not numeric.
    ValueError
        If ``p`` is not in (0, 1), ``modes < 1``, ``probs`` is invalid or of the wrong
        length, or ``method`` is unknown.
    RuntimeError
        If ``"exact"`` cannot certify the answer numerically.

    Examples
    --------
    >>> from symhmc.bounds import chains_needed
    >>> chains_needed(3, 0.99), chains_needed(3, 0.99, method="exact")
    (1274, 54)
    """
    method = _method_arg(method, METHODS)
    p = _probability_level(p)
    if probs is None:
        modes = DEFAULT_MODES if modes is None else positive_int(modes, "modes")
        probs = mode_probabilities(modes)
    else:
        probs = check_probabilities(probs, modes=modes, name="probs")
    if method == "markov":
        return _markov_chains(probs, p)
    if method == "union":
        return _union_chains(probs, p)
    return _exact_chains(probs, p)


def _probability_level(p) -> float:
    if isinstance(p, bool) or not isinstance(p, numbers.Real):
        raise TypeError(f"p must be a real number, got {type(p).__name__}")
    p = float(p)
    if not 0.0 < p < 1.0:  # also rejects NaN
        raise ValueError(f"p must be strictly between 0 and 1, got {p}")
    return p


def _markov_chains(probs: np.ndarray, p: float) -> int:
    ratio = expected_chains(probs) / (1.0 - p)
    # Shave a relative 1e-12 so that an exact integer ratio (E = 1, p = 0.9 -> 10) is not
    # pushed up by rounding in 1 - p; E[G] itself is accurate to ~1e-13.
    return max(1, int(math.ceil(ratio * (1.0 - 1e-12))))


def _union_sum(g: int, log_q: np.ndarray) -> float:
    with np.errstate(invalid="ignore", under="ignore"):
        return float(np.sum(np.exp(g * log_q)))


def _union_chains(probs: np.ndarray, p: float) -> int:
    target = 1.0 - p
    with np.errstate(divide="ignore"):
        log_q = np.log1p(-probs)  # log(1 - pi_j) <= 0, -inf for a single mode
    finite = np.isfinite(log_q)
    if not finite.any():
        return 1
    # each term alone must be <= target; all terms <= target / nu is enough
    lo = max(1, int(math.ceil(np.max(math.log(target) / log_q[finite])))) - 1
    hi = max(1, int(math.ceil(np.max(math.log(target / probs.size) / log_q[finite]))))
    while _union_sum(hi, log_q) > target:  # guard against rounding in the closed form
        hi += max(1, hi // 1000)
    while hi - lo > 1:  # invariant: sum(lo) > target (or lo = 0), sum(hi) <= target
        mid = (lo + hi) // 2
        if _union_sum(mid, log_q) <= target:
            hi = mid
        else:
            lo = mid
    return hi


def _exact_chains(probs: np.ndarray, p: float) -> int:
    nu = probs.size
    if nu == 1:
        return 1
    contour = nu > INCLUSION_EXCLUSION_MAX_MODES

    def reaches(g):
        if contour:
            value, error = _cdf_contour(g, probs)
            if value - error >= p or value + error < p:
                return value >= p  # decided despite the error (e.g. far below p)
            if error > _MAX_CDF_ERROR:
                raise RuntimeError(
                    f"exact chain count not numerically reliable for nu={nu}, p={p}: "
                    f"P(G <= {g}) = {value:.3g} +- {error:.2g}; use method='union'"
                )
        else:
            value = float(_cdf_inclusion_exclusion(np.array([g]), probs)[0])
        return value >= p

    lo, hi = nu - 1, _union_chains(probs, p)  # P(G <= nu - 1) = 0; union is an upper bound
    while not reaches(hi):  # only a rounding-level tie can get here
        lo, hi = hi, hi + max(1, hi // 1000)
    while hi - lo > 1:
        mid = (lo + hi) // 2
        if reaches(mid):
            hi = mid
        else:
            lo = mid
    return hi
