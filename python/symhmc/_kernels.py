"""SYMHMC_KERNELS: a warning when it names a kernel table this build or CPU cannot run.

The core then ignores it and runs the widest table the CPU supports (``_core.kernel_isa``), which
would otherwise go unnoticed in a benchmark or a reproducibility check.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping

from . import _core

ALIASES = {"portable": "baseline"}  # the older name of the baseline table


def running_table() -> str:
    """SYMHMC_KERNELS name of the table the core runs."""
    return next(name for name, isa in _core.kernel_tables.items() if isa == _core.kernel_isa)


def warn_if_ignored(environ: Mapping[str, str] = os.environ) -> None:
    requested = environ.get("SYMHMC_KERNELS")
    if not requested:
        return
    if ALIASES.get(requested, requested) not in _core.kernel_tables:
        warnings.warn(
            f"SYMHMC_KERNELS={requested!r} is not a kernel table this build and CPU can run "
            f"(available: {', '.join(_core.kernel_tables)}); running {running_table()!r}",
            RuntimeWarning,
            stacklevel=3,
        )
