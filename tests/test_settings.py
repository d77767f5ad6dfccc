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
    # the paper's settings (docs/paper.md, "Sampler used there")
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
    t = _core.testing.GaussianTarget(np.zeros(3), np.array([0.01, 1.0, 100.0]))
    s = _core.SamplerSettings()
    s.warmup = 200
    s.init_buffer = s.base_window = s.term_buffer = 2**30
    out = _core.run_chains(t, chains=2, settings=s, key=1, threads=1)
    assert out["finished"].all()
    assert np.all(out["inv_mass"][:, 2] > 10 * out["inv_mass"][:, 0])  # the scales were learnt


def test_adaptation_option_names_the_allowed_values():
    s = _core.SamplerSettings()
    assert s.adaptation == "stan"
    s.adaptation = "gradient"
    assert s.get("adaptation") == "gradient"
    with pytest.raises(ValueError, match="adaptation must be 'stan' or 'gradient'"):
        s.adaptation = "nutpie"
    with pytest.raises(TypeError, match="adaptation"):
        s.adaptation = 1


def test_gradient_adaptation_plan_is_nutpies_schedule():
    s = _core.SamplerSettings()
    s.adaptation = "gradient"
    plan = s.warmup_plan()
    # 1024 warmup: early phase 30 % (307), metric fixed for the last 15 % (153).
    assert (plan["init_buffer"], plan["base_window"], plan["term_buffer"]) == (307, 80, 153)
    windows = plan["windows"]
    assert windows[0] == (0, 9)  # the initial point and nine draws: ten
    assert all(b - a == 10 for a, b in windows[1:30])
    assert windows[-2:] == [(299, 379), (379, 499)]  # 80, then 80 * 1.5; 180 more would cross 871
    assert all(w[1] == v[0] for w, v in zip(windows, windows[1:]))
    s.warmup = 19
    assert not s.warmup_plan()["metric_adapted"]  # as Stan's: no metric below 20 warmup iterations
    s.warmup = 2**40  # a huge warmup lists its first windows only, quickly
    assert len(s.warmup_plan()["windows"]) == 4096


def test_a_warmup_beyond_32_bits_runs_instead_of_returning_at_once():
    t = _core.testing.GaussianTarget(np.zeros(2), np.ones(2))
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


# ----- the Python side reads its defaults from the core and rejects what the core cannot hold -----
import inspect  # noqa: E402

import symhmc  # noqa: E402
from symhmc import cli  # noqa: E402
from symhmc.sampling import options  # noqa: E402


def _data():
    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 20)
    return x, np.sin(x) + 0.1 * rng.normal(size=20)


def test_python_defaults_are_the_cores():
    core = _core.SamplerSettings()
    for sampler, table in options.SAMPLER_OPTIONS.items():
        for name, (kind, default) in table.items():
            assert default == getattr(core, name) and kind is type(getattr(core, name)), name
    assert set(options.SAMPLER_OPTIONS["nuts"]) ^ set(options.SAMPLER_OPTIONS["hmc"]) == {
        "max_tree_depth",
        "n_steps",
        "step_jitter",
    }
    for fn in (symhmc.sample, symhmc.sample_target):
        params = inspect.signature(fn).parameters
        assert params["warmup"].default == core.warmup and params["draws"].default == core.draws
    assert f"``target_accept`` ({core.target_accept})" in " ".join(symhmc.sample.__doc__.split())


def test_results_report_the_windows_the_core_ran():
    x, y = _data()
    r = symhmc.sample(
        symhmc.MLP(hidden=(2,)),
        x,
        y,
        chains=2,
        warmup=200,
        seed=0,
        progress=False,
        init_buffer=2**30,
        base_window=2**30,
        term_buffer=2**30,
    )
    assert r.settings["adaptation_windows_used"] == (30, 150, 20)
    assert r.settings["adaptation_windows"] == [(30, 180)]
    assert r.settings["init_buffer"] == 2**30  # what was asked, beside what ran


@pytest.mark.parametrize(
    "kwargs, name",
    [
        (dict(warmup=2**63), "warmup"),
        (dict(draws=2**63), "draws"),
        (dict(first_chain=2**63), "first_chain"),
        (dict(first_chain=2**63 - 1), "first_chain"),  # + 2 chains wraps a 64-bit chain id
        (dict(init_buffer=2**64), "init_buffer"),
        (dict(max_tree_depth=31), "max_tree_depth"),
        (dict(target_accept=1.0), "target_accept"),
    ],
)
def test_values_the_core_cannot_hold_raise_value_error(kwargs, name):
    x, y = _data()
    with pytest.raises(ValueError, match=name):
        symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=2, progress=False, **{"warmup": 10, **kwargs})


def test_a_network_beyond_the_cores_parameter_limit_is_refused():
    assert symhmc.MLP(hidden=(2**31 - 1,)).n_params == 3 * (2**31 - 1) + 1  # no 32-bit overflow
    with pytest.raises(ValueError, match="hidden"):
        symhmc.MLP(hidden=(2**40, 2**20))


def test_cli_offers_every_option_with_the_cores_default(capsys):
    with pytest.raises(SystemExit):
        cli.main(["run", "--help"])  # demo has a shorter warmup of its own
    text = capsys.readouterr().out
    for name, scope in _core.SamplerSettings.options():
        if scope != "run":
            assert f"--{name.replace('_', '-')}" in text, name
    assert f"default {_core.SamplerSettings().warmup}" in text
