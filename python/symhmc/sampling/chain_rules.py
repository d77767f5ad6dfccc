"""How many chains to run: a number, the bound of :mod:`symhmc.bounds` (``chains="bound"``), or
rounds until the predictive density settles (``chains="auto"``)."""

from __future__ import annotations

import warnings
from typing import Any, Literal, Mapping, Union

import numpy as np

from ..utils.validation import positive_float, positive_int

ChainsArg = Union[int, Literal["bound", "auto"]]
CHAIN_RULES = ("bound", "auto")
BOUND_KEYS = ("modes", "p", "probs", "method")
#: Defaults of ``chains="auto"``: rounds of 64 chains up to the paper's 1274; stop when the mean
#: KL divergence between the predictive densities of successive rounds is below ``tol`` for
#: ``patience`` rounds in a row (one round alone can dip below by chance). ``y_grid=None``: the
#: grid of :func:`symhmc.ppd.data_y_grid` on the training targets.
AUTO_DEFAULTS: dict[str, Any] = {
    "round_size": 64,
    "tol": 1e-4,
    "max_chains": 1274,
    "patience": 2,
    "x": None,
    "y_grid": None,
    "floor": 1e-12,
}


#: ``chains="auto"`` warns when its predictive density puts less than this probability (mean
#: over the inputs) on the y grid: the KL then compares mostly floored tails and can call a
#: wrong prediction converged.
GRID_MASS_MIN = 0.9


def _mapping_arg(value, name: str, allowed) -> dict:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict with keys from {list(allowed)}, got {type(value).__name__}")
    unknown = sorted(str(k) for k in set(value) - set(allowed))
    if unknown:
        raise TypeError(f"{name}: unknown key(s) {unknown}; valid keys: {list(allowed)}")
    return dict(value)


def _bound_rule(bound) -> tuple[int, dict]:
    """Chain count of ``chains="bound"`` and its record."""
    from .. import bounds  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

    args = _mapping_arg(bound, "bound", BOUND_KEYS)
    try:
        n = bounds.chains_needed(**args)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"bound: {exc}") from None
    method = args.get("method", "markov")
    probs = args.get("probs")
    modes = args.get("modes")
    if modes is None:
        modes = bounds.DEFAULT_MODES if probs is None else len(np.asarray(probs))
    record = {
        "rule": "bound",
        "modes": int(modes),
        "p": float(args.get("p", 0.99)),
        "method": str(method),
        "probs": None if probs is None else [float(v) for v in np.asarray(probs, dtype=float)],
        "chains": int(n),
    }
    return int(n), record


def _auto_rule(auto, model, x_train, y_train) -> dict:
    """Checked settings of ``chains="auto"``."""
    from ..evaluate import ppd  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

    args = {**AUTO_DEFAULTS, **_mapping_arg(auto, "auto", AUTO_DEFAULTS)}
    try:
        args["round_size"] = positive_int(args["round_size"], "round_size")
        args["max_chains"] = positive_int(args["max_chains"], "max_chains")
        args["patience"] = positive_int(args["patience"], "patience")
        args["tol"] = positive_float(args["tol"], "tol")
        args["floor"] = positive_float(args["floor"], "floor")
        if args["max_chains"] < 2 * args["round_size"]:
            raise ValueError(
                f"max_chains ({args['max_chains']}) must be at least 2 * round_size "
                f"({2 * args['round_size']}) so that two rounds can be compared"
            )
        if model is None:
            raise ValueError("chains='auto' needs a model (use symhmc.sample, not sample_target on a raw target)")
        if model.n_outputs != 1:
            raise ValueError(
                f"chains='auto' compares predictive densities of one output; the model has n_outputs={model.n_outputs}"
            )
        args["x"] = x_train if args["x"] is None else model.check_x(args["x"], "x")
        # A fixed grid misses the predictive density of targets on another scale (every density
        # is floored, the KL is 0 and the rule stops at once): by default the grid follows y.
        y_given = args["y_grid"] is not None
        args["y_grid"] = ppd.y_grid_arg(args["y_grid"]) if y_given else ppd.data_y_grid(y_train)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"auto: {exc}") from None
    args["x_source"] = "training inputs" if auto is None or auto.get("x") is None else "user"
    args["y_grid_source"] = "user" if y_given else "training targets"
    return args


def _chains_arg(chains, bound, auto) -> tuple[Union[int, Literal["auto"]], dict | None]:
    if isinstance(chains, str):
        if chains not in CHAIN_RULES:
            raise ValueError(f"chains must be a positive integer, 'bound' or 'auto', got {chains!r}")
    else:
        chains = positive_int(chains, "chains")
    if bound is not None and chains != "bound":
        raise ValueError(f"bound is only used with chains='bound' (got chains={chains!r})")
    if auto is not None and chains != "auto":
        raise ValueError(f"auto is only used with chains='auto' (got chains={chains!r})")
    if chains == "bound":
        n, record = _bound_rule(bound)
        return n, record
    if chains == "auto":
        return "auto", None
    return chains, {"rule": "fixed", "chains": chains}


def _auto_record(a: dict, n_chains: int, converged: bool) -> dict:
    """What ``results.settings["chains_rule"]`` records of a ``chains="auto"`` run."""
    return {
        "rule": "auto",
        **{k: a[k] for k in ("round_size", "tol", "max_chains", "patience", "floor", "x_source", "y_grid_source")},
        "n_points": int(a["x"].shape[0]),
        "y_grid": [float(a["y_grid"][0]), float(a["y_grid"][-1]), int(a["y_grid"].size)],
        "chains": int(n_chains),
        "converged": bool(converged),
    }


def _warn_grid_mass(convergence: dict, stacklevel: int) -> None:
    """Warn when the auto rule's y grid missed much of the predictive density."""
    mass = convergence.get("grid_mass")
    if mass is None or mass >= GRID_MASS_MIN:
        return
    grid = convergence["y_grid"]
    warnings.warn(
        f"chains='auto': the predictive density puts only {100 * mass:.0f} % of its probability on the y grid "
        f"[{grid[0]:.4g}, {grid[-1]:.4g}] (mean over the inputs), so the KL between rounds ignores most of it "
        "and 'converged' means little. The model may not fit the data's scale (standardize x and y) or the "
        "grid is too narrow (pass a wider auto=dict(y_grid=...)).",
        RuntimeWarning,
        stacklevel=stacklevel + 1,
    )
