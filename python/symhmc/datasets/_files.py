"""The paper's data files: the package's own xz-compressed copy, or a folder of plain files.

Every file is checked against the SHA-256 in ``symhmc/data/manifest.json`` (the checksum of the
original, uncompressed file), so a damaged install or a different file in ``data_dir`` is an
error rather than silently different results.
"""

from __future__ import annotations

import functools
import hashlib
import io
import json
import os
from importlib import resources
from pathlib import Path

import numpy as np


class ChecksumError(OSError):
    """A data file's contents differ from the checksum recorded in the package's manifest.

    Raised by :func:`symhmc.datasets.load` instead of returning altered data; an ``OSError``,
    so code that handles unreadable files handles it too.

    Examples
    --------
    >>> from symhmc.datasets import ChecksumError
    >>> issubclass(ChecksumError, OSError)
    True
    """


def _package_file(file_name: str):
    return resources.files("symhmc").joinpath("data").joinpath(file_name)


@functools.lru_cache(maxsize=1)
def manifest() -> dict:
    """The package's data manifest: per data set its file, sha256, rows, features, source, licence."""
    return json.loads(_package_file("manifest.json").read_text(encoding="utf-8"))


def env_data_dir() -> Path | None:
    """The folder named by ``SYMHMC_DATA_DIR``, or None when unset or empty."""
    env = os.environ.get("SYMHMC_DATA_DIR")
    return Path(env) if env else None


def _verified(raw: bytes, expected: str, where: str) -> bytes:
    actual = hashlib.sha256(raw).hexdigest()
    if actual != expected:
        raise ChecksumError(
            f"{where} has SHA-256 {actual}, expected {expected} (symhmc/data/manifest.json): the file "
            "is damaged or not the paper's; reinstall symhmc, or pass verify=False to read it anyway"
        )
    return raw


def read_bytes(plain_name: str, entry: dict, folder: Path | None, verify: bool) -> bytes:
    """The uncompressed bytes of ``plain_name`` (e.g. ``"izmailov.data"``).

    From ``folder`` when given (a plain file), else from the package's compressed copy.
    """
    if folder is not None:
        path = folder / plain_name
        if not path.is_file():
            raise FileNotFoundError(
                f"data file {plain_name} not found in {folder} (the folder given by data_dir= or "
                "SYMHMC_DATA_DIR); leave both unset to use the copy shipped with symhmc"
            )
        raw, where = path.read_bytes(), str(path)
    else:
        packed = _package_file(entry["file"])
        if not packed.is_file():
            raise FileNotFoundError(f"symhmc's copy of {plain_name} ({entry['file']}) is missing: reinstall symhmc")
        raw, where = _decompress(packed.read_bytes(), plain_name), f"symhmc's copy of {plain_name}"
    return _verified(raw, entry["sha256"], where) if verify else raw


def _decompress(packed: bytes, plain_name: str) -> bytes:
    try:
        import lzma  # noqa: PLC0415 - standard library, but optional when Python is built from source
    except ImportError as error:
        raise ImportError(
            f"reading symhmc's copy of {plain_name} needs Python's lzma module (this Python was "
            "built without it); pass data_dir= a folder of the plain files instead"
        ) from error
    return lzma.decompress(packed)


def read_table(name: str, folder: Path | None, verify: bool = True) -> np.ndarray:
    """The raw table (rows, features + 1) of a paper data set, parsed as ``np.loadtxt`` does."""
    raw = read_bytes(f"{name}.data", manifest()["datasets"][name], folder, verify)
    return np.loadtxt(io.BytesIO(raw), ndmin=2)


def read_split(name: str, folder: Path | None, verify: bool = True) -> tuple[np.ndarray, np.ndarray]:
    """The paper's fixed (train, test) row indices of a data set, in the file's order."""
    split = _splits(folder, verify)[name]
    return np.asarray(split["train"], dtype=np.intp), np.asarray(split["test"], dtype=np.intp)


def _splits(folder: Path | None, verify: bool) -> dict:
    if folder is None and verify:
        return _package_splits()
    return json.loads(read_bytes("splits.json", manifest()["splits"], folder, verify))


@functools.lru_cache(maxsize=1)
def _package_splits() -> dict:
    # The package's copy cannot change while the process runs: parse and check it once.
    return json.loads(read_bytes("splits.json", manifest()["splits"], None, True))
