"""Finished cells on disk: one JSON file per cell under ``OUT/cells/``, written atomically, so an
interrupted reproduction resumes where it stopped and never reuses a cell run with other settings."""

from __future__ import annotations

import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

from ..utils.files import current_umask

from .settings import CellSpec, cell_key


class SettingsChanged(ValueError):
    """A saved cell was run with other settings than the ones asked for now.

    Raised by :meth:`CellStore.finished`; a ``ValueError``.

    Examples
    --------
    >>> import tempfile
    >>> from symhmc.reproduce import CellSpec, CellStore, SettingsChanged
    >>> store = CellStore(tempfile.mkdtemp())
    >>> _ = store.save(dict(dataset="izmailov", arch="f1", method="la", settings={"seed": 0}))
    >>> try:
    ...     store.finished(CellSpec("izmailov", "f1", "la", settings={"seed": 1}))
    ... except SettingsChanged as exc:
    ...     print("seed: 0 saved, 1 now" in str(exc))
    True
    """


def _jsonable(value: Any) -> Any:
    """Tuples to lists and non-finite floats to None, as JSON will read them back."""
    if isinstance(value, dict):
        return {str(k): _jsonable(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_jsonable(v) for v in value]
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if hasattr(value, "item") and callable(value.item):  # numpy scalars
        return _jsonable(value.item())
    return value


def write_text_atomic(path: str | os.PathLike, text: str) -> None:
    """Write ``text`` to ``path`` through a temporary file of a unique name in the same folder and a
    rename, so a reader, an interrupted run or a second run writing at once never sees half a file."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(text)
        # mkstemp creates the file 0600; give it what any newly created file would get.
        os.chmod(tmp, 0o666 & ~current_umask())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def write_json_atomic(path: str | os.PathLike, payload: Any) -> None:
    """Write ``payload`` as JSON to ``path`` atomically (see :func:`write_text_atomic`)."""
    write_text_atomic(path, json.dumps(_jsonable(payload), indent=1, allow_nan=False) + "\n")


def _differences(saved: dict, wanted: dict) -> list[str]:
    keys = sorted(set(saved) | set(wanted))
    return [
        f"{k}: {saved.get(k, '<absent>')!r} saved, {wanted.get(k, '<absent>')!r} now"
        for k in keys
        if saved.get(k, "<absent>") != wanted.get(k, "<absent>")
    ]


class CellStore:
    """The cells of one reproduction folder.

    Parameters
    ----------
    root : path
        The reproduction folder (``symhmc reproduce --out``); cells go to ``root/cells/``.

    Examples
    --------
    >>> import tempfile
    >>> from symhmc.reproduce import CellSpec, CellStore
    >>> store = CellStore(tempfile.mkdtemp())
    >>> spec = CellSpec("izmailov", "f1", "la", settings={"seed": 0})
    >>> store.finished(spec) is None  # nothing saved yet
    True
    >>> _ = store.save(dict(dataset="izmailov", arch="f1", method="la", settings={"seed": 0}, lppd=0.5))
    >>> store.finished(spec)["lppd"]
    0.5
    """

    def __init__(self, root: str | os.PathLike):
        self.root = Path(root)
        self.cells_dir = self.root / "cells"

    def path(self, spec: CellSpec) -> Path:
        """The cell's JSON file (whether or not it exists yet).

        Parameters
        ----------
        spec : CellSpec
            The cell.

        Returns
        -------
        pathlib.Path
            ``root/cells/KEY.json``.

        Examples
        --------
        >>> import tempfile
        >>> from symhmc.reproduce import CellSpec, CellStore
        >>> store = CellStore(tempfile.mkdtemp())
        >>> spec = CellSpec("izmailov", "f1", "la", settings={"seed": 0})
        >>> store.path(spec).name
        'f1_izmailov_la.json'
        """
        return self._file(spec.key, ".json")

    def checkpoint_path(self, spec: CellSpec) -> Path:
        """The sampler checkpoint of the cell (its finished chains while it runs); creates its folder.

        Parameters
        ----------
        spec : CellSpec
            The cell.

        Returns
        -------
        pathlib.Path
            ``root/cells/KEY.checkpoint.npz`` (the folder exists afterwards, the file need not).

        Examples
        --------
        >>> import tempfile
        >>> from symhmc.reproduce import CellSpec, CellStore
        >>> store = CellStore(tempfile.mkdtemp())
        >>> spec = CellSpec("izmailov", "f1", "la", settings={"seed": 0})
        >>> path = store.checkpoint_path(spec)
        >>> path.name, path.parent.is_dir()
        ('f1_izmailov_la.checkpoint.npz', True)
        """
        return self._file(spec.key, ".checkpoint.npz", make_folder=True)

    def claim_path(self, spec: CellSpec) -> Path:
        """The file that says a process runs the cell (:mod:`symhmc.reproduce.claims`); makes its folder.

        Parameters
        ----------
        spec : CellSpec
            The cell.

        Returns
        -------
        pathlib.Path
            ``root/cells/KEY.running``.

        Examples
        --------
        >>> import tempfile
        >>> from symhmc.reproduce import CellSpec, CellStore
        >>> store = CellStore(tempfile.mkdtemp())
        >>> store.claim_path(CellSpec("izmailov", "f1", "la", settings={"seed": 0})).name
        'f1_izmailov_la.running'
        """
        return self._file(spec.key, ".running", make_folder=True)

    def _file(self, key: str, suffix: str, *, make_folder: bool = False) -> Path:
        """``root/cells/KEY+SUFFIX``: every file of a cell is named by its key."""
        if make_folder:
            self.cells_dir.mkdir(parents=True, exist_ok=True)
        return self.cells_dir / f"{key}{suffix}"

    def finished(self, spec: CellSpec) -> dict | None:
        """The saved cell when it was run with ``spec``'s settings, else None when there is none.

        Parameters
        ----------
        spec : CellSpec
            The cell asked for.

        Returns
        -------
        dict or None
            The saved cell, as :func:`~symhmc.reproduce.run_cell` returned it, or None.

        Raises
        ------
        SettingsChanged
            If a saved cell exists with other settings, naming what differs.

        Examples
        --------
        >>> import tempfile
        >>> from symhmc.reproduce import CellSpec, CellStore
        >>> store = CellStore(tempfile.mkdtemp())
        >>> spec = CellSpec("izmailov", "f1", "la", settings={"seed": 0})
        >>> store.finished(spec) is None
        True
        """
        path = self.path(spec)
        if not path.is_file():
            return None
        with open(path) as fh:
            cell = json.load(fh)
        diffs = _differences(cell.get("settings", {}), _jsonable(spec.settings))
        if diffs:
            raise SettingsChanged(f"{path} was run with other settings ({'; '.join(diffs)})")
        return cell

    def save(self, cell: dict) -> Path:
        """Write a finished cell atomically.

        Parameters
        ----------
        cell : dict
            As :func:`~symhmc.reproduce.run_cell` returns it; needs at least ``dataset``,
            ``arch``, ``method`` and ``settings`` (and ``variant`` when the cell has one).

        Returns
        -------
        pathlib.Path
            The JSON file written.

        Raises
        ------
        ValueError
            If ``cell`` lacks one of the keys above.

        Examples
        --------
        >>> import tempfile
        >>> from symhmc.reproduce import CellStore
        >>> store = CellStore(tempfile.mkdtemp())
        >>> store.save(dict(dataset="izmailov", arch="f1", method="la", settings={"seed": 0})).name
        'f1_izmailov_la.json'
        """
        missing = [k for k in ("dataset", "arch", "method", "settings") if k not in cell]
        if missing:
            raise ValueError(f"cell: missing keys {missing}")
        path = self._file(cell_key(cell["arch"], cell["dataset"], cell["method"], cell.get("variant")), ".json")
        write_json_atomic(path, cell)
        return path

    def all_cells(self) -> list[dict]:
        """Every saved cell (unordered; :func:`symhmc.reproduce.table.ordered` sorts them).

        Returns
        -------
        list of dict
            The cells read from ``root/cells/*.json``; empty when none is saved.

        Examples
        --------
        >>> import tempfile
        >>> from symhmc.reproduce import CellStore
        >>> store = CellStore(tempfile.mkdtemp())
        >>> _ = store.save(dict(dataset="izmailov", arch="f1", method="la", settings={"seed": 0}))
        >>> [cell["method"] for cell in store.all_cells()]
        ['la']
        """
        cells = []
        for path in sorted(self.cells_dir.glob("*.json")):
            with open(path) as fh:
                cells.append(json.load(fh))
        return cells
