"""The paper's KL convergence curve of the posterior predictive density as chains are added."""

from __future__ import annotations

from collections.abc import Mapping

import numpy as np

from ._figure import finish, new_figure


def _curve(source, x, step):
    """``(chains, kl, tol)`` from a run, a PPDConvergence or a ``results.convergence`` dict."""
    from ..evaluate.ppd import PPDConvergence, ppd_convergence  # noqa: PLC0415 - loaded on first use: keeps import symhmc light
    from ..results import SampleResults  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

    if isinstance(source, SampleResults):
        if x is None and step == 1 and getattr(source, "convergence", None):  # a chains="auto" run's own curve
            return _curve(source.convergence, None, 1)
        if source.n_chains < 2:
            raise ValueError(f"source: the KL curve needs at least 2 chains, the run has {source.n_chains}")
        source = ppd_convergence(source, x, step=step)
    if isinstance(source, PPDConvergence):
        return np.asarray(source.chains), np.asarray(source.kl), None
    if isinstance(source, Mapping) and "chains" in source and "kl" in source:
        chains, kl = np.asarray(source["chains"]), np.asarray(source["kl"])
        return chains, kl, source.get("tol")
    raise TypeError(
        "source must be a SampleResults, a symhmc.ppd.PPDConvergence or a dict with 'chains' and 'kl', "
        f"got {type(source).__name__}"
    )


def kl_convergence(source, *, x=None, step=1, path=None, figsize=(6.0, 4.0), dpi: float = 100):
    """KL divergence between the predictive densities after ``g`` and after fewer chains, against ``g``.

    Parameters
    ----------
    source : SampleResults, PPDConvergence or dict
        A run (its curve is computed with :func:`symhmc.ppd.ppd_convergence`, or taken from
        ``results.convergence`` for a ``chains="auto"`` run), the curve itself, or a dict with
        ``chains`` and ``kl`` (and optionally ``tol``, drawn as a line).
    x : array_like, optional
        Inputs at which the densities are compared (default: the run's training inputs).
    step : int or sequence of int, default 1
        As in :func:`symhmc.ppd.ppd_convergence` (1: every ``g`` against ``g - 1``, the paper's curve).
    path : str or os.PathLike, optional
        Save the figure there (``.png`` or ``.svg``).
    figsize : (float, float), default (6, 4)
        Inches; a PNG is ``figsize * dpi`` pixels.
    dpi : float, default 100
        Dots per inch of the figure and of a saved PNG.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (also written to ``path`` when given).

    Raises
    ------
    ImportError
        Without matplotlib.
    TypeError, ValueError
        For an unknown ``source``, a run of fewer than 2 chains, or a bad path suffix.

    Examples
    --------
    >>> import os, tempfile
    >>> from symhmc.plots import kl_convergence
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
    >>> path = os.path.join(tempfile.mkdtemp(), "kl.png")
    >>> fig = kl_convergence(run, path=path)
    >>> len(fig.axes), os.path.getsize(path) > 0
    (1, True)
    """
    chains, kl, tol = _curve(source, x, step)
    fig, axes = new_figure(figsize, dpi)
    ax = axes[0, 0]
    # KL is 0 only when nothing changed; a log axis needs positive values.
    ax.plot(chains, np.maximum(kl, np.finfo(float).tiny), marker="." if chains.size < 50 else None, lw=1)
    if tol is not None:
        ax.axhline(float(tol), color="C3", ls="--", lw=1, label=f"tol {float(tol):g}")
        ax.legend(loc="best", fontsize="small")
    ax.set_yscale("log")
    ax.set_xlabel("chains g")
    ax.set_ylabel("mean KL(PPD_g || PPD_previous)")
    ax.set_title("convergence of the predictive density")
    return finish(fig, path)
