"""A user's CSV file as a train/test split standardized the way the paper's data sets are.

# TODO: replace with symhmc.datasets.from_csv once it is merged (it also keeps the scaling).
"""

from __future__ import annotations

import csv
from pathlib import Path

import numpy as np

from .. import datasets
from ._common import CommandError

TEST_FRACTION = 0.2


def _rows(path: Path) -> tuple[list[str] | None, np.ndarray]:
    """The header (``None`` when the first row is numeric) and the values of a CSV file."""
    with open(path, newline="") as fh:
        sample = fh.read(4096)
        fh.seek(0)
        try:
            dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
        except csv.Error:
            dialect = csv.excel
        rows = [row for row in csv.reader(fh, dialect) if any(cell.strip() for cell in row)]
    if not rows:
        raise CommandError(f"DATA: {path} holds no rows")
    header = None
    try:
        [float(cell) for cell in rows[0]]
    except ValueError:
        header, rows = [cell.strip() for cell in rows[0]], rows[1:]
    width = len(header) if header is not None else len(rows[0]) if rows else 0
    for number, row in enumerate(rows, start=2 if header is not None else 1):
        if len(row) != width:
            raise CommandError(f"DATA: {path} line {number} has {len(row)} columns, expected {width}")
    try:
        values = np.array([[float(cell) for cell in row] for row in rows], dtype=float).reshape(len(rows), width)
    except ValueError as exc:
        raise CommandError(f"DATA: {path} has a value that is not a number ({exc})") from None
    return header, values


def _target_column(target: str | None, header: list[str] | None, width: int) -> int:
    if target is None:
        return width - 1
    if header is not None and target in header:
        return header.index(target)
    try:
        index = int(target)
    except ValueError:
        known = f"; columns: {header}" if header is not None else " (the file has no header: give an index)"
        raise CommandError(f"--target: no column named {target!r}{known}") from None
    if not -width <= index < width:
        raise CommandError(f"--target: column index {index} is outside the file's {width} columns")
    return index % width


def load_csv(path, target: str | None = None, seed: int = 0) -> datasets.Dataset:
    """Read ``path``, standardize every column over all rows (ddof=0, as the paper's data), and
    split 80/20 at random (``seed``); ``target`` is a column name or index (default: the last)."""
    path = Path(path)
    header, values = _rows(path)
    if values.shape[0] < 5:
        raise CommandError(f"DATA: {path} needs at least 5 rows, got {values.shape[0]}")
    if values.shape[1] < 2:
        raise CommandError(f"DATA: {path} needs at least 2 columns (inputs and a target), got {values.shape[1]}")
    if not np.all(np.isfinite(values)):
        raise CommandError(f"DATA: {path} has missing or infinite values")
    column = _target_column(target, header, values.shape[1])
    sd = values.std(axis=0)
    if np.any(sd == 0):
        bad = int(np.flatnonzero(sd == 0)[0])
        name = header[bad] if header is not None else bad
        raise CommandError(f"DATA: column {name!r} of {path} is constant (cannot be standardized)")
    values = (values - values.mean(axis=0)) / sd
    x, y = np.delete(values, column, axis=1), values[:, column]
    order = np.random.default_rng(seed).permutation(values.shape[0])
    n_test = max(1, int(round(TEST_FRACTION * values.shape[0])))
    test, train = order[:n_test], order[n_test:]
    return datasets.Dataset(path.stem, x[train], y[train], x[test], y[test])
