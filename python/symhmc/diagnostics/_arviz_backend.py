"""R-hat and ESS from the installed ArviZ, for :mod:`symhmc.diagnostics.convergence` (``backend="auto"`` or
``"arviz"``): ArviZ 1.x computes them in ``arviz-stats`` (NumPy array functions in
``arviz_stats.base.array_stats``, which need neither xarray nor ``arviz`` itself), ArviZ 0.x in
``arviz`` (``arviz.rhat`` / ``arviz.ess``, one ``(chain, draw)`` array at a time).

Which one is used follows the installed ``arviz``: 0.x uses ``arviz``; 1.x, or ``arviz-stats``
installed without ``arviz`` (ArviZ 1.x's data and statistics layers alone), uses ``arviz-stats``.
Every function takes draws flattened to ``(chain, draw, K)`` and returns ``K`` values."""

from __future__ import annotations

import warnings
from typing import Callable, NamedTuple

import numpy as np

__all__ = ["ArvizBackend", "arviz_backend"]


class ArvizBackend(NamedTuple):
    """``name``: ``"arviz-stats"`` (ArviZ 1.x) or ``"arviz"`` (ArviZ 0.x); ``rhat(flat)`` the
    rank-normalized split R-hat, ``ess(flat, method, prob)`` the bulk or tail ESS."""

    name: str
    rhat: Callable[..., np.ndarray]
    ess: Callable[..., np.ndarray]


def _from_arviz_stats(array_stats) -> ArvizBackend:
    def columns_first(flat):  # array_stats works on the last two axes (chain, draw)
        return np.moveaxis(flat, 2, 0)

    def rhat(flat):
        return np.asarray(array_stats.rhat(columns_first(flat), method="rank"), dtype=float)

    def ess(flat, method, prob=None):
        out = array_stats.ess(columns_first(flat), method=method, prob=prob)
        return np.asarray(out, dtype=float)

    return ArvizBackend("arviz-stats", rhat, ess)


def _from_arviz0(az) -> ArvizBackend:
    def per_column(flat, fn):
        return np.array([float(fn(np.ascontiguousarray(flat[:, :, k]))) for k in range(flat.shape[2])])

    def rhat(flat):
        return per_column(flat, lambda a: az.rhat(a, method="rank"))

    def ess(flat, method, prob=None):
        extra = {} if prob is None else {"prob": prob}
        return per_column(flat, lambda a: az.ess(a, method=method, **extra))

    return ArvizBackend("arviz", rhat, ess)


def _quiet(fn):
    """``fn`` with ArviZ's warnings (short chains, shape checks) silenced: symhmc returns NaN
    where they apply and documents it."""

    def call(*args):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            return fn(*args)

    return call


def _find() -> ArvizBackend | None:
    from ..utils.arviz_version import arviz_major_version  # noqa: PLC0415  (reads metadata, imports nothing big)

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            if arviz_major_version() == 0:
                import arviz as az  # noqa: PLC0415

                if not (hasattr(az, "rhat") and hasattr(az, "ess")):
                    return None
                found = _from_arviz0(az)
            else:
                from arviz_stats.base import array_stats  # noqa: PLC0415

                found = _from_arviz_stats(array_stats)
    except Exception:  # noqa: BLE001 - not installed, or broken: the NumPy implementation takes over
        return None
    return ArvizBackend(found.name, _quiet(found.rhat), _quiet(found.ess))


_BACKEND: ArvizBackend | None | bool = False  # False: not looked up yet


def arviz_backend() -> ArvizBackend | None:
    """The R-hat/ESS functions of the installed ArviZ (looked up once), or None without one."""
    global _BACKEND
    if _BACKEND is False:
        _BACKEND = _find()
    return _BACKEND  # type: ignore[return-value]
