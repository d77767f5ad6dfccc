"""Sampling many short chains with the compiled NUTS / static HMC engine.

Every chain has its own counter-based random stream derived from ``(seed, chain index)``, so
a run is reproducible bit for bit whatever the number of threads.
"""

from __future__ import annotations

import numbers
import threading
import time
import warnings
from typing import Any, Literal, Mapping, Union, cast

import numpy as np

from . import _core
from ._validation import as_float_array, positive_float, positive_int, threads_arg
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


def _entropy(ss: np.random.SeedSequence) -> int:
    """The seed of a sequence made by :func:`_seed_sequence`: one int (given, or drawn by numpy)."""
    return int(cast(int, ss.entropy))


def _key(ss: np.random.SeedSequence) -> int:
    return int(ss.generate_state(1, dtype=np.uint64)[0])


def _prior_init(model, chains: int, ss: np.random.SeedSequence, first_chain: int = 0) -> np.ndarray:
    """Per-chain draws from the prior on the unconstrained vector (chain c depends only on
    (seed, c), c counted from the start of the run's streams)."""
    out = np.empty((chains, model.dim))
    for i in range(chains):
        c = first_chain + i
        rng = np.random.default_rng(np.random.SeedSequence(ss.entropy, spawn_key=(*ss.spawn_key, 1, c)))
        out[i, : model.n_params] = model.prior_scale * rng.standard_normal(model.n_params)
        if model.samples_noise:
            out[i, -1] = np.log(model.noise_prior_scale * abs(rng.standard_normal()) + 1e-300)
    return out


def _init_points(init, chains: int, dim: int, model, ss, first_chain: int = 0) -> tuple[np.ndarray | None, str]:
    if isinstance(init, str):
        if init == "uniform":
            return None, "uniform"
        if init == "prior":
            if model is None:
                raise ValueError("init='prior' needs a model; pass initial points as an array instead")
            return _prior_init(model, chains, ss, first_chain), "prior"
        raise ValueError(f"init must be 'uniform', 'prior' or an array of shape ({chains}, {dim}), got {init!r}")
    arr = as_float_array(init, "init", ndim=2)
    if arr.shape != (chains, dim):
        raise ValueError(f"init must have shape (chains, dim) = ({chains}, {dim}), got {arr.shape}")
    return arr, "array"


_RUN_ARGUMENTS = ("chains", "key", "threads", "init", "first_chain")


def _core_arguments(kwargs: dict) -> dict:
    """_core.run_chains arguments: the run's own, plus every sampler option in a SamplerSettings."""
    settings = _core.SamplerSettings()
    settings.sampler = kwargs["sampler"]
    for name, value in kwargs.items():
        if name not in _RUN_ARGUMENTS and name != "sampler":
            settings.set(name, value)
    return {**{k: kwargs[k] for k in _RUN_ARGUMENTS if k in kwargs}, "settings": settings}


def _run_with_progress(target, kwargs: dict, chains: int, show: bool, *, bar=None,
                       offset: int = 0) -> tuple[dict, bool, float]:
    """Runs _core.run_chains in a worker thread; the calling thread shows progress and turns
    KeyboardInterrupt into the core's interrupt flag. Returns (outputs, interrupted, seconds).

    ``bar``: an open tqdm bar shared by several calls (rounds), advanced from ``offset``; it is
    left open. Without it a bar of ``chains`` is made (if ``show``) and closed.
    """
    handle = _core.Progress()
    box: dict[str, Any] = {}
    # An Event, not Thread.join: a KeyboardInterrupt inside join() can leave the thread looking
    # finished while it still runs (CPython gh-90882).
    done = threading.Event()

    def work():
        try:
            box["out"] = _core.run_chains(target, progress=handle, **_core_arguments(kwargs))
        except BaseException as exc:  # re-raised in the calling thread
            box["error"] = exc
        finally:
            done.set()

    own_bar = bar is None and show
    if own_bar:
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
                    bar.n = offset + handle.chains_done
                    bar.set_postfix(divergences=handle.divergences, refresh=False)
                    bar.refresh()
        except KeyboardInterrupt:
            interrupted = True
            handle.interrupt()
            while not done.wait(0.1):  # chains stop before their next iteration
                pass
    finally:
        if bar is not None:
            bar.n = offset + handle.chains_done
            if own_bar:
                bar.set_postfix(divergences=handle.divergences, refresh=False)
                bar.close()
            else:
                bar.refresh()
    seconds = time.perf_counter() - start
    if "error" in box:
        raise box["error"]
    # The worker stored either "out" or "error" before setting ``done``.
    return box["out"], interrupted or bool(handle.interrupted), seconds


# ----------------------------------------------------------------------------------------------
# Chain count rules: a number, the bound of symhmc.bounds, or rounds until the prediction settles
# ----------------------------------------------------------------------------------------------
CHAIN_RULES = ("bound", "auto")
BOUND_KEYS = ("modes", "p", "probs", "method")
#: Defaults of ``chains="auto"``: rounds of 64 chains up to the paper's 1274; stop when the mean
#: KL divergence between the predictive densities of successive rounds is below ``tol`` for
#: ``patience`` rounds in a row (one round alone can dip below by chance).
AUTO_DEFAULTS: dict[str, Any] = {"round_size": 64, "tol": 1e-4, "max_chains": 1274, "patience": 2, "x": None,
                                 "y_grid": None, "floor": 1e-12}


def _mapping_arg(value, name: str, allowed) -> dict:
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise TypeError(f"{name} must be a dict with keys from {list(allowed)}, got {type(value).__name__}")
    unknown = sorted(str(k) for k in set(value) - set(allowed))
    if unknown:
        raise TypeError(f"{name}: unknown key(s) {unknown}; valid keys: {list(allowed)}")
    return dict(value)


def _bound_rule(bound) -> tuple[int, dict]:
    """Chain count of ``chains="bound"`` and its record."""
    from . import bounds

    args = _mapping_arg(bound, "bound", BOUND_KEYS)
    try:
        n = bounds.chains_needed(**args)
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"bound: {exc}") from None
    method = args.get("method", "markov")
    probs = args.get("probs")
    modes = args.get("modes")
    if modes is None:
        modes = bounds.DEFAULT_MODES if probs is None else len(np.asarray(probs))
    record = {"rule": "bound", "modes": int(modes), "p": float(args.get("p", 0.99)), "method": str(method),
              "probs": None if probs is None else [float(v) for v in np.asarray(probs, dtype=float)], "chains": int(n)}
    return int(n), record


def _auto_rule(auto, model, x_train) -> dict:
    """Checked settings of ``chains="auto"``."""
    from . import ppd

    args = {**AUTO_DEFAULTS, **_mapping_arg(auto, "auto", AUTO_DEFAULTS)}
    try:
        args["round_size"] = positive_int(args["round_size"], "round_size")
        args["max_chains"] = positive_int(args["max_chains"], "max_chains")
        args["patience"] = positive_int(args["patience"], "patience")
        args["tol"] = positive_float(args["tol"], "tol")
        args["floor"] = positive_float(args["floor"], "floor")
        if args["max_chains"] < 2 * args["round_size"]:
            raise ValueError(f"max_chains ({args['max_chains']}) must be at least 2 * round_size "
                             f"({2 * args['round_size']}) so that two rounds can be compared")
        if model is None:
            raise ValueError("chains='auto' needs a model (use symhmc.sample, not sample_target on a raw target)")
        if model.n_outputs != 1:
            raise ValueError(f"chains='auto' compares predictive densities of one output; the model has "
                             f"n_outputs={model.n_outputs}")
        args["x"] = x_train if args["x"] is None else model.check_x(args["x"], "x")
        args["y_grid"] = ppd._y_grid_arg(args["y_grid"])
    except (TypeError, ValueError) as exc:
        raise type(exc)(f"auto: {exc}") from None
    args["x_source"] = "training inputs" if auto is None or auto.get("x") is None else "user"
    return args


def _chains_arg(chains, bound, auto) -> tuple[Union[int, Literal["auto"]], dict | None]:
    if isinstance(chains, str):
        if chains not in CHAIN_RULES:
            raise ValueError(f"chains must be a positive integer, 'bound' or 'auto', got {chains!r}")
    else:
        chains = positive_int(chains, "chains")
    if bound is not None and chains != "bound":
        raise ValueError(f"bound is only used with chains='bound' (got chains={chains!r})")
    if auto is not None and chains != "auto":
        raise ValueError(f"auto is only used with chains='auto' (got chains={chains!r})")
    if chains == "bound":
        n, record = _bound_rule(bound)
        return n, record
    if chains == "auto":
        return "auto", None
    return chains, {"rule": "fixed", "chains": chains}


def _concat_outputs(outs: list[dict]) -> dict:
    if len(outs) == 1:
        return outs[0]
    return {k: np.concatenate([o[k] for o in outs], axis=0) for k in outs[0]}


ChainsArg = Union[int, Literal["bound", "auto"]]


def sample_target(target, *, chains: ChainsArg = 64, warmup: int = 1024, draws: int = 1,
                  sampler: SamplerName = "nuts", seed: Union[int, None] = None, threads: Union[int, None] = None,
                  init: Union[InitName, np.ndarray] = "uniform", progress: bool = True, bound: dict | None = None,
                  auto: dict | None = None, first_chain: int = 0, _model=None, _data=(None, None),
                  **sampler_options) -> SampleResults:
    """Sample any compiled :class:`symhmc._core.Target` (see :func:`sample` for the arguments).

    ``init='prior'`` and ``chains='auto'`` are only available through :func:`sample` (they need
    the model).
    """
    if not isinstance(target, _core.Target):
        raise TypeError(f"target must be a symhmc._core.Target, got {type(target).__name__}")
    count_or_auto, rule = _chains_arg(chains, bound, auto)
    warmup = positive_int(warmup, "warmup", minimum=0)
    draws = positive_int(draws, "draws")
    first_chain = positive_int(first_chain, "first_chain", minimum=0)
    settings = _sampler_settings(sampler, sampler_options)
    n_threads = threads_arg(threads)
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be True or False, got {progress!r}")
    auto_args: dict | None
    if count_or_auto == "auto":
        auto_args = _auto_rule(auto, _model, _data[0])
        total: int = auto_args["max_chains"]
    else:
        auto_args = None
        total = count_or_auto
    ss = _seed_sequence(seed)
    init_arr, init_name = _init_points(init, total, target.dim, _model, ss, first_chain)
    if init_arr is not None:
        lp, grad = target.log_density(init_arr, n_threads, True)
        bad = np.flatnonzero(~(np.isfinite(lp) & np.all(np.isfinite(grad), axis=1)))
        if len(bad):
            raise ValueError(f"init: the log density or its gradient is not finite at the initial point of "
                             f"chain(s) {bad[:10].tolist()}{' ...' if len(bad) > 10 else ''}")

    kwargs = dict(warmup=warmup, draws=draws, sampler=sampler, key=_key(ss), threads=n_threads, **settings)
    convergence: dict | None = None
    if auto_args is None:
        n_chains = total
        out, interrupted, seconds = _run_with_progress(
            target, dict(kwargs, chains=n_chains, init=init_arr, first_chain=first_chain), n_chains, bool(progress))
    else:
        out, interrupted, seconds, convergence = _run_auto(target, kwargs, init_arr, first_chain, auto_args,
                                                           _model, bool(progress))
        n_chains = out["finished"].shape[0]
        rule = {"rule": "auto", **{k: auto_args[k] for k in ("round_size", "tol", "max_chains", "patience",
                                                              "floor", "x_source")},
                "n_points": int(auto_args["x"].shape[0]),
                "y_grid": [float(auto_args["y_grid"][0]), float(auto_args["y_grid"][-1]),
                           int(auto_args["y_grid"].size)],
                "chains": int(n_chains), "converged": bool(convergence["converged"])}

    finished = out["finished"]
    keep = np.flatnonzero(finished)
    partial = interrupted or len(keep) < n_chains
    if partial:
        warnings.warn(f"sampling was interrupted: returning the {len(keep)} of {n_chains} chains that finished "
                      "(results.partial is True)", RuntimeWarning, stacklevel=3)
    sel = (lambda a: a[keep]) if partial else (lambda a: a)
    all_settings = {
        "sampler": sampler, "chains": n_chains, "warmup": warmup, "draws": draws,
        "threads": n_threads if n_threads > 0 else int(_core.max_threads()), "init": init_name,
        "seed": _entropy(ss), "rng": "philox4x32-10, stream (key, chain)",
        **settings,
    }
    if sampler == "nuts":
        all_settings["dense_mass_matrix"] = False
    all_settings["adaptation_windows_used"] = _windows_used(warmup, settings)
    all_settings["first_chain"] = first_chain
    all_settings["chains_rule"] = rule
    results = SampleResults(
        draws=sel(out["draws"]), stats={k: sel(out[k]) for k in STAT_NAMES}, step_size=sel(out["adapted_step_size"]),
        inv_mass=sel(out["inv_mass"]), n_grad_evals=sel(out["n_grad_evals"]), wall_time=seconds,
        settings=all_settings, seed=_entropy(ss), partial=partial, chain_ids=first_chain + keep, model=_model,
        x=_data[0], y=_data[1])
    if convergence is not None:
        results.convergence = convergence
    return results


def _run_auto(target, kwargs: dict, init_arr, first_chain: int, a: dict, model,
              show: bool) -> tuple[dict, bool, float, dict[str, Any]]:
    """Rounds of ``a["round_size"]`` chains until the predictive density of successive rounds
    differs by less than ``a["tol"]`` (mean KL over the inputs) for ``a["patience"]`` rounds, or
    ``a["max_chains"]`` chains ran. Round r runs the streams ``first_chain + [r * size, ...)``,
    so the chains are those of one run of the same total size."""
    from .ppd import PredictiveDensity

    acc = PredictiveDensity(model, a["x"], a["y_grid"], floor=a["floor"])
    outs: list[dict] = []
    curve_chains: list[int] = []
    curve_prev: list[int] = []
    curve_kl: list[float] = []
    seconds = kl_seconds = 0.0
    interrupted = converged = False
    below, done, prev, prev_count = 0, 0, None, 0
    bar = None
    if show:
        from tqdm.auto import tqdm

        bar = tqdm(total=a["max_chains"], unit="chain", desc=f"{kwargs['sampler'].upper()} auto", smoothing=0.05)
    try:
        while done < a["max_chains"]:
            n = min(a["round_size"], a["max_chains"] - done)
            init = None if init_arr is None else init_arr[done:done + n]
            out, interrupted, secs = _run_with_progress(
                target, dict(kwargs, chains=n, init=init, first_chain=first_chain + done), n, show, bar=bar,
                offset=done)
            outs.append(out)
            seconds += secs
            if interrupted or not out["finished"].all():
                interrupted = True
                break
            done += n
            t0 = time.perf_counter()
            acc.add(out["draws"])
            cur = acc.normalised()
            if prev is not None:
                kl = acc.kl_to(prev)
                curve_chains.append(done)
                curve_prev.append(prev_count)
                curve_kl.append(kl)
                if bar is not None:
                    bar.set_postfix(kl=f"{kl:.2e}", tol=f"{a['tol']:.1e}", refresh=True)
                below = below + 1 if kl < a["tol"] else 0
                if below >= a["patience"]:
                    converged = True
                    kl_seconds += time.perf_counter() - t0
                    break
            prev, prev_count = cur, done
            kl_seconds += time.perf_counter() - t0
    except KeyboardInterrupt:  # between rounds, e.g. while the KL is computed
        interrupted = True
    finally:
        if bar is not None:
            bar.close()
    if not outs:
        raise KeyboardInterrupt
    convergence = {"chains": curve_chains, "previous": curve_prev, "kl": curve_kl, "tol": a["tol"],
                   "converged": converged, "round_size": a["round_size"], "max_chains": a["max_chains"],
                   "patience": a["patience"], "x": a["x"], "y_grid": a["y_grid"], "seconds": kl_seconds}
    return _concat_outputs(outs), interrupted, seconds, convergence


def sample(model, x, y, *, chains: ChainsArg = 64, warmup: int = 1024, draws: int = 1,
           sampler: SamplerName = "nuts", seed: Union[int, None] = None, threads: Union[int, None] = None,
           init: Union[InitName, np.ndarray] = "uniform", progress: bool = True, bound: dict | None = None,
           auto: dict | None = None, first_chain: int = 0, **sampler_options) -> SampleResults:
    """Sample the posterior of a Bayesian MLP with many independent chains.

    Parameters
    ----------
    model : MLP
        The network, priors and likelihood.
    x, y : array_like
        Training inputs ``(n, n_inputs)`` (1-D for one input) and targets ``(n,)`` or ``(n, n_outputs)``.
    chains : int or {"bound", "auto"}
        Number of independent chains (the paper: 1274), or a rule choosing it:

        * ``"bound"``: :func:`symhmc.bounds.chains_needed` with the arguments in ``bound``
          (``modes``, ``p``, ``probs``, ``method``; default: its defaults, the paper's Markov
          bound for 3 modes at p = 0.99, 1274 chains; ``dict(modes=3, p=0.99,
          method="exact")`` gives the exact quantile, 54 chains).
        * ``"auto"``: rounds of chains until the posterior predictive density has converged:
          after every round, the KL divergence ``KL(PPD_now || PPD_previous round)`` on a grid
          of outputs, averaged over the inputs (the paper's Section 5.2 measure, see
          :func:`symhmc.ppd.ppd_convergence`) is compared with ``tol``. Settings in ``auto``:
          ``round_size`` (64), ``tol`` (1e-4 nats), ``max_chains`` (1274), ``patience`` (2:
          rounds in a row below ``tol``), ``x`` (inputs, default the training inputs), ``y_grid``
          (default 201 points on [-3, 3]; the data should be standardized), ``floor`` (1e-12).
          Round r runs chains ``r * round_size, ...`` of the seed's streams, so the draws are
          exactly those of one run with the same total number of chains; the curve is in
          ``results.convergence`` (``chains``, ``previous``, ``kl``, ``tol``, ``converged``, ...).
          It sees only modes some chain has visited: a mode no chain found cannot change the
          prediction, so use it beside, not instead of, the ``"bound"`` counts.

        ``results.settings["chains"]`` is the number run and ``results.settings["chains_rule"]``
        how it was chosen.
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
        Show a progress bar (chains done, divergences; across rounds for ``chains="auto"``).
    bound : dict, optional
        Arguments of the ``chains="bound"`` rule (an error with any other ``chains``).
    auto : dict, optional
        Settings of the ``chains="auto"`` rule (an error with any other ``chains``).
    first_chain : int
        Index of the first chain's random stream (default 0): ``chains=64, first_chain=64``
        gives exactly chains 64..127 of a run with ``chains=128`` and the same seed.
    **sampler_options
        ``step_size`` (initial, 1.0), ``target_accept`` (0.8), ``gamma`` (0.05), ``t0`` (10),
        ``kappa`` (0.75), ``adapt_step_size``, ``adapt_mass_matrix``, ``find_step_size`` (True),
        ``max_energy_error`` (1000), ``init_buffer`` (75), ``base_window`` (25),
        ``term_buffer`` (50), ``init_radius`` (2); NUTS: ``max_tree_depth`` (10);
        HMC: ``n_steps`` (10), ``step_jitter`` (0).

    Returns
    -------
    SampleResults
        On Ctrl-C the finished chains are returned with ``partial=True`` (and a warning);
        with ``chains="auto"``, those of every round so far.
    """
    from .model import MLP

    if not isinstance(model, MLP):
        raise TypeError(f"model must be a symhmc.MLP, got {type(model).__name__}")
    x = model.check_x(x)
    y = model.check_y(y, x.shape[0])
    target = model.posterior(x, y)
    return sample_target(target, chains=chains, warmup=warmup, draws=draws, sampler=sampler, seed=seed,
                         threads=threads, init=init, progress=progress, bound=bound, auto=auto,
                         first_chain=first_chain, _model=model, _data=(x, y), **sampler_options)
