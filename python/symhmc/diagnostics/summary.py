"""The one-table summary of a run (:meth:`SampleResults.summary <symhmc.SampleResults.summary>`):
sampler health, convergence in function and weight space, test scores, and the table's text."""

from __future__ import annotations

import json
import math

import numpy as np

from .. import diagnostics as dg
from ..evaluate.draws import resolve_draws

__all__ = ["summary", "ResultsSummary"]


def summary(
    results,
    x_test=None,
    y_test=None,
    *,
    superchains="auto",
    weight_method: str = "canonicalize",
    max_points: int = 1000,
    rhat_threshold: float = 1.01,
    backend: str = "auto",
) -> "ResultsSummary":
    """The one-table summary of a run; the function behind :meth:`symhmc.SampleResults.summary`.

    See :meth:`SampleResults.summary <symhmc.SampleResults.summary>` for the sections.

    Parameters
    ----------
    results : SampleResults
        The run.
    x_test : array_like, optional
        Test inputs (default: the training inputs, for the function-space section).
    y_test : array_like, optional
        Test targets; with ``x_test`` adds the ``"test"`` section.
    superchains : "auto", int, array_like or None, default "auto"
        Superchains of the nested R-hat (``None`` skips it).
    weight_method : {"canonicalize", "align", "none"}, default "canonicalize"
        Symmetry removal before the weight-space statistics.
    max_points : int, default 1000
        Most inputs of the function-space section.
    rhat_threshold : float, default 1.01
        Threshold of ``frac_rhat_above``.
    backend : {"auto", "arviz", "numpy"}, default "auto"
        Backend of R-hat and ESS.

    Returns
    -------
    ResultsSummary
        A dict of the sections whose ``str()`` is the table.

    Raises
    ------
    ValueError
        If ``y_test`` is given without ``x_test``, ``max_points`` is not a positive integer,
        ``weight_method``, ``superchains`` or ``backend`` is not one of the choices, the results
        hold no chains, or the test data do not fit the model.
    TypeError
        If the test data are not numeric.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
    >>> table = symhmc.diagnostics.summary.summary(run, superchains=2, backend="numpy")
    >>> table["sampler"]["n_chains"], "test" in table
    (4, False)
    """
    if y_test is not None and x_test is None:
        raise ValueError("y_test was given without x_test")
    if isinstance(max_points, bool) or not isinstance(max_points, (int, np.integer)) or max_points < 1:
        raise ValueError(f"max_points must be a positive integer, got {max_points!r}")
    if weight_method not in ("canonicalize", "align", "none"):
        raise ValueError(f"weight_method must be 'canonicalize', 'align' or 'none', got {weight_method!r}")
    if results.n_chains == 0:
        raise ValueError("summary: the results hold no chains")
    out = ResultsSummary()
    header = (
        f"symhmc results: {results.n_chains} chains x {results.n_draws} draws of {results.dim} coordinates, "
        f"sampler={results.settings.get('sampler')!r}, {results.wall_time:.3g} s"
        + (", PARTIAL run" if results.partial else "")
    )

    max_depth = results.settings.get("max_tree_depth") if results.settings.get("sampler", "nuts") == "nuts" else None
    if isinstance(max_depth, bool) or not isinstance(max_depth, (int, np.integer)) or max_depth < 1:
        max_depth = None
    health = dg.sampler_health(results.stats, max_tree_depth=None if max_depth is None else int(max_depth))["totals"]
    health = {("total_draws" if k == "n_draws" else k): v for k, v in health.items()}
    health["grad_evals_incl_warmup"] = int(np.sum(results.n_grad_evals))
    health["wall_time_s"] = results.wall_time
    out["sampler"] = health

    sc, used = _summary_superchains(superchains, results.n_chains)
    draws = results.draws[:used]

    if results.model is not None:
        model = results.model
        if x_test is not None:
            pts, where = model.check_x(x_test, "x_test"), "test"
        elif results.x is not None:
            pts, where = model.check_x(results.x, "x"), "training"
        else:
            pts, where = None, None
        if pts is not None and model.n_outputs != 1:
            out["function_space"] = {"inputs": where, "note": "skipped: the model has several outputs"}
        elif pts is not None:
            n_draws_total = used * results.n_draws
            limit = max(1, min(int(max_points), (8 * 2**20) // max(n_draws_total, 1)))
            idx = np.unique(np.linspace(0, pts.shape[0] - 1, min(limit, pts.shape[0])).round().astype(int))
            f = model.predict(draws.reshape(-1, results.dim), pts[idx]).reshape(used, results.n_draws, -1)
            fs = dg.function_space(f, superchains=sc, rhat_threshold=rhat_threshold, backend=backend)["summary"]
            fs = {"inputs": where, **fs}
            out["function_space"] = fs
    method = weight_method if results.model is not None else "none"
    if (
        results.model is not None
        and results.model.activation == "identity"
        and results.model.hidden
        and method != "none"
    ):
        ws = {
            "method": weight_method,
            "note": "skipped: identity activations have a continuous symmetry (no canonical form)",
        }
    else:
        ws = dg.weight_space(
            draws, results.model, method=method, superchains=sc, rhat_threshold=rhat_threshold, backend=backend
        )["summary"]
    out["weight_space"] = ws
    if sc is not None:
        k = sc if isinstance(sc, int) else len(np.unique(sc))
        for sec in ("function_space", "weight_space"):
            if sec in out and "max_nested_rhat" in out[sec]:
                out[sec]["superchains"] = k
                out[sec]["superchain_chains_dropped"] = results.n_chains - used
                if "note" in out[sec]:
                    out[sec]["note"] = (
                        f"split R-hat and ESS need at least 4 draws per chain (got "
                        f"{results.n_draws}): see max_nested_rhat"
                    )

    if x_test is not None and y_test is not None:
        model = resolve_draws(results, what="summary with test data").model
        lp = results.lppd(x_test, y_test)
        out["test"] = {
            "n_points": int(model.check_x(x_test, "x_test").shape[0]),
            "lppd": lp.mean,
            "lppd_se": lp.se,
            "rmse": results.rmse(x_test, y_test),
        }
    out.text = _format_summary(header, out)
    return out


class ResultsSummary(dict):
    """The sections of :meth:`SampleResults.summary` (a dict of dicts); ``str()`` is the table.

    Parameters
    ----------
    *args, **kwargs
        As for :class:`dict`.

    Attributes
    ----------
    text : str
        The table (the same as ``str()``).

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
    >>> table = run.summary(backend="numpy")
    >>> print(table)  # doctest: +ELLIPSIS
    symhmc results: 4 chains x 1 draws of 8 coordinates, sampler='nuts', ...
    """

    text: str = ""

    def __str__(self) -> str:
        return self.text

    def _repr_pretty_(self, p, cycle):  # IPython
        p.text(self.text)

    def to_json(self) -> str:
        """The sections as JSON text (NaN written as ``null``).

        Returns
        -------
        str
            A JSON object with one member per section.

        Examples
        --------
        >>> import json
        >>> rng = np.random.default_rng(0)
        >>> x = rng.uniform(-2, 2, 20)
        >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
        >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
        >>> sorted(json.loads(run.summary(backend="numpy").to_json()))
        ['function_space', 'sampler', 'weight_space']
        """

        def clean(v):
            if isinstance(v, dict):
                return {str(k): clean(x) for k, x in v.items()}
            if isinstance(v, (np.integer,)):
                return int(v)
            if isinstance(v, (float, np.floating)):
                return float(v) if math.isfinite(v) else None
            return v

        return json.dumps(clean(dict(self)))


def _summary_superchains(superchains, n_chains: int):
    """``(superchains argument for nested_rhat, number of leading chains used)``."""
    if superchains is None:
        return None, n_chains
    if isinstance(superchains, str):
        if superchains != "auto":
            raise ValueError(f"superchains must be 'auto', None, an int or one label per chain, got {superchains!r}")
        if n_chains < 4:
            return None, n_chains
        root = math.sqrt(n_chains)
        divisors = [d for d in range(2, n_chains // 2 + 1) if n_chains % d == 0]
        if divisors:
            return min(divisors, key=lambda d: (abs(d - root), d)), n_chains
        k = max(2, int(root))
        return k, k * (n_chains // k)
    return superchains, n_chains


_SECTION_TITLES = {
    "sampler": "sampler health",
    "function_space": "function space (network outputs)",
    "weight_space": "weight space (symmetry removed)",
    "test": "test data",
}


def _format_summary(header: str, sections: dict) -> str:
    rows = []
    for sec, values in sections.items():
        title = _SECTION_TITLES.get(sec, sec)
        if sec == "function_space":
            title += f" at {values.get('n_points')} {values.get('inputs')} inputs"
        if sec == "weight_space":
            title = f"weight space ({values.get('method')})"
        for k, v in values.items():
            if k in ("inputs",) or (k.startswith("arg") and not k.endswith("_name")):
                continue
            if isinstance(v, (float, np.floating)):
                cell = f"{v:.4g}"
            else:
                cell = str(v)
            rows.append((title, k, cell))
            title = ""
    w1 = max([len("section")] + [len(r[0]) for r in rows])
    w2 = max([len("quantity")] + [len(r[1]) for r in rows])
    lines = [header, f"{'section':<{w1}}  {'quantity':<{w2}}  value", "-" * (w1 + w2 + 12)]
    lines += [f"{a:<{w1}}  {b:<{w2}}  {c}" for a, b, c in rows]
    return "\n".join(lines)
