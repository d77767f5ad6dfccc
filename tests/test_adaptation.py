"""Warmup adaptation: dual averaging reaches the target acceptance, the mass matrix the variances."""

import numpy as np
import pytest

import symhmc
from symhmc import _core


@pytest.mark.parametrize("target_accept", [0.6, 0.8, 0.95])
def test_dual_averaging_reaches_target_acceptance(target_accept):
    # Without metric updates, dual averaging runs uninterrupted through the warmup; the mean
    # acceptance statistic of 200 x 20 draws (MC standard error < 0.005) must be within 0.03.
    t = _core.testing.GaussianTarget(np.zeros(10), np.ones(10))
    r = symhmc.sample_target(
        t,
        chains=200,
        warmup=1000,
        draws=20,
        seed=2,
        progress=False,
        target_accept=target_accept,
        adapt_mass_matrix=False,
    )
    assert abs(r.stats["acceptance_rate"].mean() - target_accept) < 0.03
    # Every chain uses its own adapted step size for every draw.
    np.testing.assert_array_equal(r.stats["step_size"], np.repeat(r.step_size[:, None], 20, axis=1))


def test_full_adaptation_acceptance_near_target_and_monotone():
    # With metric windows, the step size is re-tuned over the 50-iteration terminal buffer and
    # (as in Stan) tends to overshoot the target a little: accept 0.75 .. 0.95 for target 0.8.
    t = _core.testing.GaussianTarget(np.zeros(10), np.ones(10))
    acc = {}
    for ta in (0.6, 0.8, 0.95):
        r = symhmc.sample_target(t, chains=200, warmup=1000, draws=20, seed=2, progress=False, target_accept=ta)
        acc[ta] = r.stats["acceptance_rate"].mean()
    assert 0.75 < acc[0.8] < 0.95
    assert acc[0.6] < acc[0.8] < acc[0.95]


def test_mass_matrix_approaches_true_variances():
    var = np.logspace(-2, 2, 6)  # variances 0.01 .. 100
    t = _core.testing.GaussianTarget(np.zeros(6), var)
    r = symhmc.sample_target(t, chains=100, warmup=1000, draws=10, seed=4, progress=False)
    ratio = r.inv_mass / var
    # The last window holds 500 draws: relative error of a variance about sqrt(2/500) = 6 %.
    assert np.all(np.abs(np.median(ratio, axis=0) - 1) < 0.06)
    assert np.all(np.abs(ratio - 1) < 0.4)
    # Identity start: without warmup the inverse mass stays identity, the step size as given.
    r0 = symhmc.sample_target(t, chains=3, warmup=0, draws=5, seed=4, progress=False, step_size=0.3)
    np.testing.assert_array_equal(r0.inv_mass, 1.0)
    np.testing.assert_array_equal(r0.step_size, 0.3)


def test_short_warmup_still_adapts():
    # warmup < 150 rescales Stan's windows to 15 % / 75 % / 10 %; warmup < 20 adapts only the step size.
    var = np.array([0.01, 1.0, 100.0])
    t = _core.testing.GaussianTarget(np.zeros(3), var)
    r = symhmc.sample_target(t, chains=50, warmup=100, draws=1, seed=4, progress=False)
    assert np.all(np.abs(np.log(np.median(r.inv_mass / var, axis=0))) < np.log(2.0))
    r = symhmc.sample_target(t, chains=5, warmup=15, draws=1, seed=4, progress=False)
    np.testing.assert_array_equal(r.inv_mass, 1.0)
    assert np.all(r.step_size != 1.0)


def test_divergences_are_reported_not_raised():
    # A huge fixed step size makes every trajectory diverge at its first step: each transition
    # is flagged, stays at its starting point and never raises.
    t = _core.testing.GaussianTarget(np.zeros(4), np.ones(4))
    init = np.full((6, 4), 0.5)
    r = symhmc.sample_target(t, chains=6, warmup=0, draws=5, seed=1, progress=False, init=init, step_size=1e4)
    assert r.stats["diverging"].all()
    assert r.divergences == 30
    np.testing.assert_array_equal(r.draws, 0.5)
    assert np.all(r.stats["n_steps"] == 1) and np.all(r.stats["tree_depth"] == 0)
    r = symhmc.sample_target(
        t, chains=6, warmup=0, draws=5, seed=1, progress=False, init=init, step_size=1e4, sampler="hmc"
    )
    assert r.stats["diverging"].all()
    np.testing.assert_array_equal(r.draws, 0.5)
