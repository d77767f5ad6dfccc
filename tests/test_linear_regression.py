"""Bayesian linear regression (no hidden layer, fixed noise) against its exact Gaussian posterior.

Monte Carlo tolerance as in test_samplers_gaussian: 4.5 standard errors from per-chain averages.
"""

import numpy as np
import pytest

import symhmc

from test_samplers_gaussian import check_moments


def exact_posterior(x, y, noise_std, prior_scale):
    xt = np.hstack([x, np.ones((len(x), 1))])  # flat layout: W (1 x n_inputs) then b
    precision = xt.T @ xt / noise_std**2 + np.eye(xt.shape[1]) / prior_scale**2
    cov = np.linalg.inv(precision)
    return cov @ xt.T @ y / noise_std**2, cov


@pytest.mark.parametrize("sampler,options", [("nuts", {}), ("hmc", {"n_steps": 20, "step_jitter": 0.2})])
def test_linear_regression_matches_exact_posterior(sampler, options):
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 2)) @ np.array([[1.0, 0.6], [0.0, 0.8]])  # correlated inputs
    y = x @ np.array([0.7, -1.2]) + 0.3 + 0.5 * rng.standard_normal(40)
    model = symhmc.MLP(hidden=(), n_inputs=2, noise_std=0.5, prior_scale=2.0)
    assert model.dim == 3
    mean, cov = exact_posterior(x, y, 0.5, 2.0)
    r = symhmc.sample(model, x, y, chains=800, warmup=400, draws=25, sampler=sampler, seed=3, progress=False,
                      **options)
    assert r.theta.shape == (800, 25, 3)
    np.testing.assert_array_equal(r.sigma, 0.5)
    check_moments(r.draws, mean, cov)
    # lp is the model's log posterior at the draw.
    np.testing.assert_allclose(r.stats["lp"][:3, 0], model.log_prob(r.draws[:3, 0], x, y), rtol=1e-12)
