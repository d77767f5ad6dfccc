"""Argument checks shared by the symmetry functions: model, parameter vectors, seeds."""

from __future__ import annotations

import numbers
from typing import Union, cast

import numpy as np

from ..utils.validation import as_float_array
from ..model import MLP


def _check_model(model) -> MLP:
    if not isinstance(model, MLP):
        raise TypeError(f"model must be a symhmc.MLP, got {type(model).__name__}")
    return model


def _check_params(params, model: MLP, name: str = "params") -> np.ndarray:
    arr = as_float_array(params, name)
    if arr.ndim == 0:
        raise ValueError(f"{name} must have at least 1 dimension, got a scalar")
    if arr.shape[-1] not in (model.n_params, model.dim):
        raise ValueError(
            f"{name} must end in an axis of length {model.n_params} (network parameters) or "
            f"{model.dim} (with log sigma), got shape {arr.shape}"
        )
    return arr


def _seed_arg(seed, name: str = "seed") -> np.random.Generator:
    if isinstance(seed, np.random.Generator):
        return seed
    if seed is not None and (
        isinstance(seed, bool) or not isinstance(seed, (numbers.Integral, np.random.SeedSequence))
    ):
        raise TypeError(f"{name} must be None, an int, a SeedSequence or a numpy Generator, got {type(seed).__name__}")
    if isinstance(seed, numbers.Integral) and seed < 0:
        raise ValueError(f"{name} must be non-negative, got {seed}")
    # numbers.Integral here is a Python or NumPy integer, which default_rng takes as an int.
    return np.random.default_rng(cast(Union[int, np.random.SeedSequence, None], seed))
