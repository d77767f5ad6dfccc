"""Conversion of a run to an ``arviz.InferenceData``
(:meth:`SampleResults.to_arviz <symhmc.SampleResults.to_arviz>`)."""

from __future__ import annotations

import warnings

import numpy as np

from ._tagged_json import _dumps
from .model import gaussian_logpdf

__all__ = ["to_arviz"]


def to_arviz(results, *, log_likelihood: bool = False):
    """``results`` (a :class:`~symhmc.SampleResults`) as an ``arviz.InferenceData``; see
    :meth:`SampleResults.to_arviz <symhmc.SampleResults.to_arviz>` for the groups."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            import arviz as az  # noqa: PLC0415
    except ImportError:
        raise ImportError("to_arviz needs ArviZ: pip install 'symhmc[arviz]' (or 'arviz<1')") from None
    if not isinstance(log_likelihood, (bool, np.bool_)):
        raise TypeError(f"log_likelihood must be True or False, got {log_likelihood!r}")
    posterior: dict[str, np.ndarray] = {}
    dims: dict[str, list[str]] = {}
    if results.model is not None:
        for layer, (W, b) in enumerate(results.model.unpack(results.theta)):
            posterior[f"W{layer}"] = np.array(W)
            posterior[f"b{layer}"] = np.array(b)
            dims[f"W{layer}"] = [f"W{layer}_out", f"W{layer}_in"]
            dims[f"b{layer}"] = [f"W{layer}_out"]
        posterior["sigma"] = np.array(results.sigma, dtype=float)
    else:
        posterior["theta"] = np.array(results.draws)
        dims["theta"] = ["coordinate"]
    stats = {k: np.array(v) for k, v in results.stats.items()}
    observed = constant = loglik = None
    if results.x is not None and results.y is not None:
        x = np.asarray(results.x, dtype=float)
        y = np.asarray(results.y, dtype=float)
        x = x.reshape(x.shape[0], -1)
        y_obs = y.reshape(y.shape[0], -1)
        one = y_obs.shape[1] == 1
        observed = {"y": y_obs[:, 0].copy() if one else y_obs.copy()}
        constant = {"x": x.copy()}
        dims["y"] = ["obs_id"] if one else ["obs_id", "y_dim"]
        dims["x"] = ["obs_id", "x_dim"]
        if log_likelihood:
            if results.model is None:
                raise ValueError("log_likelihood=True needs a model (results.model is None)")
            if not one:
                raise ValueError("log_likelihood=True needs a model with one output")
            ll = results.model.predict(results.flat_draws(), x).reshape(results.n_chains, results.n_draws, -1)
            sigma = results.sigma
            assert sigma is not None  # None only without a model, excluded above
            loglik = {"y": gaussian_logpdf(y_obs[:, 0], ll, sigma[..., None])}
    elif log_likelihood:
        raise ValueError("log_likelihood=True needs the training data (results.x and results.y are None)")
    from . import __version__  # noqa: PLC0415
    attrs = {"inference_library": "symhmc", "inference_library_version": __version__,
             "sampler": str(results.settings.get("sampler")), "seed": str(results.seed),
             "wall_time_s": results.wall_time, "partial": int(results.partial)}
    try:
        attrs["settings_json"] = _dumps(results.settings, "results.settings")
    except TypeError:
        pass
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        return az.from_dict(posterior=posterior, sample_stats=stats, observed_data=observed,
                            constant_data=constant, log_likelihood=loglik, dims=dims,
                            coords={"chain": np.asarray(results.chain_ids)}, attrs=dict(attrs),
                            posterior_attrs=dict(attrs), sample_stats_attrs=dict(attrs))
