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
    r = symhmc.sample(model, x, y, chains=800, warmup=400, draws=25, sampler=sampler, seed=3, progress=False, **options)
    assert r.theta.shape == (800, 25, 3)
    np.testing.assert_array_equal(r.sigma, 0.5)
    check_moments(r.draws, mean, cov)
    # lp is the model's log posterior at the draw.
    np.testing.assert_allclose(r.stats["lp"][:3, 0], model.log_prob(r.draws[:3, 0], x, y), rtol=1e-12)


def sampled_noise_posterior_moments(x, y, prior_scale, noise_prior_scale):
    """Exact posterior moments of (w, b, s = log sigma) for linear regression with
    sigma ~ HalfNormal, by quadrature over s (the weights integrate out analytically)."""
    xt = np.hstack([x, np.ones((len(x), 1))])
    s = np.linspace(-6.0, 3.0, 4001)
    log_post, means = [], []
    for si in s:
        sig2 = np.exp(2 * si)
        cov_y = sig2 * np.eye(len(y)) + prior_scale**2 * xt @ xt.T
        _, logdet = np.linalg.slogdet(cov_y)
        log_lik = -0.5 * (y @ np.linalg.solve(cov_y, y) + logdet + len(y) * np.log(2 * np.pi))
        sigma = np.exp(si)
        log_prior = -0.5 * (sigma / noise_prior_scale) ** 2 + si  # HalfNormal density times Jacobian (up to a constant)
        log_post.append(log_lik + log_prior)
        precision = xt.T @ xt / sig2 + np.eye(xt.shape[1]) / prior_scale**2
        means.append(np.linalg.solve(precision, xt.T @ y / sig2))
    w = np.exp(np.array(log_post) - max(log_post))
    w /= w.sum()
    means = np.array(means)
    return {"w_mean": w @ means, "s_mean": w @ s, "s_var": w @ (s - w @ s) ** 2, "sigma_mean": w @ np.exp(s)}


def test_linear_regression_with_sampled_noise_matches_quadrature():
    """A non-Gaussian posterior (sigma sampled as log sigma): NUTS against quadrature.
    Tolerance: 4.5 Monte Carlo standard errors from per-chain averages."""
    from sampling_helpers import chain_mean_se

    rng = np.random.default_rng(1)
    x = rng.standard_normal((15, 1))
    y = 0.8 * x[:, 0] - 0.2 + 0.4 * rng.standard_normal(15)
    model = symhmc.MLP(hidden=(), n_inputs=1)
    exact = sampled_noise_posterior_moments(x, y, 1.0, 1.0)
    r = symhmc.sample(model, x, y, chains=800, warmup=400, draws=25, seed=5, progress=False)
    m, se = chain_mean_se(r.theta)
    assert np.all(np.abs(m - exact["w_mean"]) < 4.5 * se), (m, exact["w_mean"], se)
    s = r.draws[..., -1]
    m, se = chain_mean_se(s)
    assert abs(m - exact["s_mean"]) < 4.5 * se, (m, exact["s_mean"], se)
    m, se = chain_mean_se((s - exact["s_mean"]) ** 2)
    assert abs(m - exact["s_var"]) < 4.5 * se, (m, exact["s_var"], se)
    m, se = chain_mean_se(r.sigma)
    assert abs(m - exact["sigma_mean"]) < 4.5 * se, (m, exact["sigma_mean"], se)
