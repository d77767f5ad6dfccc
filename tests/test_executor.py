"""sample(executor=...): chains in blocks on other threads, processes or a Dask cluster give the
local run's draws bit for bit; failed blocks run again; checkpoints work across blocks."""

from __future__ import annotations

import _thread
import concurrent.futures as cf
import os
import signal
import threading
import time

import numpy as np
import pytest

import symhmc
from symhmc.sampling import _executor
from symhmc.datasets import sinusoidal

MODEL = symhmc.MLP(hidden=(3,))
DATA = sinusoidal(60, seed=2)
RUN = dict(chains=24, warmup=150, seed=4, progress=False)


def same_draws(a, b):
    for name in ("draws", "step_size", "inv_mass", "n_grad_evals", "chain_ids"):
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for key in a.stats:
        np.testing.assert_array_equal(a.stats[key], b.stats[key], err_msg=key)


@pytest.fixture(scope="module")
def local():
    return symhmc.sample(MODEL, DATA.x_train, DATA.y_train, **RUN)


def test_thread_pool_blocks_equal_the_local_run(local):
    with cf.ThreadPoolExecutor(3) as ex:
        r = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, executor=ex, block_size=5, threads=1, **RUN)
    same_draws(r, local)
    assert r.settings["executor"] == {"type": "ThreadPoolExecutor", "block_size": 5}


def test_process_pool_blocks_equal_the_local_run(local):
    with cf.ProcessPoolExecutor(2) as ex:
        r = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, executor=ex, threads=1, **RUN)
    same_draws(r, local)


def test_block_ranges_cover_every_chain():
    class Pool:
        _max_workers = 3

    assert _executor.block_ranges(25, Pool(), None) == [(s, min(25, s + 3)) for s in range(0, 25, 3)]
    assert _executor.block_ranges(4, Pool(), 10) == [(0, 4)]


class FlakyExecutor(cf.ThreadPoolExecutor):
    """Every block fails on its first submission (as on a worker that ran out of memory)."""

    def __init__(self):
        super().__init__(2)
        self.seen: set = set()
        self.failures = 0

    def submit(self, fn, *args, **kwargs):
        ids = tuple(args[1])
        if ids not in self.seen:
            self.seen.add(ids)
            self.failures += 1

            def fail():
                raise MemoryError("worker lost")

            return super().submit(fail)
        return super().submit(fn, *args, **kwargs)


def test_a_failed_block_runs_again(local):
    with FlakyExecutor() as ex:
        r = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, executor=ex, block_size=8, threads=1, **RUN)
    assert ex.failures == 3
    same_draws(r, local)


def test_executor_with_a_checkpoint(local, tmp_path):
    path = tmp_path / "blocks.npz"
    with cf.ThreadPoolExecutor(2) as ex:
        part = symhmc.sample(
            MODEL,
            DATA.x_train,
            DATA.y_train,
            executor=ex,
            block_size=4,
            threads=1,
            checkpoint=path,
            **dict(RUN, chains=10),
        )
        assert part.n_chains == 10
        r = symhmc.sample(
            MODEL, DATA.x_train, DATA.y_train, executor=ex, block_size=4, threads=1, checkpoint=path, **RUN
        )
    assert r.settings["checkpoint"]["resumed_chains"] == 10
    same_draws(r, local)


def test_ctrl_c_cancels_the_blocks_not_finished(local):
    started, returned = threading.Event(), threading.Event()
    never: list[cf.Future] = []  # the blocks still running when Ctrl-C comes

    class SlowAfterFirst(cf.ThreadPoolExecutor):
        def submit(self, fn, *args, **kwargs):
            if int(args[1][0]) == 0:
                return super().submit(fn, *args, **kwargs)
            future: cf.Future = cf.Future()  # never finishes: a block still running
            never.append(future)
            started.set()
            return future

    def press_ctrl_c():
        started.wait(30)
        time.sleep(0.5)
        for _ in range(20):  # pressed again if a press is not seen, as a user would
            _thread.interrupt_main()
            if returned.wait(1.0):
                return
        for future in never:  # cancelled blocks are not run again: the test fails instead of hanging
            future.cancel()

    presser = threading.Thread(target=press_ctrl_c, daemon=True)
    presser.start()
    with SlowAfterFirst(2) as ex:
        with pytest.warns(RuntimeWarning, match="interrupted"):
            try:
                r = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, executor=ex, block_size=6, threads=1, **RUN)
            finally:
                returned.set()
    presser.join()
    assert r.partial and list(r.chain_ids) == list(range(6))
    np.testing.assert_array_equal(r.draws, local.draws[:6])


def test_bad_executor_arguments():
    x, y = DATA.x_train, DATA.y_train
    with pytest.raises(TypeError, match="executor"):
        symhmc.sample(MODEL, x, y, executor="dask", **RUN)
    with pytest.raises(ValueError, match="block_size needs executor"):
        symhmc.sample(MODEL, x, y, block_size=4, **RUN)
    with cf.ThreadPoolExecutor(1) as ex:
        with pytest.raises(ValueError, match="block_size"):
            symhmc.sample(MODEL, x, y, executor=ex, block_size=0, **RUN)
        t = MODEL.posterior(x, y)
        with pytest.raises(ValueError, match="executor= needs"):
            symhmc.sample_target(t, executor=ex, **RUN)


# ----- a real Dask cluster ------------------------------------------------------------------
@pytest.fixture(scope="module")
def dask_client():
    distributed = pytest.importorskip("distributed")
    cluster = distributed.LocalCluster(
        n_workers=2, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
    )
    client = distributed.Client(cluster)
    yield client
    client.close()
    cluster.close()


def test_dask_local_cluster_equals_the_local_run(local, dask_client):
    r = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, executor=dask_client, threads=1, **RUN)
    same_draws(r, local)
    assert r.settings["executor"]["type"] == "Client"


def test_dask_auto_rounds_run_on_the_cluster(dask_client):
    kw = dict(chains="auto", auto=dict(round_size=8, tol=1e-12, max_chains=24), warmup=150, seed=4, progress=False)
    here = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, **kw)
    there = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, executor=dask_client, threads=1, **kw)
    same_draws(there, here)
    assert there.convergence["kl"] == here.convergence["kl"]


def test_dask_worker_killed_mid_run_loses_nothing(dask_client, monkeypatch):
    kw = dict(chains=48, warmup=1500, seed=9, progress=False)
    local = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, **kw)
    pids = dask_client.run(os.getpid)  # worker address -> pid
    real_run_blocks, real_submit = _executor.run_blocks, _executor._submit
    submitted = []

    def counted_submit(executor, spec, ids, init):
        submitted.append(len(ids))
        return real_submit(executor, spec, ids, init)

    def kill_a_worker_at_the_first_block(*args, on_block, **kwargs):
        # When the first of 16 blocks arrives, both workers hold queued blocks, one of them
        # running: the kill lands mid-run on any machine (no timer to race).
        def on_block_then_kill(block, ids):
            if not killed:
                killed.append(next(iter(pids.values())))
                os.kill(killed[0], signal.SIGKILL)
            on_block(block, ids)

        return real_run_blocks(*args, on_block=on_block_then_kill, **kwargs)

    killed: list[int] = []
    monkeypatch.setattr(_executor, "_submit", counted_submit)
    monkeypatch.setattr(_executor, "run_blocks", kill_a_worker_at_the_first_block)
    r = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, executor=dask_client, threads=1, block_size=3, **kw)
    assert killed and len(submitted) >= 16  # 16 blocks (more if a lost one was sent again)
    assert set(dask_client.run(os.getpid).values()) != set(pids.values())  # the worker was replaced
    same_draws(r, local)
    assert not r.partial
