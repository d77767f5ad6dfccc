"""symhmc.compare_predictive: a two-sample test of two runs' predictives.

Its level is checked on runs whose draws come from one known distribution (it may reject at
most about alpha of the time), its power on a shifted distribution, and it is run once on real
sampler output.
"""

import numpy as np
import pytest

import symhmc
from conftest import toy_data
from symhmc import MLP, SampleResults, compare_predictive

MODEL = MLP(hidden=(3,))
GRID = np.linspace(-2, 2, 15)[:, None]


def fake_run(seed, n_chains=200, n_draws=1, shift=0.0):
    """Draws from a fixed Gaussian over the weights (and log sigma), as a SampleResults."""
    rng = np.random.default_rng(seed)
    center = np.random.default_rng(99).normal(size=MODEL.dim)
    draws = center + 0.3 * rng.normal(size=(n_chains, n_draws, MODEL.dim))
    draws[..., : MODEL.n_params] += shift  # every weight and bias
    return SampleResults(
        draws=draws,
        stats={},
        step_size=np.ones(n_chains),
        inv_mass=np.ones((n_chains, MODEL.dim)),
        n_grad_evals=np.zeros(n_chains, int),
        wall_time=0.0,
        settings={},
        seed=seed,
        model=MODEL,
    )


def test_level_is_at_most_alpha_for_draws_from_one_distribution():
    p = np.array(
        [compare_predictive(fake_run(2 * k), fake_run(2 * k + 1), GRID, n_bootstrap=100).p_value for k in range(60)]
    )
    # Bonferroni over correlated statistics is conservative: rejections at 5 % stay rare.
    assert np.mean(p < 0.05) <= 0.1
    assert np.median(p) > 0.2


def test_detects_a_shifted_predictive():
    result = compare_predictive(fake_run(1), fake_run(2, shift=0.3), GRID)
    assert not result.indistinguishable
    assert result.max_abs_z > 5


def test_several_draws_per_chain_resample_whole_chains():
    # Chains of 20 identical draws carry the information of one draw each: the test must not
    # treat them as 20 independent draws (it would then reject far too often).
    def sticky(seed, shift=0.0):
        r = fake_run(seed, n_chains=60, shift=shift)
        r.draws = np.repeat(r.draws, 20, axis=1)
        return r

    p = np.array(
        [compare_predictive(sticky(2 * k), sticky(2 * k + 1), GRID, n_bootstrap=100).p_value for k in range(30)]
    )
    assert np.mean(p < 0.05) <= 0.15


def test_reports_per_point_z_and_sigma():
    result = compare_predictive(fake_run(3), fake_run(4), GRID)
    assert result.z_mean.shape == result.z_std.shape == (len(GRID),)
    assert np.isfinite(result.z_sigma)
    assert result.n_tests == 2 * len(GRID) + 1
    assert set(result.as_dict()) >= {"max_abs_z", "p_value", "indistinguishable"}
    assert compare_predictive(fake_run(3), fake_run(4), GRID[:, 0]).max_abs_z == result.max_abs_z  # 1-D inputs


def test_two_sampler_runs_of_the_same_posterior_agree():
    x, y = toy_data(n=40)
    x = x[:, None]
    runs = [symhmc.sample(MODEL, x, y, chains=48, warmup=200, seed=s, progress=False) for s in (1, 2)]
    shifted = symhmc.sample(MODEL, x, y + 1.0, chains=48, warmup=200, seed=3, progress=False)
    grid = np.linspace(x.min(), x.max(), 12)[:, None]
    assert compare_predictive(*runs, grid).indistinguishable
    assert not compare_predictive(runs[0], shifted, grid).indistinguishable


@pytest.mark.parametrize("kwargs, match", [({"alpha": 1.5}, "alpha"), ({"n_bootstrap": 3}, "n_bootstrap")])
def test_bad_settings_name_the_argument(kwargs, match):
    with pytest.raises(ValueError, match=match):
        compare_predictive(fake_run(1), fake_run(2), GRID, **kwargs)


def test_needs_two_chains_and_the_same_architecture():
    with pytest.raises(ValueError, match="2 chains"):
        compare_predictive(fake_run(1, n_chains=1), fake_run(2), GRID)
    other = fake_run(2)
    other.model = MLP(hidden=(4,))
    with pytest.raises(ValueError, match="same architecture"):
        compare_predictive(fake_run(1), other, GRID)
