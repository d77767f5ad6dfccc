"""Conversion of a run to ArviZ (:meth:`SampleResults.to_arviz <symhmc.SampleResults.to_arviz>`):
an ``arviz.InferenceData`` for ArviZ 0.x, an ``xarray.DataTree`` for ArviZ 1.x (``arviz-base``).

The groups themselves come from :mod:`symhmc._arviz_groups`; this module turns them into xarray
Datasets (also written by :func:`symhmc.save` into netCDF files) and picks the container."""

from __future__ import annotations

import warnings

from ._arviz_groups import arviz_groups
from ._tagged_json import _dumps
from ..utils.arviz_version import arviz_major_version

__all__ = ["to_arviz", "arviz_datasets", "arviz_major_version"]

_CONTAINERS = ("auto", "InferenceData", "DataTree")


def _import_xarray():
    try:
        import xarray as xr  # noqa: PLC0415
    except ImportError:
        raise ImportError("to_arviz needs xarray and ArviZ: pip install 'symhmc[arviz]'") from None
    return xr


def _attrs(results, weights: str, pooled: bool) -> dict:
    from ..utils.version import __version__  # noqa: PLC0415

    attrs = {
        "inference_library": "symhmc",
        "inference_library_version": __version__,
        "sampler": str(results.settings.get("sampler")),
        "seed": str(results.seed),
        "wall_time_s": float(results.wall_time),
        "partial": int(results.partial),
        "weights": weights,
        "chain_layout": "pooled" if pooled else "chains",
    }
    try:
        attrs["settings_json"] = _dumps(results.settings, "results.settings")
    except TypeError:
        pass
    return attrs


def arviz_datasets(
    results, *, weights: str = "raw", posterior_predictive=None, log_likelihood=None, pool_chains="auto", seed=None
) -> dict:
    """The groups of :func:`to_arviz` as a dict of ``xarray.Dataset`` (group name -> Dataset).

    Needs xarray only: these are the groups of :func:`to_arviz` before they are put into a
    container.

    Parameters
    ----------
    results : SampleResults
        The run to convert.
    weights : {"raw", "canonical", "aligned"}, default "raw"
        The network weights in ``posterior``, as for :func:`to_arviz`.
    posterior_predictive : None, True or False, default None
        Include the ``posterior_predictive`` group, as for :func:`to_arviz`.
    log_likelihood : None, True or False, default None
        Include the ``log_likelihood`` group, as for :func:`to_arviz`.
    pool_chains : "auto", True, False or int, default "auto"
        Pool consecutive chains into fewer ArviZ chains, as for :func:`to_arviz`.
    seed : None, int or numpy Generator, default None
        For the posterior predictive draws (``None``: derived from ``results.seed``).

    Returns
    -------
    dict of str to xarray.Dataset
        Group name -> Dataset, each with symhmc's attributes (library, version, settings).

    Raises
    ------
    ImportError
        Without xarray.
    ValueError
        For an unknown ``weights``, or a required group that cannot be built.
    TypeError
        For flags that are not booleans.

    Examples
    --------
    >>> from symhmc.results.arviz_export import arviz_datasets
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
    >>> groups = arviz_datasets(run)
    >>> sorted(groups)
    ['constant_data', 'log_likelihood', 'observed_data', 'posterior', 'posterior_predictive', 'sample_stats']
    >>> dict(groups["posterior"]["f"].sizes)  # 4 one-draw chains pooled into one ArviZ chain
    {'chain': 1, 'draw': 4, 'obs_id': 20}
    """
    xr = _import_xarray()
    built = arviz_groups(
        results,
        weights=weights,
        posterior_predictive=posterior_predictive,
        log_likelihood=log_likelihood,
        pool_chains=pool_chains,
        seed=seed,
    )
    attrs = _attrs(results, weights, built.pooled)
    out = {}
    for name, variables in built.groups.items():
        used = {d for dims, _ in variables.values() for d in dims}
        coords = {k: v for k, v in built.coords.items() if set(v[0]) <= used}
        out[name] = xr.Dataset(dict(variables), coords=coords, attrs=dict(attrs))
    return out


def to_arviz(
    results,
    *,
    weights: str = "raw",
    posterior_predictive=None,
    log_likelihood=None,
    pool_chains="auto",
    seed=None,
    container: str = "auto",
):
    """Convert ``results`` to ArviZ data.

    An ``arviz.InferenceData`` for ArviZ 0.x, an ``xarray.DataTree`` for ArviZ 1.x
    (``arviz-base``).

    Parameters
    ----------
    results : SampleResults
        The run to convert (with its model and, for the predictive groups, training data).
    weights : {"raw", "canonical", "aligned"}, default "raw"
        The network weights in ``posterior``: as sampled, mapped to the canonical representative
        of their symmetry class (:func:`symhmc.symmetry.canonicalize`), or relabelled to line up
        across draws (:func:`symhmc.symmetry.align`). Raw weights carry every symmetric copy of
        a mode, so their means, R-hat and ESS say nothing; use canonical or aligned weights, or
        the function-space variable ``f``, for diagnostics.
    posterior_predictive, log_likelihood : None, True or False, default None
        Include the ``posterior_predictive`` group (``y`` drawn at the training inputs from the
        network outputs and ``sigma``, with a seeded generator) and the pointwise
        ``log_likelihood`` of the training data (for ``az.loo``). ``None`` (default): whenever
        the model and the training data are known; ``True``: required (raises otherwise).
    pool_chains : "auto", True, False or int, default "auto"
        ``True`` pools the chains, in order, into ``K`` ArviZ chains (superchains of
        consecutive chains): ``K`` is the divisor of the number of chains nearest its square
        root that leaves every ArviZ chain at least 4 draws (1 when none does); an int sets
        ``K`` (a divisor of the number of chains). The coordinate ``chain_id`` ``(chain,
        draw)`` keeps where each draw came from. This is the layout in which ArviZ's R-hat and
        ESS are defined when each chain has fewer than 4 draws (R-hat then compares
        superchains, as nested R-hat does). ``"auto"`` pools exactly then; ``False`` keeps one
        ArviZ chain per chain.
    seed : None, int or numpy Generator, default None
        For the posterior predictive draws; ``None`` derives it from ``results.seed``.
    container : {"auto", "InferenceData", "DataTree"}, default "auto"
        ``"auto"``: ``InferenceData`` with ArviZ 0.x installed, ``DataTree`` otherwise.

    Returns
    -------
    arviz.InferenceData or xarray.DataTree
        Groups ``posterior`` (``W{l}`` and ``b{l}`` with dims named by layer of neurons, so
        that a neuron has one name in every array: ``W0`` ``("chain", "draw", "hidden_0",
        "input")``, ``b0`` ``(..., "hidden_0")``, ``W1`` ``(..., "hidden_1", "hidden_0")``, the
        last layer's ``(..., "output", ...)``; ``sigma``; and ``f``, the network output at the
        training inputs ``("chain", "draw", "obs_id")``, plus ``"output"`` for several outputs;
        ``theta`` for a raw target), ``sample_stats``, ``observed_data`` ``y``,
        ``constant_data`` ``x`` ``("obs_id", "input")``, ``posterior_predictive`` ``y`` and
        ``log_likelihood`` ``y``. Every dimension but chain and draw has integer coordinates
        ``0, 1, ...``. Arrays are copies.

    Raises
    ------
    ImportError
        Without xarray, or without ArviZ for ``container="InferenceData"``.
    ValueError
        For an unknown ``weights`` or ``container``, or a required group that cannot be built.
    TypeError
        For flags that are not booleans.

    Examples
    --------
    >>> from symhmc.results.arviz_export import to_arviz
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
    >>> tree = to_arviz(run, weights="canonical", container="DataTree")
    >>> sorted(tree.children)
    ['constant_data', 'log_likelihood', 'observed_data', 'posterior', 'posterior_predictive', 'sample_stats']
    >>> tree["posterior"]["W0"].dims, tree["posterior"]["W1"].dims
    (('chain', 'draw', 'hidden_0', 'input'), ('chain', 'draw', 'output', 'hidden_0'))
    """
    if not isinstance(container, str) or container not in _CONTAINERS:
        raise ValueError(f"container must be one of {_CONTAINERS}, got {container!r}")
    datasets = arviz_datasets(
        results,
        weights=weights,
        posterior_predictive=posterior_predictive,
        log_likelihood=log_likelihood,
        pool_chains=pool_chains,
        seed=seed,
    )
    if container == "auto":
        container = "InferenceData" if arviz_major_version() == 0 else "DataTree"
    attrs = dict(next(iter(datasets.values())).attrs)
    if container == "DataTree":
        xr = _import_xarray()
        tree = xr.DataTree.from_dict({f"/{name}": ds for name, ds in datasets.items()})
        tree.attrs.update(attrs)
        return tree
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import arviz as az  # noqa: PLC0415
    except ImportError:
        raise ImportError("container='InferenceData' needs ArviZ 0.x: pip install 'symhmc[arviz]'") from None
    if not hasattr(az, "InferenceData"):
        raise ImportError("container='InferenceData' needs ArviZ 0.x; ArviZ 1.x uses container='DataTree'")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return az.InferenceData(attrs=attrs, **datasets)
