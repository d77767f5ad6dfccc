"""Data sets: the paper's regression benchmarks (read from a folder) and a built-in toy set.

The benchmark files are not shipped with the package; ``load`` reads them from ``data_dir``,
the ``SYMHMC_DATA_DIR`` environment variable, or ``shared/data`` beside a source checkout.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import numpy as np

PAPER_DATASETS = ("sinusoidal", "izmailov", "regression2d", "airfoil", "concrete", "diabetes",
                  "energy", "forest_fire", "yacht", "protein")


@dataclass(frozen=True)
class Dataset:
    """A train/test split; ``x`` arrays are (n, n_features), ``y`` arrays (n,)."""

    name: str
    x_train: np.ndarray
    y_train: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray

    @property
    def n_features(self) -> int:
        return self.x_train.shape[1]


def default_data_dir() -> Path | None:
    """``SYMHMC_DATA_DIR`` if set, else the first ``shared/data`` found beside the current
    directory or the package's folder or any of their parents, else None."""
    env = os.environ.get("SYMHMC_DATA_DIR")
    if env:
        return Path(env)
    for start in (Path.cwd(), Path(__file__).resolve().parent):
        for folder in (start, *start.parents):
            candidate = folder / "shared" / "data"
            if (candidate / "splits.json").is_file():
                return candidate
    return None


def load(name: str, data_dir: str | os.PathLike | None = None) -> Dataset:
    """Load a paper benchmark: standardize every column over all rows (ddof=0), then split 80/20.

    Parameters
    ----------
    name : str
        One of :data:`PAPER_DATASETS`.
    data_dir : path, optional
        Folder holding ``NAME.data`` and ``splits.json``.
    """
    if name not in PAPER_DATASETS:
        raise ValueError(f"name must be one of {PAPER_DATASETS}, got {name!r}")
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    if folder is None or not (folder / f"{name}.data").is_file():
        raise FileNotFoundError(
            f"data file {name}.data not found in {folder}; pass data_dir= or set SYMHMC_DATA_DIR")
    data = np.loadtxt(folder / f"{name}.data", ndmin=2)
    with open(folder / "splits.json") as fh:
        split = json.load(fh)[name]
    data = (data - data.mean(axis=0)) / data.std(axis=0)
    train, test = np.asarray(split["train"]), np.asarray(split["test"])
    return Dataset(name, data[train, :-1], data[train, -1], data[test, :-1], data[test, -1])


def sinusoidal(n: int = 150, *, noise: float = 0.3, test_fraction: float = 0.2, seed: int = 0) -> Dataset:
    """A built-in 1-D toy regression set: y = sin(2 x) + noise, x ~ U(-2, 2), standardized.

    Generated in code (no files needed), shaped like the paper's sinusoidal set.
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
