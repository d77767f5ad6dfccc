"""The table from the saved cells: ``paper_table.json`` (every cell) and ``paper_table.md`` (one table
per network: rows data sets, columns methods, "ours (se) / paper (se)")."""

from __future__ import annotations

import os
from collections import defaultdict
from pathlib import Path

from .agreement import AGREEMENT_SES, combined_se
from .paper_values import PAPER_TABLE_DATASETS
from .settings import ARCHS, EXACT_QUANTILE, METHOD_TITLES, METHODS
from .store import write_json_atomic, write_text_atomic

JSON_NAME = "paper_table.json"
MARKDOWN_NAME = "paper_table.md"
# Column order: the many-chain run, its exact-quantile variant, then the other methods.
_COLUMNS = [("mcmc", None), ("mcmc", EXACT_QUANTILE)] + [(m, None) for m in METHODS if m != "mcmc"]
OUTSIDE_MARK = "✗"
#: An agreement that says little: our standard error is more than WIDE_SE_RATIO times the paper's.
WIDE_MARK = "(wide)"
WIDE_SE_RATIO = 3.0


def wide(cell: dict) -> bool:
    """True when a cell agrees with the paper only within a standard error more than
    :data:`WIDE_SE_RATIO` times the paper's (a few chains stuck in poor modes, say)."""
    return (
        bool(cell.get("agrees"))
        and cell.get("paper_se") is not None
        and cell.get("se") is not None
        and cell["se"] > WIDE_SE_RATIO * max(cell["paper_se"], 0.01)
    )


def _rank(cell: dict) -> tuple:
    arch = tuple(ARCHS).index(cell["arch"]) if cell["arch"] in ARCHS else len(ARCHS)
    data = PAPER_TABLE_DATASETS.index(cell["dataset"]) if cell["dataset"] in PAPER_TABLE_DATASETS else 99
    column = (cell["method"], cell.get("variant"))
    return arch, data, _COLUMNS.index(column) if column in _COLUMNS else 99, cell["method"]


def ordered(cells: list[dict]) -> list[dict]:
    """Cells by network, then data set in the paper's order, then method column."""
    return sorted(cells, key=_rank)


def _value(mean, se) -> str:
    return "–" if mean is None else f"{mean:.2f} ({se:.2f})" if se is not None else f"{mean:.2f}"


def _usage(cell: dict) -> str:
    if cell["method"] == "de":
        runs = f"{cell['chains']} members"
    elif cell["method"] in ("la", "mola"):
        runs = f"{cell['draws']} draws"
    else:
        runs = f"{cell['chains']}×{cell['draws']}, warmup {cell['warmup']}"
        dtype = (cell.get("settings") or {}).get("dtype")
        runs += f", {dtype}" if dtype else ""
    return f"{runs}, {cell['seconds']:.0f} s" if cell.get("seconds") is not None else runs


def cell_text(cell: dict) -> str:
    """``ours (se) / paper (se)``, a mark when outside two combined SEs, then the chains and seconds.

    Examples
    --------
    >>> cell_text(dict(method="mcmc", lppd=0.5, se=0.03, paper_lppd=0.79, paper_se=0.06, agrees=False,
    ...                chains=54, draws=1, warmup=1024, seconds=61.2))
    '0.50 (0.03) / 0.79 (0.06) ✗<br>54×1, warmup 1024, 61 s'
    """
    mark = f" {OUTSIDE_MARK}" if cell.get("agrees") is False else f" {WIDE_MARK}" if wide(cell) else ""
    return (
        f"{_value(cell['lppd'], cell['se'])} / {_value(cell['paper_lppd'], cell['paper_se'])}{mark}<br>{_usage(cell)}"
    )


def distance_in_ses(cell: dict) -> float:
    """``|lppd - paper_lppd| / sqrt(se**2 + paper_se**2)`` of a cell with a paper value."""
    return abs(cell["lppd"] - cell["paper_lppd"]) / combined_se(cell["se"], cell["paper_se"])


def _column_title(method: str, variant: str | None) -> str:
    return METHOD_TITLES[method] + (" (54 chains, exact quantile)" if variant == EXACT_QUANTILE else "")


def markdown(cells: list[dict]) -> str:
    """The markdown table of ``cells`` (any subset of the reproduction).

    Parameters
    ----------
    cells : list of dict
        Cells as :func:`symhmc.reproduce.cell_runner.run_cell` returns them.

    Returns
    -------
    str
        A title, a legend and, per network, one row per data set and one column per method.

    Examples
    --------
    >>> from symhmc.reproduce import markdown
    >>> cell = dict(dataset="izmailov", arch="f1", method="mcmc", lppd=0.80, se=0.06, paper_lppd=0.79,
    ...             paper_se=0.06, agrees=True, chains=32, draws=1, warmup=200, seconds=13.6)
    >>> print(markdown([cell]).splitlines()[6])
    | data | MCMC |
    """
    lines = [
        "# The paper's table, reproduced",
        "",
        "Test LPPD (standard error): ours / the paper's (supplement Table 3; – where the paper has no "
        f"value). {OUTSIDE_MARK}: more than {AGREEMENT_SES:g} combined standard errors from the paper's; "
        f"{WIDE_MARK}: within them only because our standard error is more than {WIDE_SE_RATIO:g}× the "
        "paper's. "
        "Below each value: chains × draws per chain and warmup (or ensemble members, or Laplace "
        "draws) and the wall time of the cell on this machine.",
        "",
    ]
    by_arch: dict[str, list[dict]] = defaultdict(list)
    for cell in ordered(cells):
        by_arch[cell["arch"]].append(cell)
    for arch, arch_cells in by_arch.items():
        hidden = ARCHS.get(arch)
        columns = [c for c in _COLUMNS if any((x["method"], x.get("variant")) == c for x in arch_cells)]
        grid = {(x["dataset"], x["method"], x.get("variant")): x for x in arch_cells}
        lines += [
            f"## {arch}" + (f": hidden layers {list(hidden)}, tanh" if hidden else ""),
            "",
            "| data | " + " | ".join(_column_title(*c) for c in columns) + " |",
            "|---" * (len(columns) + 1) + "|",
        ]
        for data in dict.fromkeys(x["dataset"] for x in arch_cells):
            row = [cell_text(grid[(data, m, v)]) if (data, m, v) in grid else "" for m, v in columns]
            lines.append(f"| {data} | " + " | ".join(row) + " |")
        many = [x for x in arch_cells if x["method"] == "mcmc" and x.get("agrees") is not None]
        if many:
            n_wide = sum(wide(x) for x in many)
            lines += [
                "",
                f"Many-chain cells within {AGREEMENT_SES:g} combined SEs of the paper's: "
                f"{sum(x['agrees'] for x in many)} of {len(many)}"
                + (f" ({n_wide} of them {WIDE_MARK})." if n_wide else "."),
            ]
            lines += [
                f"- {x['dataset']}"
                + (" (54 chains)" if x.get("variant") == EXACT_QUANTILE else "")
                + f": {distance_in_ses(x):.1f} combined SEs from the paper's"
                + (f" ({x['note']})" if x.get("note") else "")
                for x in many
                if not x["agrees"]
            ]
            lines += [
                f"- {x['dataset']}: our SE {x['se']:.2f} against the paper's {x['paper_se']:.2f} {WIDE_MARK}"
                for x in many
                if wide(x)
            ]
        notes: dict[str, list[str]] = defaultdict(list)
        for x in arch_cells:
            if x.get("note"):
                label = f"{x['dataset']} {METHOD_TITLES.get(x['method'], x['method'])}"
                notes[x["note"]].append(label + (" (54 chains)" if x.get("variant") == EXACT_QUANTILE else ""))
        if notes:
            lines += ["", "Notes:"] + [f"- {note}: {', '.join(where)}" for note, where in notes.items()]
        lines.append("")
    return "\n".join(lines)


def write_tables(out_dir: str | os.PathLike, cells: list[dict]) -> tuple[Path, Path]:
    """Write ``paper_table.json`` and ``paper_table.md`` into ``out_dir`` (atomically).

    Parameters
    ----------
    out_dir : str or os.PathLike
        The reproduction folder.
    cells : list of dict
        Cells as :func:`symhmc.reproduce.cell_runner.run_cell` returns them.

    Returns
    -------
    (Path, Path)
        The JSON and markdown files.

    Examples
    --------
    >>> import tempfile
    >>> from symhmc.reproduce import write_tables
    >>> cell = dict(dataset="izmailov", arch="f1", method="mcmc", lppd=0.80, se=0.06, paper_lppd=0.79,
    ...             paper_se=0.06, agrees=True, chains=32, draws=1, warmup=200, seconds=13.6)
    >>> json_path, md_path = write_tables(tempfile.mkdtemp(), [cell])
    >>> json_path.name, md_path.name
    ('paper_table.json', 'paper_table.md')
    """
    out = Path(out_dir)
    json_path, md_path = out / JSON_NAME, out / MARKDOWN_NAME
    payload = {
        "description": "Test LPPD per data set, network and method beside the paper's (Wiese et al., "
        "ECML PKDD 2023, supplement Table 3); 'agrees': within "
        f"{AGREEMENT_SES:g} combined standard errors.",
        "cells": ordered(cells),
    }
    write_json_atomic(json_path, payload)
    write_text_atomic(md_path, markdown(cells))
    return json_path, md_path
