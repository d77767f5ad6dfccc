"""File-system helpers shared by the results files and the reproduction store."""

from __future__ import annotations

import os

__all__ = ["current_umask"]


def current_umask() -> int:
    """The process umask. os.umask can only read it by setting it, so it is set briefly to the
    most restrictive value: a file another thread creates meanwhile is private, never exposed."""
    mask = os.umask(0o077)
    os.umask(mask)
    return mask
