"""A user's CSV file for ``symhmc run FILE.csv``: :func:`symhmc.datasets.from_csv` with the
command line's conventions (``--target`` as a name or an index, errors naming the flag)."""

from __future__ import annotations

from .. import datasets
from ._common import CommandError


def _target(target: str | None) -> str | int:
    if target is None:
        return -1
    try:
        return int(target)
    except ValueError:
        return target


def load_csv(path, target: str | None = None, seed: int = 0) -> datasets.Dataset:
    """Read ``path`` as :func:`symhmc.datasets.from_csv` does (standardized over all rows, split
    80/20 at random with ``seed``); ``target`` is a column name or index (default: the last)."""
    try:
        return datasets.from_csv(path, _target(target), seed=seed)
    except (ValueError, KeyError, IndexError) as exc:
        message = str(exc).strip("'\"")
        prefix = "--target" if "target" in message else "DATA"
        raise CommandError(f"{prefix}: {message}") from None
