"""symhmc.sample: results layout, reproducibility, argument checks and interruption."""

import threading
import time

import numpy as np
import pytest

import symhmc
from symhmc import _core
from symhmc.results import STAT_NAMES


def sinusoid(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, n)
    return x, np.sin(2 * x) + 0.2 * rng.standard_normal(n)


MODEL = symhmc.MLP(hidden=(3,))


def quick(**kw):
    x, y = sinusoid()
    args = dict(chains=6, warmup=60, draws=3, seed=7, progress=False)
    args.update(kw)
    return symhmc.sample(MODEL, x, y, **args)


def test_results_layout():
    r = quick()
    assert isinstance(r, symhmc.SampleResults)
    assert r.theta.shape == (6, 3, MODEL.n_params)
    assert r.sigma.shape == (6, 3) and np.all(r.sigma > 0)
    np.testing.assert_allclose(r.sigma, np.exp(r.draws[..., -1]))
    assert set(r.stats) == set(STAT_NAMES)
    for k in STAT_NAMES:
        assert r.stats[k].shape == (6, 3), k
    assert r.stats["diverging"].dtype == bool
    assert r.step_size.shape == (6,) and np.all(r.step_size > 0)
    assert r.inv_mass.shape == (6, MODEL.dim)
    assert r.n_grad_evals.shape == (6,)
    # Every leapfrog step is a gradient; warmup and step-size searches add more.
    assert np.all(r.n_grad_evals > r.stats["n_steps"].sum(axis=1))
    assert np.all(r.stats["n_steps"] >= 1)
    # A tree of depth d took 2^d - 1 steps, plus up to 2^d in a rejected last doubling.
    depth, steps = r.stats["tree_depth"], r.stats["n_steps"]
    assert np.all((2**depth - 1 <= steps) & (steps <= 2 ** (depth + 1) - 1))
    assert r.flat_draws().shape == (18, MODEL.dim)
    np.testing.assert_array_equal(r.flat_draws()[3], r.draws[1, 0])
    assert r.partial is False and r.seed == 7 and r.model is MODEL
    assert r.x.shape == (40, 1) and r.y.shape == (40, 1)
    s = r.settings
    for key, value in dict(
        sampler="nuts",
        chains=6,
        warmup=60,
        draws=3,
        init="uniform",
        step_size=1.0,
        target_accept=0.8,
        max_tree_depth=10,
        gamma=0.05,
        t0=10.0,
        kappa=0.75,
        init_buffer=75,
        base_window=25,
        term_buffer=50,
        max_energy_error=1000.0,
    ).items():
        assert s[key] == value, key
    assert r.wall_time > 0
    assert s["adaptation_windows_used"] == (9, 45, 6)  # 60 warmup iterations: 15 % / 75 % / 10 %
    assert s["seed"] == 7
    assert "6 chains" in repr(r)
    summary = r.sampler_summary()
    assert summary["chains"] == 6 and summary["divergences"] == r.divergences


def test_same_seed_identical_different_chains_differ():
    a, b = quick(), quick()
    for k in ("draws", "step_size", "inv_mass", "n_grad_evals"):
        np.testing.assert_array_equal(getattr(a, k), getattr(b, k))
    for k in STAT_NAMES:
        np.testing.assert_array_equal(a.stats[k], b.stats[k])
    # Chains are different streams.
    assert len({tuple(row) for row in a.draws[:, -1]}) == 6
    c = quick(seed=8)
    assert not np.any(c.draws == a.draws)


def test_fresh_seed_is_recorded_and_reproduces():
    a = quick(seed=None)
    assert isinstance(a.seed, int)
    b = quick(seed=a.seed)
    np.testing.assert_array_equal(a.draws, b.draws)


@pytest.mark.parametrize("sampler", ["nuts", "hmc"])
def test_thread_count_does_not_change_results(sampler):
    a = quick(threads=1, chains=9, sampler=sampler)
    b = quick(threads=2, chains=9, sampler=sampler)
    np.testing.assert_array_equal(a.draws, b.draws)  # bit for bit
    for k in STAT_NAMES:
        np.testing.assert_array_equal(a.stats[k], b.stats[k])
    np.testing.assert_array_equal(a.n_grad_evals, b.n_grad_evals)


def test_chain_does_not_depend_on_batch():
    # Chain c is the stream (key, c): the first chains of a bigger run are the same chains.
    a = quick(chains=3)
    b = quick(chains=8)
    np.testing.assert_array_equal(a.draws, b.draws[:3])


def test_init_options():
    x, y = sinusoid()
    init = np.random.default_rng(1).normal(size=(4, MODEL.dim)) * 0.1
    r = symhmc.sample(
        MODEL,
        x,
        y,
        chains=4,
        warmup=0,
        draws=1,
        seed=1,
        progress=False,
        init=init,
        step_size=1e-12,
        adapt_step_size=False,
    )
    np.testing.assert_allclose(r.draws[:, 0], init, atol=1e-9)  # tiny steps barely move
    assert r.settings["init"] == "array"
    r = symhmc.sample(
        MODEL,
        x,
        y,
        chains=4,
        warmup=0,
        draws=1,
        seed=1,
        progress=False,
        init="prior",
        step_size=1e-12,
        adapt_step_size=False,
    )
    assert r.settings["init"] == "prior"
    assert np.all(np.isfinite(r.draws))
    r2 = symhmc.sample(
        MODEL,
        x,
        y,
        chains=2,
        warmup=0,
        draws=1,
        seed=1,
        progress=False,
        init="prior",
        step_size=1e-12,
        adapt_step_size=False,
    )
    np.testing.assert_array_equal(r.draws[:2], r2.draws)  # prior init per chain
    # Uniform init lies in (-2, 2).
    r = symhmc.sample(
        MODEL, x, y, chains=50, warmup=0, draws=1, seed=1, progress=False, step_size=1e-12, adapt_step_size=False
    )
    assert np.all(np.abs(r.draws) < 2.0 + 1e-6)
    assert np.std(r.draws) == pytest.approx(4 / np.sqrt(12), rel=0.1)  # uniform(-2, 2): sd 1.155


@pytest.mark.parametrize(
    "kwargs,exc,name",
    [
        (dict(chains=0), ValueError, "chains"),
        (dict(chains=2.5), TypeError, "chains"),
        (dict(warmup=-1), ValueError, "warmup"),
        (dict(draws=0), ValueError, "draws"),
        (dict(sampler="mala"), ValueError, "sampler"),
        (dict(seed=-3), ValueError, "seed"),
        (dict(seed=1.5), TypeError, "seed"),
        (dict(seed="abc"), TypeError, "seed"),
        (dict(threads=0), ValueError, "threads"),
        (dict(init="zeros"), ValueError, "init"),
        (dict(init=np.zeros((5, 3))), ValueError, "init"),
        (dict(init=np.full((6, MODEL.dim), np.nan)), ValueError, "init"),
        (dict(progress="yes"), TypeError, "progress"),
        (dict(step_size=0.0), ValueError, "step_size"),
        (dict(target_accept=1.0), ValueError, "target_accept"),
        (dict(max_tree_depth=0), ValueError, "max_tree_depth"),
        (dict(adapt_step_size=1), TypeError, "adapt_step_size"),
        (dict(n_steps=5), TypeError, "n_steps"),  # an HMC option given to NUTS
        (dict(sampler="hmc", max_tree_depth=5), TypeError, "max_tree_depth"),
        (dict(sampler="hmc", step_jitter=1.5), ValueError, "step_jitter"),
        (dict(foo=1), TypeError, "foo"),
    ],
)
def test_bad_arguments_raise_naming_the_argument(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        quick(**kwargs)


def test_init_with_infinite_log_density_is_rejected():
    bad = np.zeros((6, MODEL.dim))
    bad[2, -1] = 800.0  # sigma = exp(800) overflows
    with pytest.raises(ValueError, match=r"init.*\[2\]"):
        quick(init=bad)


def test_bad_model_and_data():
    x, y = sinusoid()
    with pytest.raises(TypeError, match="model"):
        symhmc.sample("mlp", x, y, chains=2, progress=False)
    with pytest.raises(ValueError, match="y"):
        symhmc.sample(MODEL, x, y[:-1], chains=2, progress=False)
    with pytest.raises(ValueError, match="x"):
        symhmc.sample(MODEL, np.c_[x, x], y, chains=2, progress=False)
    with pytest.raises(TypeError, match="target"):
        symhmc.sample_target(MODEL, chains=2, progress=False)
    with pytest.raises(ValueError, match="prior"):
        symhmc.sample_target(
            _core.testing.GaussianTarget(np.zeros(2), np.ones(2)), chains=2, init="prior", progress=False
        )


def test_core_checks_arguments_again():
    t = _core.testing.GaussianTarget(np.zeros(2), np.ones(2))
    settings = _core.SamplerSettings()
    with pytest.raises(ValueError, match="chains"):
        _core.run_chains(t, chains=0, settings=settings)
    with pytest.raises(ValueError, match="sampler"):
        settings.sampler = "x"
    with pytest.raises(ValueError, match="init"):
        _core.run_chains(t, chains=2, settings=settings, init=np.zeros((3, 2)))
    with pytest.raises(ValueError, match="first_chain"):
        _core.run_chains(t, chains=2, settings=settings, first_chain=2**63 - 1)
    settings.target_accept = 2.0
    with pytest.raises(ValueError, match="target_accept"):
        _core.run_chains(t, chains=1, settings=settings)


def long_gaussian_run_kwargs():
    # Minutes of work on one thread: the interrupts below come once the first chain is done.
    return dict(chains=20000, warmup=20000, draws=2, seed=3, threads=1)


def test_core_interrupt_flag_from_another_thread():
    t = _core.testing.GaussianTarget(np.zeros(10), np.ones(10))
    handle = _core.Progress()

    def interrupt_after_first_chain():
        while handle.chains_done < 1:
            time.sleep(0.001)
        handle.interrupt()

    presser = threading.Thread(target=interrupt_after_first_chain, daemon=True)
    presser.start()
    kw = long_gaussian_run_kwargs()
    settings = _core.SamplerSettings()
    settings.warmup, settings.draws = kw.pop("warmup"), kw.pop("draws")
    kw["key"] = kw.pop("seed")
    out = _core.run_chains(t, progress=handle, settings=settings, **kw)
    presser.join()
    assert handle.interrupted
    done = out["finished"]
    assert 0 < done.sum() < 20000
    assert handle.chains_done == done.sum()
    assert np.all(np.isfinite(out["draws"][done]))
    # Chains that never started or stopped early leave NaN in their draws.
    assert np.all(np.isnan(out["draws"][~done][:, -1]))


def test_keyboard_interrupt_returns_partial_results(press_ctrl_c_after_first_chain):
    t = _core.testing.GaussianTarget(np.zeros(10), np.ones(10))
    with pytest.warns(RuntimeWarning, match="interrupted"):
        r = symhmc.sample_target(t, progress=True, **long_gaussian_run_kwargs())
    press_ctrl_c_after_first_chain.join()
    assert r.partial
    assert 0 < r.n_chains < 20000
    assert r.draws.shape == (r.n_chains, 2, 10) and np.all(np.isfinite(r.draws))
    assert r.chain_ids.shape == (r.n_chains,)
    # The kept chains are the same as in an uninterrupted run.
    first = r.chain_ids[:5]
    kw = dict(long_gaussian_run_kwargs(), chains=int(first.max()) + 1)
    full = symhmc.sample_target(t, progress=False, **kw)
    np.testing.assert_array_equal(full.draws[first], r.draws[: len(first)])


def test_gradient_count_is_exact_without_warmup():
    # One evaluation at the initial point, then one per leapfrog step.
    t = _core.testing.GaussianTarget(np.zeros(3), np.ones(3))
    init = np.full((4, 3), 0.3)
    for sampler in ("nuts", "hmc"):
        r = symhmc.sample_target(
            t, chains=4, warmup=0, draws=7, seed=2, progress=False, init=init, step_size=0.4, sampler=sampler
        )
        np.testing.assert_array_equal(r.n_grad_evals, 1 + r.stats["n_steps"].sum(axis=1))


def test_core_chain_ids_give_the_chains_of_the_whole_run():
    t = _core.testing.GaussianTarget(np.zeros(5), np.ones(5))
    settings = _core.SamplerSettings()
    settings.warmup, settings.draws = 100, 3
    full = _core.run_chains(t, chains=10, settings=settings, key=7)
    ids = np.array([8, 2, 5])
    sub = _core.run_chains(t, chains=3, settings=settings, key=7, chain_ids=ids, threads=1)
    for name in ("draws", "lp", "adapted_step_size", "inv_mass", "n_grad_evals"):
        np.testing.assert_array_equal(sub[name], full[name][ids])
    with pytest.raises(ValueError, match="chain_ids"):
        _core.run_chains(t, chains=3, settings=settings, chain_ids=[1, 2])
    with pytest.raises(ValueError, match="chain_ids"):
        _core.run_chains(t, chains=2, settings=settings, chain_ids=[1, -2])
    with pytest.raises(ValueError, match="first_chain or chain_ids"):
        _core.run_chains(t, chains=2, settings=settings, chain_ids=[1, 2], first_chain=3)


def test_core_hands_out_the_arrays_before_the_run():
    t = _core.testing.GaussianTarget(np.zeros(3), np.ones(3))
    settings = _core.SamplerSettings()
    settings.warmup, settings.draws = 20, 2
    seen = {}

    def on_start(arrays):
        seen["finished"] = arrays["finished"].copy()
        seen["arrays"] = arrays

    out = _core.run_chains(t, chains=4, settings=settings, on_start=on_start)
    assert not seen["finished"].any()  # nothing ran yet when it was called
    assert seen["arrays"]["draws"] is out["draws"] and out["finished"].all()


@pytest.mark.parametrize("sampler", ["nuts", "hmc"])
def test_interrupt_stops_inside_a_long_transition(sampler):
    # One transition here is 2**24 (NUTS) or 10**8 (HMC) leapfrog steps: minutes. Ctrl-C must not
    # wait for it to end.
    t = _core.testing.GaussianTarget(np.zeros(50), np.ones(50))
    settings = _core.SamplerSettings()
    settings.sampler = sampler
    settings.warmup, settings.draws, settings.step_size = 0, 5, 1e-6
    settings.max_tree_depth, settings.n_steps = 24, 10**8
    handle = _core.Progress()
    timer = threading.Timer(0.3, handle.interrupt)
    timer.start()
    start = time.perf_counter()
    out = _core.run_chains(t, chains=2, settings=settings, progress=handle, threads=2)
    timer.join()
    assert time.perf_counter() - start < 1.5
    assert not out["finished"].any()


@pytest.mark.parametrize("seed, exc", [(1.5, TypeError), (True, TypeError), ("0", TypeError), (-1, ValueError)])
def test_every_seeded_function_rejects_a_bad_seed_the_same_way(seed, exc):
    from symhmc.baselines import laplace
    from symhmc.symmetry import find_modes

    x, y = sinusoid()
    calls = {
        "sample": lambda: quick(seed=seed),
        "laplace": lambda: laplace(MODEL, x, y, n_samples=5, seed=seed),
        "find_modes": lambda: find_modes(np.random.default_rng(0).normal(size=(20, MODEL.dim)), MODEL, seed=seed),
    }
    try:
        import sklearn  # noqa: F401  (find_modes needs it)
    except ImportError:
        del calls["find_modes"]
    for name, call in calls.items():
        with pytest.raises(exc, match="seed") as info:
            call()
        assert ("integer" in str(info.value)) == (exc is TypeError), name
