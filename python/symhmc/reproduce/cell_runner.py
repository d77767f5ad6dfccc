"""Run one cell of the table with the package's public API and describe its result as a JSON-able dict."""

from __future__ import annotations

import math
import os
import time
import warnings
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

from .. import __version__, baselines, datasets
from ..model import MLP
from ..sampling import sample
from .agreement import agrees
from .paper_values import DATASET_NAMES, paper_value
from .settings import ARCHS, CellSpec

#: Keys every cell carries (the issue's list); the runner adds more.
REQUIRED_KEYS = (
    "dataset",
    "arch",
    "method",
    "lppd",
    "se",
    "paper_lppd",
    "paper_se",
    "chains",
    "warmup",
    "draws",
    "seconds",
)


def _timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def _finite(value) -> float | None:
    value = float(value)
    return value if math.isfinite(value) else None


def _sampler_extras(results) -> dict:
    """How the sampler did: gradients per chain, the share of draws at the maximum tree depth, resumption."""
    summary = results.sampler_summary()
    depth = results.stats.get("tree_depth")
    max_depth = results.settings.get("max_tree_depth")
    extras = {
        "gradients_per_chain": _finite(summary["grad_evals_per_chain"]),
        "max_depth_fraction": _finite(np.mean(depth >= max_depth)) if depth is not None and max_depth else None,
        "divergences": int(summary["divergences"]),
        "adaptation": results.settings.get("adaptation"),
    }
    checkpoint = results.settings.get("checkpoint")
    if checkpoint and checkpoint.get("resumed_chains"):
        extras["resumed_chains"] = int(checkpoint["resumed_chains"])
    return extras


def _finished(results, spec: CellSpec):
    """``results`` when all its chains or members finished; KeyboardInterrupt when Ctrl-C cut it short
    (the chains that finished are in the cell's checkpoint)."""
    if results.partial:
        raise KeyboardInterrupt(f"{spec.label} was interrupted")
    return results


#: Below this noise sd at an expansion point the network interpolates the training data.
DEGENERATE_SIGMA = 1e-3


def _laplace_note(res, model: MLP, caught) -> str:
    """What makes a Laplace cell's number doubtful: a MAP search that stopped early, or a MAP where
    the noise sd went to zero (the likelihood grows without bound as the network interpolates
    the data, so the Gaussian around that point predicts with almost no noise)."""
    notes = []
    if any("L-BFGS-B did not report convergence" in str(w.message) for w in caught):
        notes.append("the L-BFGS-B MAP search stopped at its iteration limit")
    if model.noise_std is None:
        sigma = float(np.exp(np.min(res.mean[:, -1])))
        if sigma < DEGENERATE_SIGMA:
            notes.append(
                f"degenerate MAP: noise sd {sigma:.1g} (the network interpolates the training data), "
                "so the Laplace predictive has almost no noise"
            )
    return "; ".join(notes)


def _run_method(spec: CellSpec, model: MLP, data, *, threads, checkpoint, overwrite, progress):
    """(results or None, seconds, extras, note) for the cell's method."""
    s, x, y = spec.settings, data.x_train, data.y_train
    common = dict(seed=s["seed"], threads=threads, progress=progress)
    mcmc = dict(checkpoint=checkpoint, overwrite=overwrite, **common) if checkpoint else common

    def ensemble():
        de = baselines.deep_ensemble(
            model, x, y, members=s["ensemble"]["members"], preset=s["ensemble"]["preset"], **common
        )
        return _finished(de, spec)  # Ctrl-C while training: do not go on from fewer members

    if spec.method in ("mcmc", "mcmc_single_chain"):
        res, t = _timed(
            lambda: _finished(
                sample(
                    model,
                    x,
                    y,
                    chains=s["chains"],
                    warmup=s["warmup"],
                    draws=s["draws"],
                    adaptation=s["adaptation"],
                    **mcmc,
                ),
                spec,
            )
        )
        return res, t, _sampler_extras(res), ""
    if spec.method == "de":
        res, t = _timed(
            lambda: _finished(
                baselines.deep_ensemble(model, x, y, members=s["members"], preset=s["preset"], **common), spec
            )
        )
        return res, t, {"members": s["members"]}, ""
    if spec.method in ("la", "mola"):
        at, t_de = _timed(ensemble) if spec.method == "mola" else (None, 0.0)
        try:
            with warnings.catch_warnings(record=True) as caught:
                warnings.simplefilter("always")
                res, t = _timed(
                    lambda: baselines.laplace(
                        model,
                        x,
                        y,
                        at=at,
                        hessian=s["hessian"],
                        prior_precision=s["prior"],
                        n_samples=s["n_samples"],
                        seed=s["seed"],
                        threads=threads,
                    )
                )
        except baselines.HessianNotPositiveDefinite as exc:
            return None, t_de, {}, f"no result: {exc}"
        extras = {"ensemble_seconds": t_de} if at is not None else {}
        return res, t + t_de, extras, _laplace_note(res, model, caught)
    if spec.method == "dei_mcmc":
        de, t_de = _timed(ensemble)
        res, t = _timed(
            lambda: _finished(
                sample(
                    model,
                    x,
                    y,
                    chains=s["chains"],
                    warmup=s["warmup"],
                    draws=s["draws"],
                    adaptation=s["adaptation"],
                    init=de,
                    **mcmc,
                ),
                spec,
            )
        )
        return res, t + t_de, {**_sampler_extras(res), "ensemble_seconds": t_de}, ""
    raise ValueError(f"method: unknown {spec.method!r}")


def run_cell(
    spec: CellSpec,
    *,
    threads: int | None = None,
    checkpoint: str | os.PathLike | None = None,
    overwrite: bool = False,
    progress: bool = False,
    data_dir: str | os.PathLike | None = None,
) -> dict:
    """Run one cell and return its result.

    Parameters
    ----------
    spec : CellSpec
        What to run (see :func:`symhmc.reproduce.settings.cells_for`).
    threads : int, optional
        Threads (default: all); results do not depend on it.
    checkpoint : path, optional
        Checkpoint file of the sampler (MCMC cells): an interrupted cell resumes from its chains.
    overwrite : bool
        Replace an existing checkpoint of other settings instead of refusing it.
    progress : bool
        Show the sampler's progress bar.
    data_dir : path, optional
        Passed to :func:`symhmc.datasets.load`.

    Returns
    -------
    dict
        :data:`REQUIRED_KEYS` plus ``variant``, ``agrees`` (within two combined standard errors of
        the paper's; None without a paper value), ``seed``, ``settings``, ``note`` and, for sampler
        cells, ``gradients_per_chain``, ``max_depth_fraction``, ``divergences``, ``adaptation``.
        ``chains``/``warmup``/``draws`` are None where a method has none (``chains`` of a deep
        ensemble is its member count).

    Raises
    ------
    KeyboardInterrupt
        When the run was interrupted (its finished chains stay in ``checkpoint``).

    Examples
    --------
    >>> from symhmc.reproduce import cells_for, run_cell
    >>> spec = cells_for("quick", datasets=["izmailov"], methods=["la"])[0]
    >>> cell = run_cell(spec, threads=1)
    >>> cell["method"], cell["paper_lppd"], cell["agrees"]
    ('la', 0.53, True)
    """
    if not isinstance(spec, CellSpec):
        raise TypeError(f"spec must be a CellSpec, got {type(spec).__name__}")
    data = datasets.load(DATASET_NAMES[spec.dataset], data_dir)
    model = MLP(hidden=ARCHS[spec.arch], n_inputs=data.n_features, dtype=spec.settings.get("dtype", "float64"))
    with warnings.catch_warnings():
        # An interrupted cell raises KeyboardInterrupt below, which says so already.
        warnings.filterwarnings("ignore", message="(sampling|training) was interrupted", category=RuntimeWarning)
        results, seconds, extras, error = _run_method(
            spec, model, data, threads=threads, checkpoint=checkpoint, overwrite=overwrite, progress=progress
        )
    lppd = se = None
    if results is not None:
        fit = results.lppd(data.x_test, data.y_test)
        lppd, se = _finite(fit.mean), _finite(fit.se)
    paper_lppd, paper_se = paper_value(spec.dataset, spec.arch, spec.method)
    s = spec.settings
    chains = s.get("chains", s.get("members"))
    resumed = extras.get("resumed_chains")
    resumed_note = f"{resumed} chains read from its checkpoint: seconds counts the last session only" if resumed else ""
    note = "; ".join(n for n in (spec.note, error, resumed_note) if n)
    cell = {
        "dataset": spec.dataset,
        "arch": spec.arch,
        "method": spec.method,
        "variant": spec.variant,
        "lppd": lppd,
        "se": se,
        "paper_lppd": paper_lppd,
        "paper_se": paper_se,
        "agrees": agrees(lppd, se, paper_lppd, paper_se),
        "chains": chains,
        "warmup": s.get("warmup"),
        "draws": s.get("draws", s.get("n_samples")),
        "seconds": seconds,
        "seed": s["seed"],
        "note": note,
        **extras,
        "settings": s,
        "symhmc": __version__,
        "finished": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    if checkpoint is not None and spec.method in ("mcmc", "mcmc_single_chain", "dei_mcmc"):
        cell["checkpoint"] = Path(checkpoint).name
    return cell
