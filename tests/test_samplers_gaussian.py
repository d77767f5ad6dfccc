"""NUTS and static HMC against Gaussians with known moments.

Monte Carlo tolerance: every estimate must lie within 4.5 standard errors of the truth; the
standard error comes from the spread of the per-chain averages over many independent chains
(valid whatever the within-chain autocorrelation). With ~100 compared quantities per test the
false-alarm probability is below 1e-3 (and the seed is fixed); with 40,000 draws the standard
error of a variance is about 1 %, so a bias of ~5 % fails.
"""

import numpy as np
import pytest

import symhmc
from symhmc import _core

from sampling_helpers import chain_mean_se

Z_TOL = 4.5


def correlated_cov(d=5, cond=100.0, seed=3):
    rng = np.random.default_rng(seed)
    q, _ = np.linalg.qr(rng.standard_normal((d, d)))
    eig = np.logspace(0, np.log10(cond), d) / np.sqrt(cond)  # eigenvalues 0.1 .. 10
    return q @ np.diag(eig) @ q.T


def check_moments(draws, mean, cov):
    sd = np.sqrt(np.diag(cov))
    m, se = chain_mean_se(draws)
    assert np.all(np.abs(m - mean) < Z_TOL * se), ("means", m, mean, se)
    c = draws - mean
    v, vse = chain_mean_se(c**2)
    assert np.all(np.abs(v - np.diag(cov)) < Z_TOL * vse), ("variances", v, np.diag(cov), vse)
    prod = c[..., :, None] * c[..., None, :] / np.outer(sd, sd)
    r, rse = chain_mean_se(prod)
    corr = cov / np.outer(sd, sd)
    iu = np.triu_indices(len(mean), 1)
    assert np.all(np.abs(r - corr)[iu] < Z_TOL * rse[iu]), ("correlations", r[iu], corr[iu], rse[iu])


SAMPLERS = [("nuts", {}), ("hmc", {"n_steps": 30, "step_jitter": 0.2}), ("nuts", {"adaptation": "gradient"})]
SAMPLER_IDS = ["nuts", "hmc", "nuts-gradient-adaptation"]
TARGETS = {
    "standard_normal_d10": (np.zeros(10), np.eye(10)),
    "correlated_d5_cond100": (np.arange(5.0) - 2.0, correlated_cov()),
}


@pytest.mark.parametrize("sampler,options", SAMPLERS, ids=SAMPLER_IDS)
@pytest.mark.parametrize("name", list(TARGETS))
def test_gaussian_moments(name, sampler, options):
    mean, cov = TARGETS[name]
    assert np.linalg.cond(cov) == pytest.approx(1.0 if name.startswith("standard") else 100.0)
    target = _core.testing.GaussianTarget(mean, cov)
    r = symhmc.sample_target(
        target, chains=1000, warmup=400, draws=40, sampler=sampler, seed=11, progress=False, **options
    )
    assert r.draws.shape == (1000, 40, len(mean))
    assert r.divergences == 0
    check_moments(r.draws, mean, cov)


def test_diagonal_target_with_diagonal_cov_vector():
    var = np.array([0.01, 1.0, 100.0])
    target = _core.testing.GaussianTarget(np.array([1.0, -1.0, 3.0]), var)
    assert target.is_diagonal
    r = symhmc.sample_target(target, chains=500, warmup=500, draws=20, seed=5, progress=False)
    check_moments(r.draws, np.array([1.0, -1.0, 3.0]), np.diag(var))


def test_nuts_detects_wrong_variance():
    """The moment check can fail: samples of N(0, 1) are not accepted as N(0, 1.1)."""
    target = _core.testing.GaussianTarget(np.zeros(10), np.ones(10))
    r = symhmc.sample_target(target, chains=1000, warmup=400, draws=40, seed=11, progress=False)
    with pytest.raises(AssertionError):
        check_moments(r.draws, np.zeros(10), 1.1 * np.eye(10))


def test_gaussian_log_density_and_gradient():
    cov = correlated_cov()
    mean = np.arange(5.0)
    t = _core.testing.GaussianTarget(mean, cov)
    q = np.random.default_rng(0).standard_normal((4, 5))
    lp, grad = t.log_density(q)
    prec = np.linalg.inv(cov)
    diff = q - mean
    expected = -0.5 * np.einsum("ni,ij,nj->n", diff, prec, diff) - 0.5 * np.linalg.slogdet(2 * np.pi * cov)[1]
    np.testing.assert_allclose(lp, expected, rtol=1e-10)
    np.testing.assert_allclose(grad, -diff @ prec, rtol=1e-10, atol=1e-12)


@pytest.mark.parametrize(
    "bad,match",
    [
        (dict(mean=np.zeros(2), cov=np.ones(3)), "cov"),
        (dict(mean=np.zeros(2), cov=np.array([1.0, -1.0])), "cov"),
        (dict(mean=np.zeros(2), cov=np.array([[1.0, 2.0], [2.0, 1.0]])), "positive definite"),
        (dict(mean=np.zeros(2), cov=np.array([[1.0, 0.5], [0.0, 1.0]])), "symmetric"),
        (dict(mean=np.array([np.nan, 0.0]), cov=np.ones(2)), "mean"),
    ],
)
def test_gaussian_target_rejects_bad_arguments(bad, match):
    with pytest.raises(ValueError, match=match):
        _core.testing.GaussianTarget(**bad)


@pytest.mark.parametrize("adaptation", ["stan", "gradient"])
def test_adapted_inverse_mass_matches_the_variances(adaptation):
    # Variances spanning four orders of magnitude: both estimates must find them (Stan's from the
    # draws' variance; nutpie's from var(draws) / var(gradients), exact for a Gaussian).
    var = np.geomspace(0.01, 100, 12)
    r = symhmc.sample_target(
        _core.testing.GaussianTarget(np.zeros(12), var),
        chains=100,
        warmup=500,
        draws=5,
        seed=3,
        progress=False,
        adaptation=adaptation,
    )
    ratio = np.median(r.inv_mass, axis=0) / var
    assert np.all(np.abs(ratio - 1) < 0.15), ratio
    assert r.settings["adaptation"] == adaptation
