"""Convergence statistics of draws laid out ``(chain, draw, ...)``: rank-normalized split R-hat,
bulk and tail ESS, and nested R-hat for many short chains.

Every function computes one value per trailing element (a float when there are no trailing
dimensions).

* :func:`rhat`, :func:`ess_bulk`, :func:`ess_tail`: rank-normalized split R-hat and bulk/tail
  effective sample sizes with ArviZ's definitions (Vehtari, Gelman, Simpson, Carpenter and
  Buerkner 2021, "Rank-normalization, folding, and localization: an improved R-hat for assessing
  convergence of MCMC", Bayesian Analysis 16(2)). ArviZ computes them when it is installed
  (``backend="auto"``): ArviZ 1.x through ``arviz-stats``, ArviZ 0.x through ``arviz``
  (:mod:`symhmc.diagnostics._arviz_backend`); otherwise, or with ``backend="numpy"``, a vectorised NumPy/SciPy
  implementation of the same algorithm (same splitting, Blom rank offsets ``3/8``, Geyer initial
  positive and monotone sequences, ``1/log10(S)`` floor on the autocorrelation time, quantile
  type 7 for the tail ESS) that the tests check against ArviZ. Like ArviZ, they return ``NaN``
  when there are fewer than 4 draws per chain (and, for R-hat, fewer than 2 chains): with one
  draw per chain use :func:`nested_rhat`.
* :func:`nested_rhat`: nested R-hat over superchains of chains (Margossian et al. 2024).

They are also offered as :mod:`symhmc.diagnostics` ``.rhat`` etc.
"""

from __future__ import annotations

import math
import numbers

import numpy as np
from scipy.fft import next_fast_len
from scipy.special import ndtri
from scipy.stats import rankdata

from ..utils.validation import as_float_array
from ._arviz_backend import ArvizBackend, arviz_backend

__all__ = ["rhat", "ess_bulk", "ess_tail", "nested_rhat", "arviz_available"]

_BACKENDS = ("auto", "arviz", "numpy")
_MIN_DRAWS = 4


# ----------------------------------------------------------------------------------------------
# input handling
# ----------------------------------------------------------------------------------------------
def _check_draws(x, name: str = "x") -> np.ndarray:
    arr = as_float_array(x, name)
    if arr.ndim < 2:
        raise ValueError(f"{name} must have shape (chain, draw, ...), got shape {arr.shape}")
    return arr


def _flatten(arr: np.ndarray) -> tuple[np.ndarray, tuple[int, ...]]:
    """``(chain, draw, ...)`` -> ``(chain, draw, K)`` and the trailing shape."""
    trailing = arr.shape[2:]
    return arr.reshape(arr.shape[0], arr.shape[1], -1), trailing


def _unflatten(values: np.ndarray, trailing: tuple[int, ...]):
    if trailing == ():
        return float(values[0])
    return values.reshape(trailing)


def _check_backend(backend) -> str:
    if backend not in _BACKENDS:
        raise ValueError(f"backend must be one of {_BACKENDS}, got {backend!r}")
    return backend


def arviz_available() -> bool:
    """Whether :func:`rhat` and the ESS functions can use ArviZ.

    Returns
    -------
    bool
        True when ArviZ 1.x's ``arviz-stats`` or ArviZ 0.x is importable (``backend="auto"``
        then uses it).

    Examples
    --------
    >>> isinstance(symhmc.diagnostics.arviz_available(), bool)
    True
    """
    return arviz_backend() is not None


def _arviz_for(backend: str) -> ArvizBackend | None:
    """The ArviZ functions ``backend`` asks for: None for ``"numpy"`` (and for ``"auto"``
    without ArviZ)."""
    backend = _check_backend(backend)
    if backend == "numpy":
        return None
    found = arviz_backend()
    if backend == "arviz" and found is None:
        raise ImportError("backend='arviz' needs ArviZ (1.x: arviz-stats; 0.x: arviz): pip install 'symhmc[arviz]'")
    return found


# ----------------------------------------------------------------------------------------------
# NumPy implementation of ArviZ's rank-normalized split R-hat and ESS (vectorised over columns)
# ----------------------------------------------------------------------------------------------
def _split_chains(x: np.ndarray) -> np.ndarray:
    """``(C, N, K)`` -> ``(2C, N//2, K)``: first and last halves as separate chains (middle draw
    of an odd N dropped)."""
    half = x.shape[1] // 2
    return np.concatenate([x[:, :half], x[:, x.shape[1] - half :]], axis=0)


def _z_scale(x: np.ndarray) -> np.ndarray:
    """Rank-normalize every column over all chains and draws (average ranks for ties, Blom's
    offset ``(r - 3/8) / (S + 1/4)``, then the standard normal quantile)."""
    c, n, k = x.shape
    size = c * n
    ranks = rankdata(x.reshape(size, k), method="average", axis=0)
    return ndtri((ranks - 0.375) / (size + 0.25)).reshape(c, n, k)


def _rhat_basic(x: np.ndarray) -> np.ndarray:
    """Classic R-hat ``sqrt((B/W + n - 1) / n)`` of ``(C, N, K)`` (``B = n var(chain means)``)."""
    n = x.shape[1]
    with np.errstate(divide="ignore", invalid="ignore"):
        between = n * np.var(x.mean(axis=1), axis=0, ddof=1)
        within = np.mean(np.var(x, axis=1, ddof=1), axis=0)
        return np.sqrt((between / within + n - 1) / n)


def _rhat_rank_numpy(x: np.ndarray) -> np.ndarray:
    c, n, k = x.shape
    if c < 2 or n < _MIN_DRAWS:
        return np.full(k, np.nan)
    split = _split_chains(x)
    bulk = _rhat_basic(_z_scale(split))
    med = np.median(split.reshape(-1, k), axis=0)
    tail = _rhat_basic(_z_scale(np.abs(split - med)))
    # ArviZ takes Python's max(bulk, tail): NaN bulk stays NaN
    return np.where(tail > bulk, tail, bulk)


def _autocov(x: np.ndarray) -> np.ndarray:
    """Autocovariance of every chain and column along the draw axis (biased, ``/ n``), by FFT."""
    n = x.shape[1]
    m = next_fast_len(2 * n)
    centred = x - x.mean(axis=1, keepdims=True)
    spec = np.fft.rfft(centred, n=m, axis=1)
    spec *= np.conjugate(spec)
    return np.fft.irfft(spec, n=m, axis=1)[:, :n] / n


def _ess_numpy(x: np.ndarray) -> np.ndarray:
    """ESS of ``(C, N, K)`` (Vehtari et al. 2021, eqs. 10-11; Geyer's initial positive and
    monotone sequence estimators), as ArviZ's ``_ess``."""
    c, n, k = x.shape
    size = c * n
    const = (x.max(axis=(0, 1)) - x.min(axis=(0, 1))) < np.finfo(float).resolution
    with np.errstate(divide="ignore", invalid="ignore"):
        acov = _autocov(x)
        mean_acov = acov.mean(axis=0)  # (N, K)
        mean_var = mean_acov[0] * n / (n - 1.0)
        var_plus = mean_var * (n - 1.0) / n
        if c > 1:
            var_plus = var_plus + np.var(x.mean(axis=1), axis=0, ddof=1)

        rho = np.zeros((n, k))
        rho[0] = 1.0
        rho_even = np.ones(k)
        rho_odd = 1.0 - (mean_var - mean_acov[1]) / var_plus
        rho[1] = rho_odd
        t_end = np.ones(k, dtype=np.int64)
        active = np.ones(k, dtype=bool)
        t = 1
        while t < n - 3:  # Geyer's initial positive sequence
            active &= (rho_even + rho_odd) > 0.0
            if not active.any():
                break
            cols = np.flatnonzero(active)
            new_even = 1.0 - (mean_var[cols] - mean_acov[t + 1, cols]) / var_plus[cols]
            new_odd = 1.0 - (mean_var[cols] - mean_acov[t + 2, cols]) / var_plus[cols]
            rho_even[cols] = new_even
            rho_odd[cols] = new_odd
            keep = (new_even + new_odd) >= 0
            rho[t + 1, cols[keep]] = new_even[keep]
            rho[t + 2, cols[keep]] = new_odd[keep]
            t_end[cols] = t + 2
            t += 2
        max_t = t_end - 2  # (K,), may be -1
        allcols = np.arange(k)
        sel = rho_even > 0
        rho[max_t[sel] + 1, allcols[sel]] = rho_even[sel]
        t = 1
        while True:  # Geyer's initial monotone sequence
            cols = np.flatnonzero(t <= max_t - 2)
            if cols.size == 0:
                break
            upd = (rho[t + 1, cols] + rho[t + 2, cols]) > (rho[t - 1, cols] + rho[t, cols])
            cu = cols[upd]
            rho[t + 1, cu] = (rho[t - 1, cu] + rho[t, cu]) / 2.0
            rho[t + 2, cu] = rho[t + 1, cu]
            t += 2
        lag = np.arange(n)[:, None]
        tau = (
            -1.0
            + 2.0 * np.sum(np.where(lag <= max_t, rho, 0.0), axis=0)
            + np.sum(np.where(lag == max_t + 1, rho, 0.0), axis=0)
        )
        tau = np.maximum(tau, 1.0 / math.log10(size))
        ess = size / tau
    ess = np.where(np.isnan(rho).any(axis=0), np.nan, ess)
    return np.where(const, float(size), ess)


def _ess_bulk_numpy(x: np.ndarray) -> np.ndarray:
    if x.shape[1] < _MIN_DRAWS:
        return np.full(x.shape[2], np.nan)
    return _ess_numpy(_z_scale(_split_chains(x)))


def _ess_tail_numpy(x: np.ndarray, prob: tuple[float, float]) -> np.ndarray:
    if x.shape[1] < _MIN_DRAWS:
        return np.full(x.shape[2], np.nan)
    k = x.shape[2]
    flat = x.reshape(-1, k)
    res = []
    for p in prob:
        q = np.quantile(flat, p, axis=0)  # type 7, as ArviZ
        res.append(_ess_numpy(_split_chains((x <= q).astype(float))))
    low, high = res
    return np.where(high < low, high, low)  # Python's min(low, high)


# ----------------------------------------------------------------------------------------------
# public R-hat / ESS
# ----------------------------------------------------------------------------------------------
def _per_element(x, backend: str, min_chains: int, arviz_fn, numpy_fn):
    """Apply a (chain, draw) diagnostic to every trailing element of ``x``: ``NaN`` when there
    are fewer than ``min_chains`` chains or ``_MIN_DRAWS`` draws per chain, else ArviZ's
    ``arviz_fn(functions, flat)`` (``functions``: the installed ArviZ's, an ``ArvizBackend``) or
    the NumPy twin ``numpy_fn(flat)``, both on ``flat`` shaped ``(chain, draw, K)``."""
    arr = _check_draws(x)
    flat, trailing = _flatten(arr)
    if flat.shape[0] < min_chains or flat.shape[1] < _MIN_DRAWS or flat.shape[2] == 0:
        _check_backend(backend)
        values = np.full(flat.shape[2], np.nan)
    elif (found := _arviz_for(backend)) is not None:
        values = np.asarray(arviz_fn(found, flat), dtype=float).reshape(flat.shape[2])
    else:
        values = numpy_fn(flat)
    return _unflatten(values, trailing)


def rhat(x, *, backend: str = "auto"):
    """Rank-normalized split R-hat (ArviZ's default ``method="rank"``; Vehtari et al. 2021).

    The maximum of the bulk (rank-normalized split) and tail (rank-normalized folded split) R-hat.

    Parameters
    ----------
    x : array_like, shape (chain, draw, ...)
        Draws laid out by chain.
    backend : {"auto", "arviz", "numpy"}, default "auto"
        ``"auto"``: ArviZ when importable (1.x: ``arviz-stats``; 0.x), else the NumPy
        implementation.

    Returns
    -------
    float or ndarray
        A float for ``(chain, draw)`` input, else one value per trailing element. ``NaN`` with
        fewer than 2 chains or 4 draws per chain, or for constant draws.

    Raises
    ------
    ValueError
        If ``x`` has fewer than 2 dimensions, holds NaN or infinity, or ``backend`` is unknown.
    TypeError
        If ``x`` is not numeric.
    ImportError
        If ``backend="arviz"`` and neither ArviZ 1.x's ``arviz-stats`` nor ArviZ 0.x is
        importable.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(4, 200))
    >>> bool(symhmc.diagnostics.rhat(x, backend="numpy") < 1.01)
    True
    >>> x[0] += 3.0   # one chain elsewhere
    >>> bool(symhmc.diagnostics.rhat(x, backend="numpy") > 1.1)
    True
    >>> symhmc.diagnostics.rhat(x[:, :1])   # one draw per chain: use nested_rhat
    nan
    """
    return _per_element(x, backend, 2, lambda az, flat: az.rhat(flat), _rhat_rank_numpy)


def ess_bulk(x, *, backend: str = "auto"):
    """Bulk effective sample size (ArviZ ``method="bulk"``).

    The ESS of the rank-normalized split chains.

    Parameters
    ----------
    x : array_like, shape (chain, draw, ...)
        Draws laid out by chain.
    backend : {"auto", "arviz", "numpy"}, default "auto"
        ``"auto"``: ArviZ when importable (1.x: ``arviz-stats``; 0.x), else the NumPy
        implementation.

    Returns
    -------
    float or ndarray
        A float for ``(chain, draw)`` input, else one value per trailing element; ``NaN`` with
        fewer than 4 draws per chain.

    Raises
    ------
    ValueError
        If ``x`` has fewer than 2 dimensions, holds NaN or infinity, or ``backend`` is unknown.
    TypeError
        If ``x`` is not numeric.
    ImportError
        If ``backend="arviz"`` and neither ArviZ 1.x's ``arviz-stats`` nor ArviZ 0.x is
        importable.

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(4, 200, 3))   # independent draws
    >>> ess = symhmc.diagnostics.ess_bulk(x, backend="numpy")
    >>> ess.shape, bool(np.all((ess > 500) & (ess < 1200)))
    ((3,), True)
    """
    return _per_element(x, backend, 1, lambda az, flat: az.ess(flat, "bulk"), _ess_bulk_numpy)


def ess_tail(x, *, prob: tuple[float, float] = (0.05, 0.95), backend: str = "auto"):
    """Tail effective sample size (ArviZ ``method="tail"``).

    The smaller ESS of the indicators ``x <= q_prob`` for the two quantiles in ``prob``, with split
    chains.

    Parameters
    ----------
    x : array_like, shape (chain, draw, ...)
        Draws laid out by chain.
    prob : tuple of float, default (0.05, 0.95)
        The two quantile probabilities, each strictly between 0 and 1.
    backend : {"auto", "arviz", "numpy"}, default "auto"
        ``"auto"``: ArviZ when importable (1.x: ``arviz-stats``; 0.x), else the NumPy
        implementation.

    Returns
    -------
    float or ndarray
        A float for ``(chain, draw)`` input, else one value per trailing element; ``NaN`` with
        fewer than 4 draws per chain.

    Raises
    ------
    ValueError
        If ``x`` has fewer than 2 dimensions, holds NaN or infinity, or ``backend`` is unknown.
    TypeError
        If ``x`` is not numeric.
    ImportError
        If ``backend="arviz"`` and neither ArviZ 1.x's ``arviz-stats`` nor ArviZ 0.x is
        importable.
        Also if ``prob`` is not two probabilities in (0, 1).

    Examples
    --------
    >>> x = np.random.default_rng(0).normal(size=(4, 200))
    >>> bool(symhmc.diagnostics.ess_tail(x, backend="numpy") > 300)
    True
    """
    p = as_float_array(prob, "prob", ndim=1)
    if p.shape != (2,) or not np.all((p > 0) & (p < 1)):
        raise ValueError(f"prob must be two probabilities in (0, 1), got {prob!r}")
    pr = (float(p[0]), float(p[1]))
    return _per_element(
        x, backend, 1, lambda az, flat: az.ess(flat, "tail", pr), lambda flat: _ess_tail_numpy(flat, pr)
    )


# ----------------------------------------------------------------------------------------------
# nested R-hat
# ----------------------------------------------------------------------------------------------
def _superchain_order(superchains, n_chains: int) -> tuple[np.ndarray, int, int]:
    """Chain order grouping superchains together, the number K of superchains and M chains each."""
    if isinstance(superchains, (numbers.Integral, np.integer)) and not isinstance(superchains, bool):
        k = int(superchains)
        if k < 2:
            raise ValueError(f"superchains must be at least 2 superchains, got {k}")
        if n_chains % k:
            raise ValueError(f"superchains={k} does not divide the {n_chains} chains into equal groups")
        return np.arange(n_chains), k, n_chains // k
    if isinstance(superchains, (bool, float, str, bytes)) or superchains is None:
        raise TypeError(
            f"superchains must be a number of superchains (int) or one label per chain, got {superchains!r}"
        )
    labels = np.asarray(superchains)
    if labels.ndim != 1 or labels.shape[0] != n_chains:
        raise ValueError(f"superchains labels must have one entry per chain ({n_chains}), got shape {labels.shape}")
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise ValueError("superchains labels contain NaN or infinite values")
    uniq, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if uniq.size < 2:
        raise ValueError(f"superchains labels must name at least 2 superchains, got {uniq.size}")
    if np.any(counts != counts[0]):
        raise ValueError(
            "superchains must all hold the same number of chains, got sizes "
            f"{dict(zip(uniq.tolist(), counts.tolist()))}"
        )
    return np.argsort(inverse, kind="stable"), int(uniq.size), int(counts[0])


def nested_rhat(draws, superchains):
    """Nested R-hat over superchains of chains, for many short chains.

    The statistic of Margossian, Hoffman, Sountsov, Riou-Durand, Vehtari and Gelman,
    "Nested R-hat: assessing the convergence of Markov chain Monte Carlo when running many
    short chains" (arXiv:2110.13017): the paper's equations for ``B_nu``, ``W_nu`` and ``R_nu``
    (numbered 4-8 in the 2024 version), exactly as implemented by the Stan ``posterior`` R
    package's ``rhat_nested`` (same ``ddof=1`` variances, same zero terms for one chain per
    superchain or one draw per chain).

    With ``K`` superchains of ``M`` chains of ``N`` draws, ``theta[n, m, k]``::

        superchain mean   theta_k   = mean over m, n of theta[n, m, k]
        B_nu  = 1/(K-1) sum_k (theta_k - mean_k theta_k)^2              (between superchains)
        Btilde_k = 1/(M-1) sum_m (chain mean_mk - theta_k)^2      (0 when M = 1)
        Wtilde_k = 1/M sum_m  1/(N-1) sum_n (theta[n,m,k] - chain mean_mk)^2   (0 when N = 1)
        W_nu  = 1/K sum_k (Btilde_k + Wtilde_k)                          (within superchains)
        R_nu  = sqrt(1 + B_nu / W_nu)

    With one draw per chain the within-chain term is 0 and ``W_nu`` is the spread of chains
    inside their superchain, which is the many-short-chains case. Note ``R_nu >= 1`` always and,
    unlike classic R-hat, it is ``sqrt(1 + B/W)`` rather than ``sqrt((N-1)/N + B/W)`` (the
    paper's footnote).

    Parameters
    ----------
    draws : array_like, shape (chain, draw, ...)
        Draws laid out by chain.
    superchains : int or array_like
        The number ``K >= 2`` of superchains, formed by ``K`` equal groups of consecutive chains,
        or one label per chain (at least 2 labels, groups of equal size).

    Returns
    -------
    float or ndarray
        A float for ``(chain, draw)`` input, else one value per trailing element. ``NaN`` where
        ``W_nu = 0`` and ``B_nu = 0``, ``inf`` where only ``W_nu = 0``.

    Raises
    ------
    TypeError
        If ``draws`` is not numeric, or ``superchains`` is neither an integer nor labels.
    ValueError
        If ``draws`` has fewer than 2 dimensions or holds NaN or infinity, the superchains are
        fewer than 2 or of unequal size, or there is only one chain per superchain and one draw
        per chain.

    Examples
    --------
    >>> draws = np.random.default_rng(0).normal(size=(256, 1))   # 256 chains, one draw each
    >>> bool(symhmc.diagnostics.nested_rhat(draws, superchains=4) < 1.05)
    True
    >>> draws[:64] += 2.0   # the first superchain stuck elsewhere
    >>> bool(symhmc.diagnostics.nested_rhat(draws, superchains=4) > 1.2)
    True
    """
    arr = as_float_array(draws, "draws")
    if arr.ndim < 2:
        raise ValueError(f"draws must have shape (chain, draw, ...), got shape {arr.shape}")
    n_chains, n_draws = arr.shape[:2]
    order, k, m = _superchain_order(superchains, n_chains)
    if m == 1 and n_draws == 1:
        raise ValueError(
            "nested R-hat needs more than one chain per superchain or more than one "
            "draw per chain (with one of each, the within-superchain variance is undefined)"
        )
    flat, trailing = _flatten(arr)
    x = flat[order].reshape(k, m, n_draws, -1)  # (K, M, N, P)
    chain_mean = x.mean(axis=2)  # (K, M, P)
    super_mean = chain_mean.mean(axis=1)  # (K, P): equal chain lengths
    between_super = np.var(super_mean, axis=0, ddof=1)  # (P,)
    between_chain = np.var(chain_mean, axis=1, ddof=1) if m > 1 else np.zeros_like(super_mean)
    within_chain = np.var(x, axis=2, ddof=1).mean(axis=1) if n_draws > 1 else np.zeros_like(super_mean)
    within_super = np.mean(between_chain + within_chain, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.sqrt(1.0 + between_super / within_super)
    return _unflatten(values, trailing)
