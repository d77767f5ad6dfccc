"""Laplace approximation baseline (symhmc.baselines.laplace): exactness on Bayesian linear
regression, the finite-difference Hessians against independent computations, mixtures, the fitted
prior precision against the closed-form evidence, reproducibility, errors, scores and files."""

from __future__ import annotations

import math
import warnings

import numpy as np
import pytest
from scipy.optimize import minimize_scalar
from scipy.special import logsumexp

import symhmc
from symhmc.baselines import laplace
from symhmc.baselines import _hessian
from symhmc.baselines.laplace import PRIOR_PRECISION_RANGE, HessianNotPositiveDefinite, LaplaceResults

SIGMA = 0.3


@pytest.fixture(scope="module")
def linear_data():
    rng = np.random.default_rng(3)
    x = rng.normal(size=(40, 3))
    y = x @ np.array([1.0, -2.0, 0.5]) + 0.7 + SIGMA * rng.normal(size=40)
    return x, y


@pytest.fixture(scope="module")
def f1_data():
    rng = np.random.default_rng(5)
    x = rng.uniform(-2, 2, size=(30, 1))
    y = np.sin(2 * x[:, 0]) + 0.2 * rng.normal(size=30)
    return x, y


def design(x):
    """Rows of the flat layout of MLP(hidden=()) with one output: W (1, n_inputs) then b."""
    return np.hstack([x, np.ones((x.shape[0], 1))])


def linear_posterior(x, y, lam):
    X = design(x)
    A = X.T @ X / SIGMA**2 + lam * np.eye(X.shape[1])
    cov = np.linalg.inv(A)
    return cov @ X.T @ y / SIGMA**2, cov, A


def linear_log_evidence(x, y, lam):
    """log N(y | 0, sigma^2 I + X X^T / lambda)."""
    X = design(x)
    C = SIGMA**2 * np.eye(len(y)) + X @ X.T / lam
    _, logdet = np.linalg.slogdet(C)
    return -0.5 * (y @ np.linalg.solve(C, y) + logdet + len(y) * math.log(2 * math.pi))


def independent_hessian(model, q, x, y, step=1e-5):
    """-d^2 log p / dq^2 one column at a time through model.log_prob_and_grad."""
    H = np.empty((q.size, q.size))
    for i in range(q.size):
        e = np.zeros(q.size)
        e[i] = step
        _, gp = model.log_prob_and_grad(q + e, x, y)
        _, gm = model.log_prob_and_grad(q - e, x, y)
        H[:, i] = -(gp - gm) / (2 * step)
    return H


# ----------------------------------------------------------------------------------------------
# exactness on Bayesian linear regression
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("hessian", ["full", "ggn"])
def test_linear_regression_is_exact(linear_data, hessian):
    x, y = linear_data
    model = symhmc.MLP(hidden=(), n_inputs=3, noise_std=SIGMA, prior_scale=1.5)
    res = laplace(model, x, y, hessian=hessian, prior_precision=1 / 1.5**2, n_samples=400, seed=0)
    mu, cov, A = linear_posterior(x, y, 1 / 1.5**2)
    assert isinstance(res, LaplaceResults) and isinstance(res, symhmc.SampleResults)
    assert res.settings["method"] == "laplace" and res.settings["map_converged"]
    np.testing.assert_allclose(res.mean[0], mu, rtol=1e-6)
    np.testing.assert_allclose(res.cov[0], cov, rtol=1e-6, atol=1e-6 * np.abs(cov).max())
    np.testing.assert_allclose(res.hessian[0], A, rtol=1e-6, atol=1e-6 * np.abs(A).max())
    assert res.draws.shape == (1, 400, 4)
    assert res.prior_precision.tolist() == [1 / 1.5**2]


def test_ggn_equals_full_hessian_for_linear_regression(linear_data):
    x, y = linear_data
    model = symhmc.MLP(hidden=(), n_inputs=3, noise_std=SIGMA)
    q = np.array([0.3, -1.0, 2.0, 0.1])
    t = model.posterior(x, y)
    full = _hessian.full_hessian(t, q, 1)
    ggn = _hessian.ggn_hessian(model, t, q, x, 1)
    np.testing.assert_allclose(ggn, full, rtol=1e-7, atol=1e-7 * np.abs(full).max())


# ----------------------------------------------------------------------------------------------
# Hessians against independent finite differences
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("hidden, n_inputs", [((3,), 1), ((4, 3), 2)])
def test_full_hessian_matches_column_by_column_differences(hidden, n_inputs):
    rng = np.random.default_rng(11)
    x = rng.normal(size=(25, n_inputs))
    y = np.tanh(x.sum(axis=1)) + 0.1 * rng.normal(size=25)
    model = symhmc.MLP(hidden=hidden, n_inputs=n_inputs)  # sigma sampled
    q = rng.normal(size=model.dim) * 0.7
    q[-1] = math.log(0.5)
    H = _hessian.full_hessian(model.posterior(x, y), q, 2)
    ref = independent_hessian(model, q, x, y)
    assert np.array_equal(H, H.T)
    scale = np.abs(ref).max()
    np.testing.assert_allclose(H, ref, rtol=1e-5, atol=1e-6 * scale)
    # this random point is no MAP: the full Hessian is indefinite there
    assert np.linalg.eigvalsh(H)[0] < 0
    with pytest.raises(HessianNotPositiveDefinite):
        laplace(model, x, y, at=q, hessian="full", prior_precision=1.0, n_samples=10, seed=0)


def test_full_hessian_at_map_is_the_laplace_hessian(f1_data):
    x, y = f1_data
    model = symhmc.MLP(hidden=(3,))
    res = laplace(model, x, y, hessian="full", prior_precision=1.0, n_samples=50, seed=2)
    ref = independent_hessian(model, res.mean[0], x, y)
    np.testing.assert_allclose(res.hessian[0], ref, rtol=1e-5, atol=1e-6 * np.abs(ref).max())
    np.testing.assert_allclose(res.cov[0] @ res.hessian[0], np.eye(model.dim), atol=1e-8)
    assert np.all(np.linalg.eigvalsh(res.cov[0]) > 0)


def test_ggn_blocks_against_independent_jacobian(f1_data):
    x, y = f1_data
    model = symhmc.MLP(hidden=(3,), prior_scale=0.8)
    rng = np.random.default_rng(1)
    q = rng.normal(size=model.dim)
    q[-1] = math.log(0.4)
    t = model.posterior(x, y)
    G = _hessian.ggn_hessian(model, t, q, x, 1)
    p = model.n_params
    J = np.empty((x.shape[0], p))
    for i in range(p):
        e = np.zeros(model.dim)
        e[i] = 1e-6
        J[:, i] = (model.predict(q + e, x) - model.predict(q - e, x)) / 2e-6
    ref = J.T @ J / 0.4**2 + np.eye(p) / 0.8**2
    np.testing.assert_allclose(G[:p, :p], ref, rtol=1e-6, atol=1e-7 * np.abs(ref).max())
    assert np.all(G[:p, p] == 0) and np.all(G[p, :p] == 0)
    full = independent_hessian(model, q, x, y)
    np.testing.assert_allclose(G[p, p], full[p, p], rtol=1e-6)
    # the GGN is positive definite where the full Hessian is not
    assert np.linalg.eigvalsh(G)[0] > 0


# ----------------------------------------------------------------------------------------------
# mixtures
# ----------------------------------------------------------------------------------------------
def test_mixture_of_two_points(f1_data):
    x, y = f1_data
    model = symhmc.MLP(hidden=(3,))
    first = laplace(model, x, y, hessian="ggn", n_samples=10, seed=4).mean[0]
    # the same function with hidden units 0 and 1 swapped: another mode
    (W1, b1), (W2, b2) = model.unpack(first)
    perm = [1, 0, 2]
    second = model.pack([(W1[perm], b1[perm]), (W2[:, perm], b2)], log_sigma=first[-1])
    points = np.stack([first, second])
    res = laplace(model, x, y, at=points, hessian="ggn", n_samples=2001, seed=7)
    assert res.draws.shape == (2, 1000, model.dim)
    assert res.n_components == 2 and res.settings["components"] == 2
    np.testing.assert_array_equal(res.mean, points)
    assert not np.allclose(res.cov[0], res.cov[1])
    for j in range(2):
        single = laplace(model, x, y, at=points[j], hessian="ggn", n_samples=10, seed=0)
        np.testing.assert_allclose(res.cov[j], single.cov[0], rtol=1e-12, atol=1e-14)
        assert res.prior_precision[j] == pytest.approx(single.prior_precision[0], rel=1e-12)
        np.testing.assert_allclose(res.cov[j] @ res.hessian[j], np.eye(model.dim), atol=1e-8)
        # each chain holds the draws of its own Gaussian
        sd = np.sqrt(np.diag(res.cov[j]))
        z = (res.draws[j].mean(axis=0) - points[j]) / (sd / math.sqrt(1000))
        assert np.all(np.abs(z) < 5)
        emp = np.cov(res.draws[j].T)
        assert np.allclose(np.diag(emp) / np.diag(res.cov[j]), 1, atol=0.25)

    class Ensemble:  # a deep-ensemble result: draws (members, 1, dim)
        draws = points[:, None, :]

    ens = laplace(model, x, y, at=Ensemble(), hessian="ggn", n_samples=2001, seed=7)
    np.testing.assert_array_equal(ens.draws, res.draws)


# ----------------------------------------------------------------------------------------------
# fitted prior precision
# ----------------------------------------------------------------------------------------------
def test_marginal_likelihood_is_the_exact_evidence_for_linear_regression(linear_data):
    x, y = linear_data
    model = symhmc.MLP(hidden=(), n_inputs=3, noise_std=SIGMA, prior_scale=2.0)
    mode = laplace(model, x, y, prior_precision=0.25, n_samples=1, seed=0)
    assert mode.log_marginal_likelihood[0] == pytest.approx(linear_log_evidence(x, y, 0.25), rel=1e-9)
    # at a fixed MAP the Laplace evidence is a lower bound of the exact one at other lambdas
    for lam in (0.01, 1.0, 30.0):
        other = laplace(model, x, y, at=mode.mean, prior_precision=lam, n_samples=1, seed=0)
        assert other.log_marginal_likelihood[0] <= linear_log_evidence(x, y, lam) + 1e-9


def test_fitted_prior_precision_maximises_the_exact_evidence(linear_data):
    x, y = linear_data
    best = minimize_scalar(
        lambda g: -linear_log_evidence(x, y, 10.0**g), bounds=(-4, 4), method="bounded", options={"xatol": 1e-10}
    )
    lam_opt = 10.0**best.x
    grid = 10.0 ** np.linspace(-4, 4, 161)
    assert linear_log_evidence(x, y, lam_opt) >= max(linear_log_evidence(x, y, g) for g in grid) - 1e-9
    # with the model's prior at the evidence maximum the MAP is the mode there, and the fit finds it
    model = symhmc.MLP(hidden=(), n_inputs=3, noise_std=SIGMA, prior_scale=float(lam_opt**-0.5))
    res = laplace(model, x, y, prior_precision="fit", n_samples=10, seed=0)
    assert res.settings["prior_precision_fitted"] and res.settings["prior"] == "fit"
    assert res.prior_precision[0] == pytest.approx(lam_opt, rel=1e-3)
    assert res.log_marginal_likelihood[0] == pytest.approx(linear_log_evidence(x, y, lam_opt), rel=1e-8)
    # from another prior scale: the fitted lambda maximises the Laplace evidence at that MAP
    model = symhmc.MLP(hidden=(), n_inputs=3, noise_std=SIGMA, prior_scale=0.5)
    res = laplace(model, x, y, prior_precision="fit", n_samples=10, seed=0)
    for lam in 10.0 ** np.linspace(-3, 3, 25):
        other = laplace(model, x, y, at=res.mean, prior_precision=float(lam), n_samples=1, seed=0)
        assert other.log_marginal_likelihood[0] <= res.log_marginal_likelihood[0] + 1e-9


def test_fitted_prior_precision_with_sampled_sigma(f1_data):
    x, y = f1_data
    model = symhmc.MLP(hidden=(3,))
    res = laplace(model, x, y, hessian="full", prior_precision="fit", n_samples=10, seed=1)
    lam = res.prior_precision[0]
    for factor in (0.5, 0.9, 1.1, 2.0):
        other = laplace(
            model, x, y, at=res.mean, hessian="full", prior_precision=float(lam * factor), n_samples=1, seed=0
        )
        assert other.log_marginal_likelihood[0] < res.log_marginal_likelihood[0]


# ----------------------------------------------------------------------------------------------
# seeds, errors
# ----------------------------------------------------------------------------------------------
def test_reproducible_by_seed(f1_data):
    x, y = f1_data
    model = symhmc.MLP(hidden=(3,))
    a = laplace(model, x, y, hessian="ggn", n_samples=30, seed=12)
    b = laplace(model, x, y, hessian="ggn", n_samples=30, seed=12)
    c = laplace(model, x, y, hessian="ggn", n_samples=30, seed=13)
    np.testing.assert_array_equal(a.draws, b.draws)
    np.testing.assert_array_equal(a.cov, b.cov)
    assert not np.array_equal(a.draws, c.draws)
    d = laplace(model, x, y, hessian="ggn", n_samples=30)
    assert isinstance(d.seed, int)
    e = laplace(model, x, y, hessian="ggn", n_samples=30, seed=d.seed)
    np.testing.assert_array_equal(d.draws, e.draws)


def test_errors(f1_data):
    x, y = f1_data
    model = symhmc.MLP(hidden=(3,))
    with pytest.raises(ValueError, match="hessian must be 'full' or 'ggn'"):
        laplace(model, x, y, hessian="diag")
    with pytest.raises(ValueError, match="append log sigma"):
        laplace(model, x, y, at=np.zeros(model.n_params))
    with pytest.raises(ValueError, match="entries per point"):
        laplace(model, x, y, at=np.zeros((2, model.dim + 1)))
    with pytest.raises(ValueError, match=r"\(members, 1, dim\)"):
        laplace(model, x, y, at=type("R", (), {"draws": np.zeros((2, 3, model.dim))})())
    with pytest.raises(ValueError, match="smaller than the number of components"):
        laplace(model, x, y, at=np.zeros((3, model.dim)), n_samples=2, hessian="ggn")
    with pytest.raises(ValueError, match="prior_precision"):
        laplace(model, x, y, prior_precision=-1.0)
    with pytest.raises(ValueError, match="prior_precision must be 'model', 'fit'"):
        laplace(model, x, y, prior_precision="evidence")
    with pytest.raises(TypeError, match="prior_precision must be 'model'.*got None"):
        laplace(model, x, y, prior_precision=None)
    with pytest.raises(TypeError, match="symhmc.MLP"):
        laplace("mlp", x, y)
    # at zero the hidden-output cross terms make the full Hessian indefinite
    with pytest.raises(HessianNotPositiveDefinite) as info:
        laplace(model, x, y, at=np.zeros(model.dim), hessian="full", prior_precision=1e-6, n_samples=10)
    assert isinstance(info.value, np.linalg.LinAlgError) and isinstance(info.value, ValueError)
    assert "hessian='ggn'" in str(info.value) and "larger prior_precision" in str(info.value)
    # the GGN is fine there
    ok = laplace(model, x, y, at=np.zeros(model.dim), prior_precision=1e-6, hessian="ggn", n_samples=10, seed=0)
    assert np.all(np.linalg.eigvalsh(ok.hessian[0]) > 0)


# ----------------------------------------------------------------------------------------------
# scores and files
# ----------------------------------------------------------------------------------------------
def test_lppd_equals_numpy_mixture_lppd(f1_data, tmp_path):
    x, y = f1_data
    model = symhmc.MLP(hidden=(3,))
    res = laplace(model, x, y, hessian="ggn", n_samples=400, seed=3)
    rng = np.random.default_rng(0)
    xt = rng.uniform(-2, 2, size=(20, 1))
    yt = np.sin(2 * xt[:, 0])
    draws = res.draws.reshape(-1, model.dim)
    f = model.predict(draws, xt)  # (S, n)
    sigma = np.exp(draws[:, -1])[:, None]
    logp = -0.5 * ((yt - f) / sigma) ** 2 - np.log(sigma) - 0.5 * math.log(2 * math.pi)
    pointwise = logsumexp(logp, axis=0) - math.log(len(draws))
    assert res.lppd(xt, yt).mean == pytest.approx(pointwise.mean(), rel=1e-10)
    assert np.isfinite(res.rmse(xt, yt)) and 0 <= res.coverage(xt, yt)[0.9] <= 1
    assert res.sampler_summary()["components"] == 1
    assert "sampler" in res.summary(xt, yt, weight_method="none")

    path = tmp_path / "laplace.npz"
    res.save(path)
    loaded = symhmc.load(path)
    assert type(loaded) is LaplaceResults
    for name in ("mean", "cov", "hessian", "prior_precision", "log_marginal_likelihood"):
        np.testing.assert_array_equal(getattr(loaded, name), getattr(res, name))
    assert loaded.linearized_lppd(xt, yt) == res.linearized_lppd(xt, yt)
    assert loaded.settings["method"] == "laplace" and loaded.settings["hessian"] == "ggn"
    assert loaded.settings["prior_precision"] == res.prior_precision.tolist()
    np.testing.assert_array_equal(loaded.draws, res.draws)
    assert loaded.lppd(xt, yt).mean == res.lppd(xt, yt).mean


# ----------------------------------------------------------------------------------------------
# linearized predictive
# ----------------------------------------------------------------------------------------------
def test_linearized_predictive_is_exact_for_linear_regression(linear_data):
    x, y = linear_data
    model = symhmc.MLP(hidden=(), n_inputs=3, noise_std=SIGMA, prior_scale=1.5)
    res = laplace(model, x, y, prior_precision=1 / 1.5**2, n_samples=10, seed=0)
    mu, cov, _ = linear_posterior(x, y, 1 / 1.5**2)
    xt = np.random.default_rng(9).normal(size=(15, 3))
    yt = xt.sum(axis=1)
    Xt = design(xt)
    m_ref = Xt @ mu
    v_ref = np.einsum("ij,jk,ik->i", Xt, cov, Xt) + SIGMA**2
    mean, var = res.linearized_predictive(xt)
    assert mean.shape == var.shape == (1, 15)
    np.testing.assert_allclose(mean[0], m_ref, rtol=1e-6, atol=1e-9)
    np.testing.assert_allclose(var[0], v_ref, rtol=1e-6)
    logp = -0.5 * (yt - m_ref) ** 2 / v_ref - 0.5 * np.log(2 * math.pi * v_ref)
    assert res.linearized_lppd(xt, yt).mean == pytest.approx(logp.mean(), rel=1e-6)
    np.testing.assert_allclose(res.linearized_lppd(xt, yt, pointwise=True), logp, rtol=1e-6)


def test_linearized_lppd_of_a_mixture(f1_data):
    x, y = f1_data
    model = symhmc.MLP(hidden=(3,))
    rng = np.random.default_rng(2)
    points = rng.normal(size=(2, model.dim)) * 0.5
    res = laplace(model, x, y, at=points, hessian="ggn", prior_precision=1.0, n_samples=4, seed=0)
    mean, var = res.linearized_predictive(x)
    assert mean.shape == (2, 30) and np.all(var > np.exp(2 * points[:, -1:]))
    np.testing.assert_allclose(mean, model.predict(points, x), rtol=1e-12)
    logp = -0.5 * (y - mean) ** 2 / var - 0.5 * np.log(2 * math.pi * var)
    assert res.linearized_lppd(x, y).mean == pytest.approx(np.mean(logsumexp(logp, axis=0) - math.log(2)), rel=1e-10)


def test_a_loaded_laplace_result_summarises_without_sampler_statistics(tmp_path):
    import symhmc
    from symhmc import baselines

    rng = np.random.default_rng(0)
    x = rng.uniform(-2, 2, 30)
    y = np.sin(x) + 0.1 * rng.normal(size=30)
    la = baselines.laplace(symhmc.MLP(hidden=(2,)), x, y, seed=0, hessian="ggn", n_samples=200)
    la.save(tmp_path / "la.npz")
    loaded = symhmc.load(tmp_path / "la.npz")
    assert loaded.sampler_summary() == la.sampler_summary()
    np.testing.assert_array_equal(loaded.draws, la.draws)


# ----------------------------------------------------------------------------------------------
# defaults: the settings of the paper's table
# ----------------------------------------------------------------------------------------------
def test_defaults_are_the_paper_tables_settings(f1_data):
    import inspect

    from symhmc.reproduce.settings import LAPLACE

    defaults = {name: p.default for name, p in inspect.signature(laplace).parameters.items()}
    assert defaults["hessian"] == LAPLACE["hessian"] == "ggn"
    assert defaults["prior_precision"] == LAPLACE["prior"] == "model"
    assert defaults["n_samples"] == LAPLACE["n_samples"]
    # "model" is the model's own prior: 1 / prior_scale**2, not a fixed 1
    x, y = f1_data
    model = symhmc.MLP(hidden=(3,), prior_scale=0.8)
    plain = laplace(model, x, y, n_samples=20, seed=3)
    explicit = laplace(model, x, y, hessian="ggn", prior_precision=1 / 0.8**2, n_samples=20, seed=3)
    assert plain.prior_precision.tolist() == [1 / 0.8**2]
    assert plain.settings["hessian"] == "ggn" and plain.settings["prior"] == "model"
    assert not plain.settings["prior_precision_fitted"]
    np.testing.assert_array_equal(plain.hessian, explicit.hessian)
    np.testing.assert_array_equal(plain.draws, explicit.draws)


@pytest.fixture(scope="module")
def izmailov():
    return symhmc.datasets.load("izmailov")


def test_defaults_on_izmailov_f1_are_paper_comparable(izmailov):
    """No options: a test LPPD comparable to the paper's LA (0.53 (0.07)), without warnings."""
    d = izmailov
    model = symhmc.MLP(hidden=(3,))
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # e.g. overflow in the draws of a near-singular Gaussian
        la = laplace(model, d.x_train, d.y_train, seed=0)
        fit = la.lppd(d.x_test, d.y_test)
    print(f"\n[laplace] izmailov f1 defaults: test LPPD {fit.mean:.3f} ({fit.se:.3f})")
    assert la.settings["map_converged"]
    assert fit.mean > 0.4


def test_evidence_fit_at_an_indefinite_hessian_warns(izmailov):
    """The full Hessian at izmailov's MAP has a negative likelihood eigenvalue: the Laplace evidence
    is unbounded where H stops being positive definite, and the fit must say so (once, with no
    numerical warnings from the search)."""
    d = izmailov
    model = symhmc.MLP(hidden=(3,))
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        la = laplace(model, d.x_train, d.y_train, hessian="full", prior_precision="fit", seed=0, n_samples=10)
    messages = [str(w.message) for w in caught]
    assert len(messages) == 1 and "grows without bound" in messages[0], messages
    assert issubclass(caught[0].category, RuntimeWarning)
    # the fitted value is the first positive definite point of the search grid: at the grid
    # point below it H is not
    lam = float(la.prior_precision[0])
    lo, hi = PRIOR_PRECISION_RANGE
    step = (hi - lo) / 140  # the grid's spacing in log10
    assert np.linalg.eigvalsh(la.hessian[0])[0] > 0
    shifted = la.hessian[0].copy()
    net = np.arange(model.n_params)
    shifted[net, net] -= lam * (1 - 10.0**-step)
    assert np.linalg.eigvalsh(shifted)[0] < 0
