"""A reduced version of the paper's headline run (f1 on izmailov), slow."""

import numpy as np
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


# The fast settings of the speed benchmarks (bench/bench_paper.py --fast): float32 likelihood,
# gradient-based mass-matrix adaptation, 256 warmup iterations.
FAST = {"dtype": "float32", "adaptation": "gradient", "warmup": 256}


@pytest.mark.slow
def test_fast_settings_give_the_papers_predictive():
    # Tolerance: symhmc.compare_predictive's two-sample test (mean and spread of f at 40 inputs
    # over the training range, mean sigma; chain-bootstrap standard errors, Bonferroni) must not
    # reject equal predictives at level 0.01 between 96 chains with the paper's settings (float64,
    # Stan-style adaptation, 1024 warmup) and 96 chains with the fast settings.
    x, y, x_test, y_test = load_paper_data("izmailov")
    paper = symhmc.sample(symhmc.MLP(hidden=(3,)), x, y, chains=96, warmup=1024, draws=1, seed=0, progress=False)
    fast_model = symhmc.MLP(hidden=(3,), dtype=FAST["dtype"])
    fast = symhmc.sample(
        fast_model,
        x,
        y,
        chains=96,
        warmup=FAST["warmup"],
        draws=1,
        seed=1,
        progress=False,
        adaptation=FAST["adaptation"],
    )
    grid = np.linspace(x.min(), x.max(), 40)
    result = symhmc.compare_predictive(paper, fast, grid)
    assert result.indistinguishable, result.as_dict()
    # and the fast run costs far fewer gradients
    assert fast.n_grad_evals.mean() < 0.5 * paper.n_grad_evals.mean()
    assert abs(fast.lppd(x_test, y_test).mean - paper.lppd(x_test, y_test).mean) < 0.05
