"""Checkpoint and resume: sample(checkpoint=PATH) after a partial run, kill -9, SIGTERM and
Ctrl-C gives exactly the draws of an uninterrupted run."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import numpy as np
import pytest

import symhmc
from symhmc.sampling import runner
from symhmc.sampling.checkpoint import CheckpointMismatch
from symhmc.datasets import sinusoidal

MODEL = symhmc.MLP(hidden=(3,))
DATA = sinusoidal(60, seed=1)
RUN = dict(warmup=150, seed=11, progress=False)
ARRAYS = ("draws", "step_size", "inv_mass", "n_grad_evals", "chain_ids")


def assert_same_run(a, b):
    for name in ARRAYS:
        np.testing.assert_array_equal(getattr(a, name), getattr(b, name), err_msg=name)
    for key in a.stats:
        np.testing.assert_array_equal(a.stats[key], b.stats[key], err_msg=key)


@pytest.fixture(scope="module")
def full():
    return symhmc.sample(MODEL, DATA.x_train, DATA.y_train, chains=24, **RUN)


def test_resume_runs_only_the_missing_chains(full, tmp_path):
    path = tmp_path / "run.ckpt.npz"
    first = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, chains=10, checkpoint=path, **RUN)
    assert first.settings["checkpoint"]["resumed_chains"] == 0 and path.is_file()
    saved = symhmc.load(path)
    assert saved.n_chains == 10 and not saved.partial
    resumed = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, chains=24, checkpoint=path, **RUN)
    assert resumed.settings["checkpoint"]["resumed_chains"] == 10
    assert_same_run(resumed, full)
    # A finished run read back from its checkpoint: nothing runs.
    again = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, chains=24, checkpoint=path, **RUN)
    assert again.settings["checkpoint"]["resumed_chains"] == 24 and again.wall_time < 1.0
    assert_same_run(again, full)


def test_a_different_run_is_refused_naming_what_differs(tmp_path):
    path = tmp_path / "run.npz"
    symhmc.sample(MODEL, DATA.x_train, DATA.y_train, chains=3, checkpoint=path, **RUN)
    with pytest.raises(CheckpointMismatch, match=r"max_tree_depth \(10 in the checkpoint, 8 now\)"):
        symhmc.sample(MODEL, DATA.x_train, DATA.y_train, chains=3, checkpoint=path, max_tree_depth=8, **RUN)
    with pytest.raises(CheckpointMismatch, match="seed"):
        symhmc.sample(MODEL, DATA.x_train, DATA.y_train, chains=3, checkpoint=path, **dict(RUN, seed=12))
    with pytest.raises(CheckpointMismatch, match="data"):
        symhmc.sample(MODEL, DATA.x_train, DATA.y_train + 1.0, chains=3, checkpoint=path, **RUN)
    with pytest.raises(CheckpointMismatch, match="model.hidden"):
        symhmc.sample(symhmc.MLP(hidden=(4,)), DATA.x_train, DATA.y_train, chains=3, checkpoint=path, **RUN)
    # overwrite=True starts over.
    r = symhmc.sample(
        MODEL, DATA.x_train, DATA.y_train, chains=3, checkpoint=path, max_tree_depth=8, overwrite=True, **RUN
    )
    assert r.settings["checkpoint"]["resumed_chains"] == 0
    # A plain results file is not a checkpoint.
    plain = tmp_path / "plain.npz"
    r.save(plain)
    with pytest.raises(CheckpointMismatch, match="not a checkpoint"):
        symhmc.sample(MODEL, DATA.x_train, DATA.y_train, chains=3, checkpoint=plain, **RUN)


def test_bad_checkpoint_arguments(tmp_path):
    x, y = DATA.x_train, DATA.y_train
    with pytest.raises(TypeError, match="checkpoint"):
        symhmc.sample(MODEL, x, y, chains=2, checkpoint=3, **RUN)
    with pytest.raises(ValueError, match="checkpoint_every"):
        symhmc.sample(MODEL, x, y, chains=2, checkpoint=tmp_path / "a.npz", checkpoint_every=-1, **RUN)
    with pytest.raises(ValueError, match="overwrite needs checkpoint"):
        symhmc.sample(MODEL, x, y, chains=2, overwrite=True, **RUN)
    with pytest.raises(FileNotFoundError, match="does not exist"):
        symhmc.sample(MODEL, x, y, chains=2, checkpoint=tmp_path / "no" / "a.npz", **RUN)
    (tmp_path / "junk.npz").write_bytes(b"not a results file")
    with pytest.raises(ValueError, match="overwrite=True"):
        symhmc.sample(MODEL, x, y, chains=2, checkpoint=tmp_path / "junk.npz", **RUN)


def test_ctrl_c_keeps_the_finished_chains_in_the_checkpoint(full, tmp_path, monkeypatch):
    path = tmp_path / "run.npz"
    real = runner.run_with_progress

    def interrupted_after_some_chains(target, kwargs, chains, show, **kw):
        out, _, secs = real(target, kwargs, chains, show, **kw)
        out["finished"][[3, 7, 8, 15]] = False  # as if Ctrl-C came while these ran
        return out, True, secs

    monkeypatch.setattr(runner, "run_with_progress", interrupted_after_some_chains)
    with pytest.warns(RuntimeWarning, match="interrupted"):
        part = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, chains=24, checkpoint=path, **RUN)
    assert part.partial and part.n_chains == 20
    assert symhmc.load(path).partial and symhmc.load(path).n_chains == 20
    monkeypatch.setattr(runner, "run_with_progress", real)
    resumed = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, chains=24, checkpoint=path, **RUN)
    assert resumed.settings["checkpoint"]["resumed_chains"] == 20
    assert_same_run(resumed, full)


def test_auto_resumes_its_rounds(tmp_path, monkeypatch):
    auto = dict(round_size=6, tol=1e-12, max_chains=24)
    uninterrupted = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, chains="auto", auto=auto, **RUN)
    path = tmp_path / "auto.npz"
    real = runner.run_with_progress
    calls = []

    def interrupted_in_round_three(target, kwargs, chains, show, **kw):
        out, interrupted, secs = real(target, kwargs, chains, show, **kw)
        calls.append(1)
        if len(calls) == 3:
            out["finished"][2:] = False
            return out, True, secs
        return out, interrupted, secs

    monkeypatch.setattr(runner, "run_with_progress", interrupted_in_round_three)
    with pytest.warns(RuntimeWarning, match="interrupted"):
        part = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, chains="auto", auto=auto, checkpoint=path, **RUN)
    assert part.n_chains == 14
    monkeypatch.setattr(runner, "run_with_progress", real)
    resumed = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, chains="auto", auto=auto, checkpoint=path, **RUN)
    assert_same_run(resumed, uninterrupted)
    assert resumed.convergence["kl"] == uninterrupted.convergence["kl"]


CHILD = textwrap.dedent("""
    import sys, symhmc
    from symhmc.datasets import sinusoidal
    data = sinusoidal(60, seed=1)
    r = symhmc.sample(symhmc.MLP(hidden=(3,)), data.x_train, data.y_train, chains=int(sys.argv[2]), warmup=300,
                      seed=5, threads=1, progress=False, checkpoint=sys.argv[1], checkpoint_every=0.05)
    print("CHAINS", r.n_chains, "PARTIAL", r.partial, flush=True)
""")


def _start_child(path: Path, chains: int) -> subprocess.Popen:
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join(
            p for p in [str(Path(symhmc.__file__).parents[1]), os.environ.get("PYTHONPATH", "")] if p
        ),
    )
    return subprocess.Popen(
        [sys.executable, "-c", CHILD, str(path), str(chains)],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


def _wait_for_chains(path: Path, proc: subprocess.Popen, at_least: int, timeout: float = 120.0) -> int:
    """Chains in the checkpoint once it holds at least ``at_least`` (read while the child writes)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, f"the run ended before it was stopped: {proc.communicate()}"
        if path.exists():
            try:
                n = symhmc.load(path).n_chains
            except ValueError:  # replaced while we read it: try again
                n = 0
            if n >= at_least:
                return n
        time.sleep(0.05)
    raise AssertionError("no checkpoint appeared")


@pytest.mark.parametrize("how", ["SIGKILL", "SIGTERM"])
def test_a_killed_run_resumes_to_the_uninterrupted_draws(tmp_path, how):
    chains = 80
    path = tmp_path / "killed.npz"
    proc = _start_child(path, chains)
    try:
        seen = _wait_for_chains(path, proc, at_least=5)
        os.kill(proc.pid, getattr(signal, how))
        stdout, stderr = proc.communicate(timeout=60)
    finally:
        if proc.poll() is None:
            proc.kill()
    if how == "SIGKILL":
        assert proc.returncode == -signal.SIGKILL
    else:  # SIGTERM stops like Ctrl-C: the finished chains are returned and written
        assert proc.returncode == 0, stderr
        assert "PARTIAL True" in stdout
    saved = symhmc.load(path)
    assert saved.partial and seen <= saved.n_chains < chains
    kw = dict(chains=chains, warmup=300, seed=5, progress=False)
    resumed = symhmc.sample(MODEL, DATA.x_train, DATA.y_train, checkpoint=path, **kw)
    assert resumed.settings["checkpoint"]["resumed_chains"] == saved.n_chains
    assert_same_run(resumed, symhmc.sample(MODEL, DATA.x_train, DATA.y_train, **kw))
