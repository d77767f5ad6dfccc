"""The progress bar counts iterations of all chains (it moves before any chain finishes) and
ends consistent: full after a run, after chains='auto' converged early, after a resume from a
checkpoint, with executor blocks and for deep ensembles; where a run stopped, it stays put."""

import concurrent.futures as cf

import numpy as np
import pytest

import symhmc
from symhmc import _progress, _runner
from symhmc.baselines import deep_ensemble
from symhmc.datasets import sinusoidal

LINREG = symhmc.MLP(hidden=(), noise_std=0.5)
F1 = symhmc.MLP(hidden=(3,))
DATA = sinusoidal()


def _linreg_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, n)
    return x, 0.5 * x - 0.2 + 0.5 * rng.normal(size=n)


X, Y = _linreg_data()


class FakeBar:
    """Records what a tqdm bar would show."""

    def __init__(self, total, initial=0, **kwargs):
        self.total, self.initial, self.n, self.kwargs = total, initial, initial, kwargs
        self.postfix: dict = {}
        self.history: list[tuple[int, dict]] = []
        self.closed = False

    def set_postfix(self, postfix, refresh=True):
        self.postfix = dict(postfix)

    def refresh(self):
        assert not self.closed
        self.history.append((self.n, dict(self.postfix)))

    def close(self):
        self.closed = True


@pytest.fixture
def bars(monkeypatch):
    made = []

    def fake(**kwargs):
        made.append(FakeBar(**kwargs))
        return made[-1]

    monkeypatch.setattr(_progress, "_tqdm", fake)
    return made


def _full(bar):
    return bar.closed and bar.n == bar.total


def test_a_run_ends_full_and_counts_iterations(bars):
    r = symhmc.sample(LINREG, X, Y, chains=4, warmup=30, draws=5, seed=0)
    (bar,) = bars
    assert bar.total == 4 * 35 and _full(bar)
    assert bar.kwargs["unit"] == "it" and bar.kwargs["desc"] == "NUTS"
    assert bar.postfix == {"chains": "4/4", "divergences": str(r.divergences)}
    ns = [n for n, _ in bar.history]
    assert ns == sorted(ns)  # never goes back


def test_the_bar_moves_before_any_chain_finishes(bars):
    # two chains of ~0.5 s each on this machine; the bar is redrawn every 0.1 s
    symhmc.sample(F1, DATA.x_train, DATA.y_train, chains=2, warmup=800, draws=1, seed=0, threads=1)
    (bar,) = bars
    before = [n for n, post in bar.history if post["chains"] == "0/2"]
    assert any(0 < n < bar.total // 2 for n in before), bar.history[:5]
    assert _full(bar)


def test_auto_converging_early_ends_full_at_the_chains_it_ran(bars):
    auto = dict(round_size=16, tol=2e-3, max_chains=320, patience=1)
    r = symhmc.sample(LINREG, X, Y, chains="auto", auto=auto, warmup=30, seed=3)
    assert r.convergence["converged"] and r.n_chains < 320
    (bar,) = bars
    assert bar.total == r.n_chains * 31 and _full(bar)
    assert bar.postfix["status"] == "converged" and bar.postfix["chains"] == f"{r.n_chains}/{r.n_chains}"
    assert "kl" in bar.postfix
    assert bar.history[0][0] < bar.total  # the rounds added up on one bar


def test_auto_running_out_of_chains_ends_full(bars):
    r = symhmc.sample(LINREG, X, Y, chains="auto", auto=dict(round_size=8, tol=1e-12, max_chains=20), warmup=30,
                      seed=3)
    (bar,) = bars
    assert not r.convergence["converged"] and bar.total == 20 * 31 and _full(bar)
    assert bar.postfix["status"] == "max_chains reached, not converged"


def test_a_stopped_auto_run_stays_where_it_stopped(bars, monkeypatch):
    real = _runner._run_with_progress

    def stopped_in_second_round(target, kwargs, chains, show, **kw):
        out, _, secs = real(target, kwargs, chains, show, **kw)
        if kwargs["chain_ids"][0] == 8:
            out["finished"][3:] = False
            return out, True, secs
        return out, False, secs

    monkeypatch.setattr(_runner, "_run_with_progress", stopped_in_second_round)
    with pytest.warns(RuntimeWarning, match="interrupted"):
        symhmc.sample(LINREG, X, Y, chains="auto", auto=dict(round_size=8, tol=1e-12, max_chains=40), warmup=30,
                      seed=3)
    (bar,) = bars
    assert bar.closed and bar.n < bar.total == 40 * 31 and bar.postfix["status"] == "stopped"


def test_a_resumed_run_starts_at_the_checkpoint_and_ends_full(bars, tmp_path):
    path = tmp_path / "run.npz"
    symhmc.sample(LINREG, X, Y, chains=6, warmup=30, seed=1, checkpoint=path)
    symhmc.sample(LINREG, X, Y, chains=10, warmup=30, seed=1, checkpoint=path)
    first, resumed = bars
    assert _full(first) and first.total == 6 * 31
    assert resumed.total == 10 * 31 and _full(resumed)
    assert resumed.initial == 6 * 31  # the checkpoint's chains are not part of the rate
    assert resumed.history[0] == (6 * 31, {"chains": "6/10", "divergences": "0"})
    # nothing left to run: full at once
    symhmc.sample(LINREG, X, Y, chains=10, warmup=30, seed=1, checkpoint=path)
    assert _full(bars[2]) and bars[2].initial == bars[2].total


def test_auto_resumed_from_a_checkpoint_ends_full(bars, tmp_path):
    path = tmp_path / "auto.npz"
    auto = dict(round_size=16, tol=2e-3, max_chains=320, patience=1)
    symhmc.sample(LINREG, X, Y, chains=16, warmup=30, seed=3, checkpoint=path)  # the first round, run before
    r = symhmc.sample(LINREG, X, Y, chains="auto", auto=auto, warmup=30, seed=3, checkpoint=path)
    bar = bars[1]
    assert r.settings["checkpoint"]["resumed_chains"] == 16
    assert bar.initial == 16 * 31 and bar.total == r.n_chains * 31 and _full(bar)


def test_executor_blocks_end_full(bars):
    with cf.ThreadPoolExecutor(2) as ex:
        r = symhmc.sample(LINREG, X, Y, chains=9, warmup=30, seed=0, executor=ex, block_size=4, threads=1)
    (bar,) = bars
    assert bar.kwargs["desc"] == "NUTS blocks" and bar.total == 9 * 31 and _full(bar)
    assert bar.postfix == {"chains": "9/9", "divergences": str(r.divergences)}
    # it moves by whole blocks
    assert {n for n, _ in bar.history} <= {k * 31 for k in (0, 4, 8, 1, 5, 9)}


@pytest.mark.parametrize("validation", [None, 0.25])
def test_deep_ensemble_counts_epochs(bars, validation):
    r = deep_ensemble(F1, DATA.x_train, DATA.y_train, members=3, epochs=200, seed=0, validation=validation,
                      patience=5 if validation else None, learning_rate=0.1)
    (bar,) = bars
    assert bar.kwargs["unit"] == "epoch" and bar.total == 3 * 200 and _full(bar)
    assert bar.postfix == {"members": "3/3"}
    if validation:  # members stopped early count in full once done
        assert np.all(np.isnan(r.losses[:, -1]))


def test_no_bar_without_progress(bars):
    symhmc.sample(LINREG, X, Y, chains=2, warmup=10, seed=0, progress=False)
    assert bars == []
