"""A user's own regression data, prepared as the paper prepares its benchmarks.

Every column (features and target) is standardized with its mean and standard deviation
(ddof=0) over all rows, then split; the returned :class:`Dataset` keeps the means and standard
deviations so predictions can be mapped back (``unscale_y``) and new inputs scaled (``scale_x``).
"""

from __future__ import annotations

import os
from pathlib import Path

import numpy as np

from ._dataset import Dataset, random_split, split_table


def _finite_2d(values, argument: str, one_column: bool = False) -> np.ndarray:
    try:
        array = np.asarray(values, dtype=float)
    except (TypeError, ValueError) as error:
        raise TypeError(f"{argument} must be numeric, got {type(values).__name__}: {error}") from None
    if array.ndim == 1:
        array = array[:, None]
    if array.ndim != 2 or array.shape[1] == 0 or (one_column and array.shape[1] != 1):
        wanted = "(n,) or (n, 1)" if one_column else "(n,) or (n, n_columns)"
        raise ValueError(f"{argument} must have shape {wanted}, got {np.shape(values)}")
    bad = np.argwhere(~np.isfinite(array))
    if len(bad):
        row, column = bad[0]
        raise ValueError(f"{argument} holds {len(bad)} NaN or infinite value(s), the first in row {row}, "
                         f"column {column}")
    constant = np.flatnonzero(array.std(axis=0) == 0)
    if len(constant):
        raise ValueError(f"{argument} has constant column(s) {constant.tolist()}: they cannot be standardized "
                         "(their standard deviation is 0); drop them")
    return array


def _test_rows(test_indices, n: int) -> tuple[np.ndarray, np.ndarray]:
    test = np.asarray(test_indices)
    if test.ndim != 1 or test.size == 0 or not np.issubdtype(test.dtype, np.integer):
        raise ValueError(f"test_indices must be a non-empty 1-d sequence of integers, got {test_indices!r}")
    if test.min() < 0 or test.max() >= n:
        raise ValueError(f"test_indices must lie in [0, {n}), got values from {test.min()} to {test.max()}")
    if len(np.unique(test)) != len(test):
        raise ValueError("test_indices holds repeated rows")
    train = np.setdiff1d(np.arange(n), test)
    if train.size == 0:
        raise ValueError("test_indices covers every row: no training data is left")
    return train, test.astype(np.intp)


def from_arrays(x, y, *, test_fraction: float = 0.2, test_indices=None, seed: int | None = 0,
                name: str = "user") -> Dataset:
    """Standardize a user's data as the paper does and split it into train and test rows.

    Parameters
    ----------
    x : array_like, shape (n,) or (n, n_features)
        Inputs in their original units.
    y : array_like, shape (n,) or (n, 1)
        Targets in their original units.
    test_fraction : float, default 0.2
        Share of rows held out at random (the paper's 80/20); ignored with ``test_indices``.
    test_indices : sequence of int, optional
        The test rows; all other rows train, in ascending order.
    seed : int or None, default 0
        Seed of the random split.
    name : str, default "user"
        Name recorded in the returned data set.

    Returns
    -------
    Dataset
        Standardized arrays and ``x_mean``, ``x_std``, ``y_mean``, ``y_std`` (over all rows,
        ddof=0) for ``scale_x``, ``unscale_x``, ``scale_y`` and ``unscale_y``.

    Raises
    ------
    TypeError
        If ``x`` or ``y`` is not numeric.
    ValueError
        If the shapes disagree, a value is NaN or infinite, a column is constant, or the split
        arguments are out of range.

    Examples
    --------
    >>> import numpy as np
    >>> from symhmc.datasets import from_arrays
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(0, 10, size=(50, 2))
    >>> ds = from_arrays(x, 3 * x[:, 0] + 100, seed=1)
    >>> ds.x_train.shape, ds.x_test.shape
    ((40, 2), (10, 2))
    >>> bool(np.allclose(ds.unscale_y(ds.y_test), 3 * ds.unscale_x(ds.x_test)[:, 0] + 100))
    True
    """
    features = _finite_2d(x, "x")
    target = _finite_2d(y, "y", one_column=True)
    n = features.shape[0]
    if target.shape[0] != n:
        raise ValueError(f"x and y must have the same number of rows, got {n} and {target.shape[0]}")
    if n < 3:
        raise ValueError(f"x and y need at least 3 rows, got {n}")
    if test_indices is not None:
        train, test = _test_rows(test_indices, n)
    else:
        train, test = random_split(n, test_fraction, np.random.default_rng(seed))
    return split_table(name, np.column_stack([features, target]), train, test)


def _column_index(target, header: list[str] | None, n_columns: int) -> int:
    if isinstance(target, str):
        if header is None:
            raise ValueError(f"target={target!r} names a column but the file has no header row; "
                             "pass the column's index")
        if target not in header:
            raise ValueError(f"target={target!r} is not a column of the file; columns: {header}")
        return header.index(target)
    if isinstance(target, bool) or not isinstance(target, (int, np.integer)) or not -n_columns <= target < n_columns:
        raise ValueError(f"target must be a column name or an index in [-{n_columns}, {n_columns}), got {target!r}")
    return int(target) % n_columns


def _is_number(cell: str) -> bool:
    try:
        float(cell)
    except ValueError:
        return False
    return True


def from_csv(path: str | os.PathLike, target: str | int = -1, *, delimiter: str | None = ",",
             test_fraction: float = 0.2, test_indices=None, seed: int | None = 0) -> Dataset:
    """Read a table of numbers, take one column as the target and the others as features.

    A first row that is not all numbers is taken as the column names. The data are then prepared
    by :func:`from_arrays` (standardized over all rows, split, scaling remembered).

    Parameters
    ----------
    path : path
        The file; one row per observation.
    target : str or int, default -1
        The target column: its name (needs a header row) or index (negative counts from the end).
    delimiter : str or None, default ","
        Column separator; None splits on any whitespace (the paper's ``.data`` files).
    test_fraction : float, default 0.2
        Share of rows held out at random, as in :func:`from_arrays`.
    test_indices : sequence of int, optional
        Rows held out instead of a random split, as in :func:`from_arrays`.
    seed : int or None, default 0
        Seed of the random split, as in :func:`from_arrays`.

    Returns
    -------
    Dataset
        Named after the file's stem.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If ``target`` is not a column, a cell is missing or not a number, or as
        :func:`from_arrays`.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from symhmc.datasets import from_csv
    >>> folder = pathlib.Path(tempfile.mkdtemp())
    >>> rows = "\\n".join(f"{i},{i % 7},{2 * i + 1}" for i in range(20))
    >>> _ = (folder / "mine.csv").write_text("a,b,out\\n" + rows + "\\n")
    >>> ds = from_csv(folder / "mine.csv", target="out")
    >>> ds.name, ds.x_train.shape
    ('mine', (16, 2))
    """
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"path {str(path)!r} is not a file")
    lines = [line for line in path.read_text().splitlines() if line.strip()]
    if not lines:
        raise ValueError(f"path {str(path)!r} holds no rows")
    first = [cell.strip() for cell in lines[0].split(delimiter)]
    header = None if all(_is_number(cell) for cell in first) else first
    try:
        table = np.loadtxt(lines[header is not None:], delimiter=delimiter, ndmin=2)
    except ValueError as error:
        raise ValueError(f"path {str(path)!r}: every row must hold {len(first)} numbers ({error})") from None
    column = _column_index(target, header, table.shape[1])
    if table.shape[1] < 2:
        raise ValueError(f"path {str(path)!r} needs a target and at least one feature column")
    features = np.delete(table, column, axis=1)
    return from_arrays(features, table[:, column], test_fraction=test_fraction,
                       test_indices=test_indices, seed=seed, name=path.stem)
