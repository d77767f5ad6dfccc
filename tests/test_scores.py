"""Predictive scores: LPPD, RMSE, coverage, CRPS, mixture quantiles, scores of a model's draws."""

import math

import numpy as np
import pytest
from scipy.stats import norm

import symhmc
from symhmc import evaluate as ev
from symhmc import scores


def _case(n_draws=200, n_points=40, seed=0):
    rng = np.random.default_rng(seed)
    f = rng.normal(size=(n_draws, n_points)) * 0.5 + np.linspace(-1, 1, n_points)
    sigma = np.exp(rng.normal(size=n_draws) * 0.3 - 0.5)
    y = np.linspace(-1, 1, n_points) + rng.normal(size=n_points) * 0.7
    return f, sigma, y


# ----- LPPD -----------------------------------------------------------------------------------
def test_lppd_matches_direct_numpy():
    f, sigma, y = _case()
    dens = np.exp(-0.5 * ((y - f) / sigma[:, None]) ** 2) / (np.sqrt(2 * np.pi) * sigma[:, None])
    direct = np.log(dens.mean(axis=0))
    res = scores.lppd(f, sigma, y)
    assert res.mean == pytest.approx(direct.mean(), rel=1e-12)
    assert res.se == pytest.approx(direct.std(ddof=1) / np.sqrt(y.size), rel=1e-10)
    np.testing.assert_allclose(scores.lppd_pointwise(f, sigma, y), direct, rtol=1e-12)
    mean, se = res  # a plain (mean, se) pair too
    assert (mean, se) == (res.mean, res.se)


def test_lppd_blocks_do_not_change_result():
    f, sigma, y = _case(n_draws=50, n_points=300)
    a = scores.lppd_pointwise(f, sigma, y)
    b = scores.lppd_pointwise(f, sigma, y, memory_budget=1000)  # one point per block
    np.testing.assert_allclose(a, b, rtol=0, atol=1e-13)


def test_lppd_no_underflow_far_target():
    # y 50 and 100 sigma away: exp underflows to 0 and the naive log gives -inf
    f = np.zeros((2, 3))
    sigma = np.array([1.0, 2.0])
    y = np.array([50.0, 100.0, 0.0])
    with np.errstate(divide="ignore"):
        naive = np.log(np.mean(norm.pdf(y, f, sigma[:, None]), axis=0))
    assert np.isneginf(naive[1])
    pw = scores.lppd_pointwise(f, sigma, y)
    assert np.all(np.isfinite(pw)) and pw.shape == (3,)
    for i, yi in enumerate(y):  # hand log-sum-exp of the two component log densities
        a = -0.5 * yi**2 - 0.5 * math.log(2 * math.pi)
        b = -0.5 * (yi / 2) ** 2 - math.log(2.0) - 0.5 * math.log(2 * math.pi)
        m = max(a, b)
        expected = m + math.log(math.exp(a - m) + math.exp(b - m)) - math.log(2)
        assert pw[i] == pytest.approx(expected, rel=1e-13)
    # a single far component: exactly the Gaussian log density
    assert scores.lppd(np.zeros((1, 1)), 1.0, [50.0]).mean == pytest.approx(
        -1250 - 0.5 * math.log(2 * math.pi), rel=1e-14
    )


def test_lppd_scalar_sigma_and_single_point():
    f, sigma, y = _case(n_points=1)
    res = scores.lppd(f, 0.3, y)
    assert res.se == 0.0
    assert res.mean == pytest.approx(scores.lppd(f, np.full(f.shape[0], 0.3), y).mean)


# ----- RMSE -----------------------------------------------------------------------------------
def test_rmse():
    f, sigma, y = _case()
    expected = np.sqrt(np.mean((f.mean(0) - y) ** 2))
    assert scores.rmse(f, sigma, y) == pytest.approx(expected)
    assert scores.rmse(f, y=y) == pytest.approx(expected)
    with pytest.raises(TypeError, match="y"):
        scores.rmse(f)


# ----- mixture quantiles, PIT, coverage ---------------------------------------------------------
def test_mixture_quantiles_single_gaussian_and_cdf():
    f, sigma, _ = _case(n_draws=1, n_points=5)
    probs = [0.025, 0.5, 0.9]
    q = scores.mixture_quantiles(f, sigma, probs)
    np.testing.assert_allclose(q, f[0] + sigma[0] * norm.ppf(probs)[:, None], rtol=1e-10, atol=1e-10)
    f, sigma, _ = _case(n_draws=300, n_points=20)
    q = scores.mixture_quantiles(f, sigma, probs)
    cdf = norm.cdf((q[:, None, :] - f[None]) / sigma[None, :, None]).mean(axis=1)
    np.testing.assert_allclose(cdf, np.broadcast_to(np.array(probs)[:, None], cdf.shape), atol=1e-11)


def test_mixture_quantiles_bimodal():
    # two far-apart equal components: the median sits anywhere between them only if F is flat;
    # with unequal weights (2:1) the 0.5 quantile is inside the heavier component
    f = np.array([[-10.0], [-10.0], [10.0]])
    q = scores.mixture_quantiles(f, 1.0, [0.5, 0.9])
    assert q[0, 0] == pytest.approx(-10 + norm.ppf(0.75), abs=1e-8)
    assert q[1, 0] == pytest.approx(10 + norm.ppf(0.7), abs=1e-8)


def test_coverage_of_known_predictive():
    rng = np.random.default_rng(3)
    n_draws, n_points = 64, 4000
    f = rng.normal(size=(n_draws, n_points))
    sigma = np.exp(rng.normal(size=n_draws) * 0.4)
    comp = rng.integers(0, n_draws, size=n_points)  # y drawn from the predictive itself
    y = f[comp, np.arange(n_points)] + sigma[comp] * rng.normal(size=n_points)
    cov = scores.coverage(f, sigma, y)
    assert set(cov) == {0.5, 0.9, 0.95}
    for level, frac in cov.items():
        se = math.sqrt(level * (1 - level) / n_points)
        assert abs(frac - level) < 4 * se, (level, frac)
    # the PIT rule equals checking y against the root-found interval ends
    levels = (0.5, 0.9, 0.95)
    probs = [p for lv in levels for p in ((1 - lv) / 2, (1 + lv) / 2)]
    q = scores.mixture_quantiles(f, sigma, probs)
    for k, lv in enumerate(levels):
        inside = (y >= q[2 * k]) & (y <= q[2 * k + 1])
        assert cov[lv] == pytest.approx(inside.mean(), abs=1.5 / n_points)


def test_coverage_far_target_is_outside():
    cov = scores.coverage(np.zeros((3, 2)), 1.0, [0.0, 60.0], levels=[0.5])
    assert cov == {0.5: 0.5}


# ----- CRPS -----------------------------------------------------------------------------------
def _crps_gaussian(mu, s, y):
    z = (y - mu) / s
    return s * (z * (2 * norm.cdf(z) - 1) + 2 * norm.pdf(z) - 1 / math.sqrt(math.pi))


def test_crps_single_gaussian_closed_form():
    y = np.array([-3.0, -0.2, 0.0, 1.7, 40.0])
    mu, s = 0.3, 1.7
    np.testing.assert_allclose(scores.crps_pointwise(np.full((1, 5), mu), s, y), _crps_gaussian(mu, s, y), rtol=1e-12)
    # many identical components are the same Gaussian
    np.testing.assert_allclose(
        scores.crps_pointwise(np.full((7, 5), mu), np.full(7, s), y), _crps_gaussian(mu, s, y), rtol=1e-12
    )


def test_crps_mixture_against_monte_carlo():
    rng = np.random.default_rng(5)
    f = np.array([[-1.0], [0.5], [2.0]])
    sigma = np.array([0.5, 1.0, 0.3])
    y = np.array([0.7])
    exact = scores.crps_pointwise(f, sigma, y)[0]
    n = 400_000
    c1, c2 = rng.integers(0, 3, size=n), rng.integers(0, 3, size=n)
    x1 = f[c1, 0] + sigma[c1] * rng.normal(size=n)
    x2 = f[c2, 0] + sigma[c2] * rng.normal(size=n)
    terms = np.abs(x1 - y[0]) - 0.5 * np.abs(x1 - x2)
    mc, se = terms.mean(), terms.std() / math.sqrt(n)
    assert abs(exact - mc) < 5 * se, (exact, mc, se)


def test_crps_exact_pairs_and_subsample():
    f, sigma, y = _case(n_draws=120, n_points=30)
    # brute-force double sum over all ordered pairs (diagonal included)
    m = f[:, None, :] - f[None, :, :]
    sd = np.sqrt(sigma[:, None] ** 2 + sigma[None, :] ** 2)[:, :, None]
    pair = (m * (2 * norm.cdf(m / sd) - 1) + 2 * sd * norm.pdf(m / sd)).mean(axis=(0, 1))
    first = np.mean([_crps_gaussian(f[s], sigma[s], y) + sigma[s] / math.sqrt(math.pi) for s in range(120)], axis=0)
    brute = first - 0.5 * pair
    exact = scores.crps_pointwise(f, sigma, y)  # 60 * 120 pairs <= default n_pairs: exact
    np.testing.assert_allclose(exact, brute, rtol=1e-12)
    odd = scores.crps_pointwise(f[:71], sigma[:71], y)  # odd number of draws
    m, sd = m[:71, :71], sd[:71, :71]
    pair71 = (m * (2 * norm.cdf(m / sd) - 1) + 2 * sd * norm.pdf(m / sd)).mean(axis=(0, 1))
    first71 = np.mean([_crps_gaussian(f[s], sigma[s], y) + sigma[s] / math.sqrt(math.pi) for s in range(71)], axis=0)
    np.testing.assert_allclose(odd, first71 - 0.5 * pair71, rtol=1e-12)
    # subsampled shifts: close, and unbiased (the average over seeds approaches the exact value)
    approx = scores.crps_pointwise(f, sigma, y, n_pairs=120 * 30, seed=1)
    assert not np.allclose(approx, exact, rtol=1e-12, atol=0)
    assert np.max(np.abs(approx - exact)) < 0.02 * np.mean(exact)
    runs = np.mean([scores.crps_pointwise(f, sigma, y, n_pairs=240, seed=s) for s in range(40)], axis=0)
    assert np.max(np.abs(runs - exact)) < 0.01 * np.mean(exact)
    # blocks of points
    np.testing.assert_allclose(scores.crps_pointwise(f, sigma, y, memory_budget=20_000), exact, rtol=1e-12)
    res = scores.crps(f, sigma, y)
    assert res.mean == pytest.approx(exact.mean()) and res.se == pytest.approx(exact.std(ddof=1) / math.sqrt(30))


# ----- predictive summary ---------------------------------------------------------------------
def test_predictive_summary():
    f, sigma, _ = _case(n_draws=100, n_points=10)
    res = scores.predictive_summary(f, sigma, quantiles=(0.1, 0.5))
    np.testing.assert_allclose(res.mean, f.mean(0))
    np.testing.assert_allclose(res.std, np.sqrt(f.var(0) + np.mean(sigma**2)))
    assert res.quantiles.shape == (2, 10)
    np.testing.assert_allclose(res.quantiles, scores.mixture_quantiles(f, sigma, [0.1, 0.5]))
    # symmetric mixture: median at the centre
    sym = scores.predictive_summary(np.array([[-1.0], [1.0]]), 0.5, quantiles=[0.5])
    assert sym.quantiles[0, 0] == pytest.approx(0.0, abs=1e-10)
    assert sym.std[0] == pytest.approx(math.sqrt(1 + 0.25))
    assert scores.predictive_summary(f, sigma, quantiles=()).quantiles.shape == (0, 10)


# ----- scores of a model's draws (evaluate.Predictions.of_model) ------------------------------
def test_model_predictions_match_array_functions():
    rng = np.random.default_rng(7)
    model = symhmc.MLP(hidden=(4,))
    params = rng.normal(size=(60, model.dim)) * 0.5
    x = np.linspace(-2, 2, 37)
    y = np.sin(x)
    pred = ev.Predictions.of_model(model, params, x)
    f, sigma = pred.outputs(), pred.sigma
    assert f.shape == (60, 37) and (pred.n_draws, pred.n_points) == (60, 37)
    np.testing.assert_allclose(sigma, np.exp(params[:, -1]))
    tiny = dict(memory_budget=4000)  # forces many blocks of points
    assert len(list(pred.blocks(4000, 4))) > 1
    for kw in ({}, tiny):
        lp = ev.lppd(pred, y, **kw)
        assert lp.mean == pytest.approx(scores.lppd(f, sigma, y).mean, rel=1e-12)
        np.testing.assert_allclose(
            ev.lppd(pred, y, pointwise=True, **kw), scores.lppd_pointwise(f, sigma, y), rtol=1e-12
        )
        assert ev.rmse(pred, y, **kw) == pytest.approx(scores.rmse(f, sigma, y))
        assert ev.coverage(pred, y, **kw) == scores.coverage(f, sigma, y)
        assert ev.crps(pred, y, **kw).mean == pytest.approx(scores.crps(f, sigma, y).mean)
        ps = ev.predictive_summary(pred, quantiles=(0.05, 0.95), **kw)
        ref = scores.predictive_summary(f, sigma, quantiles=(0.05, 0.95))
        np.testing.assert_allclose(ps.std, ref.std)
        np.testing.assert_allclose(ps.quantiles, ref.quantiles, atol=1e-9)


def test_array_scores_are_the_predictions_scores():
    f, sigma, y = _case(n_draws=7, n_points=5)
    pred = ev.Predictions(f, sigma)
    assert scores.lppd(f, sigma, y) == ev.lppd(pred, y)
    assert scores.coverage(f, sigma, y) == ev.coverage(pred, y)
    assert scores.crps(f, sigma, y) == ev.crps(pred, y)
    assert scores.rmse(f, sigma, y) == pytest.approx(ev.rmse(pred, y), rel=1e-15)
    # each score has its own result type
    assert type(scores.lppd(f, sigma, y)) is scores.LPPD and type(scores.crps(f, sigma, y)) is scores.CRPS
    with pytest.raises(TypeError, match="Predictions"):
        ev.lppd((f, sigma), y)


def test_model_fixed_noise():
    rng = np.random.default_rng(8)
    model = symhmc.MLP(hidden=(3,), noise_std=0.2)
    params = rng.normal(size=(10, model.n_params))
    x = np.linspace(-1, 1, 5)
    pred = ev.Predictions.of_model(model, params, x)
    np.testing.assert_allclose(pred.sigma, 0.2)
    assert ev.lppd(pred, np.zeros(5)).mean == pytest.approx(scores.lppd(pred.outputs(), 0.2, np.zeros(5)).mean)


def test_model_level_scores_are_deprecated_aliases():
    rng = np.random.default_rng(9)
    model = symhmc.MLP(hidden=(3,))
    params = rng.normal(size=(12, model.dim)) * 0.5
    x = np.linspace(-1, 1, 6)
    y = np.cos(x)
    pred = ev.Predictions.of_model(model, params, x)
    calls = [
        (scores.model_lppd, ev.lppd(pred, y)),
        (scores.model_rmse, ev.rmse(pred, y)),
        (scores.model_coverage, ev.coverage(pred, y)),
        (scores.model_crps, ev.crps(pred, y)),
    ]
    for old, new in calls:
        with pytest.warns(DeprecationWarning, match=f"scores.{old.__name__} is deprecated"):
            assert old(model, params, x, y) == new
    with pytest.warns(DeprecationWarning, match="model_predictive_summary"):
        ps = scores.model_predictive_summary(model, params, x)
    np.testing.assert_array_equal(ps.quantiles, ev.predictive_summary(pred).quantiles)
    with pytest.warns(DeprecationWarning, match="model_outputs"):
        f, sigma = scores.model_outputs(model, params, x)
    np.testing.assert_array_equal(f, pred.outputs())


# ----- bad input ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "call, exc, word",
    [
        (lambda f, s, y: scores.lppd(f[0], s, y), ValueError, "f"),
        (lambda f, s, y: scores.lppd(f, s[:-1], y), ValueError, "sigma"),
        (lambda f, s, y: scores.lppd(f, -s, y), ValueError, "sigma"),
        (lambda f, s, y: scores.lppd(f, s, y[:-1]), ValueError, "y"),
        (lambda f, s, y: scores.lppd(np.where(f > 0, np.nan, f), s, y), ValueError, "f"),
        (lambda f, s, y: scores.lppd(f.astype(str), s, y), TypeError, "f"),
        (lambda f, s, y: scores.lppd(f, s, y, memory_budget=0), ValueError, "memory_budget"),
        (lambda f, s, y: scores.coverage(f, s, y, levels=(0.5, 1.0)), ValueError, "levels"),
        (lambda f, s, y: scores.mixture_quantiles(f, s, [0.0]), ValueError, "probs"),
        (lambda f, s, y: scores.predictive_summary(f, s, quantiles=[1.5]), ValueError, "quantiles"),
        (lambda f, s, y: scores.crps(f, s, y, n_pairs=0), ValueError, "n_pairs"),
    ],
)
def test_bad_input_raises(call, exc, word):
    f, sigma, y = _case(n_draws=5, n_points=4)
    with pytest.raises(exc, match=word):
        call(f, sigma, y)


def test_bad_model_input():
    model = symhmc.MLP(hidden=(3,))
    x = np.zeros(4)
    with pytest.raises(ValueError, match="params"):
        ev.Predictions.of_model(model, np.zeros((3, model.n_params)), x)  # no log sigma
    with pytest.raises(TypeError, match="model"):
        ev.Predictions.of_model(object(), np.zeros((3, 11)), x)
    with pytest.raises(ValueError, match="y"):
        ev.lppd(ev.Predictions.of_model(model, np.zeros((3, model.dim)), x), np.zeros(5))
