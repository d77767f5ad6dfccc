"""Sampler diagnostics of a many-chain run: sampler health, and convergence in function space
and in weight space.

Arrays of draws are laid out ``(chain, draw, ...)``.

* :func:`function_space`: R-hat and ESS of network predictions at chosen inputs (free of the
  weight-space symmetries that make weight-space R-hat meaningless).
* :func:`sampler_health`: divergences, tree-depth hits, acceptance, step sizes and gradient
  evaluations per chain and in total.
* :func:`weight_space`: R-hat and ESS of the weights after removing the symmetries
  (:func:`symhmc.symmetry.canonicalize` or :func:`symhmc.symmetry.align`).
* :func:`ppd_convergence`: the paper's convergence curve of the predictive density
  (from :mod:`symhmc.ppd`).

The statistics themselves -- :func:`rhat`, :func:`ess_bulk`, :func:`ess_tail`,
:func:`nested_rhat` -- live in :mod:`symhmc.diagnostics.convergence` and are re-exported here.
"""

from __future__ import annotations

import numbers
from typing import Mapping

import numpy as np

from ..evaluate.draws import resolve_draws
from ..utils.validation import as_float_array
from .convergence import _MIN_DRAWS, _check_backend, arviz_available, ess_bulk, ess_tail, nested_rhat, rhat
from ..evaluate.ppd import ppd_convergence  # noqa: F401  (the paper's PPD convergence curve, also offered here)

__all__ = [
    "rhat",
    "ess_bulk",
    "ess_tail",
    "nested_rhat",
    "nested_rhat_reference",
    "function_space",
    "sampler_health",
    "format_table",
    "arviz_available",
    "weight_space",
    "parameter_names",
]


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

    Predictions are free of the weight-space symmetries that make weight-space R-hat
    meaningless. NaN values are ignored in the worst cases of the summary (a worst case is NaN,
    with index ``None``, when every point is NaN).

    Parameters
    ----------
    f : array_like, shape (chain, draw, n_points) or (chain, draw)
        Predictions at chosen inputs (2-D: one point).
    superchains : int or array_like, optional
        Also compute :func:`nested_rhat` over these superchains (needed with fewer than 4 draws
        per chain, e.g. one draw per chain).
    rhat_threshold : float, default 1.01
        Threshold of ``frac_rhat_above`` in the summary (at least 1).
    backend : {"auto", "arviz", "numpy"}, default "auto"
        Backend of :func:`rhat`, :func:`ess_bulk` and :func:`ess_tail`.

    Returns
    -------
    dict
        Per-point arrays ``(n_points,)`` under ``"rhat"``, ``"ess_bulk"``, ``"ess_tail"`` (``NaN``
        when chains have fewer than 4 draws) and ``"nested_rhat"`` (with ``superchains``); and
        ``"summary"``, a dict of worst cases over the points: ``max_rhat`` / ``argmax_rhat``,
        ``min_ess_bulk`` / ``argmin_ess_bulk``, ``min_ess_tail`` / ``argmin_ess_tail``,
        ``max_nested_rhat`` / ``argmax_nested_rhat`` (with superchains), ``frac_rhat_above`` (share
        of points whose R-hat, or nested R-hat when split R-hat is undefined, exceeds
        ``rhat_threshold``), ``n_points``, ``n_chains``, ``n_draws`` (and ``note`` with fewer than
        4 draws per chain).

    Raises
    ------
    TypeError
        If ``f`` is not numeric, or ``superchains`` is neither an integer nor labels.
    ValueError
        If ``f`` does not have 2 or 3 dimensions or holds NaN or infinity, ``rhat_threshold`` is
        below 1, ``backend`` is unknown, or the superchains do not divide the chains.
    ImportError
        If ``backend="arviz"`` and neither ArviZ 1.x's ``arviz-stats`` nor ArviZ 0.x is
        importable.

    Examples
    --------
    >>> f = np.random.default_rng(0).normal(size=(16, 1, 5))   # 16 chains, 1 draw, 5 inputs
    >>> out = symhmc.diagnostics.function_space(f, superchains=4, backend="numpy")
    >>> out["nested_rhat"].shape, out["summary"]["n_chains"]
    ((5,), 16)
    >>> bool(np.isnan(out["summary"]["max_rhat"]))   # split R-hat needs 4 draws per chain
    True
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
        reference = nested_rhat_reference(n_chains, n_draws, superchains)
        summary["nested_rhat_reference"] = reference
        check = np.where(np.isnan(check), out["nested_rhat"] / reference, check)
    summary["frac_rhat_above"] = float(np.mean(check > rhat_threshold))
    if n_draws < _MIN_DRAWS:
        summary["note"] = (
            f"split R-hat and ESS need at least {_MIN_DRAWS} draws per chain "
            f"(got {n_draws}); use superchains= for nested R-hat"
        )
    out["summary"] = summary
    return out


# ----------------------------------------------------------------------------------------------
# sampler health
# ----------------------------------------------------------------------------------------------
_STAT_NAMES = ("diverging", "tree_depth", "acceptance_rate", "step_size", "n_steps")


def nested_rhat_reference(n_chains: int, n_draws: int, superchains) -> float:
    """The nested R-hat that perfectly mixed chains give: ``sqrt(1 + 1 / (M * N))``.

    With ``M`` chains of ``N`` draws per superchain, independent draws from the target make
    the superchain means vary by ``sigma^2 / (M N)`` around each other while the spread inside a
    superchain is ``sigma^2``, so nested R-hat sits near this value rather than near 1 (about
    1.06 for 64 one-draw chains in 8 superchains). The summaries flag nested R-hat above
    ``rhat_threshold`` times this reference, so that a healthy run of many one-draw chains is
    not flagged for its chain count alone.

    Parameters
    ----------
    n_chains : int
        Number of chains.
    n_draws : int
        Draws per chain.
    superchains : int or array_like
        The number of superchains (equal groups of consecutive chains) or one label per chain.

    Returns
    -------
    float
        ``sqrt(1 + 1 / (M * N))`` with ``M`` the number of chains per superchain.

    Raises
    ------
    ValueError
        If there are fewer than 2 chains or 1 draw, or not between 2 and ``n_chains`` superchains.

    Examples
    --------
    >>> round(symhmc.diagnostics.nested_rhat_reference(64, 1, 8), 4)
    1.0607
    >>> round(symhmc.diagnostics.nested_rhat_reference(1274, 1, np.repeat(np.arange(26), 49)), 4)
    1.0102
    """
    if int(n_chains) < 2 or int(n_draws) < 1:
        raise ValueError(f"n_chains must be >= 2 and n_draws >= 1, got {n_chains!r} and {n_draws!r}")
    count = int(superchains) if np.ndim(superchains) == 0 else len(np.unique(np.asarray(superchains)))
    if not 2 <= count <= n_chains:
        raise ValueError(f"superchains must give between 2 and n_chains ({n_chains}) superchains, got {superchains!r}")
    per_superchain = n_chains / count
    return float(np.sqrt(1.0 + 1.0 / (per_superchain * n_draws)))


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

    Parameters
    ----------
    stats : mapping
        Any of ``"diverging"`` (bool), ``"tree_depth"``, ``"acceptance_rate"``, ``"step_size"``,
        ``"n_steps"`` (leapfrog steps = gradient evaluations per draw), each ``(chain, draw)`` (a
        1-D array is one draw per chain); other keys are ignored. E.g. ``results.stats``.
    max_tree_depth : int, optional
        The sampler's limit, to count draws that hit it (``tree_depth >= max_tree_depth``).
    as_frame : bool, default False
        Give ``per_chain`` as a pandas DataFrame indexed by chain.

    Returns
    -------
    dict
        ``{"per_chain": {column: array (n_chains,)}, "totals": {name: number}}``; the per-chain
        columns are ``chain``, ``n_draws`` and, for the statistics present, ``divergences``,
        ``mean_tree_depth``, ``max_tree_depth``, ``tree_depth_hits`` (with ``max_tree_depth``),
        ``mean_acceptance``, ``step_size`` (mean over draws), ``grad_evals``. :func:`format_table`
        prints ``per_chain`` as text.

    Raises
    ------
    TypeError
        If ``stats`` is not a mapping or a statistic is not numeric.
    ValueError
        If no known statistic is present, their shapes differ, an array is empty or not finite,
        ``diverging`` is not boolean, or ``max_tree_depth`` is not a positive integer or is given
        without ``tree_depth``.
    ImportError
        If ``as_frame=True`` and pandas is not installed.

    Examples
    --------
    >>> stats = {"diverging": np.array([[False, True], [False, False]]),
    ...          "tree_depth": np.array([[3, 4], [10, 2]])}
    >>> health = symhmc.diagnostics.sampler_health(stats, max_tree_depth=10)
    >>> health["totals"]["divergences"], health["totals"]["tree_depth_hits"]
    (1, 1)
    >>> health["per_chain"]["divergences"]
    array([1, 0])
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
        totals["min_chain_mean_acceptance"] = float(np.min(acc.mean(axis=1)))
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
    """Plain-text table of equal-length columns.

    Only the first and last rows are shown when there are more than ``max_rows``.

    Parameters
    ----------
    columns : mapping
        Column name to a 1-D array (e.g. ``sampler_health(...)["per_chain"]``).
    max_rows : int, default 20
        Most rows shown in full.

    Returns
    -------
    str
        The table, one line per row, columns right-aligned.

    Raises
    ------
    TypeError
        If ``columns`` is not a non-empty mapping.
    ValueError
        If the columns have different lengths.

    Examples
    --------
    >>> print(symhmc.diagnostics.format_table({"chain": [0, 1], "acceptance": [0.81234, 0.9]}))
    chain  acceptance
        0      0.8123
        1         0.9
    """
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
    """Names of the coordinates of a flat posterior vector.

    ``W{l}[i,j]`` (layer ``l``, output neuron ``i``, input ``j``), ``b{l}[i]``, then ``log_sigma``
    when ``dim`` includes it.

    Parameters
    ----------
    model : MLP
        The network.
    dim : int, optional
        Length of the vectors (default ``model.dim``): ``model.n_params + 1`` adds ``log_sigma``.

    Returns
    -------
    list of str
        One name per network parameter (and ``log_sigma``).

    Examples
    --------
    >>> symhmc.diagnostics.parameter_names(symhmc.MLP(hidden=(1,)))
    ['W0[0,0]', 'b0[0]', 'W1[0,0]', 'b1[0]', 'log_sigma']
    """
    dim = model.dim if dim is None else dim
    names = []
    for layer, (n_out, n_in) in enumerate(model.layer_shapes):
        names += [f"W{layer}[{i},{j}]" for i in range(n_out) for j in range(n_in)]
        names += [f"b{layer}[{i}]" for i in range(n_out)]
    if dim == model.n_params + 1:
        names.append("log_sigma")
    return names


def _weight_stats(arr: np.ndarray, superchains, backend: str) -> dict[str, np.ndarray]:
    out = {
        "rhat": np.atleast_1d(rhat(arr, backend=backend)),
        "ess_bulk": np.atleast_1d(ess_bulk(arr, backend=backend)),
        "ess_tail": np.atleast_1d(ess_tail(arr, backend=backend)),
    }
    if superchains is not None:
        out["nested_rhat"] = np.atleast_1d(nested_rhat(arr, superchains))
        out["nested_rhat_reference"] = np.asarray(nested_rhat_reference(arr.shape[0], arr.shape[1], superchains))
    return out


def _weight_summary(
    values: dict[str, np.ndarray], names: list[str], rhat_threshold: float, n_chains: int, n_draws: int
) -> dict:
    summary: dict = {"n_params": len(names), "n_chains": n_chains, "n_draws": n_draws}
    for key, largest, label in (
        ("rhat", True, "max_rhat"),
        ("ess_bulk", False, "min_ess_bulk"),
        ("ess_tail", False, "min_ess_tail"),
        ("nested_rhat", True, "max_nested_rhat"),
    ):
        if key not in values:
            continue
        value, idx = _worst(values[key], largest)
        arg = label.replace("max_", "argmax_").replace("min_", "argmin_")
        summary[label], summary[arg] = value, idx
        summary[arg + "_name"] = None if idx is None else names[idx]
    check = values["rhat"]
    if "nested_rhat" in values:
        reference = float(values.get("nested_rhat_reference", 1.0))
        summary["nested_rhat_reference"] = reference
        check = np.where(np.isnan(check), values["nested_rhat"] / reference, check)
    summary["frac_rhat_above"] = float(np.mean(check > rhat_threshold))
    if n_draws < _MIN_DRAWS:
        summary["note"] = (
            f"split R-hat and ESS need at least {_MIN_DRAWS} draws per chain "
            f"(got {n_draws}); use superchains= for nested R-hat"
        )
    return summary


def weight_space(
    results_or_draws,
    model=None,
    *,
    method: str = "canonicalize",
    superchains=None,
    groups=None,
    rhat_threshold: float = 1.01,
    backend: str = "auto",
    align_options: Mapping | None = None,
) -> dict:
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
    model : MLP, optional
        The network (taken from the results when omitted).
    method : {"canonicalize", "align", "none"}, default "canonicalize"
        ``"canonicalize"``: :func:`symhmc.symmetry.canonicalize` (per draw, deterministic);
        ``"align"``: :func:`symhmc.symmetry.align` with ``method="match"`` over all draws
        together (options from ``align_options``); ``"none"``: the raw weights (for comparison;
        the only choice without a model).
    superchains : int or array_like, optional
        Also compute nested R-hat over superchains of chains (see :func:`nested_rhat`); needed
        when chains hold fewer than 4 draws (e.g. one draw per chain).
    groups : array_like, optional
        One label per chain (e.g. a mode or a chain group): the same statistics are also
        computed within each group, returned under ``"groups"`` (groups with one chain get
        ``NaN`` R-hat).
    rhat_threshold : float, default 1.01
        For ``frac_rhat_above`` in the summary (at least 1).
    backend : {"auto", "arviz", "numpy"}, default "auto"
        Backend of :func:`rhat`, :func:`ess_bulk` and :func:`ess_tail`.
    align_options : mapping, optional
        Keyword arguments of :func:`symhmc.symmetry.align` (``method="align"`` only).

    Returns
    -------
    dict
        ``"names"`` (``parameter_names``), ``"rhat"``, ``"ess_bulk"``, ``"ess_tail"`` (arrays
        ``(n_coordinates,)``), ``"nested_rhat"`` with superchains, ``"method"``, ``"summary"``
        (worst cases over coordinates: ``max_rhat``/``argmax_rhat``/``argmax_rhat_name``,
        ``min_ess_bulk``..., ``max_nested_rhat``..., ``frac_rhat_above``, ``n_params``,
        ``n_chains``, ``n_draws``; NaN values are ignored) and, with ``groups``,
        ``"groups"``: ``{label: summary}``.

    Raises
    ------
    TypeError
        If ``model`` is not a :class:`symhmc.MLP`, the draws are not numeric, or
        ``align_options`` is not a mapping.
    ValueError
        If ``method`` or ``backend`` is unknown, the model is missing (other than with
        ``method="none"``), the draws are not ``(chain, draw, n_params or dim)`` or do not fit the
        model, ``rhat_threshold`` is below 1, or ``groups`` does not have one label per chain.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=8, warmup=50, seed=0, progress=False)
    >>> ws = symhmc.diagnostics.weight_space(run, superchains=2, backend="numpy")
    >>> len(ws["names"]), ws["nested_rhat"].shape, ws["summary"]["method"]
    (8, (8,), 'canonicalize')
    """
    if method not in _WEIGHT_METHODS:
        raise ValueError(f"method must be one of {_WEIGHT_METHODS}, got {method!r}")
    draws, model, _ = resolve_draws(
        results_or_draws, model, what=f"method={method!r} (or use method='none')", require_model=method != "none"
    )
    if draws.ndim != 3:
        raise ValueError(
            f"draws must have shape (chain, draw, n_params or dim), got shape {draws.shape}; "
            "for one draw per chain pass draws[:, None, :]"
        )
    if isinstance(rhat_threshold, bool) or not isinstance(rhat_threshold, numbers.Real) or not rhat_threshold >= 1:
        raise ValueError(f"rhat_threshold must be a number >= 1, got {rhat_threshold!r}")
    _check_backend(backend)
    if align_options is not None and not isinstance(align_options, Mapping):
        raise TypeError(
            f"align_options must be a mapping of symhmc.symmetry.align options, got {type(align_options).__name__}"
        )
    from .. import symmetry  # noqa: PLC0415

    if model is None:
        names = [f"theta[{i}]" for i in range(draws.shape[2])]
        removed = draws
    else:
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
    out["summary"] = {"method": method, **_weight_summary(values, names, float(rhat_threshold), n_chains, n_draws)}
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
