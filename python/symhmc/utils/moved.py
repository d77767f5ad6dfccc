"""Old import paths of modules that moved: ``import symhmc.io`` gives the module at its new home.

:func:`install` puts a finder on :data:`sys.meta_path` that answers for the old names only; a
deprecated old name warns (:class:`DeprecationWarning`, once per process, pointing at the
caller's import). The module object is the moved module itself, so attributes set through the
old name (e.g. by a test's monkeypatch) are seen by the package.
"""

from __future__ import annotations

import importlib
import importlib.abc
import importlib.machinery
import sys
import warnings
from types import FrameType
from typing import Mapping, NamedTuple

__all__ = ["Moved", "install", "warn_moved"]


class Moved(NamedTuple):
    """Where a module went, and whether its old name is deprecated (else a lasting alias)."""

    new: str
    deprecated: bool = True


_SKIPPED = {__file__, importlib.__file__}  # frames between the user's import and the warning


def _internal(frame: FrameType) -> bool:
    """A frame of the import system, which ``warnings.warn`` leaves out of its stack levels."""
    name = frame.f_code.co_filename
    return "importlib" in name and "_bootstrap" in name


def _caller_stacklevel() -> int:
    """The ``warnings.warn`` stack level, for a call from this function's caller, of the first
    frame outside this module, the import system and the package's ``__init__``."""
    frame: FrameType | None = sys._getframe(1)
    level = 1
    while frame is not None and (frame.f_code.co_filename in _SKIPPED or _internal(frame)):
        frame = frame.f_back
        if frame is not None and not _internal(frame):
            level += 1
    return level


def warn_moved(old: str, new: str) -> None:
    """Warn that ``old`` is deprecated in favour of ``new`` (pointing at the caller's line)."""
    warnings.warn(
        f"{old} is deprecated and will be removed in the next release: use {new} instead",
        DeprecationWarning,
        stacklevel=_caller_stacklevel(),
    )


class _AliasLoader(importlib.abc.Loader):
    def __init__(self, moved: Moved):
        self.moved = moved
        self._real_spec = None

    def create_module(self, spec):
        module = importlib.import_module(self.moved.new)
        self._real_spec = module.__spec__  # the import system sets __spec__ to the alias's spec
        if self.moved.deprecated:
            warn_moved(spec.name, self.moved.new)
        return module

    def exec_module(self, module) -> None:
        module.__spec__ = self._real_spec


class _AliasFinder(importlib.abc.MetaPathFinder):
    def __init__(self, aliases: Mapping[str, Moved]):
        self.aliases = dict(aliases)

    def find_spec(self, fullname, path=None, target=None):
        moved = self.aliases.get(fullname)
        if moved is None:
            return None
        return importlib.machinery.ModuleSpec(fullname, _AliasLoader(moved))


def install(aliases: Mapping[str, Moved], *, skip_file: str | None = None) -> None:
    """Make every old module name in ``aliases`` importable (once per process).

    ``skip_file``: a file whose frames a warning skips too (the package's ``__init__.py``, whose
    module ``__getattr__`` imports an old name on attribute access).
    """
    if skip_file:
        _SKIPPED.add(skip_file)
    if not any(isinstance(f, _AliasFinder) and f.aliases == dict(aliases) for f in sys.meta_path):
        sys.meta_path.append(_AliasFinder(aliases))
