"""Shared plumbing of the figures: the lazy matplotlib import, a new figure, saving by suffix."""

from __future__ import annotations

import numbers
from pathlib import Path

#: File types a figure can be saved as (chosen by the path's suffix).
FORMATS = (".png", ".svg")


def _matplotlib():
    """matplotlib, or an ImportError naming the extra that installs it."""
    try:
        import matplotlib  # noqa: PLC0415 - optional dependency, imported on use
        from matplotlib.figure import Figure  # noqa: F401, PLC0415 - checks the submodule is usable
    except ImportError as exc:
        raise ImportError("symhmc.plots needs matplotlib: pip install 'symhmc[plot]'") from exc
    return matplotlib


def _size_arg(figsize) -> tuple[float, float]:
    try:
        width, height = (float(v) for v in figsize)
    except (TypeError, ValueError):
        raise TypeError(f"figsize must be a pair (width, height) in inches, got {figsize!r}") from None
    if not (width > 0 and height > 0):
        raise ValueError(f"figsize must be positive, got {figsize!r}")
    return width, height


def _dpi_arg(dpi) -> float:
    if isinstance(dpi, bool) or not isinstance(dpi, numbers.Real) or not float(dpi) > 0:
        raise ValueError(f"dpi must be a positive number, got {dpi!r}")
    return float(dpi)


def new_figure(figsize, dpi, nrows: int = 1, ncols: int = 1, **subplot_kw):
    """A figure outside pyplot (no GUI backend, no global state) and its axes array.

    Built on ``matplotlib.figure.Figure`` so that rendering works on a headless machine and
    figures are never kept alive by pyplot's registry.
    """
    _matplotlib()
    from matplotlib.figure import Figure  # noqa: PLC0415 - optional dependency, imported on use

    fig = Figure(figsize=_size_arg(figsize), dpi=_dpi_arg(dpi), layout="constrained")
    axes = fig.subplots(nrows, ncols, squeeze=False, **subplot_kw)
    return fig, axes


def finish(fig, path):
    """Save ``fig`` to ``path`` when given (PNG or SVG by suffix, exactly figsize x dpi pixels)
    and return it."""
    if path is None:
        return fig
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise ValueError(f"path must end in one of {FORMATS}, got {str(path)!r}")
    # No bbox_inches="tight": the image keeps the size asked for with figsize and dpi.
    fig.savefig(path, dpi=fig.dpi)
    return fig
