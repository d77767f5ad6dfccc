"""Argument checks shared by the public functions: clear errors that name the argument."""

from __future__ import annotations

import numbers
import os
import sys
import warnings
from types import FrameType

import numpy as np

# Data this far from unit scale put the posterior mass where the unit-scale priors (weights and
# noise) have almost none: the chains barely move. Standardized data are of order 1.
BADLY_SCALED = 1e6

_PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__))) + os.sep  # the symhmc package


def as_float_array(
    value, name: str, *, ndim: tuple[int, ...] | int | None = None, allow_empty: bool = False, finite: bool = True
) -> np.ndarray:
    """Return ``value`` as a C-contiguous float64 array, or raise naming ``name``.

    Integer and float inputs of any layout are converted (a copy when needed); booleans,
    complex numbers, strings, objects and masked arrays are rejected.
    """
    if isinstance(value, (str, bytes)):
        raise TypeError(f"{name} must be a numeric array, got {type(value).__name__}")
    if isinstance(value, np.ma.MaskedArray):  # converting would silently use the masked values
        raise TypeError(
            f"{name} is a masked array; masked arrays are not supported: fill or drop the masked "
            f"values first ({name}.filled(value) or {name}.compressed())"
        )
    try:
        arr = np.asarray(value)
    except Exception as exc:  # noqa: BLE001 - ragged lists and the like
        raise TypeError(f"{name} must be a numeric array: {exc}") from None
    if arr.dtype == bool or arr.dtype.kind not in "iuf":
        raise TypeError(f"{name} must hold real numbers, got dtype {arr.dtype}")
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if ndim is not None:
        allowed = (ndim,) if isinstance(ndim, int) else ndim
        if arr.ndim not in allowed:
            want = " or ".join(str(d) for d in allowed)
            raise ValueError(f"{name} must have {want} dimensions, got shape {arr.shape}")
    if not allow_empty and arr.size == 0:
        raise ValueError(f"{name} must not be empty, got shape {arr.shape}")
    if finite and not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values")
    return arr


def _outside_stacklevel() -> int:
    """The ``warnings.warn`` stacklevel, for a call made by this function's caller, of the first
    frame outside the symhmc package: the warning then points at the user's line, whichever
    public function led to it."""
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and frame.f_code.co_filename.startswith(_PACKAGE_DIR):
        frame, level = frame.f_back, level + 1
    return level


def warn_if_badly_scaled(arr: np.ndarray, name: str) -> None:
    """Warn (:class:`~symhmc.DataScaleWarning`, a ``RuntimeWarning``) when ``arr`` holds values beyond
    :data:`BADLY_SCALED` in magnitude: every entry point that builds a posterior (sampling, deep
    ensembles, the Laplace approximation) says so, not only :func:`symhmc.sample`'s milder check."""
    from .scaling import DataScaleWarning  # noqa: PLC0415

    if arr.size == 0:
        return
    biggest = float(np.max(np.abs(arr)))
    if biggest > BADLY_SCALED:
        warnings.warn(
            f"{name} has values up to {biggest:.3g} in magnitude: the data look badly scaled for the "
            "unit-scale priors, and the chains will likely be stuck; standardize the data (subtract "
            "the mean, divide by the standard deviation of each column) before sampling",
            DataScaleWarning,
            stacklevel=_outside_stacklevel(),
        )


def positive_float(value, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not (value > 0 and np.isfinite(value)):
        raise ValueError(f"{name} must be positive and finite, got {value}")
    return value


def positive_int(value, name: str, *, minimum: int = 1, maximum: int | None = None) -> int:
    if isinstance(value, (bool, np.bool_)) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
    value = int(value)
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value}")
    if maximum is not None and value > maximum:
        raise ValueError(f"{name} must be <= {maximum}, got {value}")
    return value


def seed_arg(seed, name: str = "seed", *, allow_none: bool = True) -> int | None:
    """A seed as an int >= 0 (or None when allowed): TypeError for another type, ValueError below 0,
    the same message from every function that takes one."""
    if seed is None and allow_none:
        return None
    if isinstance(seed, (bool, np.bool_)) or not isinstance(seed, numbers.Integral):
        kinds = "None or an integer" if allow_none else "an integer"
        raise TypeError(f"{name} must be {kinds} >= 0, got {type(seed).__name__} {seed!r}")
    if seed < 0:
        raise ValueError(f"{name} must be >= 0, got {seed}")
    return int(seed)


def threads_arg(threads) -> int:
    """``None`` means all available threads (0 for the core)."""
    if threads is None:
        return 0
    return positive_int(threads, "threads")
