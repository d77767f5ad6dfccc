"""The committed reproduction of the paper's table (bench/results/paper_reproduction): complete,
consistent with its own cells and with the paper's values, and its f1 many-chain cells agree.

These tests read the files `symhmc reproduce` wrote; they fail when a cell is missing, when the
table was edited by hand out of step with the cells, or when an f1 many-chain cell disagrees
with the paper without a note saying why.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from symhmc.reproduce import cell_runner, table
from symhmc.reproduce.agreement import agrees
from symhmc.reproduce.paper_values import PAPER_TABLE_DATASETS, paper_value
from symhmc.reproduce.settings import EXACT_QUANTILE, EXACT_QUANTILE_CHAINS, METHODS, PAPER_CHAINS

FOLDER = Path(__file__).resolve().parents[1] / "bench" / "results" / "paper_reproduction"

pytestmark = pytest.mark.skipif(
    not (FOLDER / "paper_table.json").is_file(), reason="the committed reproduction is not beside this checkout"
)


@pytest.fixture(scope="module")
def cells() -> list[dict]:
    return json.loads((FOLDER / "paper_table.json").read_text())["cells"]


def _grid(cells):
    return {(c["arch"], c["dataset"], c["method"], c.get("variant")): c for c in cells}


def test_the_table_is_its_cell_files():
    on_disk = [json.loads(p.read_text()) for p in sorted((FOLDER / "cells").glob("*.json"))]
    assert table.ordered(on_disk) == json.loads((FOLDER / "paper_table.json").read_text())["cells"]
    assert (FOLDER / "paper_table.md").read_text() == table.markdown(on_disk)


def test_every_cell_has_the_required_keys_and_the_papers_value(cells):
    assert len({(c["arch"], c["dataset"], c["method"], c.get("variant")) for c in cells}) == len(cells)
    for c in cells:
        assert set(cell_runner.REQUIRED_KEYS) <= set(c), c
        assert (c["paper_lppd"], c["paper_se"]) == paper_value(c["dataset"], c["arch"], c["method"])
        assert c["agrees"] == agrees(c["lppd"], c["se"], c["paper_lppd"], c["paper_se"])
        assert c["method"] in METHODS and c["seconds"] >= 0


def test_every_data_set_has_every_method_for_both_networks(cells):
    grid = _grid(cells)
    missing = [
        (arch, data, method)
        for arch in ("f1", "f2")
        for data in PAPER_TABLE_DATASETS
        for method in METHODS
        if (arch, data, method, None) not in grid
    ]
    assert not missing


def test_f1_many_chain_cells_use_the_papers_chain_counts_and_agree(cells):
    grid = _grid(cells)
    for data in PAPER_TABLE_DATASETS:
        full = grid[("f1", data, "mcmc", None)]
        exact = grid[("f1", data, "mcmc", EXACT_QUANTILE)]
        assert (full["chains"], full["draws"]) == (PAPER_CHAINS, 1)
        assert (exact["chains"], exact["draws"]) == (EXACT_QUANTILE_CHAINS, 1)
        for cell in (full, exact):
            assert cell["agrees"] is True, (data, cell["lppd"], cell["se"], cell["paper_lppd"])
            # Settings other than the paper's are stated in the cell.
            if cell["warmup"] != 1024 or cell["settings"].get("dtype", "float64") != "float64":
                assert "float32" in cell["note"] and f"warmup {cell['warmup']}" in cell["note"]
