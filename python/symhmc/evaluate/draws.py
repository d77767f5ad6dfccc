"""One place that turns "a sampling run, or raw draws with a model" into checked draws, the model
and the inputs: used by the scores, the predictive density and the weight-space diagnostics."""

from __future__ import annotations

from typing import Any, NamedTuple

import numpy as np

from ..utils.validation import as_float_array
from ..model import MLP


class Resolved(NamedTuple):
    draws: np.ndarray
    model: Any  # an MLP, or None when it was not required
    x: Any  # the given inputs, else the run's training inputs (unchecked; None when neither)


def is_results(obj) -> bool:
    """Whether ``obj`` is a sampling run. Duck-typed: results.py imports the modules that call this."""
    return all(hasattr(obj, a) for a in ("draws", "stats", "model"))


def resolve_draws(
    results_or_draws,
    model=None,
    x=None,
    *,
    what: str,
    name: str = "draws",
    ndim: int | tuple[int, ...] | None = None,
    require_model: bool = True,
    one_output: bool = False,
) -> Resolved:
    """Draws, model and inputs from a run (its ``draws``, ``model`` and ``x`` fill in what is not
    given) or from an array of draws plus ``model``.

    ``what`` names the caller in errors; ``name`` the draws argument. Checks: the draws are a
    finite float array (with ``ndim`` dimensions when given); the model is an :class:`MLP`
    (``None`` only when not ``require_model``) with ``n_params`` or ``dim`` entries per draw,
    and one output when ``one_output``.
    """
    from_results = is_results(results_or_draws)
    if from_results:
        draws = as_float_array(results_or_draws.draws, "results.draws", ndim=ndim)
        model = results_or_draws.model if model is None else model
        x = results_or_draws.x if x is None else x
    else:
        draws = as_float_array(results_or_draws, name, ndim=ndim)
    if model is None:
        if not require_model:
            return Resolved(draws, None, x)
        why = (
            "these results were sampled from a raw target (results.model is None)"
            if from_results
            else f"{name} is an array of draws: pass the MLP they belong to"
        )
        raise ValueError(f"model is needed for {what}: {why}")
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a symhmc.MLP, got {type(model).__name__}")
    if draws.shape[-1] not in (model.n_params, model.dim):
        raise ValueError(
            f"{name} must end in an axis of length {model.n_params} (network parameters) or "
            f"{model.dim} (with log sigma), got shape {draws.shape}"
        )
    if one_output and model.n_outputs != 1:
        raise ValueError(f"{what} needs a model with one output, got n_outputs={model.n_outputs}")
    return Resolved(draws, model, x)


def positive_sigma(model: MLP, draws: np.ndarray, name: str = "draws") -> np.ndarray:
    """The noise scale of every draw, checked finite and positive (an ``exp`` may over/underflow)."""
    sigma = model.noise_scale(draws, name)
    if not np.all(np.isfinite(sigma) & (sigma > 0)):
        raise ValueError(f"{name} give a non-finite or zero sigma = exp(log sigma)")
    return sigma
