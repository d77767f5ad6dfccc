"""Which process runs a cell: a claim file made with ``O_EXCL`` beside the cell's files, so several
``symhmc reproduce`` processes started on one folder share out the cells instead of running one
twice (and writing one checkpoint at once). A claim left by a process that died on this machine
is taken over."""

from __future__ import annotations

import json
import os
import socket
from datetime import datetime, timezone
from pathlib import Path


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process
        return True
    return True


def _holder(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def _describe(holder: dict) -> str:
    return f"pid {holder.get('pid', '?')} on {holder.get('host', '?')} since {holder.get('started', '?')}"


def claim(path: str | os.PathLike) -> str | None:
    """Claim the cell whose claim file is ``path``.

    Parameters
    ----------
    path : str or os.PathLike
        The claim file (``cells/KEY.running``); its folder must exist.

    Returns
    -------
    str or None
        None when this process now holds the claim; otherwise who holds it (pid, host, start).

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from symhmc.reproduce.claims import claim, release
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "f1_izmailov_la.running"
    >>> claim(path) is None
    True
    >>> claim(path) is None  # held, by this very process
    False
    >>> release(path)
    """
    path = Path(path)
    me = {
        "pid": os.getpid(),
        "host": socket.gethostname(),
        "started": datetime.now(timezone.utc).isoformat(timespec="seconds"),
    }
    for _ in range(2):
        try:
            fd = os.open(path, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o666)
        except FileExistsError:
            holder = _holder(path)
            stale = (
                holder.get("host") == me["host"] and isinstance(holder.get("pid"), int) and not _alive(holder["pid"])
            )
            if not stale:
                return _describe(holder)
            path.unlink(missing_ok=True)  # its process died: take the cell over
            continue
        with os.fdopen(fd, "w") as fh:
            json.dump(me, fh)
        return None
    return _describe(_holder(path))


def release(path: str | os.PathLike) -> None:
    """Remove a claim made by :func:`claim` (nothing happens when it is gone already).

    Parameters
    ----------
    path : str or os.PathLike
        The claim file.

    Examples
    --------
    >>> import tempfile, pathlib
    >>> from symhmc.reproduce.claims import claim, release
    >>> path = pathlib.Path(tempfile.mkdtemp()) / "cell.running"
    >>> _ = claim(path); release(path); path.exists()
    False
    """
    Path(path).unlink(missing_ok=True)
