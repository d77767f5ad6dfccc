"""Pairwise parameter marginals before and after symmetry removal, coloured by mode (the
supplement's figure): raw draws show the symmetric copies of every mode, aligned draws one
blob per functionally different mode."""

from __future__ import annotations

import itertools
import warnings
from typing import Literal

import numpy as np

from ..utils.validation import positive_int
from ._figure import finish, new_figure


def _samples_and_model(source, model):
    from ..results import SampleResults  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

    if isinstance(source, SampleResults):
        if source.model is None:
            raise ValueError("source has no model (a raw target run): the marginals need an MLP")
        return source.draws, source.model
    if model is None:
        raise ValueError("model is needed when source is an array of draws")
    return np.asarray(source, dtype=float), model


def parameter_names(model) -> list[str]:
    """Names of a model's parameters in the order of its flat parameter vector.

    Parameters
    ----------
    model : MLP
        The network; its layers are numbered from 1.

    Returns
    -------
    list of str
        ``W1[i,j]`` (row ``i``, column ``j``), then ``b1[i]``, then the next layer's.

    Examples
    --------
    >>> from symhmc.plots import parameter_names
    >>> parameter_names(symhmc.MLP(hidden=(2,), n_inputs=1))
    ['W1[0,0]', 'W1[1,0]', 'b1[0]', 'b1[1]', 'W2[0,0]', 'W2[0,1]', 'b2[0]']
    """
    names = []
    for layer, (out, inp) in enumerate(model.layer_shapes, start=1):
        names += [f"W{layer}[{i},{j}]" for i in range(out) for j in range(inp)]
        names += [f"b{layer}[{i}]" for i in range(out)]
    return names


def _mode_labels(aligned, model, k, seed):
    """Labels of :func:`symhmc.symmetry.find_modes`, or ``None`` (one colour) when it cannot run."""
    from ..symmetry import find_modes  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # a cap or gap warning of find_modes does not stop a figure
            # Only the labels colour the figure: the other methods' k would be computed for nothing.
            return find_modes(aligned, model, k=k, seed=seed, cross_check=False).labels
    except (ImportError, ValueError):  # no scikit-learn, or too few draws to cluster
        return None


def pairwise_marginals(
    source,
    model=None,
    *,
    coords=None,
    labels=None,
    k=None,
    method: Literal["match", "paper"] = "match",
    max_samples: int = 2000,
    seed: int = 0,
    path=None,
    figsize=None,
    dpi: float = 100,
):
    """Scatter plots of parameter pairs of the raw draws (top row) and the aligned draws (bottom row).

    Parameters
    ----------
    source : SampleResults or array_like
        A run, or draws ``(..., dim)`` of ``model``.
    model : MLP, optional
        Needed when ``source`` is an array.
    coords : sequence of int, optional
        Indices of the parameters to pair (default: the first ``min(4, n_params)``, i.e. the
        first layer's weights and biases).
    labels : array_like of int, optional
        Mode of every draw (``source``'s leading shape). Default: :func:`symhmc.symmetry.find_modes`
        on the aligned draws with ``k`` modes (``None``: chosen by eigengap); one colour when
        that cannot run (no scikit-learn, too few draws).
    k : int, optional
        Number of modes for the default labels.
    method : {"match", "paper"}, default "match"
        Symmetry removal by :func:`symhmc.symmetry.align`.
    max_samples : int, default 2000
        Evenly thinned to at most this many draws (alignment and clustering grow with it).
    seed : int, default 0
        Seed of the alignment and clustering.
    path : str or os.PathLike, optional
        Save the figure there (``.png`` or ``.svg``).
    figsize : (float, float), optional
        Inches. Default: 2.4 inches per pair wide, 5 inches high.
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
        For draws that do not fit the model, bad coords, labels of the wrong shape or a bad path suffix.

    Examples
    --------
    >>> from symhmc.plots import pairwise_marginals
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
    >>> fig = pairwise_marginals(run, coords=[0, 1], labels=np.zeros((4, 1), dtype=int))
    >>> len(fig.axes)
    2
    """
    from ..symmetry import align  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

    samples, model = _samples_and_model(source, model)
    if samples.ndim < 1 or samples.shape[-1] not in (model.n_params, model.dim):
        raise ValueError(f"source must end in an axis of length {model.n_params} or {model.dim}, got {samples.shape}")
    lead = samples.shape[:-1]
    flat = samples.reshape(-1, samples.shape[-1])
    if labels is not None:
        labels = np.asarray(labels)
        if labels.shape != lead:
            raise ValueError(f"labels must have the draws' leading shape {lead}, got {labels.shape}")
        labels = labels.reshape(-1)
    if coords is None:
        coords = list(range(min(4, model.n_params)))
    coords = [positive_int(c, "coords", minimum=0, maximum=model.n_params - 1) for c in coords]
    if len(coords) < 2:
        raise ValueError(f"coords must name at least 2 parameters, got {coords}")
    max_samples = positive_int(max_samples, "max_samples")
    keep = np.unique(np.linspace(0, flat.shape[0] - 1, min(max_samples, flat.shape[0])).round().astype(int))
    flat = flat[keep]
    labels = None if labels is None else labels[keep]
    aligned = align(flat, model, method=method, seed=seed)
    if labels is None and k != 1:
        labels = _mode_labels(aligned, model, k, seed)
    colours = "C0" if labels is None else np.asarray([f"C{int(v) % 10}" for v in labels])
    pairs = list(itertools.combinations(coords, 2))
    if figsize is None:
        figsize = (2.4 * len(pairs), 5.0)
    fig, axes = new_figure(figsize, dpi, 2, len(pairs))
    names = parameter_names(model)
    for row, (values, what) in enumerate(((flat, "raw"), (aligned, "aligned"))):
        for col, (i, j) in enumerate(pairs):
            ax = axes[row, col]
            ax.scatter(values[:, i], values[:, j], s=6, c=colours, alpha=0.6, linewidths=0)
            ax.set_xlabel(names[i], fontsize="small")
            ax.set_ylabel(names[j], fontsize="small")
            ax.tick_params(labelsize="x-small")
        axes[row, 0].set_title(what, loc="left", fontsize="small")
    n_modes = "" if labels is None else f", {len(np.unique(labels))} modes coloured"
    fig.suptitle(f"pairwise marginals before and after symmetry removal ({len(keep)} draws{n_modes})")
    return finish(fig, path)
