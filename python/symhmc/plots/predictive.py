"""The posterior predictive over the inputs: a band for 1-d inputs, contours for 2-d inputs."""

from __future__ import annotations

import numpy as np

from ..utils.validation import positive_int
from ._figure import finish, new_figure
from ._inputs import check_results, data_points, input_range

_BAND_PROBS = (0.025, 0.25, 0.75, 0.975)


def predictive_band(results, x=None, y=None, *, points: int = 200, path=None, figsize=(6.0, 4.0), dpi: float = 100):
    """Predictive mean with its central 50 % and 95 % intervals over a 1-d input, and the data.

    Parameters
    ----------
    results : SampleResults
        A run of an MLP with one input and one output.
    x, y : array_like, optional
        Points to draw (``(n,)`` or ``(n, 1)``, and ``(n,)``); default: the run's training data.
    points : int, default 200
        Grid points over the data's range (plus 10 % on each side; [-3, 3] without data).
    path : str or os.PathLike, optional
        Save the figure there (``.png`` or ``.svg``).
    figsize : (float, float), default (6, 4)
        Inches; the PNG is ``figsize * dpi`` pixels.
    dpi : float, default 100
        Dots per inch of the figure and of a saved PNG.

    Returns
    -------
    matplotlib.figure.Figure
        The figure (also written to ``path`` when given).

    Raises
    ------
    ImportError
        Without matplotlib (``pip install "symhmc[plot]"``).
    TypeError, ValueError
        For a run that is not a one-input MLP, bad points or a bad path suffix.

    Examples
    --------
    >>> from symhmc.plots import predictive_band
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
    >>> fig = predictive_band(run, points=50)
    >>> len(fig.axes)
    1
    """
    results = check_results(results)
    if results.model.n_inputs != 1:
        raise ValueError(
            f"results: predictive_band needs one input, the model has {results.model.n_inputs} "
            "(use predictive_contour for two)"
        )
    points = positive_int(points, "points", minimum=2)
    xd, yd = data_points(results, x, y, 1)
    grid = np.linspace(*input_range(xd), points)
    pred = results.predict(grid[:, None], quantiles=_BAND_PROBS)
    q = pred.quantiles
    fig, axes = new_figure(figsize, dpi)
    ax = axes[0, 0]
    ax.fill_between(grid, q[0], q[3], color="C0", alpha=0.2, lw=0, label="95 % interval")
    ax.fill_between(grid, q[1], q[2], color="C0", alpha=0.4, lw=0, label="50 % interval")
    ax.plot(grid, pred.mean, color="C0", lw=1.5, label="predictive mean")
    if xd is not None:
        ax.scatter(xd[:, 0], yd, s=8, color="k", alpha=0.7, label="data", zorder=3)
    ax.set_xlabel("x")
    ax.set_ylabel("y")
    draws = "draw" if results.n_draws == 1 else "draws"
    ax.set_title(f"posterior predictive ({results.n_chains} chains x {results.n_draws} {draws})")
    ax.legend(loc="best", fontsize="small")
    return finish(fig, path)


def predictive_contour(results, x=None, y=None, *, points: int = 60, path=None, figsize=(9.0, 4.0), dpi: float = 100):
    """Contours of the predictive mean and standard deviation over two inputs, with the data.

    Parameters
    ----------
    results : SampleResults
        A run of an MLP with two inputs and one output.
    x, y : array_like, optional
        Points to draw (``(n, 2)`` and ``(n,)``, coloured by ``y``); default: the run's
        training data.
    points : int, default 60
        Grid points per input axis over the data's range (plus 10 %).
    path : str or os.PathLike, optional
        Save the figure there (``.png`` or ``.svg``).
    figsize : (float, float), default (9, 4)
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
        For a run that is not a two-input MLP, bad points or a bad path suffix.

    Examples
    --------
    >>> from symhmc.plots import predictive_contour
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, (20, 2))
    >>> y = np.sin(x[:, 0]) * x[:, 1] + 0.1 * rng.normal(size=20)
    >>> run = symhmc.sample(symhmc.MLP(hidden=(2,), n_inputs=2), x, y, chains=4, warmup=50, seed=0,
    ...                     progress=False)
    >>> fig = predictive_contour(run, points=20)
    >>> len(fig.axes) >= 2
    True
    """
    results = check_results(results)
    if results.model.n_inputs != 2:
        raise ValueError(f"results: predictive_contour needs two inputs, the model has {results.model.n_inputs}")
    points = positive_int(points, "points", minimum=2)
    xd, yd = data_points(results, x, y, 2)
    g1 = np.linspace(*input_range(None if xd is None else xd[:, 0]), points)
    g2 = np.linspace(*input_range(None if xd is None else xd[:, 1]), points)
    m1, m2 = np.meshgrid(g1, g2)
    pred = results.predict(np.column_stack([m1.ravel(), m2.ravel()]), quantiles=())
    fig, axes = new_figure(figsize, dpi, 1, 2)
    for ax, values, title in ((axes[0, 0], pred.mean, "predictive mean"), (axes[0, 1], pred.std, "predictive std")):
        filled = ax.contourf(m1, m2, values.reshape(m1.shape), levels=15, cmap="viridis")
        fig.colorbar(filled, ax=ax)
        if xd is not None and title.endswith("mean"):  # the data coloured on the mean's scale
            ax.scatter(xd[:, 0], xd[:, 1], c=yd, s=8, edgecolors="k", linewidths=0.3, cmap="viridis", norm=filled.norm)
        elif xd is not None:
            ax.scatter(xd[:, 0], xd[:, 1], c="w", s=8, edgecolors="k", linewidths=0.3)
        ax.set_xlabel("x1")
        ax.set_ylabel("x2")
        ax.set_title(title)
    return finish(fig, path)
