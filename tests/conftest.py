import os
import signal
import sys

import numpy as np
import pytest

# tests/reference.py and tests/sampling_helpers.py are helper modules shared by the tests
sys.path.insert(0, os.path.dirname(__file__))


@pytest.fixture(scope="session", autouse=True)
def ctrl_c_raises_keyboard_interrupt():
    """Ctrl-C as in an interactive Python: a shell that starts the tests in the background sets
    SIGINT to "ignore", and then the tests that press Ctrl-C (``_thread.interrupt_main``) would
    see nothing."""
    previous = signal.getsignal(signal.SIGINT)
    if previous is signal.SIG_IGN:
        signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    if previous is signal.SIG_IGN:
        signal.signal(signal.SIGINT, previous)


def toy_data(n=20, seed=0):
    """A small 1-D regression set: y = sin(x) + noise."""
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, n)
    return x, np.sin(x) + 0.1 * rng.normal(size=n)


@pytest.fixture(scope="session")
def small_run():
    """A short f1 run on toy_data() shared by the results and I/O tests (treat as read-only)."""
    import symhmc

    x, y = toy_data()
    return symhmc.sample(symhmc.MLP(hidden=(3,)), x, y, chains=8, warmup=100, seed=0, progress=False)


@pytest.fixture
def press_ctrl_c_after_first_chain(monkeypatch):
    """Presses Ctrl-C once the first chain (or ensemble member) of the next run has finished, as
    read from the run's own progress counters: the test then sees a run stopped part-way on any
    CPU, however fast, instead of racing a timer. Returns the thread (join it after the run)."""
    import _thread
    import threading
    import time

    from symhmc.sampling import runner

    handles = []
    real_progress = runner._core.Progress

    def recorded_progress():
        handles.append(real_progress())
        return handles[-1]

    monkeypatch.setattr(runner._core, "Progress", recorded_progress)

    def press():
        while not (handles and handles[0].chains_done >= 1):
            time.sleep(0.001)
        _thread.interrupt_main()  # what Ctrl-C does

    presser = threading.Thread(target=press, daemon=True)
    presser.start()
    return presser
