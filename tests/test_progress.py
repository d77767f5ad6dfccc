"""The progress bar counts iterations of all chains (it moves before any chain finishes) and
ends consistent: full after a run, after chains='auto' converged early, after a resume from a
checkpoint, with executor blocks and for deep ensembles; where a run stopped, it stays put."""

import concurrent.futures as cf

import numpy as np
import pytest

import symhmc
from symhmc.sampling import _progress, runner
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
        self.on_refresh()

    def on_refresh(self):
        """A hook for tests that act while the bar is drawn (e.g. press Ctrl-C)."""

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


def test_the_bar_moves_before_any_chain_finishes(bars, monkeypatch):
    # Chains far too long to finish on any CPU (10^6 warmup iterations each); the bar's first
    # redraw that shows iterations but no finished chain presses Ctrl-C, so the test takes one
    # redraw (0.1 s) wherever it runs and never depends on how fast the machine is.
    seen = []

    def press_ctrl_c_once_moving(bar):
        n, post = bar.history[-1]
        if n > 0 and not seen:
            seen.append((n, post))
            raise KeyboardInterrupt

    monkeypatch.setattr(FakeBar, "on_refresh", press_ctrl_c_once_moving)
    with pytest.warns(RuntimeWarning, match="interrupted"):
        symhmc.sample(F1, DATA.x_train, DATA.y_train, chains=2, warmup=10**6, draws=1, seed=0, threads=1)
    (bar,) = bars
    ((n, post),) = seen
    assert post["chains"] == "0/2" and 0 < n < bar.total // 2
    assert bar.closed and bar.n < bar.total  # a stopped run stays where it stopped


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
    r = symhmc.sample(LINREG, X, Y, chains="auto", auto=dict(round_size=8, tol=1e-12, max_chains=20), warmup=30, seed=3)
    (bar,) = bars
    assert not r.convergence["converged"] and bar.total == 20 * 31 and _full(bar)
    assert bar.postfix["status"] == "max_chains reached, not converged"


def test_a_stopped_auto_run_stays_where_it_stopped(bars, monkeypatch):
    real = runner.run_with_progress

    def stopped_in_second_round(target, kwargs, chains, show, **kw):
        out, _, secs = real(target, kwargs, chains, show, **kw)
        if kwargs["chain_ids"][0] == 8:
            out["finished"][3:] = False
            return out, True, secs
        return out, False, secs

    monkeypatch.setattr(runner, "run_with_progress", stopped_in_second_round)
    with pytest.warns(RuntimeWarning, match="interrupted"):
        symhmc.sample(LINREG, X, Y, chains="auto", auto=dict(round_size=8, tol=1e-12, max_chains=40), warmup=30, seed=3)
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
    r = deep_ensemble(
        F1,
        DATA.x_train,
        DATA.y_train,
        members=3,
        epochs=200,
        seed=0,
        validation=validation,
        patience=5 if validation else None,
        learning_rate=0.1,
    )
    (bar,) = bars
    assert bar.kwargs["unit"] == "epoch" and bar.total == 3 * 200 and _full(bar)
    assert bar.postfix == {"members": "3/3"}
    if validation:  # members stopped early count in full once done
        assert np.all(np.isnan(r.losses[:, -1]))


def test_no_bar_without_progress(bars):
    symhmc.sample(LINREG, X, Y, chains=2, warmup=10, seed=0, progress=False)
    assert bars == []


def test_a_terminal_gets_tqdm_and_anything_else_plain_lines(monkeypatch):
    from tqdm.auto import tqdm

    monkeypatch.setattr(_progress, "_stderr_is_terminal", lambda: True)
    bar = _progress._tqdm(total=10, desc="NUTS", disable=True)
    assert isinstance(bar, tqdm)
    bar.close()
    monkeypatch.setattr(_progress, "_stderr_is_terminal", lambda: False)
    assert isinstance(_progress._tqdm(total=10, desc="NUTS"), _progress.PlainLines)


def test_plain_lines_wait_for_the_interval_and_write_the_end_once(monkeypatch, capsys):
    clock = [100.0]
    monkeypatch.setattr(_progress.time, "monotonic", lambda: clock[0])
    lines = _progress.PlainLines(total=200, desc="NUTS", unit="it", interval=10.0)
    lines.n = 50
    lines.set_postfix({"chains": "0/2"})
    lines.refresh()  # 0 s after the start: nothing yet
    clock[0] += 9.9
    lines.refresh()
    assert capsys.readouterr().err == ""
    clock[0] += 0.2
    lines.refresh()
    assert capsys.readouterr().err == "NUTS:  25% 50/200 it, 10 s, chains=0/2\n"
    clock[0] += 5
    lines.refresh()  # 5 s after the last line
    lines.n = 200
    lines.close()
    lines.close()
    lines.refresh()
    assert capsys.readouterr().err == "NUTS: 100% 200/200 it, 15 s, chains=0/2\n"


def test_plain_lines_survive_a_closed_stream():
    class Closed:
        def write(self, text):
            raise BrokenPipeError

        def flush(self):
            raise BrokenPipeError

    lines = _progress.PlainLines(total=1, desc="NUTS", file=Closed())
    lines.close()  # no exception: progress is never worth a failure
