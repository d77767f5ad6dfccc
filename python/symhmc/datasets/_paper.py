"""``load``: the paper's ten regression data sets with the paper's preprocessing and split."""

from __future__ import annotations

import os
from pathlib import Path

from . import _files
from ._dataset import Dataset, split_table

PAPER_DATASETS = (
    "sinusoidal",
    "izmailov",
    "regression2d",
    "airfoil",
    "concrete",
    "diabetes",
    "energy",
    "forest_fire",
    "yacht",
    "protein",
)


def default_data_dir() -> Path | None:
    """The folder ``load`` reads when no ``data_dir`` is given: ``SYMHMC_DATA_DIR`` if set.

    Returns
    -------
    pathlib.Path or None
        None means the copy of the data shipped inside the package.

    Examples
    --------
    >>> import os
    >>> from symhmc.datasets import default_data_dir
    >>> (default_data_dir() is None) == (not os.environ.get("SYMHMC_DATA_DIR"))
    True
    """
    return _files.env_data_dir()


def load(name: str, data_dir: str | os.PathLike | None = None, *, verify: bool = True) -> Dataset:
    """Load a paper benchmark: standardize every column over all rows (ddof=0), then split 80/20.

    The data ship with the package (no folder, no network needed); the split is the paper's fixed
    one. Sources and licences: :func:`symhmc.datasets.sources` and ``symhmc/data/SOURCES.md``.

    Parameters
    ----------
    name : str
        One of :data:`PAPER_DATASETS`.
    data_dir : path, optional
        Read plain ``NAME.data`` and ``splits.json`` from this folder instead of the package's
        copy. Default: the folder named by the ``SYMHMC_DATA_DIR`` environment variable if set,
        else the package's copy.
    verify : bool, default True
        Check each file's SHA-256 against the package's manifest. Pass False to read modified
        files from ``data_dir``.

    Returns
    -------
    Dataset
        Standardized train/test arrays with the raw data's column means and standard deviations
        (``x_mean``, ``x_std``, ``y_mean``, ``y_std``) to map predictions back.

    Raises
    ------
    ValueError
        If ``name`` is not a paper data set.
    FileNotFoundError
        If ``data_dir`` (or ``SYMHMC_DATA_DIR``) lacks the file.
    ChecksumError
        If a file's contents differ from the manifest's checksum (and ``verify`` is True).

    Examples
    --------
    >>> from symhmc.datasets import load
    >>> ds = load("concrete")
    >>> ds.x_train.shape, ds.x_test.shape
    ((824, 8), (206, 8))
    """
    if name not in PAPER_DATASETS:
        raise ValueError(f"name must be one of {PAPER_DATASETS}, got {name!r}")
    folder = Path(data_dir) if data_dir is not None else default_data_dir()
    table = _files.read_table(name, folder, verify)
    train, test = _files.read_split(name, folder, verify)
    return split_table(name, table, train, test)


def sources() -> dict:
    """Where each paper data set comes from and under which licence.

    Returns
    -------
    dict
        ``{name: {"kind", "source": {"authors", "title", "url", ...}, "licence", "rows",
        "features", "sha256", ...}}`` from the package's manifest (a copy: safe to modify).

    Examples
    --------
    >>> from symhmc.datasets import sources
    >>> sources()["yacht"]["licence"]
    'CC BY 4.0'
    """
    import copy  # noqa: PLC0415 - only this rarely used function needs it

    return copy.deepcopy(_files.manifest()["datasets"])
