"""The core's SamplerSettings: the one home of every default, its checks and its warmup schedule."""

import threading
import time

import numpy as np
import pytest

from symhmc import _core


def test_every_option_has_a_default_and_a_scope():
    s = _core.SamplerSettings()
    names = [name for name, _ in _core.SamplerSettings.options()]
    assert len(names) == len(set(names))
    assert {scope for _, scope in _core.SamplerSettings.options()} == {"run", "common", "nuts", "hmc"}
    for name in names:
        assert getattr(s, name) == s.get(name)
    # the paper's settings (PAPER.md, "Sampler used there")
    assert (s.warmup, s.draws, s.target_accept, s.max_tree_depth) == (1024, 1, 0.8, 10)
    assert (s.init_buffer, s.base_window, s.term_buffer) == (75, 25, 50)


def test_set_checks_types_and_64_bit_range():
    s = _core.SamplerSettings()
    s.warmup = 2**62
    assert s.warmup == 2**62
    with pytest.raises(ValueError, match="warmup"):
        s.warmup = 2**63
    with pytest.raises(TypeError, match="adapt_step_size"):
        s.adapt_step_size = 1
    with pytest.raises(TypeError, match="max_tree_depth"):
        s.max_tree_depth = 3.0
    with pytest.raises(AttributeError, match="nope"):
        s.set("nope", 1)
    s = _core.SamplerSettings()
    s.target_accept = 1.5
    with pytest.raises(ValueError, match="target_accept"):
        s.validate()


def test_warmup_plan_is_stans_schedule():
    plan = _core.SamplerSettings().warmup_plan()
    assert plan["metric_adapted"]
    assert (plan["init_buffer"], plan["base_window"], plan["term_buffer"]) == (75, 25, 50)
    # doubling windows; the last one stretched to the terminal buffer
    assert plan["windows"] == [(75, 100), (100, 150), (150, 250), (250, 450), (450, 974)]


def test_warmup_plan_rescales_stages_that_do_not_fit():
    s = _core.SamplerSettings()
    s.warmup = 200
    s.init_buffer = s.base_window = s.term_buffer = 2**30  # overflowed 32-bit sums once
    plan = s.warmup_plan()
    assert plan["metric_adapted"]
    assert (plan["init_buffer"], plan["base_window"], plan["term_buffer"]) == (30, 150, 20)
    assert plan["windows"] == [(30, 180)]
    s.warmup = 19
    assert not s.warmup_plan()["metric_adapted"]
    assert s.warmup_plan()["windows"] == []


def test_huge_buffers_still_adapt_the_metric():
    t = _core.GaussianTarget(np.zeros(3), np.array([0.01, 1.0, 100.0]))
    s = _core.SamplerSettings()
    s.warmup = 200
    s.init_buffer = s.base_window = s.term_buffer = 2**30
    out = _core.run_chains(t, chains=2, settings=s, key=1, threads=1)
    assert out["finished"].all()
    assert np.all(out["inv_mass"][:, 2] > 10 * out["inv_mass"][:, 0])  # the scales were learnt


def test_a_warmup_beyond_32_bits_runs_instead_of_returning_at_once():
    t = _core.GaussianTarget(np.zeros(2), np.ones(2))
    s = _core.SamplerSettings()
    s.warmup = 2**31 - 1
    handle = _core.Progress()
    timer = threading.Timer(0.3, handle.interrupt)
    timer.start()
    start = time.perf_counter()
    out = _core.run_chains(t, chains=1, settings=s, key=0, threads=1, progress=handle)
    timer.join()
    assert time.perf_counter() - start >= 0.25
    assert handle.iterations > 100
    assert not out["finished"].any()  # interrupted, so reported as unfinished (never as done)
