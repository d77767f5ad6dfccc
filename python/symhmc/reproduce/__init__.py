"""Reproduce the paper's table (supplement Table 3): every data set × network × method, ours beside
the paper's, each cell saved when it finishes so an interrupted reproduction resumes.

``python -m symhmc.reproduce --quick`` (or ``symhmc reproduce``) runs it; the pieces:
:mod:`.paper_values` (the paper's numbers), :mod:`.settings` (presets and the cell list),
:mod:`.cell_runner` (one cell), :mod:`.store` (saved cells), :mod:`.table` (the JSON and markdown).
"""

from .agreement import agrees
from .cell_runner import REQUIRED_KEYS, run_cell
from .command import add_parser, main, run
from .paper_values import DATASET_NAMES, PAPER_LPPD, PAPER_TABLE_DATASETS, paper_value
from .settings import METHODS, PRESETS, CellSpec, cells_for
from .store import CellStore, SettingsChanged
from .table import markdown, write_tables

__all__ = [
    "agrees",
    "run_cell",
    "REQUIRED_KEYS",
    "add_parser",
    "main",
    "run",
    "DATASET_NAMES",
    "PAPER_LPPD",
    "PAPER_TABLE_DATASETS",
    "paper_value",
    "METHODS",
    "PRESETS",
    "CellSpec",
    "cells_for",
    "CellStore",
    "SettingsChanged",
    "markdown",
    "write_tables",
]
