"""How many equioutput transforms a network has, against its layer width (docs/paper.md section 2)."""

from __future__ import annotations

import math
from typing import Literal

from ..utils.validation import positive_int
from ._figure import finish, new_figure


def equioutput_count(
    widths=range(1, 17),
    depths=(1, 2, 3),
    *,
    activation: Literal["tanh", "relu"] = "tanh",
    path=None,
    figsize=(6.0, 4.0),
    dpi: float = 100,
):
    """log10 of the number of equioutput transforms ``|E|`` against the width of the hidden layers.

    One line per depth (number of hidden layers, all of the same width); ``|E|`` is
    :func:`symhmc.symmetry.cardinality` (tanh: ``prod_l M_l! 2^M_l``; relu: ``prod_l M_l!``).
    The paper's networks are marked where they fall on the lines: f1 (one layer of 3) and
    f2 (three layers of 16).

    Parameters
    ----------
    widths : iterable of int, optional
        Hidden layer widths on the x axis (default 1 to 16).
    depths : iterable of int, default (1, 2, 3)
        Numbers of hidden layers, one line each.
    activation : {"tanh", "relu"}, default "tanh"
        Activation of the hidden layers (it decides which transforms leave the output unchanged).
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
        For widths or depths that are not positive integers, an activation without a finite
        count (identity) or a bad path suffix.

    Examples
    --------
    >>> import os, tempfile
    >>> from symhmc.plots import equioutput_count
    >>> path = os.path.join(tempfile.mkdtemp(), "transforms.svg")
    >>> fig = equioutput_count(widths=range(1, 5), depths=(1, 2), path=path)
    >>> len(fig.axes[0].lines) >= 2, os.path.exists(path)
    (True, True)
    """
    from ..model import MLP  # noqa: PLC0415 - loaded on first use: keeps import symhmc light
    from ..symmetry import cardinality  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

    widths = [positive_int(w, "widths") for w in widths]
    depths = [positive_int(d, "depths") for d in depths]
    if not widths or not depths:
        raise ValueError("widths and depths must each hold at least one value")
    # The counts pass 10**308 for wide deep nets: keep exact ints and take log10 of those.
    logs = {d: [math.log10(cardinality(MLP(hidden=(w,) * d, activation=activation))) for w in widths] for d in depths}
    fig, axes = new_figure(figsize, dpi)
    ax = axes[0, 0]
    for d in depths:
        ax.plot(widths, logs[d], marker=".", label=f"{d} hidden layer{'s' if d > 1 else ''}")
    for name, w, d in (("f1", 3, 1), ("f2", 16, 3)):
        if w in widths and d in depths:
            ax.annotate(name, (w, logs[d][widths.index(w)]), textcoords="offset points", xytext=(4, -10))
    ax.set_xlabel("neurons per hidden layer")
    ax.set_ylabel("log10 |E| (equioutput transforms)")
    ax.set_title(f"{activation} networks")
    ax.legend(loc="best", fontsize="small")
    return finish(fig, path)
