"""The sampler options: one table of every option's type and default (:data:`SAMPLER_OPTIONS`),
their checks, and the adaptation windows the core will apply."""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

# name -> (type, default) of the sampler options. SAMPLER_OPTIONS is the one place holding the
# defaults (so that they can come from the core instead); the defaults match the paper's NumPyro run
# (Stan's conventions: dual averaging with target 0.8, gamma 0.05, t0 10, kappa 0.75, windowed
# diagonal mass matrix adaptation 75 / 25 / 50, maximum tree depth 10).
_COMMON_OPTIONS: dict[str, tuple[type, Any]] = {
    "step_size": (float, 1.0),
    "target_accept": (float, 0.8),
    "gamma": (float, 0.05),
    "t0": (float, 10.0),
    "kappa": (float, 0.75),
    "adapt_step_size": (bool, True),
    "adapt_mass_matrix": (bool, True),
    "find_step_size": (bool, True),
    "max_energy_error": (float, 1000.0),
    "init_buffer": (int, 75),
    "base_window": (int, 25),
    "term_buffer": (int, 50),
    "init_radius": (float, 2.0),
}
SAMPLER_OPTIONS: dict[str, dict[str, tuple[type, Any]]] = {
    "nuts": {**_COMMON_OPTIONS, "max_tree_depth": (int, 10)},
    "hmc": {**_COMMON_OPTIONS, "n_steps": (int, 10), "step_jitter": (float, 0.0)},
}
_POSITIVE = {"step_size", "gamma", "max_energy_error", "init_radius"}


def _check_option(name: str, value, kind: type):
    if kind is bool:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {value!r}")
        return bool(value)
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
        value = int(value)
        minimum = {"max_tree_depth": 1, "n_steps": 1, "base_window": 1}.get(name, 0)
        if value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
        if name == "max_tree_depth" and value > 30:
            raise ValueError(f"max_tree_depth must be <= 30, got {value}")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if name in _POSITIVE and value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    if name == "target_accept" and not 0 < value < 1:
        raise ValueError(f"target_accept must be in (0, 1), got {value}")
    if name == "kappa" and not 0 < value <= 1:
        raise ValueError(f"kappa must be in (0, 1], got {value}")
    if name == "t0" and value < 0:
        raise ValueError(f"t0 must be >= 0, got {value}")
    if name == "step_jitter" and not 0 <= value < 1:
        raise ValueError(f"step_jitter must be in [0, 1), got {value}")
    return value


def _sampler_settings(sampler, options: dict) -> dict[str, Any]:
    if not isinstance(sampler, str) or sampler not in SAMPLER_OPTIONS:
        raise ValueError(f"sampler must be one of {tuple(SAMPLER_OPTIONS)}, got {sampler!r}")
    spec = SAMPLER_OPTIONS[sampler]
    unknown = sorted(set(options) - set(spec))
    if unknown:
        raise TypeError(f"unknown sampler option(s) {unknown} for sampler={sampler!r}; "
                        f"valid options: {sorted(spec)}")
    return {name: _check_option(name, options.get(name, default), kind) for name, (kind, default) in spec.items()}


def _windows_used(warmup: int, s: dict) -> tuple[int, int, int] | None:
    """(init buffer, first slow window, terminal buffer) as the core applies them (Stan's rule):
    no metric adaptation below 20 warmup iterations; 15 % / 75 % / 10 % when the configured
    stages do not fit."""
    if not s["adapt_mass_matrix"] or warmup < 20:
        return None
    init, base, term = s["init_buffer"], s["base_window"], s["term_buffer"]
    if init + base + term > warmup:
        init, term = int(0.15 * warmup), int(0.1 * warmup)
        base = warmup - init - term
    return (init, base, term)
