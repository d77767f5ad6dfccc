"""The posterior predictive density after 1, 16, 256 and 1274 chains (the paper's Section 5.2 figure)."""

from __future__ import annotations

import numpy as np

from ..utils.validation import positive_int
from ._figure import finish, new_figure
from ._inputs import check_results, data_points, input_range

#: The chain counts of the paper's figure.
PAPER_COUNTS = (1, 16, 256, 1274)


def _counts_arg(counts, n_chains: int) -> list[int]:
    """The counts the run can show: those up to ``n_chains``, and ``n_chains`` itself when a
    larger count was asked for (a shorter run still shows its whole density)."""
    try:
        asked = sorted({positive_int(int(c) if isinstance(c, np.integer) else c, "counts") for c in counts})
    except TypeError:
        raise TypeError(f"counts must be positive integers, got {counts!r}") from None
    if not asked:
        raise ValueError("counts must hold at least one chain count")
    shown = [c for c in asked if c <= n_chains]
    if asked[-1] > n_chains and n_chains not in shown:
        shown.append(n_chains)
    return shown


def density_by_chains(
    results,
    counts=PAPER_COUNTS,
    *,
    x=None,
    y=None,
    points: int = 120,
    y_grid=None,
    path=None,
    figsize=(12.0, 3.2),
    dpi: float = 100,
):
    """The predictive density over a 1-d input after the first ``g`` chains, one panel per ``g``.

    Parameters
    ----------
    results : SampleResults
        A run of an MLP with one input and one output; chains are taken in their stored order.
    counts : sequence of int, default (1, 16, 256, 1274)
        Chain counts to show; counts above the run's number of chains are replaced by it.
    x, y : array_like, optional
        Points to draw over the densities; default: the run's training data.
    points : int, default 120
        Input grid points over the data's range (plus 10 %).
    y_grid : array_like, optional
        Output grid (default 201 points on [-3, 3], the paper's, for standardized targets).
    path : str or os.PathLike, optional
        Save the figure there (``.png`` or ``.svg``).
    figsize : (float, float), default (12, 3.2)
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
        For a run that is not a one-input MLP, bad counts, grid or path suffix.

    Examples
    --------
    >>> from symhmc.plots import density_by_chains
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
    >>> fig = density_by_chains(run, counts=(1, 4), points=30)
    >>> len(fig.axes) >= 2
    True
    """
    from ..evaluate.ppd import PredictiveDensity  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

    results = check_results(results)
    if results.model.n_inputs != 1:
        raise ValueError(f"results: density_by_chains needs one input, the model has {results.model.n_inputs}")
    shown = _counts_arg(counts, results.n_chains)
    points = positive_int(points, "points", minimum=2)
    xd, yd = data_points(results, x, y, 1)
    grid = np.linspace(*input_range(xd), points)
    acc = PredictiveDensity(results.model, grid[:, None], y_grid)
    fig, axes = new_figure(figsize, dpi, 1, len(shown), sharey=True)
    done = 0
    for ax, g in zip(axes[0], shown):
        acc.add(results.draws[done:g])  # chains are added once: the densities build on each other
        done = g
        dens = acc.density()
        ax.pcolormesh(grid, acc.y_grid, dens.T, shading="auto", cmap="magma", rasterized=True)  # one image in SVG
        if xd is not None:
            ax.scatter(xd[:, 0], yd, s=3, color="c", alpha=0.6)
        ax.set_title(f"{g} chain{'s' if g > 1 else ''}")
        ax.set_xlabel("x")
    axes[0, 0].set_ylabel("y")
    return finish(fig, path)
