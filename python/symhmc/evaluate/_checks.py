"""Argument checks of the predictive scores (:mod:`symhmc.scores`): clear errors that name the
argument, and the block size that keeps temporaries within a memory budget."""

from __future__ import annotations

import numbers
from typing import cast

import numpy as np

from ..utils.validation import as_float_array


def _check_f(f, name: str = "f") -> np.ndarray:
    return as_float_array(f, name, ndim=2)


def _check_sigma(sigma, n_draws: int, name: str = "sigma") -> np.ndarray:
    """``sigma`` as a positive ``(n_draws,)`` array (a scalar is broadcast)."""
    scalar = np.ndim(sigma) == 0
    s = as_float_array(sigma, name, ndim=(0, 1))
    if scalar:
        s = np.full(n_draws, float(s.reshape(-1)[0]))
    if s.shape[0] != n_draws:
        raise ValueError(f"{name} must have one entry per draw ({n_draws}), got shape {s.shape}")
    if not np.all(s > 0):
        raise ValueError(f"{name} must be positive, got minimum {float(s.min())!r}")
    return s


def _check_y(y, n_points: int, name: str = "y") -> np.ndarray:
    y = as_float_array(y, name, ndim=(1, 2))
    if y.ndim == 2:
        if y.shape[1] != 1:
            raise ValueError(f"{name} must have shape (n_points,) or (n_points, 1), got {y.shape}")
        y = y[:, 0]
    if y.shape[0] != n_points:
        raise ValueError(f"{name} has {y.shape[0]} points but f has {n_points} (f is (n_draws, n_points))")
    return y


def _check_inputs(f, sigma, y=None):
    f = _check_f(f)
    s = _check_sigma(sigma, f.shape[0])
    if y is None:
        return f, s
    return f, s, _check_y(y, f.shape[1])


def _check_probs(values, name: str, *, open_interval: bool = True) -> np.ndarray:
    p = as_float_array(values, name, ndim=(0, 1))
    p = np.atleast_1d(p)
    if open_interval and not np.all((p > 0) & (p < 1)):
        raise ValueError(f"{name} must lie strictly between 0 and 1, got {p.tolist()}")
    return p


def _check_quantiles(quantiles) -> np.ndarray:
    q = np.atleast_1d(as_float_array(quantiles, "quantiles", ndim=(0, 1), allow_empty=True))
    if q.size:
        q = _check_probs(q, "quantiles")
    return q


def _check_budget(memory_budget) -> int:
    if isinstance(memory_budget, bool) or not isinstance(memory_budget, numbers.Real):
        raise TypeError(f"memory_budget must be a number of bytes, got {type(memory_budget).__name__}")
    budget = cast(float, memory_budget)  # a numbers.Real: compares and converts like a float
    if not budget > 0:
        raise ValueError(f"memory_budget must be positive, got {memory_budget}")
    return int(budget)


def _point_block(n_rows: int, memory_budget: int, n_temporaries: int = 4) -> int:
    """Number of points per block so that ``n_temporaries`` arrays ``(n_rows, block)`` fit."""
    per_point = 8 * max(n_rows, 1) * n_temporaries
    return max(1, int(memory_budget // per_point))
