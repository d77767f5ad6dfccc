"""Which ArviZ line is installed (0.x, or 1.x / arviz-base), without importing it: the ArviZ
export (results) and the R-hat/ESS backend (diagnostics) both ask."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import warnings

__all__ = ["arviz_major_version"]


def arviz_major_version() -> int | None:
    """The major version of the installed ArviZ (``arviz`` or ``arviz-base``), None without it.

    Read from the installed package's metadata where possible, since importing ArviZ 0.x takes
    seconds.

    Returns
    -------
    int or None
        0 for ArviZ 0.x; 1 for ArviZ 1.x or ``arviz-base`` alone; None without either.

    Examples
    --------
    >>> from symhmc.utils.arviz_version import arviz_major_version
    >>> arviz_major_version() in (0, 1, None)
    True
    """
    if importlib.util.find_spec("arviz") is not None:
        try:  # from the installed metadata: importing ArviZ 0.x takes seconds
            major = importlib.metadata.version("arviz").split(".")[0]
        except importlib.metadata.PackageNotFoundError:  # a source tree on the path
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import arviz  # noqa: PLC0415
            major = str(arviz.__version__).split(".")[0]
        return 0 if major == "0" else 1
    return 1 if importlib.util.find_spec("arviz_base") is not None else None
