"""Data sets: the paper's ten regression benchmarks (shipped with the package), generators for
its synthetic sets, and a user's own data prepared the same way.

``load(name)`` reads the package's own copy (checked against SHA-256 checksums); ``data_dir=``
or the ``SYMHMC_DATA_DIR`` environment variable point it at a folder of plain files instead.
Sources and licences: :func:`sources` and ``symhmc/data/SOURCES.md``.
"""

from __future__ import annotations

import numpy as np

from ._dataset import Dataset
from ._files import ChecksumError
from ._paper import PAPER_DATASETS, default_data_dir, load, sources
from .synthetic import make_izmailov, make_regression2d, make_sinusoidal
from .user import from_arrays, from_csv

__all__ = [
    "PAPER_DATASETS",
    "ChecksumError",
    "Dataset",
    "default_data_dir",
    "from_arrays",
    "from_csv",
    "load",
    "make_izmailov",
    "make_regression2d",
    "make_sinusoidal",
    "sinusoidal",
    "sources",
]


def sinusoidal(n: int = 150, *, noise: float = 0.3, test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """A quick built-in 1-D toy set: y = sin(2 x) + noise, x ~ U(-2, 2), standardized.

    Not the paper's sinusoidal data: that is ``load("sinusoidal")`` (the paper's file) or
    :func:`make_sinusoidal` (fresh draws from the paper's recipe). Kept because examples and
    tests rely on its draws.

    Parameters
    ----------
    n : int, default 150
        Number of points (at least 5).
    noise : float, default 0.3
        Noise standard deviation in original units.
    test_fraction : float, default 0.2
        Share of points held out, in (0, 1).
    seed : int, default 0
        Seed of the ``numpy.random.Generator``.

    Returns
    -------
    Dataset
        Standardized arrays (the scaling is not recorded).

    Raises
    ------
    ValueError
        If ``n`` or ``test_fraction`` is out of range.

    Examples
    --------
    >>> from symhmc.datasets import sinusoidal
    >>> sinusoidal(seed=3).x_train.shape
    (120, 1)
    """
    if n < 5:
        raise ValueError(f"n must be >= 5, got {n}")
    if not 0 < test_fraction < 1:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, size=n)
    y = np.sin(2.0 * x) + noise * rng.normal(size=n)
    data = np.column_stack([x, y])
    data = (data - data.mean(axis=0)) / data.std(axis=0)
    order = rng.permutation(n)
    n_test = max(1, int(round(test_fraction * n)))
    test, train = order[:n_test], order[n_test:]
    return Dataset("sinusoidal-builtin", data[train, :1], data[train, 1], data[test, :1], data[test, 1])
