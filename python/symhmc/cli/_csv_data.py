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


def delimiter_arg(text: str | None) -> str | None:
    """``--delimiter``: the separator as typed, or a name for one that is awkward to type."""
    if text is None:
        return ","
    return {"tab": "\t", "\\t": "\t", "whitespace": None}.get(text, text)


def load_csv(path, target: str | None = None, seed: int = 0, delimiter: str | None = ",") -> datasets.Dataset:
    """Read ``path`` as :func:`symhmc.datasets.from_csv` does (standardized over all rows, split
    80/20 at random with ``seed``); ``target`` is a column name or index (default: the last)."""
    try:
        return datasets.from_csv(path, _target(target), seed=seed, delimiter=delimiter)
    except (ValueError, KeyError, IndexError) as exc:
        message = str(exc).strip("'\"")
        # from_csv's hints name its keyword; here the flag does the same
        message = message.replace("pass delimiter='\\t'", "pass --delimiter tab")
        message = message.replace("pass delimiter=None", "pass --delimiter whitespace")
        message = message.replace("pass delimiter=", "pass --delimiter ")
        message = message.replace(
            "pass a larger max_bytes= if a file this big is intended",
            "symhmc.datasets.from_csv(..., max_bytes=) reads larger files from Python",
        )
        prefix = (
            "--target" if message.startswith("target") else "--delimiter" if message.startswith("delimiter") else "DATA"
        )
        raise CommandError(f"{prefix}: {message}") from None
