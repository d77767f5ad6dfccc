"""Checks shared by the figures that read a sampling run."""

from __future__ import annotations

import numpy as np

from ..utils.validation import as_float_array


def check_results(results, name: str = "results"):
    """``results`` if it is a SampleResults of an MLP with one output, else a clear error."""
    from ..results import SampleResults  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

    if not isinstance(results, SampleResults):
        raise TypeError(f"{name} must be a symhmc.SampleResults, got {type(results).__name__}")
    if results.model is None:
        raise ValueError(f"{name} has no model (a raw target run): the figures need an MLP")
    if results.model.n_outputs != 1:
        raise ValueError(f"{name}: the figures need a network with one output, got n_outputs={results.model.n_outputs}")
    if results.n_chains == 0:
        raise ValueError(f"{name} holds no chains")
    return results


def data_points(results, x, y, n_inputs: int):
    """The points to draw over a prediction: ``(x, y)`` as given, else the run's training data
    (``None, None`` when the run does not hold them)."""
    if x is None and y is None:
        x, y = results.x, results.y
        if x is None or y is None:
            return None, None
    elif x is None or y is None:
        raise ValueError("x and y must be given together")
    x = as_float_array(x, "x")
    x = x.reshape(-1, 1) if x.ndim == 1 else x
    y = as_float_array(y, "y")
    if y.ndim == 2 and y.shape[1] == 1:  # runs store y as (n, n_outputs)
        y = y[:, 0]
    if y.ndim != 1:
        raise ValueError(f"y must be 1-d (or one column), got shape {y.shape}")
    if x.ndim != 2 or x.shape[1] != n_inputs:
        raise ValueError(f"x must have {n_inputs} column(s), got shape {x.shape}")
    if x.shape[0] != y.shape[0]:
        raise ValueError(f"x and y must have the same number of rows, got {x.shape[0]} and {y.shape[0]}")
    return x, y


def input_range(x, pad: float = 0.1, default=(-3.0, 3.0)) -> tuple[float, float]:
    """The span of ``x`` widened by ``pad`` of its width on each side (``default`` without data)."""
    if x is None or x.size == 0:
        return default
    lo, hi = float(np.min(x)), float(np.max(x))
    width = hi - lo if hi > lo else 1.0
    return lo - pad * width, hi + pad * width
