"""Convergence diagnostics for many short chains, and sampler health.

Arrays of draws are laid out ``(chain, draw, ...)``; every function computes one value per
trailing element (a float when there are no trailing dimensions).

* :func:`rhat`, :func:`ess_bulk`, :func:`ess_tail`: rank-normalized split R-hat and bulk/tail
  effective sample sizes with ArviZ's definitions (Vehtari, Gelman, Simpson, Carpenter and
  Buerkner 2021, "Rank-normalization, folding, and localization: an improved R-hat for assessing
  convergence of MCMC", Bayesian Analysis 16(2)). ArviZ (0.x) is used when it is importable
  (``backend="auto"``); otherwise, or with ``backend="numpy"``, a vectorised NumPy/SciPy
  implementation of the same algorithm (same splitting, Blom rank offsets ``3/8``, Geyer initial
  positive and monotone sequences, ``1/log10(S)`` floor on the autocorrelation time, quantile
  type 7 for the tail ESS) that the tests check against ArviZ. Like ArviZ, they return ``NaN``
  when there are fewer than 4 draws per chain (and, for R-hat, fewer than 2 chains): with one
  draw per chain use :func:`nested_rhat`.
* :func:`nested_rhat`: nested R-hat over superchains of chains (Margossian et al. 2024).
* :func:`function_space`: the above on network predictions at chosen inputs (free of the
  weight-space symmetries that make weight-space R-hat meaningless).
* :func:`sampler_health`: divergences, tree-depth hits, acceptance, step sizes and gradient
  evaluations per chain and in total.
* :func:`weight_space`: the above on the weights after removing the symmetries
  (:func:`symhmc.symmetry.canonicalize` or :func:`symhmc.symmetry.align`).
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Mapping

import numpy as np
from scipy.fft import next_fast_len
from scipy.special import ndtri
from scipy.stats import rankdata

from ._validation import as_float_array
from .ppd import ppd_convergence  # noqa: F401  (the paper's PPD convergence curve, also offered here)

__all__ = [
    "rhat", "ess_bulk", "ess_tail", "nested_rhat", "function_space", "sampler_health",
    "format_table", "arviz_available", "weight_space", "parameter_names",
]

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


_ARVIZ = None


def _arviz():
    """The ArviZ module when a 0.x version (whose ``rhat``/``ess`` take (chain, draw) arrays) is
    importable, else ``None``."""
    global _ARVIZ
    if _ARVIZ is None:
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import arviz  # noqa: PLC0415
            major = int(str(arviz.__version__).split(".")[0])
            ok = major == 0 and hasattr(arviz, "rhat") and hasattr(arviz, "ess")
            _ARVIZ = arviz if ok else False
        except Exception:  # not installed, or broken
            _ARVIZ = False
    return _ARVIZ or None


def arviz_available() -> bool:
    """Whether :func:`rhat` and the ESS functions can use ArviZ (``backend="auto"`` then does)."""
    return _arviz() is not None


def _use_arviz(backend: str) -> bool:
    backend = _check_backend(backend)
    if backend == "numpy":
        return False
    az = _arviz()
    if backend == "arviz" and az is None:
        raise ImportError("backend='arviz' needs ArviZ 0.x: pip install 'arviz<1' (or symhmc[arviz])")
    return az is not None


def _arviz_columns(flat: np.ndarray, fn) -> np.ndarray:
    """Apply ArviZ's 2-D function ``fn`` to every column ``(chain, draw)`` of ``flat``."""
    out = np.empty(flat.shape[2])
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        for k in range(flat.shape[2]):
            out[k] = float(fn(np.ascontiguousarray(flat[:, :, k])))
    return out


# ----------------------------------------------------------------------------------------------
# NumPy implementation of ArviZ's rank-normalized split R-hat and ESS (vectorised over columns)
# ----------------------------------------------------------------------------------------------
def _split_chains(x: np.ndarray) -> np.ndarray:
    """``(C, N, K)`` -> ``(2C, N//2, K)``: first and last halves as separate chains (middle draw
    of an odd N dropped)."""
    half = x.shape[1] // 2
    return np.concatenate([x[:, :half], x[:, x.shape[1] - half:]], axis=0)


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
        mean_acov = acov.mean(axis=0)                      # (N, K)
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
        max_t = t_end - 2                                  # (K,), may be -1
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
        tau = (-1.0 + 2.0 * np.sum(np.where(lag <= max_t, rho, 0.0), axis=0)
               + np.sum(np.where(lag == max_t + 1, rho, 0.0), axis=0))
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
        q = np.quantile(flat, p, axis=0)                   # type 7, as ArviZ
        res.append(_ess_numpy(_split_chains((x <= q).astype(float))))
    low, high = res
    return np.where(high < low, high, low)                 # Python's min(low, high)


# ----------------------------------------------------------------------------------------------
# public R-hat / ESS
# ----------------------------------------------------------------------------------------------
def _per_element(x, backend: str, min_chains: int, arviz_fn, numpy_fn):
    """Apply a (chain, draw) diagnostic to every trailing element of ``x``: ``NaN`` when there
    are fewer than ``min_chains`` chains or ``_MIN_DRAWS`` draws per chain, else ArviZ's
    ``arviz_fn`` (per column) or the NumPy twin ``numpy_fn`` (vectorised)."""
    arr = _check_draws(x)
    flat, trailing = _flatten(arr)
    if flat.shape[0] < min_chains or flat.shape[1] < _MIN_DRAWS:
        _check_backend(backend)
        values = np.full(flat.shape[2], np.nan)
    elif _use_arviz(backend):
        values = _arviz_columns(flat, arviz_fn)
    else:
        values = numpy_fn(flat)
    return _unflatten(values, trailing)


def rhat(x, *, backend: str = "auto"):
    """Rank-normalized split R-hat (ArviZ's default ``method="rank"``; Vehtari et al. 2021).

    The maximum of the bulk (rank-normalized split) and tail (rank-normalized folded split)
    R-hat. ``x``: ``(chain, draw)`` -> float, or ``(chain, draw, ...)`` -> one value per trailing
    element. ``NaN`` with fewer than 2 chains or 4 draws per chain, or for constant draws.
    ``backend``: ``"auto"`` (ArviZ when importable), ``"arviz"`` or ``"numpy"``.
    """
    return _per_element(x, backend, 2, lambda a: _arviz().rhat(a, method="rank"), _rhat_rank_numpy)


def ess_bulk(x, *, backend: str = "auto"):
    """Bulk effective sample size: ESS of the rank-normalized split chains (ArviZ ``method="bulk"``).

    ``x``: ``(chain, draw)`` -> float, or ``(chain, draw, ...)`` -> one value per trailing
    element; ``NaN`` with fewer than 4 draws per chain.
    """
    return _per_element(x, backend, 1, lambda a: _arviz().ess(a, method="bulk"), _ess_bulk_numpy)


def ess_tail(x, *, prob: tuple[float, float] = (0.05, 0.95), backend: str = "auto"):
    """Tail effective sample size: the smaller ESS of the indicators ``x <= q_prob`` for the two
    quantiles in ``prob`` (default 5 % and 95 %), with split chains (ArviZ ``method="tail"``).

    Shapes and ``NaN`` rule as for :func:`ess_bulk`.
    """
    p = as_float_array(prob, "prob", ndim=1)
    if p.shape != (2,) or not np.all((p > 0) & (p < 1)):
        raise ValueError(f"prob must be two probabilities in (0, 1), got {prob!r}")
    pr = (float(p[0]), float(p[1]))
    return _per_element(x, backend, 1, lambda a: _arviz().ess(a, method="tail", prob=pr),
                        lambda flat: _ess_tail_numpy(flat, pr))


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
        raise TypeError("superchains must be a number of superchains (int) or one label per chain, "
                        f"got {superchains!r}")
    labels = np.asarray(superchains)
    if labels.ndim != 1 or labels.shape[0] != n_chains:
        raise ValueError(f"superchains labels must have one entry per chain ({n_chains}), got shape {labels.shape}")
    if labels.dtype.kind == "f" and not np.all(np.isfinite(labels)):
        raise ValueError("superchains labels contain NaN or infinite values")
    uniq, inverse, counts = np.unique(labels, return_inverse=True, return_counts=True)
    if uniq.size < 2:
        raise ValueError(f"superchains labels must name at least 2 superchains, got {uniq.size}")
    if np.any(counts != counts[0]):
        raise ValueError("superchains must all hold the same number of chains, got sizes "
                         f"{dict(zip(uniq.tolist(), counts.tolist()))}")
    return np.argsort(inverse, kind="stable"), int(uniq.size), int(counts[0])


def nested_rhat(draws, superchains):
    """Nested R-hat of Margossian, Hoffman, Sountsov, Riou-Durand, Vehtari and Gelman,
    "Nested R-hat: assessing the convergence of Markov chain Monte Carlo when running many
    short chains" (arXiv:2110.13017): the definition of the paper's equations for
    ``B_nu``, ``W_nu`` and ``R_nu`` (numbered 4-8 in the 2024 version), exactly as implemented
    by the Stan ``posterior`` R package's ``rhat_nested`` (same ``ddof=1`` variances, same
    zero terms for one chain per superchain or one draw per chain).

    ``draws``: ``(chain, draw, ...)``. ``superchains``: the number ``K`` of superchains, formed
    by ``K`` equal groups of consecutive chains, or one label per chain (groups of equal size).
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
    paper's footnote). ``NaN`` where ``W_nu = 0`` and ``B_nu = 0``, ``inf`` where only
    ``W_nu = 0``. Returns a float for ``(chain, draw)`` input, else one value per trailing element.
    Needs more than one chain per superchain or more than one draw per chain.
    """
    arr = as_float_array(draws, "draws")
    if arr.ndim < 2:
        raise ValueError(f"draws must have shape (chain, draw, ...), got shape {arr.shape}")
    n_chains, n_draws = arr.shape[:2]
    order, k, m = _superchain_order(superchains, n_chains)
    if m == 1 and n_draws == 1:
        raise ValueError("nested R-hat needs more than one chain per superchain or more than one "
                         "draw per chain (with one of each, the within-superchain variance is undefined)")
    flat, trailing = _flatten(arr)
    x = flat[order].reshape(k, m, n_draws, -1)            # (K, M, N, P)
    chain_mean = x.mean(axis=2)                            # (K, M, P)
    super_mean = chain_mean.mean(axis=1)                   # (K, P): equal chain lengths
    between_super = np.var(super_mean, axis=0, ddof=1)     # (P,)
    between_chain = np.var(chain_mean, axis=1, ddof=1) if m > 1 else np.zeros_like(super_mean)
    within_chain = np.var(x, axis=2, ddof=1).mean(axis=1) if n_draws > 1 else np.zeros_like(super_mean)
    within_super = np.mean(between_chain + within_chain, axis=0)
    with np.errstate(divide="ignore", invalid="ignore"):
        values = np.sqrt(1.0 + between_super / within_super)
    return _unflatten(values, trailing)


# ----------------------------------------------------------------------------------------------
# function space
# ----------------------------------------------------------------------------------------------
def _worst(values: np.ndarray, largest: bool):
    """Largest (or smallest) non-NaN value and its index; ``(nan, None)`` when all are NaN."""
    idx = np.flatnonzero(~np.isnan(values))
    if idx.size == 0:
        return float("nan"), None
    j = idx[np.argmax(values[idx])] if largest else idx[np.argmin(values[idx])]
    return float(values[j]), int(j)


def function_space(f, *, superchains=None, rhat_threshold: float = 1.01, backend: str = "auto") -> dict:
    """R-hat and ESS of network predictions (function space) rather than weights.

    ``f``: predictions at chosen inputs, ``(chain, draw, n_points)`` (``(chain, draw)`` is one
    point). Returns a dict of per-point arrays ``(n_points,)``:

    * ``"rhat"``, ``"ess_bulk"``, ``"ess_tail"`` -- :func:`rhat`, :func:`ess_bulk`,
      :func:`ess_tail` (``NaN`` when chains have fewer than 4 draws, as with one draw per chain);
    * ``"nested_rhat"`` -- :func:`nested_rhat` when ``superchains`` is given;

    and ``"summary"``, a dict of worst cases over the points: ``max_rhat`` / ``argmax_rhat``,
    ``min_ess_bulk`` / ``argmin_ess_bulk``, ``min_ess_tail`` / ``argmin_ess_tail``,
    ``max_nested_rhat`` / ``argmax_nested_rhat`` (with superchains), ``frac_rhat_above`` (share
    of points whose R-hat, or nested R-hat when split R-hat is undefined, exceeds
    ``rhat_threshold``), ``n_points``, ``n_chains``, ``n_draws``. NaN values are ignored in the
    worst cases (a worst case is NaN, with index ``None``, when every point is NaN).
    """
    arr = as_float_array(f, "f")
    if arr.ndim not in (2, 3):
        raise ValueError(f"f must have shape (chain, draw, n_points) or (chain, draw), got shape {arr.shape}")
    if arr.ndim == 2:
        arr = arr[:, :, None]
    if isinstance(rhat_threshold, bool) or not isinstance(rhat_threshold, numbers.Real) or not rhat_threshold >= 1:
        raise ValueError(f"rhat_threshold must be a number >= 1, got {rhat_threshold!r}")
    _check_backend(backend)
    n_chains, n_draws, n_points = arr.shape
    out = {
        "rhat": np.atleast_1d(rhat(arr, backend=backend)),
        "ess_bulk": np.atleast_1d(ess_bulk(arr, backend=backend)),
        "ess_tail": np.atleast_1d(ess_tail(arr, backend=backend)),
    }
    summary = {"n_points": n_points, "n_chains": n_chains, "n_draws": n_draws}
    summary["max_rhat"], summary["argmax_rhat"] = _worst(out["rhat"], True)
    summary["min_ess_bulk"], summary["argmin_ess_bulk"] = _worst(out["ess_bulk"], False)
    summary["min_ess_tail"], summary["argmin_ess_tail"] = _worst(out["ess_tail"], False)
    check = out["rhat"]
    if superchains is not None:
        out["nested_rhat"] = np.atleast_1d(nested_rhat(arr, superchains))
        summary["max_nested_rhat"], summary["argmax_nested_rhat"] = _worst(out["nested_rhat"], True)
        check = np.where(np.isnan(check), out["nested_rhat"], check)
    summary["frac_rhat_above"] = float(np.mean(check > rhat_threshold))
    if n_draws < _MIN_DRAWS:
        summary["note"] = (f"split R-hat and ESS need at least {_MIN_DRAWS} draws per chain "
                           f"(got {n_draws}); use superchains= for nested R-hat")
    out["summary"] = summary
    return out


# ----------------------------------------------------------------------------------------------
# sampler health
# ----------------------------------------------------------------------------------------------
_STAT_NAMES = ("diverging", "tree_depth", "acceptance_rate", "step_size", "n_steps")


def _check_stat(value, name: str) -> np.ndarray:
    arr = np.asarray(value)
    if arr.dtype == object or arr.dtype.kind not in "biuf":
        raise TypeError(f"stats[{name!r}] must be a numeric array, got dtype {arr.dtype}")
    if arr.ndim == 1:
        arr = arr[:, None]  # one draw per chain
    if arr.ndim != 2:
        raise ValueError(f"stats[{name!r}] must have shape (chain, draw) or (chain,), got {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"stats[{name!r}] must not be empty")
    if arr.dtype.kind == "f" and not np.all(np.isfinite(arr)):
        raise ValueError(f"stats[{name!r}] contains NaN or infinite values")
    if name == "diverging" and arr.dtype.kind != "b":
        if not np.all((arr == 0) | (arr == 1)):
            raise ValueError("stats['diverging'] must be boolean (or 0/1)")
        arr = arr.astype(bool)
    return arr


def sampler_health(stats: Mapping, *, max_tree_depth: int | None = None, as_frame: bool = False) -> dict:
    """Per-chain and total sampler health from NUTS statistics under ArviZ names.

    ``stats``: a mapping with any of ``"diverging"`` (bool), ``"tree_depth"``,
    ``"acceptance_rate"``, ``"step_size"``, ``"n_steps"`` (leapfrog steps = gradient
    evaluations per draw), each ``(chain, draw)`` (a 1-D array is one draw per chain); other keys
    are ignored. ``max_tree_depth``: the sampler's limit, to count draws that hit it
    (``tree_depth >= max_tree_depth``).

    Returns ``{"per_chain": {column: array (n_chains,)}, "totals": {name: number}}``; the
    per-chain columns are ``chain``, ``n_draws`` and, for the statistics present,
    ``divergences``, ``mean_tree_depth``, ``max_tree_depth``, ``tree_depth_hits`` (with
    ``max_tree_depth``), ``mean_acceptance``, ``step_size`` (mean over draws), ``grad_evals``.
    ``as_frame=True`` gives ``per_chain`` as a pandas DataFrame (pandas must be installed).
    :func:`format_table` prints ``per_chain`` as text.
    """
    if not isinstance(stats, Mapping):
        raise TypeError(f"stats must be a mapping of (chain, draw) arrays, got {type(stats).__name__}")
    present = {name: _check_stat(stats[name], name) for name in _STAT_NAMES if name in stats}
    if not present:
        raise ValueError(f"stats holds none of the known statistics {_STAT_NAMES}; got keys {sorted(map(str, stats))}")
    shapes = {name: a.shape for name, a in present.items()}
    if len(set(shapes.values())) != 1:
        raise ValueError(f"stats arrays must share one (chain, draw) shape, got {shapes}")
    if max_tree_depth is not None:
        if isinstance(max_tree_depth, bool) or not isinstance(max_tree_depth, numbers.Integral) or max_tree_depth < 1:
            raise ValueError(f"max_tree_depth must be a positive integer, got {max_tree_depth!r}")
        if "tree_depth" not in present:
            raise ValueError("max_tree_depth was given but stats has no 'tree_depth'")
    n_chains, n_draws = next(iter(shapes.values()))
    per_chain: dict[str, np.ndarray] = {
        "chain": np.arange(n_chains),
        "n_draws": np.full(n_chains, n_draws),
    }
    totals: dict[str, float | int] = {"n_chains": int(n_chains), "n_draws": int(n_chains * n_draws)}
    if "diverging" in present:
        d = present["diverging"]
        per_chain["divergences"] = d.sum(axis=1)
        totals["divergences"] = int(d.sum())
        totals["divergent_fraction"] = float(d.mean())
        totals["chains_with_divergences"] = int(np.count_nonzero(d.any(axis=1)))
    if "tree_depth" in present:
        td = present["tree_depth"]
        per_chain["mean_tree_depth"] = td.mean(axis=1)
        per_chain["max_tree_depth"] = td.max(axis=1)
        totals["mean_tree_depth"] = float(td.mean())
        totals["max_tree_depth"] = td.max().item()
        if max_tree_depth is not None:
            hits = td >= max_tree_depth
            per_chain["tree_depth_hits"] = hits.sum(axis=1)
            totals["tree_depth_hits"] = int(hits.sum())
            totals["tree_depth_hit_fraction"] = float(hits.mean())
    if "acceptance_rate" in present:
        acc = present["acceptance_rate"].astype(float)
        per_chain["mean_acceptance"] = acc.mean(axis=1)
        totals["mean_acceptance"] = float(acc.mean())
        totals["min_chain_mean_acceptance"] = float(acc.mean(axis=1).min())
    if "step_size" in present:
        eps = present["step_size"].astype(float)
        per_chain["step_size"] = eps.mean(axis=1)
        totals["step_size_min"] = float(eps.min())
        totals["step_size_median"] = float(np.median(eps))
        totals["step_size_max"] = float(eps.max())
    if "n_steps" in present:
        ns = present["n_steps"]
        per_chain["grad_evals"] = ns.sum(axis=1)
        totals["grad_evals"] = ns.sum().item()
        totals["mean_grad_evals_per_draw"] = float(ns.mean())
    if as_frame:
        try:
            import pandas as pd  # noqa: PLC0415
        except ImportError:
            raise ImportError("as_frame=True needs pandas: pip install pandas") from None
        per_chain = pd.DataFrame(per_chain).set_index("chain")
    return {"per_chain": per_chain, "totals": totals}


def format_table(columns: Mapping, *, max_rows: int = 20) -> str:
    """Plain-text table of equal-length columns (e.g. ``sampler_health(...)["per_chain"]``);
    only the first and last rows when there are more than ``max_rows``."""
    if not isinstance(columns, Mapping) or not columns:
        raise TypeError("columns must be a non-empty mapping of equal-length arrays")
    cols = {str(k): np.asarray(v) for k, v in columns.items()}
    lengths = {k: v.shape[0] if v.ndim else 1 for k, v in cols.items()}
    if len(set(lengths.values())) != 1:
        raise ValueError(f"columns must have equal lengths, got {lengths}")
    n = next(iter(lengths.values()))
    rows = list(range(n)) if n <= max_rows else [*range(max_rows // 2), None, *range(n - max_rows // 2, n)]

    def cell(v):
        if isinstance(v, (float, np.floating)):
            return f"{v:.4g}"
        return str(v)

    table = [list(cols)]
    for r in rows:
        table.append(["..."] * len(cols) if r is None else [cell(np.atleast_1d(c)[r]) for c in cols.values()])
    widths = [max(len(row[j]) for row in table) for j in range(len(cols))]
    return "\n".join("  ".join(c.rjust(w) for c, w in zip(row, widths)) for row in table)


# ----------------------------------------------------------------------------------------------
# weight space
# ----------------------------------------------------------------------------------------------
_WEIGHT_METHODS = ("canonicalize", "align", "none")


def parameter_names(model, dim: int | None = None) -> list[str]:
    """Names of the coordinates of a flat posterior vector: ``W{l}[i,j]`` (layer ``l``, output
    neuron ``i``, input ``j``), ``b{l}[i]``, then ``log_sigma`` when ``dim`` (default
    ``model.dim``) includes it."""
    dim = model.dim if dim is None else dim
    names = []
    for layer, (n_out, n_in) in enumerate(model.layer_shapes):
        names += [f"W{layer}[{i},{j}]" for i in range(n_out) for j in range(n_in)]
        names += [f"b{layer}[{i}]" for i in range(n_out)]
    if dim == model.n_params + 1:
        names.append("log_sigma")
    return names


def _is_results(obj) -> bool:
    return all(hasattr(obj, a) for a in ("draws", "stats", "model", "flat_draws"))


def _weight_stats(arr: np.ndarray, superchains, backend: str) -> dict[str, np.ndarray]:
    out = {
        "rhat": np.atleast_1d(rhat(arr, backend=backend)),
        "ess_bulk": np.atleast_1d(ess_bulk(arr, backend=backend)),
        "ess_tail": np.atleast_1d(ess_tail(arr, backend=backend)),
    }
    if superchains is not None:
        out["nested_rhat"] = np.atleast_1d(nested_rhat(arr, superchains))
    return out


def _weight_summary(values: dict[str, np.ndarray], names: list[str], rhat_threshold: float,
                    n_chains: int, n_draws: int) -> dict:
    summary: dict = {"n_params": len(names), "n_chains": n_chains, "n_draws": n_draws}
    for key, largest, label in (("rhat", True, "max_rhat"), ("ess_bulk", False, "min_ess_bulk"),
                                ("ess_tail", False, "min_ess_tail"), ("nested_rhat", True, "max_nested_rhat")):
        if key not in values:
            continue
        value, idx = _worst(values[key], largest)
        arg = label.replace("max_", "argmax_").replace("min_", "argmin_")
        summary[label], summary[arg] = value, idx
        summary[arg + "_name"] = None if idx is None else names[idx]
    check = values["rhat"]
    if "nested_rhat" in values:
        check = np.where(np.isnan(check), values["nested_rhat"], check)
    summary["frac_rhat_above"] = float(np.mean(check > rhat_threshold))
    if n_draws < _MIN_DRAWS:
        summary["note"] = (f"split R-hat and ESS need at least {_MIN_DRAWS} draws per chain "
                           f"(got {n_draws}); use superchains= for nested R-hat")
    return summary


def weight_space(results_or_draws, model=None, *, method: str = "canonicalize", superchains=None,
                 groups=None, rhat_threshold: float = 1.01, backend: str = "auto",
                 align_options: Mapping | None = None) -> dict:
    """R-hat and ESS of every weight after removing the weight-space symmetries.

    Raw weights of a network have many equivalent copies of every mode (neurons permuted and,
    for odd activations, sign-flipped), so chains that found the same function in different
    copies look unconverged. This maps the draws to one representative first, then computes
    :func:`rhat`, :func:`ess_bulk`, :func:`ess_tail` (and :func:`nested_rhat`) per coordinate.

    Parameters
    ----------
    results_or_draws : SampleResults or array (chain, draw, n_params or dim)
        A sampling run, or plain draws laid out by chain (e.g. ``results.draws``, or an external
        sampler's output; a trailing ``log sigma`` is kept and is symmetry-free).
    model : MLP
        The network (taken from the results when omitted).
    method : {"canonicalize", "align", "none"}
        ``"canonicalize"``: :func:`symhmc.symmetry.canonicalize` (per draw, deterministic);
        ``"align"``: :func:`symhmc.symmetry.align` with ``method="match"`` over all draws
        together (options from ``align_options``); ``"none"``: the raw weights (for comparison;
        the only choice without a model).
    superchains : int, labels or None
        Also compute nested R-hat over superchains of chains (see :func:`nested_rhat`); needed
        when chains hold fewer than 4 draws (e.g. one draw per chain).
    groups : labels or None
        One label per chain (e.g. a mode or a chain group): the same statistics are also
        computed within each group, returned under ``"groups"`` (groups with one chain get
        ``NaN`` R-hat).
    rhat_threshold : float
        For ``frac_rhat_above`` in the summary.

    Returns
    -------
    dict
        ``"names"`` (``parameter_names``), ``"rhat"``, ``"ess_bulk"``, ``"ess_tail"`` (arrays
        ``(n_coordinates,)``), ``"nested_rhat"`` with superchains, ``"method"``, ``"summary"``
        (worst cases over coordinates: ``max_rhat``/``argmax_rhat``/``argmax_rhat_name``,
        ``min_ess_bulk``..., ``max_nested_rhat``..., ``frac_rhat_above``, ``n_params``,
        ``n_chains``, ``n_draws``; NaN values are ignored) and, with ``groups``,
        ``"groups"``: ``{label: summary}``.
    """
    if _is_results(results_or_draws):
        draws = as_float_array(results_or_draws.draws, "results.draws")
        if model is None:
            model = results_or_draws.model
    else:
        draws = as_float_array(results_or_draws, "draws")
    if draws.ndim != 3:
        raise ValueError(f"draws must have shape (chain, draw, n_params or dim), got shape {draws.shape}; "
                         "for one draw per chain pass draws[:, None, :]")
    if method not in _WEIGHT_METHODS:
        raise ValueError(f"method must be one of {_WEIGHT_METHODS}, got {method!r}")
    if isinstance(rhat_threshold, bool) or not isinstance(rhat_threshold, numbers.Real) or not rhat_threshold >= 1:
        raise ValueError(f"rhat_threshold must be a number >= 1, got {rhat_threshold!r}")
    _check_backend(backend)
    if align_options is not None and not isinstance(align_options, Mapping):
        raise TypeError(f"align_options must be a mapping of symhmc.symmetry.align options, got "
                        f"{type(align_options).__name__}")
    from .model import MLP  # noqa: PLC0415
    from . import symmetry  # noqa: PLC0415

    if model is None:
        if method != "none":
            raise ValueError(f"model is required for method={method!r} (pass the MLP the draws belong to, "
                             "or method='none')")
        names = [f"theta[{i}]" for i in range(draws.shape[2])]
        removed = draws
    else:
        if not isinstance(model, MLP):
            raise TypeError(f"model must be a symhmc.MLP, got {type(model).__name__}")
        if draws.shape[2] not in (model.n_params, model.dim):
            raise ValueError(f"draws must end in an axis of length {model.n_params} (network parameters) or "
                             f"{model.dim} (with log sigma), got shape {draws.shape}")
        names = parameter_names(model, draws.shape[2])
        if method == "canonicalize":
            removed = symmetry.canonicalize(draws, model)
        elif method == "align":
            removed = symmetry.align(draws, model, method="match", **dict(align_options or {}))
        else:
            removed = draws
    n_chains, n_draws = draws.shape[:2]
    out: dict = {"names": names, "method": method}
    values = _weight_stats(removed, superchains, backend)
    out.update(values)
    out["summary"] = {"method": method,
                      **_weight_summary(values, names, float(rhat_threshold), n_chains, n_draws)}
    if groups is not None:
        labels = np.asarray(groups)
        if labels.ndim != 1 or labels.shape[0] != n_chains:
            raise ValueError(f"groups must have one label per chain ({n_chains}), got shape {labels.shape}")
        out["groups"] = {}
        for label in np.unique(labels):
            sel = removed[labels == label]
            vals = _weight_stats(sel, None, backend)
            key = label.item() if hasattr(label, "item") else label
            out["groups"][key] = _weight_summary(vals, names, float(rhat_threshold), sel.shape[0], n_draws)
    return out
