"""The paper's reported test LPPD (supplement Table 3, as listed in docs/paper.md): one (mean, standard
error) pair per data set, network and method.

The paper reports many-chain MCMC, the single chain and the Laplace approximation; the other
methods of the table (deep ensembles, mixture-LA, DEI-MCMC) have no paper value here.
"""

from __future__ import annotations

from .. import datasets

#: The nine data sets in the order of the paper's table, named as the table names them.
PAPER_TABLE_DATASETS = (
    "sinusoidal",
    "izmailov",
    "regression2d",
    "airfoil",
    "concrete",
    "diabetes",
    "energy",
    "forest_fire",
    "yacht",
)

#: Table name -> name understood by :func:`symhmc.datasets.load` (the same words today; kept as a
#: mapping so the table keeps the paper's names if the loader's ever change).
DATASET_NAMES = {name: name for name in PAPER_TABLE_DATASETS}
assert set(DATASET_NAMES.values()) <= set(datasets.PAPER_DATASETS)

# Columns: f1 many chains, f1 single chain, f1 LA, f2 many chains, f2 single chain, f2 LA.
_ROWS = {
    "sinusoidal": ((-0.53, 0.09), (-0.56, 0.11), (-0.57, 0.10), (-0.59, 0.12), (-0.59, 0.12), (-2.42, 0.01)),
    "izmailov": ((0.79, 0.06), (0.65, 0.07), (0.53, 0.07), (0.91, 0.09), (0.91, 0.09), (-1.81, 0.01)),
    "regression2d": ((0.64, 0.10), (0.75, 0.11), (-27.39, 3.65), (0.95, 0.08), (0.95, 0.08), (-2.33, 0.00)),
    "airfoil": ((-0.74, 0.04), (-0.80, 0.05), (-1.78, 0.13), (0.92, 0.05), (0.72, 0.10), (-3.57, 0.18)),
    "concrete": ((-0.41, 0.05), (-0.44, 0.06), (-14.49, 1.02), (0.26, 0.07), (0.25, 0.07), (-4.36, 0.47)),
    "diabetes": ((-1.20, 0.07), (-1.20, 0.07), (-1.46, 0.09), (-1.18, 0.08), (-1.22, 0.09), (-2.61, 0.00)),
    "energy": ((0.92, 0.04), (0.69, 0.12), (-31.74, 1.88), (2.07, 0.46), (2.38, 0.11), (-1.39, 0.06)),
    "forest_fire": ((-1.37, 0.07), (-1.37, 0.07), (-2.39, 0.16), (-1.43, 0.45), (-1.69, 0.49), (-2.80, 0.00)),
    "yacht": ((1.90, 0.16), (1.29, 0.56), (-5.60, 1.51), (3.31, 0.21), (0.15, 0.09), (-2.69, 0.00)),
}
_COLUMNS = (
    ("f1", "mcmc"),
    ("f1", "mcmc_single_chain"),
    ("f1", "la"),
    ("f2", "mcmc"),
    ("f2", "mcmc_single_chain"),
    ("f2", "la"),
)

#: (dataset, arch, method) -> (test LPPD, standard error) as the paper reports them.
PAPER_LPPD: dict[tuple[str, str, str], tuple[float, float]] = {
    (data, arch, method): values[i] for data, values in _ROWS.items() for i, (arch, method) in enumerate(_COLUMNS)
}


def paper_value(dataset: str, arch: str, method: str) -> tuple[float | None, float | None]:
    """The paper's test LPPD and standard error for one cell.

    Parameters
    ----------
    dataset : str
        A name of :data:`PAPER_TABLE_DATASETS`.
    arch : {"f1", "f2"}
    method : str
        One of :data:`symhmc.reproduce.settings.METHODS`.

    Returns
    -------
    (float or None, float or None)
        ``(None, None)`` when the paper reports no value for this method.

    Raises
    ------
    ValueError
        If ``dataset`` or ``arch`` is not one of the paper's.

    Examples
    --------
    >>> from symhmc.reproduce import paper_value
    >>> paper_value("izmailov", "f1", "mcmc")
    (0.79, 0.06)
    >>> paper_value("izmailov", "f1", "de")
    (None, None)
    """
    if dataset not in DATASET_NAMES:
        raise ValueError(f"dataset must be one of {PAPER_TABLE_DATASETS}, got {dataset!r}")
    if arch not in ("f1", "f2"):
        raise ValueError(f"arch must be 'f1' or 'f2', got {arch!r}")
    return PAPER_LPPD.get((dataset, arch, method), (None, None))
