"""Running the compiled sampler: seeds and initial points of the chains' streams, a worker thread
with a progress bar that turns Ctrl-C (and SIGTERM) into the core's interrupt flag, the chains
of one call run locally or in blocks on an executor and checkpointed (:class:`ChainJob`), and
the rounds of ``chains="auto"``."""

from __future__ import annotations

import contextlib
import numbers
import signal
import threading
import time
from typing import Any, Callable, cast

import numpy as np

from . import _core
from ._validation import as_float_array


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
    if hasattr(init, "draws") and hasattr(init, "settings"):  # SampleResults, e.g. a deep ensemble
        return _init_from_results(init, chains, dim, first_chain)
    arr = as_float_array(init, "init", ndim=2)
    if arr.shape != (chains, dim):
        raise ValueError(f"init must have shape (chains, dim) = ({chains}, {dim}), got {arr.shape}")
    return arr, "array"


def _init_from_results(results, chains: int, dim: int, first_chain: int) -> tuple[np.ndarray, str]:
    """DEI-MCMC: chain ``first_chain + i`` starts at the ``(first_chain + i) mod n``-th of the n
    flattened draws of ``results`` (for a deep ensemble, draws (members, 1, dim): member c mod
    members)."""
    points = np.asarray(results.draws, dtype=np.float64).reshape(-1, results.draws.shape[-1])
    if points.shape[1] != dim:
        raise ValueError(f"init: the results' draws have {points.shape[1]} coordinates, the target has {dim}")
    if points.shape[0] == 0:
        raise ValueError("init: the results hold no draws")
    idx = (first_chain + np.arange(chains)) % points.shape[0]
    name = "deep_ensemble" if results.settings.get("method") == "deep_ensemble" else "results"
    return np.ascontiguousarray(points[idx]), name


@contextlib.contextmanager
def _sigterm_as_interrupt():
    """SIGTERM (a batch system's stop, ``kill``) raises KeyboardInterrupt like Ctrl-C while a run
    goes on, so that the finished chains are returned and checkpointed. Signal handlers can only
    be set from the main thread; elsewhere SIGTERM keeps its usual effect."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return

    def handler(signum, frame):
        raise KeyboardInterrupt("SIGTERM")

    try:
        previous = signal.signal(signal.SIGTERM, handler)
    except (ValueError, OSError):  # e.g. an embedded interpreter without signal support
        yield
        return
    try:
        yield
    finally:
        signal.signal(signal.SIGTERM, previous)


def _run_with_progress(target, kwargs: dict, chains: int, show: bool, *, bar=None, offset: int = 0,
                       run=None, desc: str | None = None, unit: str = "chain",
                       on_tick: Callable[[dict], None] | None = None) -> tuple[dict, bool, float]:
    """Runs a core call (``run``, default _core.run_chains; also _core.train_members) in a worker
    thread; the calling thread shows progress and turns KeyboardInterrupt (Ctrl-C, or SIGTERM in
    the main thread) into the core's interrupt flag. Returns (outputs, interrupted, seconds).

    ``bar``: an open tqdm bar shared by several calls (rounds), advanced from ``offset``; it is
    left open. Without it a bar of ``offset + chains`` ``unit``s is made (if ``show``), starting at
    ``offset``, and closed. ``on_tick(outputs)``: called about every 0.1 s with the core's output
    arrays while they fill (run_chains only), e.g. to checkpoint the finished chains.
    """
    sampling = run is None
    run = _core.run_chains if run is None else run
    handle = _core.Progress()
    box: dict[str, Any] = {}
    # An Event, not Thread.join: a KeyboardInterrupt inside join() can leave the thread looking
    # finished while it still runs (CPython gh-90882).
    done = threading.Event()
    extra = {"on_start": lambda arrays: box.__setitem__("live", arrays)} if on_tick is not None else {}

    def work():
        try:
            box["out"] = run(target, progress=handle, **kwargs, **extra)
        except BaseException as exc:  # re-raised in the calling thread
            box["error"] = exc
        finally:
            done.set()

    own_bar = bar is None and show
    if own_bar:
        from tqdm.auto import tqdm

        label = desc if desc is not None else kwargs["settings"].sampler.upper()
        bar = tqdm(total=offset + chains, initial=offset, unit=unit, desc=label, smoothing=0.05)
    worker = threading.Thread(target=work, name="symhmc-sampler", daemon=True)
    interrupted = False
    start = time.perf_counter()
    with _sigterm_as_interrupt():
        worker.start()
        try:
            try:
                while not done.wait(0.1):
                    if on_tick is not None and "live" in box:
                        on_tick(box["live"])
                    if bar is not None:
                        bar.n = offset + handle.chains_done
                        if sampling:
                            bar.set_postfix(divergences=handle.divergences, refresh=False)
                        bar.refresh()
            except KeyboardInterrupt:
                interrupted = True
                handle.interrupt()
                while not done.wait(0.1):  # chains stop within 64 leapfrog steps
                    pass
        finally:
            if bar is not None:
                bar.n = offset + handle.chains_done
                if own_bar:
                    if sampling:
                        bar.set_postfix(divergences=handle.divergences, refresh=False)
                    bar.close()
                else:
                    bar.refresh()
    seconds = time.perf_counter() - start
    if "error" in box:
        raise box["error"]
    # The worker stored either "out" or "error" before setting ``done``.
    return box["out"], interrupted or bool(handle.interrupted), seconds


class ChainJob:
    """Runs chains by id for one sampling call: locally in a worker thread, or in blocks on an
    executor; with a checkpoint, chains already in it are not run again and finished ones are
    written as they come."""

    def __init__(self, target, kwargs: dict, *, draws: int, checkpoint=None, executor=None, spec=None,
                 block_size: int | None = None):
        self.target, self.kwargs, self.draws = target, kwargs, draws
        self.dim = int(target.dim)
        self.checkpoint, self.executor, self.spec, self.block_size = checkpoint, executor, spec, block_size

    def run(self, ids: np.ndarray, init: np.ndarray | None, show: bool, *, bar=None,
            offset: int = 0) -> tuple[dict, bool, float]:
        """Outputs for chains ``ids`` (in order), interrupted, seconds."""
        ck = self.checkpoint
        todo = np.ones(len(ids), dtype=bool) if ck is None else ~ck.store.has(ids)
        run_ids = ids[todo]
        run_init = None if init is None else np.ascontiguousarray(init[todo])
        skipped = len(ids) - len(run_ids)
        out = None
        if len(run_ids) == 0:
            if bar is not None:
                bar.n = offset + len(ids)
                bar.refresh()
            return ck.store.gather(ids, self.draws, self.dim), False, 0.0
        try:
            if self.executor is not None:
                out, interrupted, seconds = self._run_blocks(run_ids, run_init, show, bar, offset + skipped)
            else:
                on_tick = None if ck is None else (lambda live: self._tick(live, run_ids))
                out, interrupted, seconds = _run_with_progress(
                    self.target, dict(self.kwargs, chains=len(run_ids), init=run_init, chain_ids=run_ids),
                    len(run_ids), show, bar=bar, offset=offset + skipped, on_tick=on_tick)
        finally:
            if ck is not None:  # also after an error or a stop: nothing finished is lost
                if out is not None:
                    ck.store.add(out, run_ids)
                ck.write()
        if ck is None:
            return out, interrupted, seconds
        return ck.store.gather(ids, self.draws, self.dim), interrupted, seconds

    def _tick(self, live: dict, run_ids: np.ndarray) -> None:
        ck = self.checkpoint
        if ck.due():
            ck.store.add(live, run_ids)
            ck.write()

    def _run_blocks(self, ids, init, show, bar, offset):
        from . import _executor  # noqa: PLC0415

        own_bar = bar is None and show
        if own_bar:
            from tqdm.auto import tqdm

            bar = tqdm(total=offset + len(ids), initial=offset, unit="chain",
                       desc=f"{self.kwargs['settings'].sampler.upper()} blocks", smoothing=0.05)
        ck = self.checkpoint

        def on_block(block: dict, block_ids: np.ndarray) -> None:
            if ck is not None:
                ck.store.add(block, block_ids)
                if ck.due():
                    ck.write()

        def on_poll(chains_done: int) -> None:
            if bar is not None and bar.n != offset + chains_done:
                bar.n = offset + chains_done
                bar.refresh()

        try:
            with _sigterm_as_interrupt():
                return _executor.run_blocks(self.executor, self.spec, ids, init, block_size=self.block_size,
                                            on_block=on_block, on_poll=on_poll)
        finally:
            if own_bar:
                bar.close()


def _concat_outputs(outs: list[dict]) -> dict:
    if len(outs) == 1:
        return outs[0]
    return {k: np.concatenate([o[k] for o in outs], axis=0) for k in outs[0]}


def _run_auto(job: ChainJob, init_arr, first_chain: int, a: dict, model,
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

        bar = tqdm(total=a["max_chains"], unit="chain", desc=f"{job.kwargs['settings'].sampler.upper()} auto",
                   smoothing=0.05)
    try:
        while done < a["max_chains"]:
            n = min(a["round_size"], a["max_chains"] - done)
            init = None if init_arr is None else init_arr[done:done + n]
            ids = np.arange(first_chain + done, first_chain + done + n, dtype=np.int64)
            out, interrupted, secs = job.run(ids, init, show, bar=bar, offset=done)
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
    grid_mass = float(np.mean(acc.grid_mass())) if acc.count else None
    convergence = {"chains": curve_chains, "previous": curve_prev, "kl": curve_kl, "tol": a["tol"],
                   "converged": converged, "round_size": a["round_size"], "max_chains": a["max_chains"],
                   "patience": a["patience"], "x": a["x"], "y_grid": a["y_grid"], "grid_mass": grid_mass,
                   "seconds": kl_seconds}
    return _concat_outputs(outs), interrupted, seconds, convergence
