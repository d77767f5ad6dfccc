"""Sampling many short chains with the compiled NUTS / static HMC engine: :func:`sample` and
:func:`sample_target`.

Every chain has its own counter-based random stream derived from ``(seed, chain index)``, so
a run is reproducible bit for bit whatever the number of threads. The option table is in
``options``, the thread that runs the core in ``runner``, the chain-count rules in
:mod:`symhmc.sampling.chain_rules`.
"""

from __future__ import annotations

import os
import textwrap
import warnings
from typing import Literal, Union

import numpy as np

from .. import _core
from ..model import model_spec
from ..results import SampleResults
from ..utils.scaling import warn_if_unscaled
from ..utils.validation import positive_float, positive_int, threads_arg
from . import runner
from ._chain_store import CHAIN_KEYS, results_fields
from .chain_rules import (
    AUTO_DEFAULTS,
    BOUND_KEYS,
    CHAIN_RULES,
    ChainsArg,
    _auto_record,
    _auto_rule,
    _chains_arg,
    _warn_grid_mass,
)
from .checkpoint import DEFAULT_CHECKPOINT_EVERY, Checkpoint, run_fingerprint
from .options import (
    DEFAULT_DRAWS,
    DEFAULT_WARMUP,
    MAX_COUNT,
    SAMPLER_OPTIONS,
    _sampler_settings,
    core_settings,
    options_doc,
    warmup_report,
)

__all__ = [
    "sample",
    "sample_target",
    "SAMPLER_OPTIONS",
    "AUTO_DEFAULTS",
    "BOUND_KEYS",
    "CHAIN_RULES",
    "ChainsArg",
    "SamplerName",
    "InitName",
]

SamplerName = Literal["nuts", "hmc"]
InitName = Literal["uniform", "prior"]


def sample_target(
    target,
    *,
    chains: ChainsArg = 64,
    warmup: int = DEFAULT_WARMUP,
    draws: int = DEFAULT_DRAWS,
    sampler: SamplerName = "nuts",
    seed: Union[int, None] = None,
    threads: Union[int, None] = None,
    init: Union[InitName, np.ndarray, SampleResults] = "uniform",
    progress: bool = True,
    bound: dict | None = None,
    auto: dict | None = None,
    first_chain: int = 0,
    checkpoint: Union[str, os.PathLike, None] = None,
    checkpoint_every: float = DEFAULT_CHECKPOINT_EVERY,
    overwrite: bool = False,
    executor=None,
    block_size: Union[int, None] = None,
    _model=None,
    _data=(None, None),
    **sampler_options,
) -> SampleResults:
    """Sample any compiled :class:`symhmc._core.Target` with many independent chains.

    The engine behind :func:`sample`, for targets that are not an :class:`~symhmc.MLP` posterior
    (or a posterior built by ``model.posterior(x, y)``). ``init="prior"`` and ``chains="auto"``
    are only available through :func:`sample` (they need the model).

    Parameters
    ----------
    target : symhmc._core.Target
        The compiled log density to sample.
    chains : int or {"bound", "auto"}, default 64
        Number of chains, or the ``"bound"`` rule (see :func:`sample`).
    warmup : int, default {warmup}
        Adaptation iterations per chain (0 disables adaptation).
    draws : int, default {draws}
        Draws kept per chain after warmup.
    sampler : {"nuts", "hmc"}, default "nuts"
        Multinomial NUTS, or static HMC.
    seed : int or None, default None
        Seed of all random streams; ``None`` draws fresh entropy.
    threads : int or None, default None
        Threads running chains in parallel (default: all); results do not depend on it.
    init : {"uniform"}, ndarray or SampleResults, default "uniform"
        Initial points, as for :func:`sample`.
    progress : bool, default True
        Show a progress bar.
    bound : dict, optional
        Arguments of the ``chains="bound"`` rule.
    auto : dict, optional
        Settings of the ``chains="auto"`` rule (:func:`sample` only).
    first_chain : int, default 0
        Index of the first chain's random stream.
    checkpoint : str or os.PathLike, optional
        Checkpoint file, as for :func:`sample`.
    checkpoint_every : float, default {checkpoint_every:g}
        Seconds between checkpoint writes.
    overwrite : bool, default False
        Replace an existing checkpoint file.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Needs a model: only through :func:`sample`.
    block_size : int, optional
        Chains per executor block.
    _model : MLP or None, default None
        Set by :func:`sample` (the model); leave it out.
    _data : tuple of (ndarray or None), default (None, None)
        Set by :func:`sample` (the checked training data); leave it out.
    **sampler_options
        Sampler settings, as for :func:`sample`.

    Returns
    -------
    SampleResults
        The draws, with ``model``, ``x`` and ``y`` set to ``None`` for a raw target.

    Raises
    ------
    TypeError
        If an argument has the wrong type (e.g. ``target`` not a compiled target, ``progress``
        not a bool, an unknown sampler option, ``bound`` or ``auto``
        not a dict of known keys).
    ValueError
        If an argument is out of range (e.g. ``x`` and ``y`` disagree or hold NaN, a negative
        ``warmup``, an unknown ``sampler`` or chain rule, ``bound``/``auto`` with another
        ``chains``, ``block_size`` without ``executor``, ``overwrite`` without ``checkpoint``),
        or the log density or its gradient is not finite at an initial point.
    symhmc.sampling.checkpoint.CheckpointMismatch
        If ``checkpoint`` names a file of another run.

    Examples
    --------
    >>> model = symhmc.MLP(hidden=(2,))
    >>> target = model.posterior(np.linspace(-1, 1, 10), np.linspace(-1, 1, 10) ** 2)
    >>> run = symhmc.sample_target(target, chains=4, warmup=50, seed=0, progress=False)
    >>> run.draws.shape, run.model is None
    ((4, 1, 8), True)
    """
    if not isinstance(target, _core.Target):
        raise TypeError(f"target must be a symhmc._core.Target, got {type(target).__name__}")
    count_or_auto, rule = _chains_arg(chains, bound, auto)
    warmup = positive_int(warmup, "warmup", minimum=0, maximum=MAX_COUNT)
    draws = positive_int(draws, "draws", maximum=MAX_COUNT)
    first_chain = positive_int(first_chain, "first_chain", minimum=0, maximum=MAX_COUNT)
    settings = _sampler_settings(sampler, sampler_options)
    core = core_settings(sampler, warmup, draws, settings)
    n_threads = threads_arg(threads)
    if not isinstance(progress, (bool, np.bool_)):
        raise TypeError(f"progress must be True or False, got {progress!r}")
    auto_args: dict | None
    if count_or_auto == "auto":
        auto_args = _auto_rule(auto, _model, _data[0], _data[1])
        total: int = auto_args["max_chains"]
    else:
        auto_args = None
        total = count_or_auto
    if first_chain > MAX_COUNT - total:
        raise ValueError(
            f"first_chain + chains must be below 2**63 (chain ids are 64-bit), got first_chain="
            f"{first_chain} and {total} chains"
        )
    ss = runner.seed_sequence(seed)
    init_arr, init_name = runner._init_points(init, total, target.dim, _model, ss, first_chain)
    if init_arr is not None:
        lp, grad = target.log_density(init_arr, n_threads, True)
        bad = np.flatnonzero(~(np.isfinite(lp) & np.all(np.isfinite(grad), axis=1)))
        if len(bad):
            raise ValueError(
                f"init: the log density or its gradient is not finite at the initial point of "
                f"chain(s) {bad[:10].tolist()}{' ...' if len(bad) > 10 else ''}"
            )

    all_settings = {
        "sampler": sampler,
        "chains": total,
        "warmup": warmup,
        "draws": draws,
        "threads": n_threads if n_threads > 0 else int(_core.max_threads()),
        "init": init_name,
        "seed": runner.seed_entropy(ss),
        "rng": "philox4x32-10, stream (key, chain)",
        **settings,
    }
    if sampler == "nuts":
        all_settings["dense_mass_matrix"] = False
    all_settings.update(warmup_report(core))
    all_settings["first_chain"] = first_chain

    kwargs = dict(settings=core, key=runner.stream_key(ss), threads=n_threads)
    ck = _open_checkpoint(
        checkpoint,
        checkpoint_every,
        overwrite,
        all_settings,
        init=init,
        first_chain=first_chain,
        model=_model,
        data=_data,
        target=target,
        seed=runner.seed_entropy(ss),
        draws=draws,
    )
    spec = None
    if executor is not None:
        spec = _executor_spec(executor, block_size, _model, _data, sampler, warmup, draws, settings, kwargs, target.dim)
    elif block_size is not None:
        raise ValueError("block_size needs executor= (it sets how many chains one executor task runs)")
    job = runner.ChainJob(
        target, kwargs, draws=draws, checkpoint=ck, executor=executor, spec=spec, block_size=block_size
    )
    convergence: dict | None = None
    if auto_args is None:
        n_chains = total
        out, interrupted, seconds = job.run(
            np.arange(first_chain, first_chain + total, dtype=np.int64), init_arr, bool(progress)
        )
    else:
        out, interrupted, seconds, convergence = runner._run_auto(
            job, init_arr, first_chain, auto_args, _model, bool(progress)
        )
        n_chains = out["finished"].shape[0]
        rule = _auto_record(auto_args, n_chains, convergence["converged"])
        _warn_grid_mass(convergence, stacklevel=3)

    finished = out["finished"]
    keep = np.flatnonzero(finished)
    partial = interrupted or len(keep) < n_chains
    if partial:
        warnings.warn(
            f"sampling was interrupted: returning the {len(keep)} of {n_chains} chains that finished "
            "(results.partial is True)",
            RuntimeWarning,
            stacklevel=3,
        )
    sel = (lambda a: a[keep]) if partial else (lambda a: a)
    all_settings["chains"] = n_chains
    all_settings["chains_rule"] = rule
    if ck is not None:
        if not partial:
            ck.write(complete=True)
        all_settings["checkpoint"] = {
            "path": str(ck.path),
            "resumed_chains": ck.resumed,
            "writes": ck.writes,
            "seconds_writing": ck.seconds_writing,
        }
    if spec is not None:  # set exactly when executor= is given
        all_settings["executor"] = {"type": type(executor).__name__, "block_size": spec["block_size"]}
    results = SampleResults(
        **results_fields({k: sel(out[k]) for k in CHAIN_KEYS}),
        wall_time=seconds,
        settings=all_settings,
        seed=runner.seed_entropy(ss),
        partial=partial,
        chain_ids=first_chain + keep,
        model=_model,
        x=_data[0],
        y=_data[1],
    )
    if convergence is not None:
        results.convergence = convergence
    return results


def _open_checkpoint(path, every, overwrite, settings, *, init, first_chain, model, data, target, seed, draws):
    if path is None:
        if not (isinstance(overwrite, (bool, np.bool_)) and not overwrite):
            raise ValueError("overwrite needs checkpoint= (it replaces an existing checkpoint file)")
        return None
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"checkpoint must be a path (str or os.PathLike), got {type(path).__name__}")
    every = positive_float(every, "checkpoint_every")
    if not isinstance(overwrite, (bool, np.bool_)):
        raise TypeError(f"overwrite must be True or False, got {overwrite!r}")
    fp = run_fingerprint(
        settings,
        init=init,
        first_chain=first_chain,
        model=model,
        x=data[0],
        y=data[1],
        target_name=type(target).__name__,
        dim=target.dim,
    )
    return Checkpoint(
        path,
        fingerprint=fp,
        every=every,
        overwrite=bool(overwrite),
        settings=settings,
        seed=seed,
        model=model,
        x=data[0],
        y=data[1],
        draws=draws,
        dim=target.dim,
    )


def _executor_spec(executor, block_size, model, data, sampler, warmup, draws, settings, kwargs, dim) -> dict:
    """What a worker needs to rebuild the run (compiled objects do not travel between processes)."""
    from . import _executor  # noqa: PLC0415

    _executor.check_executor(executor)
    if model is None:
        raise ValueError(
            "executor= needs symhmc.sample(model, x, y, ...): a compiled target cannot be sent to other processes"
        )
    if block_size is not None:
        block_size = positive_int(block_size, "block_size", maximum=MAX_COUNT)
    return {
        "model": model_spec(model),
        "x": data[0],
        "y": data[1],
        "sampler": sampler,
        "warmup": warmup,
        "draws": draws,
        "options": dict(settings),
        "key": kwargs["key"],
        "threads": kwargs["threads"],
        "dim": int(dim),
        "block_size": block_size,
    }


def sample(
    model,
    x,
    y,
    *,
    chains: ChainsArg = 64,
    warmup: int = DEFAULT_WARMUP,
    draws: int = DEFAULT_DRAWS,
    sampler: SamplerName = "nuts",
    seed: Union[int, None] = None,
    threads: Union[int, None] = None,
    init: Union[InitName, np.ndarray, SampleResults] = "uniform",
    progress: bool = True,
    bound: dict | None = None,
    auto: dict | None = None,
    first_chain: int = 0,
    checkpoint: Union[str, os.PathLike, None] = None,
    checkpoint_every: float = DEFAULT_CHECKPOINT_EVERY,
    overwrite: bool = False,
    executor=None,
    block_size: Union[int, None] = None,
    **sampler_options,
) -> SampleResults:
    """Sample the posterior of a Bayesian MLP with many independent chains.

    Parameters
    ----------
    model : MLP
        The network, priors and likelihood.
    x, y : array_like
        Training inputs ``(n, n_inputs)`` (1-D for one input) and targets ``(n,)`` or ``(n, n_outputs)``;
        finite real numbers (masked arrays are refused: fill or drop the masked values). The priors
        suit standardized data: values beyond 1e6 in magnitude give a ``RuntimeWarning``.
    chains : int or {"bound", "auto"}, default 64
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
          (outputs; default 201 points on ``[min(y) - 3 sd(y), max(y) + 3 sd(y)]`` of the
          training targets, :func:`symhmc.ppd.data_y_grid`), ``floor`` (1e-12). A
          ``RuntimeWarning`` says when the predictive density puts less than 90 % of its
          probability on the grid (``results.convergence["grid_mass"]``): the KL then says little.
          Round r runs chains ``r * round_size, ...`` of the seed's streams, so the draws are
          exactly those of one run with the same total number of chains; the curve is in
          ``results.convergence`` (``chains``, ``previous``, ``kl``, ``tol``, ``converged``, ...).
          It sees only modes some chain has visited: a mode no chain found cannot change the
          prediction, so use it beside, not instead of, the ``"bound"`` counts.

        ``results.settings["chains"]`` is the number run and ``results.settings["chains_rule"]``
        how it was chosen.
    warmup : int, default {warmup}
        Adaptation iterations per chain (0 disables adaptation; the default is the paper's).
    draws : int, default {draws}
        Draws kept per chain after warmup (the default is the paper's).
    sampler : {"nuts", "hmc"}, default "nuts"
        Multinomial NUTS, or static HMC with ``n_steps`` leapfrog steps.
    seed : int or None, default None
        Seed of all random streams; ``None`` draws fresh entropy (recorded in ``results.seed``).
    threads : int or None, default None
        Threads running chains in parallel; ``None`` uses all. Results do not depend on it.
    init : {"uniform", "prior"}, ndarray or SampleResults, default "uniform"
        Initial points: uniform(-init_radius, init_radius) on every unconstrained coordinate
        (NumPyro's default), a draw from the prior, an array ``(chains, model.dim)``, or results
        whose draws are the starting points: chain ``c`` (counted from ``first_chain``) starts at
        flattened draw ``c mod n_draws`` -- with a :func:`symhmc.baselines.deep_ensemble`, at
        member ``c mod members`` (DEI-MCMC; ``results.settings["init"]`` is ``"deep_ensemble"``).
    progress : bool, default True
        Show a progress bar (``tqdm.auto``: a widget in a notebook) over the iterations, warmup
        plus draws, of all chains, so that it moves and estimates the time left even for a few
        long chains; chains done and divergences are in its postfix. With ``chains="auto"`` one
        bar spans the rounds up to ``max_chains`` and ends full at the chains run when the rule
        converges; chains read from a checkpoint count as done; executor blocks move it as they
        finish.
    bound : dict, optional
        Arguments of the ``chains="bound"`` rule (an error with any other ``chains``).
    auto : dict, optional
        Settings of the ``chains="auto"`` rule (an error with any other ``chains``).
    first_chain : int, default 0
        Index of the first chain's random stream: ``chains=64, first_chain=64``
        gives exactly chains 64..127 of a run with ``chains=128`` and the same seed.
    checkpoint : str or os.PathLike, optional
        A results file (``.npz``) holding the finished chains, written atomically at most every
        ``checkpoint_every`` seconds, after every round or block, when the run stops (Ctrl-C,
        SIGTERM, an error) and when it ends. Calling ``sample`` again with the same path runs only
        the chains it lacks; the result equals an uninterrupted run bit for bit. A checkpoint of
        another run (settings, seed, init, model or data differ) raises
        :class:`symhmc.sampling.checkpoint.CheckpointMismatch` naming what differs. See
        :mod:`symhmc.sampling.checkpoint`.
    checkpoint_every : float, default {checkpoint_every:g}
        Seconds between checkpoint writes while chains run.
    overwrite : bool, default False
        Start over, replacing an existing checkpoint file.
    executor : concurrent.futures.Executor or dask.distributed.Client, optional
        Run the chains in blocks on this executor (other processes or machines); the draws equal
        a local run's bit for bit on the same kind of CPU. Each block uses ``threads`` threads on
        its worker (``None``: all the worker's cores; with several workers on one machine, set
        ``threads=1``). A block that fails is submitted again (twice); Ctrl-C cancels the blocks
        not finished and returns the others. Works with ``checkpoint`` and ``chains="auto"``.
    block_size : int, optional
        Chains per executor block (default: four blocks per worker).
    **sampler_options
        Sampler settings, with the defaults of the core's ``SamplerSettings`` (the paper's):
        {options}. Ranges are checked by the core; every value used is in ``results.settings``,
        with the warmup windows the core ran (``adaptation_windows``).

    Returns
    -------
    SampleResults
        The draws, sampler statistics and settings. On Ctrl-C (or SIGTERM, when ``sample`` runs
        in the main thread) the finished chains are returned with ``partial=True`` (and a
        warning); with ``chains="auto"``, those of every round so far.

    Raises
    ------
    TypeError
        If an argument has the wrong type (e.g. ``model`` not an :class:`~symhmc.MLP`, ``x``
        not numeric, ``progress`` not a bool, an unknown sampler option, ``bound`` or ``auto``
        not a dict of known keys).
    ValueError
        If an argument is out of range (e.g. ``x`` and ``y`` disagree or hold NaN, a negative
        ``warmup``, an unknown ``sampler`` or chain rule, ``bound``/``auto`` with another
        ``chains``, ``block_size`` without ``executor``, ``overwrite`` without ``checkpoint``),
        or the log density or its gradient is not finite at an initial point.
    symhmc.sampling.checkpoint.CheckpointMismatch
        If ``checkpoint`` names a file of another run.

    Warns
    -----
    DataScaleWarning
        (a ``RuntimeWarning``) when a column of ``x`` or ``y`` is far from standardized: ``|mean|
        > 3`` or a standard deviation outside ``[0.1, 10]``. The priors assume unit-scale data;
        standardize (the paper does) and transform the predictions back.

    Examples
    --------
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
    >>> run.draws.shape   # (chains, draws per chain, model.dim)
    (4, 1, 8)
    >>> again = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
    >>> np.array_equal(run.draws, again.draws)   # reproducible bit for bit
    True
    """
    from ..model import MLP  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

    if not isinstance(model, MLP):
        raise TypeError(f"model must be a symhmc.MLP, got {type(model).__name__}")
    x = model.check_x(x)
    y = model.check_y(y, x.shape[0])
    warn_if_unscaled(x, y, stacklevel=2)
    target = model.posterior(x, y)
    return sample_target(
        target,
        chains=chains,
        warmup=warmup,
        draws=draws,
        sampler=sampler,
        seed=seed,
        threads=threads,
        init=init,
        progress=progress,
        bound=bound,
        auto=auto,
        first_chain=first_chain,
        checkpoint=checkpoint,
        checkpoint_every=checkpoint_every,
        overwrite=overwrite,
        executor=executor,
        block_size=block_size,
        _model=model,
        _data=(x, y),
        **sampler_options,
    )


# The defaults in the docstrings are the core's, filled in once at import.
for _documented in (sample, sample_target):
    if _documented.__doc__:
        _documented.__doc__ = (
            _documented.__doc__.replace("{options}", textwrap.fill(options_doc(), 92, subsequent_indent=" " * 8))
            .replace("{warmup}", str(DEFAULT_WARMUP))
            .replace("{draws}", str(DEFAULT_DRAWS))
            .replace("{checkpoint_every:g}", f"{DEFAULT_CHECKPOINT_EVERY:g}")
        )
del _documented
