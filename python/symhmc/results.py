"""The result of a sampling run: draws, per-draw sampler statistics and per-chain adaptation."""

from __future__ import annotations

import json
import math
import warnings
from typing import Any, Sequence

import numpy as np

from . import scores as _scores

#: Per-draw sampler statistics, under ArviZ's ``sample_stats`` names.
STAT_NAMES = ("lp", "acceptance_rate", "step_size", "tree_depth", "n_steps", "diverging", "energy")


class SampleResults:
    """Draws and diagnostics of a many-chain run (arrays shaped ``(chain, draw, ...)``).

    Attributes
    ----------
    draws : ndarray, shape (chain, draw, dim)
        The sampled unconstrained vectors (for an :class:`~symhmc.MLP`: network parameters,
        then ``log sigma`` when the noise scale is sampled).
    stats : dict of ndarray, each (chain, draw)
        ``lp``, ``acceptance_rate``, ``step_size``, ``tree_depth``, ``n_steps``, ``diverging``,
        ``energy`` (after warmup).
    step_size : ndarray, shape (chain,)
        Adapted step size of every chain.
    inv_mass : ndarray, shape (chain, dim)
        Adapted diagonal inverse mass matrix of every chain.
    n_grad_evals : ndarray, shape (chain,)
        Gradient evaluations of every chain, warmup and step-size searches included.
    wall_time : float
        Seconds spent in the sampler.
    settings : dict
        Every sampler setting, defaults included.
    seed : int or None
        The seed entropy; ``sample(..., seed=results.seed)`` reproduces the run (``None``
        when no seed was recorded).
    partial : bool
        True when the run was interrupted; only finished chains are kept (see ``chain_ids``).
    chain_ids : ndarray, shape (chain,)
        Index of each kept chain in the requested run.
    model, x, y
        The model and training data (``None`` when a raw target was sampled).
    convergence : dict or None
        Optional record of how the number of chains was chosen (set by other code, saved with
        the results).

    Evaluation (:meth:`predict`, :meth:`lppd`, :meth:`rmse`, :meth:`coverage`, :meth:`crps`,
    :meth:`summary`) uses every draw of every chain; it delegates to :mod:`symhmc.scores`,
    whose ``model_*`` functions score a plain ``(draws, dim)`` array with a model the same way
    (e.g. ``scores.model_lppd(model, params, x, y)`` for baselines or external samples).
    Files: :meth:`save` and :func:`symhmc.load`; ArviZ: :meth:`to_arviz`.
    """

    # Set by symhmc.load from the file: what it records about the training data (used when the
    # data itself is not in the file) and the symhmc version that wrote it. Class-level defaults
    # are what results that were not loaded have.
    _data_fingerprint: str | None = None
    _data_shapes: tuple[list[int] | None, list[int] | None] = (None, None)
    _file_version: str | None = None

    def __init__(self, *, draws: np.ndarray, stats: dict[str, np.ndarray], step_size: np.ndarray,
                 inv_mass: np.ndarray, n_grad_evals: np.ndarray, wall_time: float, settings: dict[str, Any],
                 seed: int | None, partial: bool = False, chain_ids: np.ndarray | None = None, model=None,
                 x: np.ndarray | None = None, y: np.ndarray | None = None,
                 convergence: dict | None = None):
        self.draws = draws
        self.stats = stats
        self.step_size = step_size
        self.inv_mass = inv_mass
        self.n_grad_evals = n_grad_evals
        self.wall_time = float(wall_time)
        self.settings = settings
        self.seed = seed
        self.partial = bool(partial)
        self.chain_ids = np.arange(draws.shape[0]) if chain_ids is None else np.asarray(chain_ids)
        self.model = model
        self.x = x
        self.y = y
        self.convergence = convergence

    # ----- shapes -------------------------------------------------------------------------
    @property
    def n_chains(self) -> int:
        return int(self.draws.shape[0])

    @property
    def n_draws(self) -> int:
        """Draws per chain."""
        return int(self.draws.shape[1])

    @property
    def dim(self) -> int:
        return int(self.draws.shape[2])

    # ----- parameters ---------------------------------------------------------------------
    @property
    def theta(self) -> np.ndarray:
        """Network parameters, shape ``(chain, draw, n_params)`` (all coordinates without a model)."""
        if self.model is None:
            return self.draws
        return self.draws[..., : self.model.n_params]

    @property
    def sigma(self) -> np.ndarray | None:
        """Noise scale per draw, shape ``(chain, draw)``: ``exp`` of the last coordinate, or the
        model's fixed ``noise_std``; ``None`` without a model."""
        if self.model is None:
            return None
        return self.model.noise_scale(self.draws, "draws")

    def flat_draws(self) -> np.ndarray:
        """All draws stacked chain after chain, shape ``(chain * draw, dim)``."""
        return self.draws.reshape(-1, self.dim)

    # ----- summaries ----------------------------------------------------------------------
    @property
    def divergences(self) -> int:
        """Divergent transitions after warmup, all chains."""
        return int(np.sum(self.stats["diverging"]))

    def sampler_summary(self) -> dict[str, float]:
        """A few numbers describing how the sampler did."""
        s = self.stats
        n = max(self.n_chains, 1)
        return {
            "chains": self.n_chains,
            "draws_per_chain": self.n_draws,
            "wall_time_s": self.wall_time,
            "time_per_chain_s": self.wall_time / n,
            "grad_evals_per_chain": float(np.mean(self.n_grad_evals)) if self.n_chains else float("nan"),
            "divergences": self.divergences,
            "mean_acceptance_rate": float(np.mean(s["acceptance_rate"])) if self.n_chains else float("nan"),
            "mean_tree_depth": float(np.mean(s["tree_depth"])) if self.n_chains else float("nan"),
            "max_tree_depth_hits": int(np.sum(s["tree_depth"] >= self.settings.get("max_tree_depth", np.inf))),
            "median_step_size": float(np.median(self.step_size)) if self.n_chains else float("nan"),
        }

    # ----- prediction and scores (thin wrappers of symhmc.scores) -------------------------
    def _scoring_model(self, what: str):
        if self.model is None:
            raise ValueError(f"{what} needs a model: these results come from a raw target (results.model is None); "
                             "score plain arrays with symhmc.scores instead")
        return self.model

    def predict(self, x, quantiles: Sequence[float] = (0.025, 0.25, 0.5, 0.75, 0.975), *,
                memory_budget: int = _scores.DEFAULT_MEMORY_BUDGET) -> "_scores.PredictiveSummary":
        """Posterior predictive at inputs ``x`` over all draws of all chains.

        Returns a :class:`~symhmc.scores.PredictiveSummary`: ``mean`` and ``std`` (network spread
        plus noise: ``sqrt(var_s f_s(x) + mean_s sigma_s^2)``) of shape ``(n_points,)``, and
        ``quantiles[k]`` of the mixture predictive for ``probs[k]`` (``quantiles=()`` skips
        them). Works in blocks of points, so memory stays below ``memory_budget`` bytes.
        Same as ``scores.model_predictive_summary(results.model, results.flat_draws(), x, quantiles)``.
        """
        model = self._scoring_model("predict")
        return _scores.model_predictive_summary(model, self.flat_draws(), x, quantiles, memory_budget=memory_budget)

    def lppd(self, x, y, *, pointwise: bool = False, memory_budget: int = _scores.DEFAULT_MEMORY_BUDGET):
        """Mean log pointwise predictive density on ``(x, y)`` and its standard error,
        ``LPPD(mean, se)`` (per-point values with ``pointwise=True``); see :func:`symhmc.scores.lppd`."""
        model = self._scoring_model("lppd")
        return _scores.model_lppd(model, self.flat_draws(), x, y, pointwise=pointwise, memory_budget=memory_budget)

    def rmse(self, x, y, *, memory_budget: int = _scores.DEFAULT_MEMORY_BUDGET) -> float:
        """Root mean squared error of the predictive mean on ``(x, y)``."""
        model = self._scoring_model("rmse")
        return _scores.model_rmse(model, self.flat_draws(), x, y, memory_budget=memory_budget)

    def coverage(self, x, y, levels: Sequence[float] = (0.5, 0.9, 0.95), *,
                 memory_budget: int = _scores.DEFAULT_MEMORY_BUDGET) -> dict[float, float]:
        """Fraction of ``y`` inside the central predictive intervals, ``{level: fraction}``."""
        model = self._scoring_model("coverage")
        return _scores.model_coverage(model, self.flat_draws(), x, y, levels, memory_budget=memory_budget)

    def crps(self, x, y, *, pointwise: bool = False, memory_budget: int = _scores.DEFAULT_MEMORY_BUDGET, **kwargs):
        """Mean continuous ranked probability score on ``(x, y)`` and its standard error
        (lower is better); keyword arguments as for :func:`symhmc.scores.crps_pointwise`."""
        model = self._scoring_model("crps")
        return _scores.model_crps(model, self.flat_draws(), x, y, pointwise=pointwise,
                                  memory_budget=memory_budget, **kwargs)

    # ----- diagnostics summary ------------------------------------------------------------
    def summary(self, x_test=None, y_test=None, *, superchains="auto", weight_method: str = "canonicalize",
                max_points: int = 1000, rhat_threshold: float = 1.01, backend: str = "auto") -> "ResultsSummary":
        """One table of sampler health, convergence in function and weight space, and test scores.

        Sections (the keys of the returned dict):

        * ``"sampler"``: :func:`symhmc.diagnostics.sampler_health` totals (divergences, tree-depth
          hits, acceptance, step sizes, gradient evaluations) plus wall time;
        * ``"function_space"``: :func:`symhmc.diagnostics.function_space` summary of the network
          outputs at ``x_test`` (or the training inputs when no test inputs are given; at most
          ``max_points`` evenly spaced points, fewer if the outputs would exceed 64 MB);
        * ``"weight_space"``: :func:`symhmc.diagnostics.weight_space` summary after
          ``weight_method`` (``"canonicalize"``, ``"align"`` or ``"none"``);
        * ``"test"`` (with ``x_test`` and ``y_test``): LPPD mean and standard error, RMSE.

        ``superchains="auto"`` computes nested R-hat (the useful R-hat with one draw per chain)
        over ``K`` superchains of consecutive chains, ``K`` a divisor of the number of chains
        near its square root (chains that do not fit equal groups are left out, reported as
        ``superchain_chains_dropped``); ``None`` skips it; an int or one label per chain is
        passed to :func:`~symhmc.diagnostics.nested_rhat`.

        Returns a :class:`ResultsSummary`: a dict of the sections whose ``str()`` (and
        ``.text``) is the table.
        """
        from . import diagnostics as dg  # noqa: PLC0415

        if y_test is not None and x_test is None:
            raise ValueError("y_test was given without x_test")
        if isinstance(max_points, bool) or not isinstance(max_points, (int, np.integer)) or max_points < 1:
            raise ValueError(f"max_points must be a positive integer, got {max_points!r}")
        if weight_method not in ("canonicalize", "align", "none"):
            raise ValueError(f"weight_method must be 'canonicalize', 'align' or 'none', got {weight_method!r}")
        if self.n_chains == 0:
            raise ValueError("summary: the results hold no chains")
        out = ResultsSummary()
        header = (f"symhmc results: {self.n_chains} chains x {self.n_draws} draws of {self.dim} coordinates, "
                  f"sampler={self.settings.get('sampler')!r}, {self.wall_time:.3g} s"
                  + (", PARTIAL run" if self.partial else ""))

        max_depth = self.settings.get("max_tree_depth") if self.settings.get("sampler", "nuts") == "nuts" else None
        if isinstance(max_depth, bool) or not isinstance(max_depth, (int, np.integer)) or max_depth < 1:
            max_depth = None
        health = dg.sampler_health(self.stats, max_tree_depth=None if max_depth is None else int(max_depth))["totals"]
        health = {("total_draws" if k == "n_draws" else k): v for k, v in health.items()}
        health["grad_evals_incl_warmup"] = int(np.sum(self.n_grad_evals))
        health["wall_time_s"] = self.wall_time
        out["sampler"] = health

        sc, used = _summary_superchains(superchains, self.n_chains)
        draws = self.draws[:used]

        if self.model is not None:
            model = self.model
            if x_test is not None:
                pts, where = model.check_x(x_test, "x_test"), "test"
            elif self.x is not None:
                pts, where = model.check_x(self.x, "x"), "training"
            else:
                pts, where = None, None
            if pts is not None and model.n_outputs != 1:
                out["function_space"] = {"inputs": where, "note": "skipped: the model has several outputs"}
            elif pts is not None:
                n_draws_total = used * self.n_draws
                limit = max(1, min(int(max_points), (8 * 2**20) // max(n_draws_total, 1)))
                idx = np.unique(np.linspace(0, pts.shape[0] - 1, min(limit, pts.shape[0])).round().astype(int))
                f = model.predict(draws.reshape(-1, self.dim), pts[idx]).reshape(used, self.n_draws, -1)
                fs = dg.function_space(f, superchains=sc, rhat_threshold=rhat_threshold, backend=backend)["summary"]
                fs = {"inputs": where, **fs}
                out["function_space"] = fs
        method = weight_method if self.model is not None else "none"
        if self.model is not None and self.model.activation == "identity" and self.model.hidden and method != "none":
            ws = {"method": weight_method,
                  "note": "skipped: identity activations have a continuous symmetry (no canonical form)"}
        else:
            ws = dg.weight_space(draws, self.model, method=method, superchains=sc, rhat_threshold=rhat_threshold,
                                 backend=backend)["summary"]
        out["weight_space"] = ws
        if sc is not None:
            k = sc if isinstance(sc, int) else len(np.unique(sc))
            for sec in ("function_space", "weight_space"):
                if sec in out and "max_nested_rhat" in out[sec]:
                    out[sec]["superchains"] = k
                    out[sec]["superchain_chains_dropped"] = self.n_chains - used
                    if "note" in out[sec]:
                        out[sec]["note"] = (f"split R-hat and ESS need at least 4 draws per chain (got "
                                            f"{self.n_draws}): see max_nested_rhat")

        if x_test is not None and y_test is not None:
            model = self._scoring_model("summary with test data")
            lp = self.lppd(x_test, y_test)
            out["test"] = {"n_points": int(model.check_x(x_test, "x_test").shape[0]),
                           "lppd": lp.mean, "lppd_se": lp.se, "rmse": self.rmse(x_test, y_test)}
        out.text = _format_summary(header, out)
        return out

    # ----- files and interop --------------------------------------------------------------
    @property
    def data_fingerprint(self) -> str | None:
        """sha256 of the float64 bytes of the training ``x`` then ``y`` (see
        :func:`symhmc.io.data_fingerprint`); kept from the file when loaded without the data."""
        if self.x is not None and self.y is not None:
            from .io import data_fingerprint  # noqa: PLC0415
            return data_fingerprint(self.x, self.y)
        return self._data_fingerprint

    def save(self, path, **kwargs):
        """Write the results to ``path`` (netCDF, or ``.npz`` by suffix); see :func:`symhmc.io.save`.
        Read them back with :func:`symhmc.load`."""
        from .io import save  # noqa: PLC0415
        return save(self, path, **kwargs)

    def to_arviz(self, *, log_likelihood: bool = False):
        """The run as an ``arviz.InferenceData`` (needs ArviZ 0.x).

        Groups: ``posterior`` with, for an MLP, per-layer weights ``W{l}`` (dims ``("chain",
        "draw", "W{l}_out", "W{l}_in")``), biases ``b{l}`` (``("chain", "draw", "W{l}_out")``,
        the same neurons as the weights' rows) and ``sigma`` (``("chain", "draw")``; constant
        when the noise scale is fixed), or ``theta`` (``coordinate``) for a raw target;
        ``sample_stats`` (``results.stats`` under their ArviZ names); ``observed_data`` ``y``
        and ``constant_data`` ``x`` (dim ``obs_id``) when the training data are known; and, with
        ``log_likelihood=True``, ``log_likelihood`` ``y`` (``("chain", "draw", "obs_id")``, for
        ``az.loo``/``az.waic``). The ``chain`` coordinate holds ``chain_ids``. Weights are
        copies, so the InferenceData does not share memory with the results.
        """
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import arviz as az  # noqa: PLC0415
        except ImportError:
            raise ImportError("to_arviz needs ArviZ: pip install 'symhmc[arviz]' (or 'arviz<1')") from None
        if not isinstance(log_likelihood, (bool, np.bool_)):
            raise TypeError(f"log_likelihood must be True or False, got {log_likelihood!r}")
        posterior: dict[str, np.ndarray] = {}
        dims: dict[str, list[str]] = {}
        if self.model is not None:
            for layer, (W, b) in enumerate(self.model.unpack(self.theta)):
                posterior[f"W{layer}"] = np.array(W)
                posterior[f"b{layer}"] = np.array(b)
                dims[f"W{layer}"] = [f"W{layer}_out", f"W{layer}_in"]
                dims[f"b{layer}"] = [f"W{layer}_out"]
            posterior["sigma"] = np.array(self.sigma, dtype=float)
        else:
            posterior["theta"] = np.array(self.draws)
            dims["theta"] = ["coordinate"]
        stats = {k: np.array(v) for k, v in self.stats.items()}
        observed = constant = loglik = None
        if self.x is not None and self.y is not None:
            x = np.asarray(self.x, dtype=float)
            y = np.asarray(self.y, dtype=float)
            x = x.reshape(x.shape[0], -1)
            y_obs = y.reshape(y.shape[0], -1)
            one = y_obs.shape[1] == 1
            observed = {"y": y_obs[:, 0].copy() if one else y_obs.copy()}
            constant = {"x": x.copy()}
            dims["y"] = ["obs_id"] if one else ["obs_id", "y_dim"]
            dims["x"] = ["obs_id", "x_dim"]
            if log_likelihood:
                if self.model is None:
                    raise ValueError("log_likelihood=True needs a model (results.model is None)")
                if not one:
                    raise ValueError("log_likelihood=True needs a model with one output")
                ll = self.model.predict(self.flat_draws(), x).reshape(self.n_chains, self.n_draws, -1)
                sigma = self.sigma
                assert sigma is not None  # None only without a model, excluded above
                sig = sigma[..., None]
                z = (y_obs[:, 0] - ll) / sig
                loglik = {"y": -0.5 * z * z - np.log(sig) - 0.5 * math.log(2.0 * math.pi)}
        elif log_likelihood:
            raise ValueError("log_likelihood=True needs the training data (results.x and results.y are None)")
        from . import __version__  # noqa: PLC0415
        attrs = {"inference_library": "symhmc", "inference_library_version": __version__,
                 "sampler": str(self.settings.get("sampler")), "seed": str(self.seed),
                 "wall_time_s": self.wall_time, "partial": int(self.partial)}
        try:
            from .io import _dumps  # noqa: PLC0415
            attrs["settings_json"] = _dumps(self.settings, "results.settings")
        except TypeError:
            pass
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return az.from_dict(posterior=posterior, sample_stats=stats, observed_data=observed,
                                constant_data=constant, log_likelihood=loglik, dims=dims,
                                coords={"chain": np.asarray(self.chain_ids)}, attrs=dict(attrs),
                                posterior_attrs=dict(attrs), sample_stats_attrs=dict(attrs))

    def __repr__(self) -> str:
        what = "target" if self.model is None else repr(self.model)
        flag = ", partial" if self.partial else ""
        return (f"SampleResults({self.n_chains} chains x {self.n_draws} draws of {self.dim} coordinates, "
                f"sampler={self.settings.get('sampler')!r}, {self.divergences} divergences, "
                f"{self.wall_time:.2f} s{flag}; {what})")


# ----------------------------------------------------------------------------------------------
# summary helpers
# ----------------------------------------------------------------------------------------------
class ResultsSummary(dict):
    """The sections of :meth:`SampleResults.summary` (a dict of dicts); ``str()`` is the table."""

    text: str = ""

    def __str__(self) -> str:
        return self.text

    def _repr_pretty_(self, p, cycle):  # IPython
        p.text(self.text)

    def to_json(self) -> str:
        """The sections as JSON text (NaN written as ``null``)."""
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


_SECTION_TITLES = {"sampler": "sampler health", "function_space": "function space (network outputs)",
                   "weight_space": "weight space (symmetry removed)", "test": "test data"}


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
