"""Sampling many short chains with the compiled NUTS / static HMC engine.

Every chain has its own counter-based random stream derived from ``(seed, chain index)``, so
a run is reproducible bit for bit whatever the number of threads.
"""

from __future__ import annotations

import numbers
import threading
import time
import warnings
from typing import Any, Literal, Union

import numpy as np

from . import _core
from ._validation import as_float_array, positive_int, threads_arg
from .results import STAT_NAMES, SampleResults

SamplerName = Literal["nuts", "hmc"]
InitName = Literal["uniform", "prior"]

# name -> (type, default) of the sampler options; the defaults match the paper's NumPyro run
# (Stan's conventions: dual averaging with target 0.8, gamma 0.05, t0 10, kappa 0.75, windowed
# diagonal mass matrix adaptation 75 / 25 / 50, maximum tree depth 10).
_COMMON_OPTIONS: dict[str, tuple[type, Any]] = {
    "step_size": (float, 1.0),
    "target_accept": (float, 0.8),
    "gamma": (float, 0.05),
    "t0": (float, 10.0),
    "kappa": (float, 0.75),
    "adapt_step_size": (bool, True),
    "adapt_mass_matrix": (bool, True),
    "find_step_size": (bool, True),
    "max_energy_error": (float, 1000.0),
    "init_buffer": (int, 75),
    "base_window": (int, 25),
    "term_buffer": (int, 50),
    "init_radius": (float, 2.0),
}
SAMPLER_OPTIONS: dict[str, dict[str, tuple[type, Any]]] = {
    "nuts": {**_COMMON_OPTIONS, "max_tree_depth": (int, 10)},
    "hmc": {**_COMMON_OPTIONS, "n_steps": (int, 10), "step_jitter": (float, 0.0)},
}
_POSITIVE = {"step_size", "gamma", "max_energy_error", "init_radius"}


def _check_option(name: str, value, kind: type):
    if kind is bool:
        if not isinstance(value, (bool, np.bool_)):
            raise TypeError(f"{name} must be True or False, got {value!r}")
        return bool(value)
    if kind is int:
        if isinstance(value, bool) or not isinstance(value, numbers.Integral):
            raise TypeError(f"{name} must be an integer, got {type(value).__name__}")
        value = int(value)
        minimum = {"max_tree_depth": 1, "n_steps": 1, "base_window": 1}.get(name, 0)
        if value < minimum:
            raise ValueError(f"{name} must be >= {minimum}, got {value}")
        if name == "max_tree_depth" and value > 30:
            raise ValueError(f"max_tree_depth must be <= 30, got {value}")
        return value
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name} must be a real number, got {type(value).__name__}")
    value = float(value)
    if not np.isfinite(value):
        raise ValueError(f"{name} must be finite, got {value}")
    if name in _POSITIVE and value <= 0:
        raise ValueError(f"{name} must be positive, got {value}")
    if name == "target_accept" and not 0 < value < 1:
        raise ValueError(f"target_accept must be in (0, 1), got {value}")
    if name == "kappa" and not 0 < value <= 1:
        raise ValueError(f"kappa must be in (0, 1], got {value}")
    if name == "t0" and value < 0:
        raise ValueError(f"t0 must be >= 0, got {value}")
    if name == "step_jitter" and not 0 <= value < 1:
        raise ValueError(f"step_jitter must be in [0, 1), got {value}")
    return value


def _sampler_settings(sampler, options: dict) -> dict[str, Any]:
    if not isinstance(sampler, str) or sampler not in SAMPLER_OPTIONS:
        raise ValueError(f"sampler must be one of {tuple(SAMPLER_OPTIONS)}, got {sampler!r}")
    spec = SAMPLER_OPTIONS[sampler]
    unknown = sorted(set(options) - set(spec))
    if unknown:
        raise TypeError(f"unknown sampler option(s) {unknown} for sampler={sampler!r}; "
                        f"valid options: {sorted(spec)}")
    return {name: _check_option(name, options.get(name, default), kind) for name, (kind, default) in spec.items()}


def _windows_used(warmup: int, s: dict) -> tuple[int, int, int] | None:
    """(init buffer, first slow window, terminal buffer) as the core applies them (Stan's rule):
    no metric adaptation below 20 warmup iterations; 15 % / 75 % / 10 % when the configured
    stages do not fit."""
    if not s["adapt_mass_matrix"] or warmup < 20:
        return None
    init, base, term = s["init_buffer"], s["base_window"], s["term_buffer"]
    if init + base + term > warmup:
        init, term = int(0.15 * warmup), int(0.1 * warmup)
        base = warmup - init - term
    return (init, base, term)


def _seed_sequence(seed) -> np.random.SeedSequence:
    if seed is None:
        return np.random.SeedSequence()
    if isinstance(seed, bool) or not isinstance(seed, numbers.Integral) or seed < 0:
        raise TypeError(f"seed must be None or a non-negative integer, got {seed!r}")
    return np.random.SeedSequence(int(seed))


def _key(ss: np.random.SeedSequence) -> int:
    return int(ss.generate_state(1, dtype=np.uint64)[0])


def _prior_init(model, chains: int, ss: np.random.SeedSequence) -> np.ndarray:
    """Per-chain draws from the prior on the unconstrained vector (chain c depends only on
    (seed, c))."""
    out = np.empty((chains, model.dim))
    for c in range(chains):
        rng = np.random.default_rng(np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, 1, c)))
        out[c, : model.n_params] = model.prior_scale * rng.standard_normal(model.n_params)
        if model.samples_noise:
            out[c, -1] = np.log(model.noise_prior_scale * abs(rng.standard_normal()) + 1e-300)
    return out


def _init_points(init, chains: int, dim: int, model, ss) -> tuple[np.ndarray | None, str]:
    if isinstance(init, str):
        if init == "uniform":
            return None, "uniform"
        if init == "prior":
            if model is None:
                raise ValueError("init='prior' needs a model; pass initial points as an array instead")
            return _prior_init(model, chains, ss), "prior"
        raise ValueError(f"init must be 'uniform', 'prior' or an array of shape ({chains}, {dim}), got {init!r}")
    arr = as_float_array(init, "init", ndim=2)
    if arr.shape != (chains, dim):
        raise ValueError(f"init must have shape (chains, dim) = ({chains}, {dim}), got {arr.shape}")
    return arr, "array"


def _run_with_progress(target, kwargs: dict, chains: int, show: bool) -> tuple[dict | None, bool, float]:
    """Runs _core.run_chains in a worker thread; the calling thread shows progress and turns
    KeyboardInterrupt into the core's interrupt flag. Returns (outputs, interrupted, seconds)."""
    handle = _core.Progress()
    box: dict[str, Any] = {}
    # An Event, not Thread.join: a KeyboardInterrupt inside join() can leave the thread looking
    # finished while it still runs (CPython gh-90882).
    done = threading.Event()

    def work():
        try:
            box["out"] = _core.run_chains(target, progress=handle, **kwargs)
        except BaseException as exc:  # re-raised in the calling thread
            box["error"] = exc
        finally:
            done.set()

    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=chains, unit="chain", desc=f"{kwargs['sampler'].upper()}", smoothing=0.05)
    worker = threading.Thread(target=work, name="symhmc-sampler", daemon=True)
    interrupted = False
    start = time.perf_counter()
    worker.start()
    try:
        try:
            while not done.wait(0.1):
                if bar is not None:
                    bar.n = handle.chains_done
                    bar.set_postfix(divergences=handle.divergences, refresh=False)
                    bar.refresh()
        except KeyboardInterrupt:
            interrupted = True
            handle.interrupt()
            while not done.wait(0.1):  # chains stop before their next iteration
                pass
    finally:
        if bar is not None:
            bar.n = handle.chains_done
            bar.set_postfix(divergences=handle.divergences, refresh=False)
            bar.close()
    seconds = time.perf_counter() - start
    if "error" in box:
        raise box["error"]
    return box.get("out"), interrupted or bool(handle.interrupted), seconds


def sample_target(target, *, chains: int = 64, warmup: int = 1024, draws: int = 1, sampler: SamplerName = "nuts",
                  seed: Union[int, None] = None, threads: Union[int, None] = None,
                  init: Union[InitName, np.ndarray] = "uniform", progress: bool = True, _model=None,
                  _data=(None, None), **sampler_options) -> SampleResults:
    """Sample any compiled :class:`symhmc._core.Target` (see :func:`sample` for the arguments).

    ``init='prior'`` is only available through :func:`sample` (it needs the model).
    """
    if not isinstance(target, _core.Target):
        raise TypeError(f"target must be a symhmc._core.Target, got {type(target).__name__}")
    chains = positive_int(chains, "chains")
    warmup = positive_int(warmup, "warmup", minimum=0)
    draws = positive_int(draws, "draws")
    settings = _sampler_settings(sampler, sampler_options)
    n_threads = threads_arg(threads)
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be True or False, got {progress!r}")
    ss = _seed_sequence(seed)
    init_arr, init_name = _init_points(init, chains, target.dim, _model, ss)
    if init_arr is not None:
        lp, grad = target.log_density(init_arr, n_threads, True)
        bad = np.flatnonzero(~(np.isfinite(lp) & np.all(np.isfinite(grad), axis=1)))
        if len(bad):
            raise ValueError(f"init: the log density or its gradient is not finite at the initial point of "
                             f"chain(s) {bad[:10].tolist()}{' ...' if len(bad) > 10 else ''}")

    kwargs = dict(chains=chains, warmup=warmup, draws=draws, sampler=sampler, key=_key(ss), threads=n_threads,
                  init=init_arr, **settings)
    out, interrupted, seconds = _run_with_progress(target, kwargs, chains, bool(progress))

    finished = out["finished"]
    keep = np.flatnonzero(finished)
    partial = interrupted or len(keep) < chains
    if partial:
        warnings.warn(f"sampling was interrupted: returning the {len(keep)} of {chains} chains that finished "
                      "(results.partial is True)", RuntimeWarning, stacklevel=3)
    sel = (lambda a: a[keep]) if partial else (lambda a: a)
    all_settings = {
        "sampler": sampler, "chains": chains, "warmup": warmup, "draws": draws,
        "threads": n_threads if n_threads > 0 else int(_core.max_threads()), "init": init_name,
        "seed": int(ss.entropy), "rng": "philox4x32-10, stream (key, chain)",
        **settings,
    }
    if sampler == "nuts":
        all_settings["dense_mass_matrix"] = False
    all_settings["adaptation_windows_used"] = _windows_used(warmup, settings)
    return SampleResults(
        draws=sel(out["draws"]), stats={k: sel(out[k]) for k in STAT_NAMES}, step_size=sel(out["adapted_step_size"]),
        inv_mass=sel(out["inv_mass"]), n_grad_evals=sel(out["n_grad_evals"]), wall_time=seconds,
        settings=all_settings, seed=int(ss.entropy), partial=partial, chain_ids=keep, model=_model,
        x=_data[0], y=_data[1])


def sample(model, x, y, *, chains: int = 64, warmup: int = 1024, draws: int = 1, sampler: SamplerName = "nuts",
           seed: Union[int, None] = None, threads: Union[int, None] = None,
           init: Union[InitName, np.ndarray] = "uniform", progress: bool = True, **sampler_options) -> SampleResults:
    """Sample the posterior of a Bayesian MLP with many independent chains.

    Parameters
    ----------
    model : MLP
        The network, priors and likelihood.
    x, y : array_like
        Training inputs ``(n, n_inputs)`` (1-D for one input) and targets ``(n,)`` or ``(n, n_outputs)``.
    chains : int
        Number of independent chains (the paper: 1274).
    warmup : int
        Adaptation iterations per chain (0 disables adaptation; the paper: 1024).
    draws : int
        Draws kept per chain after warmup (the paper: 1).
    sampler : {"nuts", "hmc"}
        Multinomial NUTS, or static HMC with ``n_steps`` leapfrog steps.
    seed : int or None
        Seed of all random streams; ``None`` draws fresh entropy (recorded in ``results.seed``).
    threads : int or None
        Threads running chains in parallel; ``None`` uses all. Results do not depend on it.
    init : {"uniform", "prior"} or ndarray
        Initial points: uniform(-init_radius, init_radius) on every unconstrained coordinate
        (NumPyro's default), a draw from the prior, or an array ``(chains, model.dim)``.
    progress : bool
        Show a progress bar (chains done, divergences).
    **sampler_options
        ``step_size`` (initial, 1.0), ``target_accept`` (0.8), ``gamma`` (0.05), ``t0`` (10),
        ``kappa`` (0.75), ``adapt_step_size``, ``adapt_mass_matrix``, ``find_step_size`` (True),
        ``max_energy_error`` (1000), ``init_buffer`` (75), ``base_window`` (25),
        ``term_buffer`` (50), ``init_radius`` (2); NUTS: ``max_tree_depth`` (10);
        HMC: ``n_steps`` (10), ``step_jitter`` (0).

    Returns
    -------
    SampleResults
        On Ctrl-C the finished chains are returned with ``partial=True`` (and a warning).
    """
    from .model import MLP

    if not isinstance(model, MLP):
        raise TypeError(f"model must be a symhmc.MLP, got {type(model).__name__}")
    x = model.check_x(x)
    y = model.check_y(y, x.shape[0])
    target = model.posterior(x, y)
    return sample_target(target, chains=chains, warmup=warmup, draws=draws, sampler=sampler, seed=seed,
                         threads=threads, init=init, progress=progress, _model=model, _data=(x, y),
                         **sampler_options)
