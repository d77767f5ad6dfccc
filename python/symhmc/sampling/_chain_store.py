"""Finished chains kept by chain id: what a checkpoint holds, what blocks run elsewhere return,
and how they are put back together in chain order.

A chain is fully determined by ``(seed, chain id)`` and the run's settings, so chains finished
in different calls, processes or machines merge into exactly the arrays of one uninterrupted run.
"""

from __future__ import annotations

import numpy as np

from ..results import STAT_NAMES

#: Per-chain outputs of ``_core.run_chains`` (everything but ``finished``).
CHAIN_KEYS = ("draws", *STAT_NAMES, "adapted_step_size", "inv_mass", "n_grad_evals")


class ChainStore:
    """Rows of finished chains, keyed by chain id."""

    def __init__(self) -> None:
        self._rows: dict[int, dict[str, np.ndarray]] = {}

    def __len__(self) -> int:
        return len(self._rows)

    def ids(self) -> np.ndarray:
        return np.array(sorted(self._rows), dtype=np.int64)

    def has(self, ids: np.ndarray) -> np.ndarray:
        return np.fromiter((int(c) in self._rows for c in ids), dtype=bool, count=len(ids))

    def add(self, out: dict, ids: np.ndarray) -> int:
        """Copy the finished chains of a core output ``out`` (row i is chain ``ids[i]``).

        ``out`` may still be filling (a running call): the ``finished`` flags are read first,
        and a flagged chain's rows are complete (the core publishes them before the flag).
        Returns the number of chains added."""
        finished = np.array(out["finished"], dtype=bool, copy=True)
        added = 0
        for i in np.flatnonzero(finished):
            cid = int(ids[i])
            if cid not in self._rows:
                self._rows[cid] = {k: np.array(out[k][i], copy=True) for k in CHAIN_KEYS}
                added += 1
        return added

    def add_rows(self, rows: dict[str, np.ndarray], ids: np.ndarray) -> None:
        """Add finished chains given as arrays with one row per id (e.g. read from a file)."""
        self.add({**rows, "finished": np.ones(len(ids), dtype=bool)}, ids)

    def gather(self, ids: np.ndarray, draws: int, dim: int) -> dict:
        """Core-style outputs for ``ids`` in order; chains not in the store are unfinished rows
        (NaN / 0 / False, as the core leaves them)."""
        out = empty_outputs(len(ids), draws, dim)
        out["finished"] = self.has(ids)
        for i in np.flatnonzero(out["finished"]):
            row = self._rows[int(ids[i])]
            for k in CHAIN_KEYS:
                out[k][i] = row[k]
        return out

    def stacked(self) -> tuple[np.ndarray, dict[str, np.ndarray]]:
        """(ids ascending, arrays with one row per id) of every stored chain."""
        ids = self.ids()
        rows = {k: np.stack([self._rows[int(c)][k] for c in ids]) for k in CHAIN_KEYS} if len(ids) else {}
        return ids, rows


def results_fields(rows: dict) -> dict:
    """The :class:`~symhmc.SampleResults` array arguments made from core-style per-chain rows."""
    return {
        "draws": rows["draws"],
        "stats": {k: rows[k] for k in STAT_NAMES},
        "step_size": rows["adapted_step_size"],
        "inv_mass": rows["inv_mass"],
        "n_grad_evals": rows["n_grad_evals"],
    }


def rows_from_results(results) -> dict:
    """Core-style per-chain rows of a :class:`~symhmc.SampleResults` (the inverse of
    :func:`results_fields`)."""
    return {
        "draws": results.draws,
        **{k: results.stats[k] for k in STAT_NAMES},
        "adapted_step_size": results.step_size,
        "inv_mass": results.inv_mass,
        "n_grad_evals": results.n_grad_evals,
    }


def empty_outputs(n: int, draws: int, dim: int) -> dict:
    """Core-style outputs of ``n`` chains none of which ran (the shapes and dtypes of ``run_chains``)."""
    nan = np.nan
    return {
        "draws": np.full((n, draws, dim), nan),
        "lp": np.full((n, draws), nan),
        "acceptance_rate": np.full((n, draws), nan),
        "step_size": np.full((n, draws), nan),
        "tree_depth": np.zeros((n, draws), np.int32),
        "n_steps": np.zeros((n, draws), np.int64),
        "diverging": np.zeros((n, draws), bool),
        "energy": np.full((n, draws), nan),
        "adapted_step_size": np.full(n, nan),
        "inv_mass": np.full((n, dim), nan),
        "n_grad_evals": np.zeros(n, np.int64),
        "finished": np.zeros(n, bool),
    }
