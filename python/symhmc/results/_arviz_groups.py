"""The ArviZ groups of a run as plain NumPy arrays with named dimensions: what
:func:`symhmc.to_arviz <symhmc.results.arviz_export.to_arviz>` wraps into an InferenceData or DataTree and
what :func:`symhmc.save` writes into a netCDF file next to symhmc's own arrays. No xarray or ArviZ
here, so the layout is decided in one place whatever container receives it.

Dimensions are named by layer of neurons, so that one neuron has one name in every array (xarray
lines arrays up by dimension name): ``input`` (the network's inputs, also the columns of ``x``),
``hidden_0``, ``hidden_1``, ... and ``output`` (also the columns of ``f`` and ``y``). ``W{l}``
keeps the model's orientation ``(out, in)``: ``W0`` is ``(hidden_0, input)``, ``b0``
``(hidden_0,)``, ``W1`` ``(hidden_1, hidden_0)`` or ``(output, hidden_0)``. Every dimension but
``chain`` and ``draw`` gets integer coordinates ``0, 1, ...``."""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from ..model import gaussian_logpdf

__all__ = ["ArvizGroups", "arviz_groups", "WEIGHT_CHOICES", "MIN_DRAWS_PER_CHAIN"]

WEIGHT_CHOICES = ("raw", "canonical", "aligned")
# ArviZ's R-hat and ESS need at least this many draws per chain; below it, pool_chains="auto"
# pools the chains into fewer, longer ArviZ chains.
MIN_DRAWS_PER_CHAIN = 4
# The posterior predictive uses its own random stream, separate from the sampler's.
_PREDICTIVE_STREAM = 0x9D


class ArvizGroups(NamedTuple):
    """``groups``: group name -> variable name -> ``(dims, array)``; ``coords``: coordinate
    name -> ``(dims, array)`` shared by every group; ``pooled``: whether chains were pooled."""

    groups: dict[str, dict[str, tuple[tuple[str, ...], np.ndarray]]]
    coords: dict[str, tuple[tuple[str, ...], np.ndarray]]
    pooled: bool


def _flag(value, name: str):
    if value is None or isinstance(value, (bool, np.bool_)):
        return value
    raise TypeError(f"{name} must be None, True or False, got {value!r}")


def _superchain_count(pool_chains, n_chains: int, n_draws: int) -> int | None:
    """How many ArviZ chains the run's chains are pooled into (``None``: not pooled).

    ``True`` (and ``"auto"`` with fewer than :data:`MIN_DRAWS_PER_CHAIN` draws per chain): the
    divisor of ``n_chains`` nearest its square root among those that leave every pooled chain at
    least 4 draws, at least 2 of them when possible so that R-hat is defined."""
    if isinstance(pool_chains, str) and pool_chains == "auto":
        if n_draws >= MIN_DRAWS_PER_CHAIN:
            return None
        pool_chains = True
    if isinstance(pool_chains, (bool, np.bool_)):
        if not pool_chains:
            return None
        fits = [
            d for d in range(2, n_chains + 1) if n_chains % d == 0 and (n_chains // d) * n_draws >= MIN_DRAWS_PER_CHAIN
        ]
        root = np.sqrt(n_chains)
        return min(fits, key=lambda d: (abs(d - root), d)) if fits else 1
    if isinstance(pool_chains, (int, np.integer)) and 1 <= pool_chains <= n_chains and n_chains % pool_chains == 0:
        return int(pool_chains)
    raise ValueError(
        f"pool_chains must be 'auto', True, False or a divisor of the number of chains "
        f"({n_chains}), got {pool_chains!r}"
    )


def _weights(results, weights: str) -> np.ndarray:
    """The draws with the symmetry removed as ``weights`` asks (a copy in every case)."""
    if not isinstance(weights, str) or weights not in WEIGHT_CHOICES:
        raise ValueError(f"weights must be one of {WEIGHT_CHOICES}, got {weights!r}")
    if weights == "raw":
        return np.array(results.draws)
    if results.model is None:
        raise ValueError(f"weights={weights!r} needs a network model (results.model is None)")
    from .. import symmetry  # noqa: PLC0415  (imported when symmetry removal is asked for)

    if weights == "canonical":
        return symmetry.canonicalize(results.draws, results.model)
    return symmetry.align(results.draws, results.model)


def _predictive_rng(results, seed) -> np.random.Generator:
    if seed is None:
        seed = results.seed if results.seed is not None else 0
    if isinstance(seed, np.random.Generator):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"seed must be None, an int or a numpy Generator, got {seed!r}")
    return np.random.default_rng([abs(int(seed)), int(seed < 0), _PREDICTIVE_STREAM])


def _unit_dims(model) -> tuple[str, ...]:
    """The dimension names of the network's layers of neurons, inputs first:
    ``("input", "hidden_0", ..., "output")``; ``W{l}`` is ``(names[l + 1], names[l])``."""
    return ("input", *(f"hidden_{k}" for k in range(len(model.hidden))), "output")


def _integer_coords(groups, coords) -> None:
    """Integer coordinates ``0, 1, ...`` for every dimension but chain and draw that has none,
    so that ArviZ labels and xarray aligns neurons, inputs and observations by index."""
    for variables in groups.values():
        for dims, a in variables.values():
            for dim, size in zip(dims, a.shape):
                if dim not in ("chain", "draw") and dim not in coords:
                    coords[dim] = ((dim,), np.arange(size, dtype=np.int64))


def _data_groups(results, want_pp, want_ll, seed, groups, dims_of_y):
    """observed_data, constant_data and, from the network outputs, the function-space variable
    ``f``, ``posterior_predictive`` and ``log_likelihood``."""
    x = np.asarray(results.x, dtype=float)
    x = x.reshape(x.shape[0], -1)
    y = np.asarray(results.y, dtype=float)
    y = y.reshape(y.shape[0], -1)
    one = y.shape[1] == 1
    y_obs = y[:, 0] if one else y
    groups["observed_data"] = {"y": (dims_of_y, y_obs.copy())}
    groups["constant_data"] = {"x": (("obs_id", "input"), x.copy())}
    if results.model is None:
        return
    chains, draws = results.n_chains, results.n_draws
    f = np.asarray(results.model.predict(results.flat_draws(), x), dtype=float)
    f = f.reshape(chains, draws, *y_obs.shape)
    groups["posterior"]["f"] = (("chain", "draw", *dims_of_y), f)
    sigma = np.asarray(results.sigma, dtype=float).reshape(chains, draws, *([1] * y_obs.ndim))
    if want_pp:
        noise = _predictive_rng(results, seed).standard_normal(f.shape)
        groups["posterior_predictive"] = {"y": (("chain", "draw", *dims_of_y), f + sigma * noise)}
    if want_ll:
        ll = gaussian_logpdf(y_obs, f, sigma)
        if not one:  # independent noise per output: one pointwise value per observation
            ll = ll.sum(axis=-1)
        groups["log_likelihood"] = {"y": (("chain", "draw", "obs_id"), ll)}


def _pool(groups, results, k: int) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    """Put the chains, in order, on ``k`` ArviZ chains (superchains of consecutive chains);
    the coordinate ``chain_id`` ``(chain, draw)`` keeps where each draw came from."""
    n = results.n_chains * results.n_draws // k
    for variables in groups.values():
        for name, (dims, a) in variables.items():
            if dims[:2] == ("chain", "draw"):
                variables[name] = (dims, a.reshape(k, n, *a.shape[2:]))
    chain_id = np.repeat(np.asarray(results.chain_ids, dtype=np.int64), results.n_draws).reshape(k, n)
    return {
        "chain": (("chain",), np.arange(k, dtype=np.int64)),
        "draw": (("draw",), np.arange(n, dtype=np.int64)),
        "chain_id": (("chain", "draw"), chain_id),
    }


def arviz_groups(
    results, *, weights: str = "raw", posterior_predictive=None, log_likelihood=None, pool_chains="auto", seed=None
) -> ArvizGroups:
    """The ArviZ groups of ``results``; the arguments are those of
    :func:`symhmc.results.arviz_export.to_arviz`, checked here."""
    want_pp = _flag(posterior_predictive, "posterior_predictive")
    want_ll = _flag(log_likelihood, "log_likelihood")
    superchains = _superchain_count(pool_chains, results.n_chains, results.n_draws)
    has_data = results.x is not None and results.y is not None
    for flag, name in ((want_pp, "posterior_predictive"), (want_ll, "log_likelihood")):
        if flag and not has_data:
            raise ValueError(f"{name}=True needs the training data (results.x and results.y are None)")
        if flag and results.model is None:
            raise ValueError(f"{name}=True needs a model (results.model is None)")
    drawn = _weights(results, weights)
    posterior: dict[str, tuple[tuple[str, ...], np.ndarray]] = {}
    if results.model is not None:
        units = _unit_dims(results.model)
        for layer, (W, b) in enumerate(results.model.unpack(drawn)):  # W: (out, in), as the model's layout
            posterior[f"W{layer}"] = (("chain", "draw", units[layer + 1], units[layer]), np.array(W))
            posterior[f"b{layer}"] = (("chain", "draw", units[layer + 1]), np.array(b))
        posterior["sigma"] = (("chain", "draw"), np.array(results.sigma, dtype=float))
    else:
        posterior["theta"] = (("chain", "draw", "coordinate"), drawn)
    groups: dict[str, dict[str, tuple[tuple[str, ...], np.ndarray]]] = {
        "posterior": posterior,
        "sample_stats": {k: (("chain", "draw"), np.array(v)) for k, v in results.stats.items()},
    }
    if has_data:
        y_cols = np.asarray(results.y).reshape(np.shape(results.y)[0], -1).shape[1]
        dims_of_y = ("obs_id",) if y_cols == 1 else ("obs_id", "output")
        _data_groups(results, want_pp is not False, want_ll is not False, seed, groups, dims_of_y)
    if superchains is not None:
        coords = _pool(groups, results, superchains)
    else:
        coords = {
            "chain": (("chain",), np.asarray(results.chain_ids, dtype=np.int64)),
            "draw": (("draw",), np.arange(results.n_draws, dtype=np.int64)),
        }
    _integer_coords(groups, coords)
    return ArvizGroups(groups, coords, superchains is not None)
