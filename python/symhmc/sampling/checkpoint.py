"""Checkpoints of long runs: ``symhmc.sample(..., checkpoint=PATH)``.

The checkpoint is an ordinary results file (:func:`symhmc.load` reads it: a partial
:class:`~symhmc.SampleResults` of the chains finished so far) written atomically (temporary
file, fsync, rename) at most every ``checkpoint_every`` seconds, after every block or round, and
when the run stops. Its settings carry a fingerprint of everything that fixes the draws: sampler
settings, seed, initialisation, model and training data. Calling ``sample`` again with the same
path and the same fingerprint runs only the chains it lacks; since chain ``c`` depends only on
``(seed, c)`` and the settings, the merged run equals an uninterrupted one bit for bit. Another
fingerprint is an error naming what differs (``overwrite=True`` starts over). The number of
chains is not part of it: asking for more chains later reuses the ones already run.
"""

from __future__ import annotations

import hashlib
import os
import time
from pathlib import Path
from typing import Any

import numpy as np

from ..model import model_spec
from ..results import SampleResults
from ..results import io as _io
from ._chain_store import ChainStore, results_fields, rows_from_results

__all__ = ["DEFAULT_CHECKPOINT_EVERY", "CheckpointMismatch", "run_fingerprint"]

#: Default seconds between checkpoint writes while chains run.
DEFAULT_CHECKPOINT_EVERY = 30.0

# Settings that do not change any chain's draws (how many chains, how they were counted, threads).
_NOT_FINGERPRINTED = ("threads", "chains", "chains_rule", "first_chain")


class CheckpointMismatch(ValueError):
    """The checkpoint file was written by a run with other settings, seed, model or data.

    A ``ValueError`` raised by :func:`symhmc.sample` with ``checkpoint=``; its message names what
    differs. ``overwrite=True`` starts over instead.

    Examples
    --------
    >>> import os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "run.npz")
    >>> x = np.linspace(-1, 1, 10)
    >>> model = symhmc.MLP(hidden=(1,))
    >>> _ = symhmc.sample(model, x, x**2, chains=2, warmup=10, seed=0, progress=False, checkpoint=path)
    >>> try:
    ...     symhmc.sample(model, x, x**2, chains=2, warmup=10, seed=1, progress=False, checkpoint=path)
    ... except symhmc.sampling.checkpoint.CheckpointMismatch as exc:
    ...     print("seed" in str(exc))
    True
    """


def _array_hash(a: np.ndarray) -> str:
    a = np.ascontiguousarray(a, dtype=np.float64)
    return hashlib.sha256(repr(a.shape).encode() + a.tobytes()).hexdigest()


def run_fingerprint(
    settings: dict, *, init, first_chain: int, model, x, y, target_name: str, dim: int
) -> dict[str, Any]:
    """What fixes the draws of every chain of a run, as a JSON-able dict.

    The sampler settings (without those that change no chain's draws: ``threads``, ``chains``,
    ``chains_rule``, ``first_chain``), the initial points (a hash for arrays and results), the
    model, a fingerprint of the data and the target's type and dimension. Two runs whose
    fingerprints are equal give the same chain ``c`` bit for bit.

    Parameters
    ----------
    settings : dict
        The run's settings (``results.settings``).
    init : str, array_like or SampleResults
        The ``init`` argument of :func:`symhmc.sample`.
    first_chain : int
        Index of the first chain (row 0 of an ``init`` array belongs to it).
    model : MLP or None
        The model (``None`` for a raw target).
    x, y : ndarray or None
        The training data (``None`` for a raw target).
    target_name : str
        Type name of the compiled target.
    dim : int
        Length of a draw.

    Returns
    -------
    dict
        The fingerprint (nested dicts of plain values).

    Examples
    --------
    >>> model = symhmc.MLP(hidden=(1,))
    >>> x = np.linspace(-1, 1, 5)
    >>> fp = symhmc.sampling.checkpoint.run_fingerprint({"seed": 0, "threads": 2}, init="uniform", first_chain=0,
    ...                                        model=model, x=x, y=x, target_name="Posterior", dim=model.dim)
    >>> "threads" in fp, fp["seed"], fp["init_points"], fp["target"]
    (False, 0, 'uniform', {'type': 'Posterior', 'dim': 5})
    """
    fp: dict[str, Any] = {k: v for k, v in settings.items() if k not in _NOT_FINGERPRINTED}
    if isinstance(init, str):
        fp["init_points"] = init
    elif hasattr(init, "draws"):  # results (a deep ensemble): chain c starts at draw c mod n
        fp["init_points"] = "results:" + _array_hash(np.asarray(init.draws).reshape(-1, dim))
    else:  # an array: row i is chain first_chain + i
        fp["init_points"] = f"array@{first_chain}:" + _array_hash(np.asarray(init))
    fp["model"] = model_spec(model)
    fp["data"] = None if x is None else _io.data_fingerprint(x, y)
    fp["target"] = {"type": target_name, "dim": int(dim)}
    return fp


def _flatten(d: Any, prefix: str = "") -> dict[str, Any]:
    if not isinstance(d, dict):
        return {prefix: d}
    out: dict[str, Any] = {}
    for k, v in d.items():
        out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
    return out


def _differences(theirs: dict, ours: dict) -> list[str]:
    a, b = _flatten(theirs), _flatten(ours)
    diffs = []
    for key in sorted(set(a) | set(b)):
        if a.get(key, "<absent>") != b.get(key, "<absent>"):
            diffs.append(f"{key} ({a.get(key, '<absent>')!r} in the checkpoint, {b.get(key, '<absent>')!r} now)")
    return diffs


class Checkpoint:
    """One run's checkpoint file and the finished chains it holds."""

    def __init__(
        self,
        path,
        *,
        fingerprint: dict,
        every: float,
        overwrite: bool,
        settings: dict,
        seed: int,
        model,
        x,
        y,
        draws: int,
        dim: int,
    ):
        p = Path(os.fspath(path))
        if p.is_dir():
            raise IsADirectoryError(f"checkpoint: {str(p)!r} is a directory")
        if not p.parent.is_dir():
            raise FileNotFoundError(f"checkpoint: directory {str(p.parent)!r} does not exist")
        self.path = p
        self.fingerprint = fingerprint
        self.every = every
        self.settings, self.seed, self.model, self.x, self.y = settings, seed, model, x, y
        self.draws, self.dim = draws, dim
        self.store = ChainStore()
        self.resumed = 0
        self.seconds_writing = 0.0
        self.writes = 0
        self._last = time.monotonic()
        if p.exists() and not overwrite:
            self._read()

    def _read(self) -> None:
        where = f"checkpoint {str(self.path)!r}"
        try:
            previous = _io.load(self.path)
        except (ValueError, ImportError) as exc:
            raise ValueError(f"{where} cannot be resumed: {exc}. Pass overwrite=True to start over") from None
        theirs = previous.settings.get("checkpoint_fingerprint")
        if not isinstance(theirs, dict):
            raise CheckpointMismatch(f"{where} is a results file, not a checkpoint; pass overwrite=True to replace it")
        diffs = _differences(theirs, self.fingerprint)
        if diffs:
            raise CheckpointMismatch(
                f"{where} was written by a different run: "
                + "; ".join(diffs[:8])
                + ("; ..." if len(diffs) > 8 else "")
                + ". Use another path, or overwrite=True to start over"
            )
        self.store.add_rows(rows_from_results(previous), np.asarray(previous.chain_ids, dtype=np.int64))
        self.resumed = len(self.store)

    def due(self) -> bool:
        return time.monotonic() - self._last >= self.every

    def write(self, *, complete: bool = False) -> None:
        """Write every stored chain (atomically; a crash leaves the previous file)."""
        start = time.perf_counter()
        ids, rows = self.store.stacked()
        if len(ids) == 0:
            self._last = time.monotonic()
            return
        results = SampleResults(
            **results_fields(rows),
            wall_time=0.0,
            settings={**self.settings, "chains": len(ids), "checkpoint_fingerprint": self.fingerprint},
            seed=self.seed,
            partial=not complete,
            chain_ids=ids,
            model=self.model,
            x=self.x,
            y=self.y,
        )
        _io.save(results, self.path, format="npz")
        self._last = time.monotonic()
        self.seconds_writing += time.perf_counter() - start
        self.writes += 1
