"""The sampler options as the core defines them.

Names, types and defaults are read from ``_core.SamplerSettings`` (``cpp/include/symhmc/settings.hpp``
is the one place they are written); this module checks the types of what a user passes, leaves
the range checks to the core (which names the option), and builds the settings object handed to
``_core.run_chains``. The warmup windows reported in ``results.settings`` come from the core too.
"""

from __future__ import annotations

import numbers
from typing import Any

import numpy as np

from .. import _core

_DEFAULTS = _core.SamplerSettings()
#: name -> scope of every option, in the core's order: "run" (warmup, draws), "common", "nuts", "hmc".
OPTION_SCOPES: dict[str, str] = dict(_core.SamplerSettings.options())
DEFAULT_WARMUP: int = _DEFAULTS.warmup
DEFAULT_DRAWS: int = _DEFAULTS.draws
#: Largest count the core holds (its counts are signed 64-bit).
MAX_COUNT = 2**63 - 1


def _table(sampler: str) -> dict[str, tuple[type, Any]]:
    return {
        name: (type(_DEFAULTS.get(name)), _DEFAULTS.get(name))
        for name, scope in OPTION_SCOPES.items()
        if scope in ("common", sampler)
    }


#: sampler -> {option: (type, default)} for ``**sampler_options`` (warmup and draws are arguments of their own).
SAMPLER_OPTIONS: dict[str, dict[str, tuple[type, Any]]] = {"nuts": _table("nuts"), "hmc": _table("hmc")}


def _check_option(name: str, value, kind: type):
    """The value converted to the option's type, or a TypeError / ValueError naming the option."""
    if kind is str:  # e.g. adaptation: the core checks the allowed names
        if not isinstance(value, str):
            raise TypeError(f"{name} must be a string, got {type(value).__name__}")
        return value
    if kind is bool:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {value!r}")
        return bool(value)
    if kind is int:
        if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
        value = int(value)
        if not -MAX_COUNT - 1 <= value <= MAX_COUNT:
            raise ValueError(f"{name} must fit in a signed 64-bit integer, got {value}")
        return value
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    return value


def core_settings(sampler: str, warmup: int, draws: int, options: dict[str, Any]) -> _core.SamplerSettings:
    """The core's settings object for a run; its range checks raise ValueError naming the option."""
    settings = _core.SamplerSettings()
    settings.sampler = sampler
    settings.warmup = warmup
    settings.draws = draws
    for name, value in options.items():
        settings.set(name, value)
    settings.validate()
    return settings


def _sampler_settings(sampler, options: dict) -> dict[str, Any]:
    """Every option of ``sampler`` (given or default), type-checked; :func:`core_settings` then
    checks the ranges (with the run's warmup and draws)."""
    if not isinstance(sampler, str) or sampler not in SAMPLER_OPTIONS:
        raise ValueError(f"sampler must be one of {tuple(SAMPLER_OPTIONS)}, got {sampler!r}")
    spec = SAMPLER_OPTIONS[sampler]
    unknown = sorted(set(options) - set(spec))
    if unknown:
        raise TypeError(f"unknown sampler option(s) {unknown} for sampler={sampler!r}; valid options: {sorted(spec)}")
    return {name: _check_option(name, options.get(name, default), kind) for name, (kind, default) in spec.items()}


def warmup_report(settings: _core.SamplerSettings) -> dict[str, Any]:
    """The warmup the core runs with these settings, for ``results.settings``:
    ``adaptation_windows_used`` is (init buffer, first slow window, terminal buffer), or None when
    the metric is not adapted (Stan's rules: not below 20 warmup iterations; 15 % / 75 % / 10 %
    when the configured stages do not fit); ``adaptation_windows`` the slow windows ``[start, end)``."""
    plan = settings.warmup_plan()
    used = (plan["init_buffer"], plan["base_window"], plan["term_buffer"]) if plan["metric_adapted"] else None
    return {"adaptation_windows_used": used, "adaptation_windows": [tuple(w) for w in plan["windows"]]}


def options_doc() -> str:
    """One line per option with its default, for docstrings and the command line."""
    lines = []
    for scope, label in (("common", ""), ("nuts", "NUTS only: "), ("hmc", "HMC only: ")):
        names = [name for name, s in OPTION_SCOPES.items() if s == scope]
        lines.append(label + ", ".join(f"``{name}`` ({_DEFAULTS.get(name)!r})" for name in names))
    return "; ".join(lines)
