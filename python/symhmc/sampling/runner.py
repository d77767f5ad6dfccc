"""Running the compiled sampler: seeds and initial points of the chains' streams, a worker thread
with a progress bar (:mod:`symhmc._progress`) that turns Ctrl-C (and SIGTERM) into the core's
interrupt flag, the chains of one call run locally or in blocks on an executor and checkpointed
(:class:`ChainJob`), and the rounds of ``chains="auto"``."""

from __future__ import annotations

import contextlib
import signal
import threading
import time
from typing import Any, Callable, cast

import numpy as np

from .. import _core
from ._progress import ChainBar
from ..utils.validation import as_float_array, seed_arg


def seed_sequence(seed) -> np.random.SeedSequence:
    seed = seed_arg(seed)
    return np.random.SeedSequence() if seed is None else np.random.SeedSequence(seed)


def seed_entropy(ss: np.random.SeedSequence) -> int:
    """The seed of a sequence made by :func:`seed_sequence`: one int (given, or drawn by numpy)."""
    return int(cast(int, ss.entropy))


def stream_key(ss: np.random.SeedSequence) -> int:
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


def _iterations_per_chain(kwargs: dict, sampling: bool) -> int:
    """Iterations one chain (warmup + draws) or one member (epochs) runs: what the core's
    ``Progress.iterations`` counts."""
    s = kwargs["settings"]
    return int(s.warmup + s.draws) if sampling else int(s.epochs)


def chain_bar(
    kwargs: dict, chains: int, *, desc: str | None = None, sampling: bool = True, unit: str = "chain"
) -> ChainBar:
    """A bar over the iterations of ``chains`` chains of the run set up by ``kwargs``."""
    label = desc if desc is not None else kwargs["settings"].sampler.upper()
    return ChainBar(
        chains,
        _iterations_per_chain(kwargs, sampling),
        desc=label,
        unit=unit,
        it_unit="it" if sampling else "epoch",
        divergences=sampling,
    )


def run_with_progress(
    target,
    kwargs: dict,
    chains: int,
    show: bool,
    *,
    bar: ChainBar | None = None,
    run=None,
    desc: str | None = None,
    unit: str = "chain",
    on_tick: Callable[[dict], None] | None = None,
) -> tuple[dict, bool, float]:
    """Runs a core call (``run``, default _core.run_chains; also _core.train_members) in a worker
    thread; the calling thread shows progress and turns KeyboardInterrupt (Ctrl-C, or SIGTERM in
    the main thread) into the core's interrupt flag. Returns (outputs, interrupted, seconds).

    ``bar``: an open :class:`ChainBar` shared by several calls (rounds, chains from a
    checkpoint); this call's counters are added to it and it is left open. Without it a bar of
    ``chains`` ``unit``s is made (if ``show``) and closed. ``on_tick(outputs)``: called about
    every 0.1 s with the core's output arrays while they fill (run_chains only), e.g. to
    checkpoint the finished chains.
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
        except BaseException as exc:  # noqa: BLE001 - re-raised in the calling thread
            box["error"] = exc
        finally:
            done.set()

    own_bar = bar is None and show
    if own_bar:
        bar = chain_bar(kwargs, chains, desc=desc, sampling=sampling, unit=unit)

    def show_counters():
        if bar is not None:
            bar.live(handle.chains_done, handle.iterations, handle.divergences)

    worker = threading.Thread(target=work, name="symhmc-sampler", daemon=True)
    interrupted = False
    start = time.perf_counter()
    with _sigterm_as_interrupt():
        try:
            try:
                # Inside the try: Ctrl-C can land while start() waits for the thread to run.
                worker.start()
                while not done.wait(0.1):
                    if on_tick is not None and "live" in box:
                        on_tick(box["live"])
                    show_counters()
            except KeyboardInterrupt:
                interrupted = True
                handle.interrupt()
                _wait_for_stop(worker, done)
        finally:
            show_counters()
            if bar is not None:
                bar.end_call()
                if own_bar:
                    bar.close()
    seconds = time.perf_counter() - start
    if "error" in box:
        raise box["error"]
    if "out" not in box:  # Ctrl-C before the worker thread existed: nothing ran
        raise KeyboardInterrupt
    # The worker stored either "out" or "error" before setting ``done``.
    return box["out"], interrupted or bool(handle.interrupted), seconds


def _wait_for_stop(worker: threading.Thread, done: threading.Event) -> None:
    """Waits for an interrupted worker (its chains stop within 64 leapfrog steps). More Ctrl-C
    presses while it stops are absorbed: its finished chains are still returned. A worker that a
    press kept from ever starting is not waited for."""
    while True:
        try:
            if done.wait(0.1) or worker.ident is None:  # ident: set once the thread runs
                return
        except KeyboardInterrupt:
            continue


class ChainJob:
    """Runs chains by id for one sampling call: locally in a worker thread, or in blocks on an
    executor; with a checkpoint, chains already in it are not run again and finished ones are
    written as they come."""

    def __init__(
        self,
        target,
        kwargs: dict,
        *,
        draws: int,
        checkpoint=None,
        executor=None,
        spec=None,
        block_size: int | None = None,
    ):
        self.target, self.kwargs, self.draws = target, kwargs, draws
        self.dim = int(target.dim)
        self.checkpoint, self.executor, self.spec, self.block_size = checkpoint, executor, spec, block_size

    def bar(self, chains: int, suffix: str = "") -> ChainBar:
        """A bar over ``chains`` chains of this job."""
        if self.executor is not None and not suffix:
            suffix = " blocks"
        return chain_bar(self.kwargs, chains, desc=self.kwargs["settings"].sampler.upper() + suffix)

    def run(
        self, ids: np.ndarray, init: np.ndarray | None, show: bool, *, bar: ChainBar | None = None
    ) -> tuple[dict, bool, float]:
        """Outputs for chains ``ids`` (in order), interrupted, seconds. ``bar``: a bar shared with
        other calls (left open); without it, one is made for ``ids`` if ``show``."""
        if bar is not None or not show:
            return self._run(ids, init, bar)
        own = self.bar(len(ids))
        try:
            return self._run(ids, init, own)
        finally:
            own.close()

    def _run(self, ids, init, bar) -> tuple[dict, bool, float]:
        ck = self.checkpoint
        todo = np.ones(len(ids), dtype=bool) if ck is None else ~ck.store.has(ids)
        run_ids = ids[todo]
        run_init = None if init is None else np.ascontiguousarray(init[todo])
        if bar is not None and len(run_ids) < len(ids):
            bar.skip(len(ids) - len(run_ids))
        if len(run_ids) == 0:
            return ck.store.gather(ids, self.draws, self.dim), False, 0.0
        out = None
        try:
            if self.executor is not None:
                out, interrupted, seconds = self._run_blocks(run_ids, run_init, bar)
            else:
                on_tick = None if ck is None else (lambda live: self._tick(live, run_ids))
                out, interrupted, seconds = run_with_progress(
                    self.target,
                    dict(self.kwargs, chains=len(run_ids), init=run_init, chain_ids=run_ids),
                    len(run_ids),
                    False,
                    bar=bar,
                    on_tick=on_tick,
                )
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

    def _run_blocks(self, ids, init, bar: ChainBar | None):
        """The chains ``ids`` in blocks on the executor; the bar moves by finished blocks (a
        block's counters stay on its worker)."""
        from . import _executor  # noqa: PLC0415

        ck = self.checkpoint
        per_chain = _iterations_per_chain(self.kwargs, True)
        divergences = 0

        def on_block(block: dict, block_ids: np.ndarray) -> None:
            nonlocal divergences
            divergences += int(np.count_nonzero(block["diverging"][np.asarray(block["finished"], dtype=bool)]))
            if ck is not None:
                ck.store.add(block, block_ids)
                if ck.due():
                    ck.write()

        def on_poll(chains_done: int) -> None:
            if bar is not None:
                bar.live(chains_done, chains_done * per_chain, divergences)

        try:
            with _sigterm_as_interrupt():
                return _executor.run_blocks(
                    self.executor, self.spec, ids, init, block_size=self.block_size, on_block=on_block, on_poll=on_poll
                )
        finally:
            if bar is not None:
                bar.end_call()


def _concat_outputs(outs: list[dict]) -> dict:
    if len(outs) == 1:
        return outs[0]
    return {k: np.concatenate([o[k] for o in outs], axis=0) for k in outs[0]}


def _run_auto(
    job: ChainJob, init_arr, first_chain: int, a: dict, model, show: bool
) -> tuple[dict, bool, float, dict[str, Any]]:
    """Rounds of ``a["round_size"]`` chains until the predictive density of successive rounds
    differs by less than ``a["tol"]`` (mean KL over the inputs) for ``a["patience"]`` rounds, or
    ``a["max_chains"]`` chains ran. Round r runs the streams ``first_chain + [r * size, ...)``,
    so the chains are those of one run of the same total size."""
    from ..evaluate.ppd import PredictiveDensity  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

    acc = PredictiveDensity(model, a["x"], a["y_grid"], floor=a["floor"])
    outs: list[dict] = []
    curve_chains: list[int] = []
    curve_prev: list[int] = []
    curve_kl: list[float] = []
    seconds = kl_seconds = 0.0
    interrupted = converged = False
    below, done, prev, prev_count = 0, 0, None, 0
    bar = job.bar(a["max_chains"], " auto") if show else None
    try:
        while done < a["max_chains"]:
            n = min(a["round_size"], a["max_chains"] - done)
            init = None if init_arr is None else init_arr[done : done + n]
            ids = np.arange(first_chain + done, first_chain + done + n, dtype=np.int64)
            out, interrupted, secs = job.run(ids, init, show, bar=bar)
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
                    bar.note(kl=f"{kl:.2e}", tol=f"{a['tol']:.1e}")
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
            _end_auto_bar(bar, converged, interrupted, ran_out=done >= a["max_chains"])
    if not outs:
        raise KeyboardInterrupt
    grid_mass = float(np.mean(acc.grid_mass())) if acc.count else None
    convergence = {
        "chains": curve_chains,
        "previous": curve_prev,
        "kl": curve_kl,
        "tol": a["tol"],
        "converged": converged,
        "round_size": a["round_size"],
        "max_chains": a["max_chains"],
        "patience": a["patience"],
        "x": a["x"],
        "y_grid": a["y_grid"],
        "grid_mass": grid_mass,
        "seconds": kl_seconds,
    }
    return _concat_outputs(outs), interrupted, seconds, convergence


def _end_auto_bar(bar: ChainBar, converged: bool, interrupted: bool, ran_out: bool) -> None:
    """A converged run ends full at the chains it ran; one that ran out of chains is full anyway;
    a stopped run (or an error) stays where it stopped."""
    if interrupted:
        bar.note(status="stopped")
    elif converged:
        bar.stop_early(status="converged")
    elif ran_out:
        bar.note(status="max_chains reached, not converged")
    bar.close()
