"""Chains on other processes or machines: ``symhmc.sample(..., executor=...)``.

The chains to run are cut into blocks of chain ids; each block is one call of the compiled
runner on a worker (``run_block``), with the chains' own random streams, so the merged draws
equal a local run's bit for bit (on the same kind of CPU). Any object with
``submit(fn, *args) -> future`` whose futures have ``done()``, ``result()`` and ``cancel()``
works: a ``concurrent.futures`` executor or a ``dask.distributed.Client``.
"""

from __future__ import annotations

import concurrent.futures
import math
import time
from typing import Any, Callable

import numpy as np

from .. import _core
from ..model import model_from_spec
from ._chain_store import empty_outputs

#: Times a failed block is submitted again before the run gives up (a lost Dask worker is
#: rescheduled by Dask itself; this covers errors raised on the worker, e.g. out of memory).
BLOCK_RETRIES = 2


def run_block(spec: dict[str, Any], ids: np.ndarray, init: np.ndarray | None) -> dict:
    """Run the chains ``ids`` of a run described by ``spec`` (executed on a worker)."""
    from .options import core_settings  # noqa: PLC0415

    model = model_from_spec(spec["model"], "executor block")
    target = model.posterior(spec["x"], spec["y"])
    settings = core_settings(spec["sampler"], spec["warmup"], spec["draws"], spec["options"])
    return dict(
        _core.run_chains(
            target,
            chains=len(ids),
            settings=settings,
            key=spec["key"],
            threads=spec["threads"],
            init=init,
            chain_ids=np.ascontiguousarray(ids, dtype=np.int64),
        )
    )


def check_executor(executor) -> None:
    if not callable(getattr(executor, "submit", None)):
        raise TypeError(
            f"executor must be a concurrent.futures.Executor or a dask.distributed.Client (anything "
            f"with submit()), got {type(executor).__name__}"
        )


def _workers(executor) -> int:
    """Worker count, for the default block size (a guess is fine: it only sets the granularity)."""
    info = getattr(executor, "scheduler_info", None)
    if callable(info):  # dask.distributed.Client
        try:
            return max(1, len(info().get("workers", {})))
        except Exception:  # noqa: BLE001 - a scheduler that does not answer: use the fallback
            return 1
    return max(1, int(getattr(executor, "_max_workers", 1) or 1))


def block_ranges(n: int, executor, block_size: int | None) -> list[tuple[int, int]]:
    """``[start, stop)`` index ranges into the chains to run. Default: four blocks per worker,
    so that uneven chain lengths even out and a lost block costs little."""
    if block_size is None:
        block_size = max(1, math.ceil(n / (4 * _workers(executor))))
    return [(s, min(n, s + block_size)) for s in range(0, n, block_size)]


def _submit(executor, spec, ids, init):
    kwargs = {"pure": False} if callable(getattr(executor, "scheduler_info", None)) else {}
    return executor.submit(run_block, spec, ids, init, **kwargs)


def run_blocks(
    executor,
    spec: dict,
    ids: np.ndarray,
    init: np.ndarray | None,
    *,
    block_size: int | None,
    on_block: Callable[[dict, np.ndarray], None],
    on_poll: Callable[[int], None],
) -> tuple[dict, bool, float]:
    """Run chains ``ids`` as blocks on ``executor``; returns (outputs for ``ids`` in order,
    interrupted, seconds). ``on_block(out, block_ids)`` sees every finished block as it arrives,
    ``on_poll(chains_done)`` is called while waiting. Ctrl-C cancels the blocks not finished and
    returns those that are."""
    ranges = block_ranges(len(ids), executor, block_size)
    out = empty_outputs(len(ids), spec["draws"], spec["dim"])
    pending: dict[Any, tuple[int, int, int]] = {}  # future -> (start, stop, attempts)
    start_time = time.perf_counter()
    interrupted = False
    chains_done = 0

    def submit(a: int, b: int, attempts: int) -> None:
        fut = _submit(executor, spec, ids[a:b], None if init is None else init[a:b])
        pending[fut] = (a, b, attempts)

    try:
        for a, b in ranges:
            submit(a, b, 0)
        while pending:
            finished = [f for f in pending if f.done()]
            if not finished:
                on_poll(chains_done)
                time.sleep(0.05)
                continue
            for fut in finished:
                a, b, attempts = pending.pop(fut)
                try:
                    block = fut.result()
                except (ValueError, TypeError, concurrent.futures.BrokenExecutor, concurrent.futures.CancelledError):
                    raise  # bad settings, or an executor that cannot run anything any more
                except Exception:  # noqa: BLE001 - a failed worker: run the block again
                    if attempts >= BLOCK_RETRIES:
                        raise
                    submit(a, b, attempts + 1)
                    continue
                for k in out:
                    out[k][a:b] = block[k]
                chains_done += int(np.count_nonzero(block["finished"]))
                on_block(block, ids[a:b])
            on_poll(chains_done)
    except KeyboardInterrupt:
        interrupted = True
    finally:
        for fut in pending:  # Ctrl-C or an error: the rest is not run
            fut.cancel()
    return out, interrupted, time.perf_counter() - start_time
