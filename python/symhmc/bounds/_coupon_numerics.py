"""The numerics behind :mod:`symhmc.bounds`: ``E[G]`` and ``P(G <= g)`` of the coupon collector
with unequal probabilities, by inclusion--exclusion (few modes), the Poissonized integral, and
the saddle-point Cauchy integral (see the "Numerical routes" of :mod:`symhmc.bounds`)."""

from __future__ import annotations

import math

import numpy as np
from scipy import integrate, optimize, special

_EPS = np.finfo(float).eps
# Contour nodes whose magnitude bound is below this are skipped (absolute, probability units).
_NEGLIGIBLE_TERM = 1e-22


def _subset_sums(probs: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Sums of ``probs`` over all ``2**nu`` subsets, and the subset sizes (bit order)."""
    nu = probs.size
    if nu > 20:
        raise ValueError(f"inclusion-exclusion needs 2**nu subsets; refusing nu={nu} > 20")
    bits = (np.arange(2**nu)[:, None] >> np.arange(nu)[None, :]) & 1
    return bits @ probs, bits.sum(axis=1)


def _expected_inclusion_exclusion(probs: np.ndarray) -> float:
    # sum over non-empty K of (-1)^(|K|+1) / Pi_K (K = complement of J in Eq. 5)
    sums, sizes = _subset_sums(probs)
    sums, sizes = sums[1:], sizes[1:]
    signs = np.where(sizes % 2 == 1, 1.0, -1.0)
    return math.fsum(signs / sums)


def _log_all_seen_poisson(t: float, probs: np.ndarray) -> float:
    """log P(T <= t) = sum_j log(1 - exp(-pi_j t)) for the Poissonized collector."""
    with np.errstate(divide="ignore"):
        return float(np.sum(np.log1p(-np.exp(-probs * t))))


def _expected_integral(probs: np.ndarray) -> float:
    def missing(t):  # P(T > t), the integrand
        return -math.expm1(_log_all_seen_poisson(t, probs))

    # u(t) = -log P(T <= t) falls from +inf to 0; split where it crosses these levels.
    levels = [40.0, 10.0, 3.0, 1.0, 0.3, 0.1, 3e-2, 1e-2, 1e-3, 1e-4, 1e-6, 1e-8, 1e-11, 1e-14, 1e-17, 1e-20]
    pmin, pmax, nu = probs.min(), probs.max(), probs.size
    log_t_lo = -50.0 - math.log(pmax)  # u >= -log(pmax t) = 50 there
    log_t_hi = math.log(math.log(nu) + 50.0) - math.log(pmin)  # u <~ nu e^-(log nu + 50)

    def crossing(level):
        return optimize.brentq(
            lambda s: math.log(-_log_all_seen_poisson(math.exp(s), probs)) - math.log(level),
            log_t_lo,
            log_t_hi,
            xtol=1e-14,
            rtol=1e-14,
        )

    knots = [0.0] + [math.exp(crossing(level)) for level in levels]
    # Long pieces (very unequal probabilities) get geometric sub-knots.
    fine = [0.0]
    for a, b in zip(knots[1:-1], knots[2:]):
        fine.append(a)
        if b > 20.0 * a:
            fine.extend(np.geomspace(a, b, int(math.ceil(math.log10(b / a))) + 2)[1:-1])
    fine.append(knots[-1])
    pieces = []
    for a, b in zip(fine[:-1], fine[1:]):
        value, _ = integrate.quad(missing, a, b, epsabs=0.0, epsrel=1e-13, limit=200)
        pieces.append(value)
    # Beyond the last knot the integrand is < ~1e-20 and decays at least at rate pmin, so the
    # rest is < 1e-20 / pmin <= 1e-20 E[G]: negligible.
    return math.fsum(pieces)


def _cdf_inclusion_exclusion(g: np.ndarray, probs: np.ndarray) -> np.ndarray:
    # P(G <= g) = sum_J (-1)^|J| (1 - Pi_J)^g over the sets J of missed modes. (1 - Pi_J)^g
    # is evaluated as exp(g log1p(-Pi_J)): forming 1 - Pi_J first would lose the small
    # probabilities of rare modes. The full set (Pi_J = 1) is the last row and is dropped:
    # it only contributes (-1)^nu [g == 0], and G >= nu > 0 makes the g < nu entries 0 anyway.
    missed, sizes = _subset_sums(probs)
    missed, sizes = missed[:-1], sizes[:-1]
    signs = np.where(sizes % 2 == 0, 1.0, -1.0)
    log_keep = np.log1p(-missed)
    out = np.empty(g.shape, dtype=float)
    for start in range(0, g.size, 256):  # bound the (2**nu, chunk) temporary
        chunk = g[start : start + 256].astype(float)
        with np.errstate(under="ignore"):
            out[start : start + 256] = signs @ np.exp(log_keep[:, None] * chunk[None, :])
    out[g < probs.size] = 0.0  # fewer chains than modes: exactly impossible
    return out


def _log_factorial_ratio(g: int) -> float:
    """log(g! e^g / g^g) without the O(g log g) cancellation."""
    if g < 30:
        return float(special.gammaln(g + 1) - g * math.log(g) + g)
    x = float(g)
    return (
        0.5 * math.log(2.0 * math.pi * x)
        + 1.0 / (12.0 * x)
        - 1.0 / (360.0 * x**3)
        + 1.0 / (1260.0 * x**5)
        - 1.0 / (1680.0 * x**7)
    )


def _log_abs_bound(cos_theta: float, g: int, probs: np.ndarray) -> float:
    """Upper bound on log |exp(z) prod_j (1 - exp(-pi_j z))| on |z| = g, non-decreasing in cos."""
    a = probs * (g * cos_theta)
    return g * cos_theta + float(np.sum(np.maximum(0.0, -a) + np.log1p(np.exp(-np.abs(a)))))


def _log_one_minus_exp_neg(w: np.ndarray) -> np.ndarray:
    """log(1 - exp(-w)) for complex w, modulo 2 pi i, without overflow."""
    out = np.empty_like(w)
    pos = w.real >= 0
    with np.errstate(divide="ignore"):
        out[pos] = np.log1p(-np.exp(-w[pos]))
        neg = ~pos
        out[neg] = -w[neg] + 1j * math.pi + np.log1p(-np.exp(w[neg]))
    return out


def _cdf_contour(g: int, probs: np.ndarray) -> tuple[float, float]:
    """P(G <= g) and an estimate of its absolute error by the saddle-point Cauchy integral.

    ``P(G <= g) = g!/(2 pi) int exp(z) prod_j (1 - exp(-pi_j z)) z^-g dtheta`` on
    ``z = g exp(i theta)``, by the trapezoidal rule with ``N`` nodes.
    """
    nu = probs.size
    if g < nu:
        return 0.0, 0.0
    n_nodes = max(64, int(math.ceil(math.sqrt(2.0 * 50.0 * g))) + 1)
    # aliasing: coefficients g +- N leak in with weight g! g^(+-N) / (g +- N)! (P <= 1 each)
    alias = math.exp(special.gammaln(g + 1) + n_nodes * math.log(g) - special.gammaln(g + n_nodes + 1))
    if n_nodes <= g - nu:
        alias += math.exp(special.gammaln(g + 1) - special.gammaln(g - n_nodes + 1) - n_nodes * math.log(g))
    log_scale = _log_factorial_ratio(g) - math.log(n_nodes)  # log(g! e^g / g^g / N)
    log_tiny = math.log(_NEGLIGIBLE_TERM / n_nodes)

    # Nodes theta_k = 2 pi k / N, k = 0..N/2 by conjugate symmetry; the magnitude bound is
    # monotone in cos(theta), so the kept nodes are k <= k_max.
    def bound(theta):
        return log_scale - g + _log_abs_bound(math.cos(theta), g, probs)

    half = n_nodes // 2
    if bound(math.pi) >= log_tiny:
        theta_max = math.pi
    else:
        theta_max = optimize.brentq(lambda th: bound(th) - log_tiny, 0.0, math.pi, xtol=1e-12)
    k_max = min(half, int(math.floor(theta_max * n_nodes / (2.0 * math.pi))) + 1)
    k = np.arange(k_max + 1)
    theta = 2.0 * math.pi * k / n_nodes
    weights = np.where((k == 0) | (2 * k == n_nodes), 1.0, 2.0)

    dropped = 2.0 * (half - k_max) * _NEGLIGIBLE_TERM / n_nodes
    total, abs_sum, log_mag = 0.0, 0.0, 0.0
    for start in range(0, k.size, max(1, 2**22 // nu)):  # bound the (nodes, nu) temporary
        th = theta[start : start + 2**22 // nu]
        z = g * np.exp(1j * th)
        logs = _log_one_minus_exp_neg(probs[None, :] * z[:, None])
        log_term = log_scale - 2.0 * g * np.sin(0.5 * th) ** 2 + 1j * g * (np.sin(th) - th) + logs.sum(axis=1)
        with np.errstate(under="ignore"):
            terms = np.exp(log_term) * weights[start : start + th.size]
        total += float(np.sum(terms.real))
        mags = np.abs(terms)
        abs_sum += float(np.sum(mags))
        # rounding in each exponent ~ eps * (size of what was added up)
        log_mag += float(np.sum(mags * (64.0 + g * th + np.abs(logs).sum(axis=1))))
    error = _EPS * (log_mag + 4.0 * abs_sum) + alias + dropped
    return total, error
