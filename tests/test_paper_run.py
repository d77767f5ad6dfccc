"""A reduced version of the paper's headline run (f1 on izmailov), slow."""

import pytest

import symhmc

from sampling_helpers import load_paper_data


@pytest.mark.slow
def test_f1_izmailov_lppd_matches_paper():
    # Paper: test LPPD 0.79 (0.06) with 1274 chains; 48 chains must land within two of the
    # paper's standard errors (the test set's spread dominates the Monte Carlo error).
    x, y, x_test, y_test = load_paper_data("izmailov")
    model = symhmc.MLP(hidden=(3,))
    r = symhmc.sample(model, x, y, chains=48, warmup=1024, draws=1, seed=0, progress=False)
    value, se = r.lppd(x_test, y_test)
    assert abs(value - 0.79) < 2 * 0.06, (value, se)
    assert r.divergences <= 2
    assert 0.6 < r.stats["acceptance_rate"].mean() < 0.99
    # This posterior needs long trajectories (NumPyro: ~444,000 gradients per chain).
    assert 1e5 < r.n_grad_evals.mean() < 1e6
