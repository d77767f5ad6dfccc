"""Seeded generators for the paper's three synthetic data sets.

They draw fresh data shaped like the shipped files (``load("sinusoidal")`` etc. return the
paper's own draws); each returns a :class:`Dataset` standardized as the paper does, with the
scaling remembered, and a random 80/20 split.

- sinusoidal: x ~ U(0, 8), y = sin(x) + N(0, 0.3²), 150 points (the paper's code).
- regression2d: x ~ U(-2, 2)², y = x1 (sin x1 + cos x2) + N(0, 0.1²), 256 points (the
  paper's code; the shipped file fits this form with residual sd 0.104, while
  x1 sin x1 + cos x2 leaves 1.08).
- izmailov: an imitation of the toy set of Izmailov et al. (2019), whose generator is not
  published: 400 inputs in three separated clusters and a smooth quartic trend with Gaussian
  noise, cluster bounds, trend and noise (0.14) read off the shipped file.
"""

from __future__ import annotations

import numpy as np

from ._dataset import Dataset, random_split, split_table

# izmailov: the shipped file's three input clusters and its least-squares quartic trend
# (coefficients rounded, highest power first; residual sd 0.139 on the file).
_IZMAILOV_CLUSTERS = ((-1.56, -1.08), (-0.34, 0.15), (0.89, 1.37))
_IZMAILOV_TREND = (0.33, -0.30, -1.31, 1.32, 0.73)
_IZMAILOV_NOISE = 0.14


def _check(n: int, noise: float, n_min: int = 5) -> None:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < n_min:
        raise ValueError(f"n must be an integer >= {n_min}, got {n!r}")
    if not np.isfinite(noise) or noise < 0:
        raise ValueError(f"noise must be a finite number >= 0, got {noise!r}")


def _finish(name: str, x: np.ndarray, y: np.ndarray, test_fraction: float, rng: np.random.Generator) -> Dataset:
    table = np.column_stack([x, y])
    train, test = random_split(len(table), test_fraction, rng)
    return split_table(name, table, train, test)


def sinusoidal_function(x) -> np.ndarray:
    """The sinusoidal set's noise-free target, ``sin(x)``, in original units."""
    return np.sin(np.asarray(x, dtype=float))


def regression2d_function(x) -> np.ndarray:
    """The regression2d set's noise-free target ``x1 (sin x1 + cos x2)``; ``x`` is (n, 2)."""
    x = np.asarray(x, dtype=float)
    return x[:, 0] * (np.sin(x[:, 0]) + np.cos(x[:, 1]))


def izmailov_function(x) -> np.ndarray:
    """The izmailov-style set's noise-free quartic trend, in original units."""
    return np.polyval(_IZMAILOV_TREND, np.asarray(x, dtype=float))


def make_sinusoidal(n: int = 150, *, noise: float = 0.3, test_fraction: float = 0.2, seed: int | None = 0) -> Dataset:
    """Draw a sinusoidal set as the paper's: x ~ U(0, 8), y = sin(x) + N(0, noise²).

    Parameters
    ----------
    n : int, default 150
        Number of points (at least 5).
    noise : float, default 0.3
        Standard deviation of the Gaussian noise, in original units.
    test_fraction : float, default 0.2
        Share of the points held out (random rows), in (0, 1).
    seed : int or None, default 0
        Seed of the ``numpy.random.Generator``; the same seed gives the same data.

    Returns
    -------
    Dataset
        Standardized over all rows (ddof=0), with the scaling to map back.

    Raises
    ------
    ValueError
        If ``n``, ``noise`` or ``test_fraction`` is out of range.

    Examples
    --------
    >>> from symhmc.datasets import make_sinusoidal
    >>> ds = make_sinusoidal(seed=1)
    >>> ds.x_train.shape, ds.x_test.shape
    ((120, 1), (30, 1))
    """
    _check(n, noise)
    rng = np.random.default_rng(seed)
    x = rng.uniform(0.0, 8.0, size=n)
    y = sinusoidal_function(x) + noise * rng.standard_normal(n)
    return _finish("sinusoidal-generated", x, y, test_fraction, rng)


def make_regression2d(n: int = 256, *, noise: float = 0.1, test_fraction: float = 0.2, seed: int | None = 0) -> Dataset:
    """Draw a regression2d set as the paper's: x ~ U(-2, 2)², y = x1 (sin x1 + cos x2) + N(0, noise²).

    Parameters
    ----------
    n : int, default 256
        Number of points (at least 5).
    noise : float, default 0.1
        Standard deviation of the Gaussian noise, in original units.
    test_fraction : float, default 0.2
        Share of the points held out (random rows), in (0, 1).
    seed : int or None, default 0
        Seed of the ``numpy.random.Generator``.

    Returns
    -------
    Dataset
        Two standardized features, with the scaling to map back.

    Raises
    ------
    ValueError
        If ``n``, ``noise`` or ``test_fraction`` is out of range.

    Examples
    --------
    >>> from symhmc.datasets import make_regression2d
    >>> make_regression2d(seed=1).x_train.shape
    (204, 2)
    """
    _check(n, noise)
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2.0, 2.0, size=(n, 2))
    y = regression2d_function(x) + noise * rng.standard_normal(n)
    return _finish("regression2d-generated", x, y, test_fraction, rng)


def make_izmailov(
    n: int = 400, *, noise: float = _IZMAILOV_NOISE, test_fraction: float = 0.2, seed: int | None = 0
) -> Dataset:
    """Draw an izmailov-style set: three separated input clusters, a smooth trend, Gaussian noise.

    Each point picks one of three clusters with equal probability and an input uniformly in it;
    the target is :func:`izmailov_function` plus N(0, noise²). Clusters, trend and noise are
    read off the shipped ``izmailov`` file (its generator is not published), so the gaps between
    clusters, where the posterior predictive should widen, are where the paper's are.

    Parameters
    ----------
    n : int, default 400
        Number of points (at least 5).
    noise : float, default 0.14
        Standard deviation of the Gaussian noise, in original units.
    test_fraction : float, default 0.2
        Share of the points held out (random rows), in (0, 1).
    seed : int or None, default 0
        Seed of the ``numpy.random.Generator``.

    Returns
    -------
    Dataset
        One standardized feature, with the scaling to map back.

    Raises
    ------
    ValueError
        If ``n``, ``noise`` or ``test_fraction`` is out of range.

    Examples
    --------
    >>> from symhmc.datasets import make_izmailov
    >>> make_izmailov(seed=1).y_test.shape
    (80,)
    """
    _check(n, noise)
    rng = np.random.default_rng(seed)
    bounds = np.asarray(_IZMAILOV_CLUSTERS)[rng.integers(0, len(_IZMAILOV_CLUSTERS), size=n)]
    x = rng.uniform(bounds[:, 0], bounds[:, 1])
    y = izmailov_function(x) + noise * rng.standard_normal(n)
    return _finish("izmailov-generated", x, y, test_fraction, rng)
