"""SampleResults evaluation methods, summary(), to_arviz(), and weight-space diagnostics."""

import math
import warnings

import numpy as np
import pytest
from conftest import toy_data

import symhmc
from symhmc import diagnostics, scores, symmetry
from symhmc.results import ResultsSummary, SampleResults


@pytest.fixture(scope="module")
def run(small_run):
    return small_run


@pytest.fixture(scope="module")
def run_draws():
    """Several draws per chain, so that split R-hat and ESS are defined."""
    x, y = toy_data()
    model = symhmc.MLP(hidden=(3,))
    return symhmc.sample(model, x, y, chains=4, warmup=100, draws=10, seed=1, progress=False)


@pytest.fixture(scope="module")
def test_data():
    x, y = toy_data(n=30, seed=5)
    return x, y


# ----- scores methods = direct scores computations --------------------------------------------
def test_methods_match_direct_scores(run, test_data):
    xt, yt = test_data
    m, p = run.model, run.flat_draws()
    assert p.shape == (8, m.dim)
    f = m.predict(p, xt)  # (8, 30)
    sigma = np.exp(p[:, -1])
    assert run.lppd(xt, yt) == scores.lppd(f, sigma, yt)
    # LPPD against a direct NumPy computation
    dens = np.exp(-0.5 * ((yt - f) / sigma[:, None]) ** 2) / (math.sqrt(2 * math.pi) * sigma[:, None])
    assert run.lppd(xt, yt).mean == pytest.approx(np.log(dens.mean(axis=0)).mean(), rel=1e-10)
    np.testing.assert_allclose(run.lppd(xt, yt, pointwise=True), np.log(dens.mean(axis=0)), rtol=1e-10)
    assert run.rmse(xt, yt) == pytest.approx(np.sqrt(np.mean((f.mean(0) - yt) ** 2)), rel=1e-12)
    assert run.coverage(xt, yt) == scores.coverage(f, sigma, yt)
    assert set(run.coverage(xt, yt, levels=(0.8,))) == {0.8}
    c1, c2 = run.crps(xt, yt), scores.crps(f, sigma, yt)
    assert c1.mean == pytest.approx(c2.mean, rel=1e-12) and c1.se == pytest.approx(c2.se, rel=1e-12)
    # the same as symhmc.evaluate's scores on the plain (draws, dim) array, and over run.predictions
    assert run.lppd(xt, yt) == symhmc.evaluate.lppd(symhmc.evaluate.Predictions.of_model(m, p, xt), yt)
    assert run.lppd(xt, yt) == symhmc.evaluate.lppd(run.predictions(xt), yt)
    # each score has its own type
    assert type(c1) is symhmc.evaluate.CRPS and type(c2) is symhmc.evaluate.CRPS
    assert type(run.lppd(xt, yt)) is symhmc.evaluate.LPPD


def test_predict_mean_std_quantiles(run, test_data):
    xt, _ = test_data
    m, p = run.model, run.flat_draws()
    f = m.predict(p, xt)
    sigma = np.exp(p[:, -1])
    res = run.predict(xt, quantiles=(0.05, 0.5, 0.95))
    np.testing.assert_allclose(res.mean, f.mean(0), rtol=1e-12)
    # network spread plus noise
    np.testing.assert_allclose(res.std, np.sqrt(f.var(0) + np.mean(sigma**2)), rtol=1e-12)
    assert np.all(res.std > f.std(0))
    assert res.quantiles.shape == (3, xt.size)
    np.testing.assert_allclose(res.probs, [0.05, 0.5, 0.95])
    np.testing.assert_allclose(res.quantiles, scores.mixture_quantiles(f, sigma, (0.05, 0.5, 0.95)), atol=1e-10)
    # blocks of one point give the same answer (memory-bounded path)
    small = run.predict(xt, quantiles=(0.05, 0.5, 0.95), memory_budget=2000)
    np.testing.assert_allclose(small.quantiles, res.quantiles, atol=1e-10)
    np.testing.assert_allclose(small.mean, res.mean, rtol=1e-12)
    assert run.predict(xt, quantiles=()).quantiles.shape == (0, xt.size)


def test_methods_bad_input_name_argument(run, test_data):
    xt, yt = test_data
    with pytest.raises(ValueError, match="y"):
        run.lppd(xt, yt[:-1])
    with pytest.raises(ValueError, match="x"):
        run.predict(np.zeros((3, 2)))
    with pytest.raises(ValueError, match="levels"):
        run.coverage(xt, yt, levels=(1.5,))
    with pytest.raises(ValueError, match="quantiles"):
        run.predict(xt, quantiles=(0.0,))
    with pytest.raises(ValueError, match="memory_budget"):
        run.rmse(xt, yt, memory_budget=-1)
    raw = SampleResults(
        draws=run.draws,
        stats=run.stats,
        step_size=run.step_size,
        inv_mass=run.inv_mass,
        n_grad_evals=run.n_grad_evals,
        wall_time=0.0,
        settings=run.settings,
        seed=0,
    )
    with pytest.raises(ValueError, match="model"):
        raw.lppd(xt, yt)


# ----- summary ----------------------------------------------------------------------------------
def test_summary_one_draw_per_chain(run, test_data):
    xt, yt = test_data
    s = run.summary(xt, yt)
    assert isinstance(s, ResultsSummary) and isinstance(s, dict)
    assert list(s) == ["sampler", "function_space", "weight_space", "test"]
    health = diagnostics.sampler_health(run.stats, max_tree_depth=10)["totals"]
    for key, value in health.items():
        assert s["sampler"]["total_draws" if key == "n_draws" else key] == value
    assert s["sampler"]["total_draws"] == 8 and s["sampler"]["n_chains"] == 8
    assert s["sampler"]["grad_evals_incl_warmup"] == int(run.n_grad_evals.sum())
    # one draw per chain: split R-hat undefined, nested R-hat over 2 superchains of 4 chains
    fs = s["function_space"]
    assert fs["inputs"] == "test" and fs["n_points"] == xt.size and fs["superchains"] == 2
    assert math.isnan(fs["max_rhat"])
    f = run.model.predict(run.flat_draws(), xt).reshape(8, 1, -1)
    assert fs["max_nested_rhat"] == pytest.approx(np.max(diagnostics.nested_rhat(f, 2)), rel=1e-12)
    ws = s["weight_space"]
    canon = symmetry.canonicalize(run.draws, run.model)
    assert ws["max_nested_rhat"] == pytest.approx(np.max(diagnostics.nested_rhat(canon, 2)), rel=1e-12)
    assert ws["method"] == "canonicalize" and ws["n_params"] == run.model.dim
    lp = run.lppd(xt, yt)
    assert s["test"]["lppd"] == lp.mean and s["test"]["lppd_se"] == lp.se
    assert s["test"]["rmse"] == run.rmse(xt, yt)
    text = str(s)
    assert text == s.text
    for word in (
        "sampler health",
        "function space",
        "weight space (canonicalize)",
        "test data",
        "lppd",
        "max_nested_rhat",
        "divergences",
    ):
        assert word in text
    assert '"lppd"' in s.to_json()


def test_summary_training_inputs_and_split_rhat(run_draws):
    s = run_draws.summary(superchains=None)
    assert "test" not in s
    fs = s["function_space"]
    assert fs["inputs"] == "training" and fs["n_points"] == run_draws.x.shape[0]
    assert "max_nested_rhat" not in fs
    f = run_draws.model.predict(run_draws.flat_draws(), run_draws.x).reshape(4, 10, -1)
    assert fs["max_rhat"] == pytest.approx(np.max(diagnostics.rhat(f)), rel=1e-12)
    assert np.isfinite(s["weight_space"]["max_rhat"])
    # max_points limits the function-space inputs
    assert run_draws.summary(max_points=5)["function_space"]["n_points"] == 5


def test_summary_bad_input(run, test_data):
    xt, yt = test_data
    with pytest.raises(ValueError, match="x_test"):
        run.summary(y_test=yt)
    with pytest.raises(ValueError, match="x_test"):
        run.summary(np.zeros((4, 3)), np.zeros(4))
    with pytest.raises(ValueError, match="superchains"):
        run.summary(superchains="many")
    with pytest.raises(ValueError, match="max_points"):
        run.summary(max_points=0)
    with pytest.raises(ValueError, match="method"):
        run.summary(weight_method="sort")


# ----- weight space -----------------------------------------------------------------------------
def test_weight_space_iid_draws_near_one():
    model = symhmc.MLP(hidden=(3,))
    rng = np.random.default_rng(0)
    draws = rng.normal(size=(4, 500, model.dim))
    out = diagnostics.weight_space(draws, model, superchains=2, backend="numpy")
    assert out["names"][:3] == ["W0[0,0]", "W0[1,0]", "W0[2,0]"] and out["names"][-1] == "log_sigma"
    for key in ("rhat", "ess_bulk", "ess_tail", "nested_rhat"):
        assert out[key].shape == (model.dim,) and np.all(np.isfinite(out[key]))
    assert np.all(np.abs(out["rhat"] - 1) < 0.02)
    assert np.all(np.abs(out["nested_rhat"] - 1) < 0.02)
    assert np.all(out["ess_bulk"] > 500)
    summ = out["summary"]
    assert summ["max_rhat"] == pytest.approx(out["rhat"].max())
    assert summ["argmax_rhat_name"] == out["names"][int(np.argmax(out["rhat"]))]
    assert summ["min_ess_bulk"] == pytest.approx(out["ess_bulk"].min())
    assert summ["n_params"] == model.dim and summ["n_chains"] == 4 and summ["n_draws"] == 500
    # the statistics are those of the canonicalized draws
    canon = symmetry.canonicalize(draws, model)
    np.testing.assert_allclose(out["rhat"], diagnostics.rhat(canon, backend="numpy"), rtol=1e-12)


def test_weight_space_removes_symmetry():
    """Chains sitting in different symmetric copies of one mode: raw R-hat is huge, after
    canonicalize / align it is near one."""
    model = symhmc.MLP(hidden=(3,))
    rng = np.random.default_rng(1)
    centre = np.array([1.0, -2.0, 0.5, 2.0, 0.8, 1.4, 1.5, -1.0, 0.7, 0.1, -2.0])
    draws = centre + 0.05 * rng.normal(size=(4, 200, model.dim))
    for c in range(4):  # each chain in its own signed permutation of the mode
        t = symmetry.random_transform(model, seed=10 + c)
        draws[c] = symmetry.apply_transform(
            draws[c],
            model,
            symmetry.Transform(
                tuple(np.broadcast_to(p, (200, p.size)) for p in t.perms),
                tuple(np.broadcast_to(s, (200, s.size)) for s in t.signs),
            ),
        )
    raw = diagnostics.weight_space(draws, model, method="none", backend="numpy")
    assert raw["summary"]["max_rhat"] > 2
    for method in ("canonicalize", "align"):
        out = diagnostics.weight_space(draws, model, method=method, backend="numpy")
        assert out["summary"]["max_rhat"] < 1.05, method
        assert out["method"] == method


def test_weight_space_results_and_groups(run, run_draws):
    out = diagnostics.weight_space(run_draws, groups=[0, 0, 1, 1])
    assert out["rhat"].shape == (run_draws.dim,)
    assert set(out["groups"]) == {0, 1}
    g = out["groups"][0]
    canon = symmetry.canonicalize(run_draws.draws[:2], run_draws.model)
    assert g["max_rhat"] == pytest.approx(np.max(diagnostics.rhat(canon)), rel=1e-12)
    # one draw per chain: R-hat and ESS undefined (NaN), nested R-hat finite
    one = diagnostics.weight_space(run, superchains=4)
    assert np.all(np.isnan(one["rhat"])) and np.all(np.isfinite(one["nested_rhat"]))
    assert "note" in one["summary"]


def test_weight_space_bad_input():
    model = symhmc.MLP(hidden=(3,))
    good = np.zeros((2, 5, model.dim))
    with pytest.raises(ValueError, match="draws"):
        diagnostics.weight_space(np.zeros((10, model.dim)), model)
    with pytest.raises(ValueError, match="draws"):
        diagnostics.weight_space(np.zeros((2, 5, 7)), model)
    with pytest.raises(ValueError, match="method"):
        diagnostics.weight_space(good, model, method="sort")
    with pytest.raises(TypeError, match="model"):
        diagnostics.weight_space(good, "mlp")
    with pytest.raises(ValueError, match="model"):
        diagnostics.weight_space(good)
    with pytest.raises(ValueError, match="groups"):
        diagnostics.weight_space(good, model, groups=[0, 1, 2])
    with pytest.raises(ValueError, match="rhat_threshold"):
        diagnostics.weight_space(good, model, rhat_threshold=0.5)
    with pytest.raises(ValueError, match="draws"):
        diagnostics.weight_space(np.full((2, 5, model.dim), np.nan), model)
    with pytest.raises(ValueError, match="superchains"):
        diagnostics.weight_space(good, model, superchains=3)


# ----- to_arviz ---------------------------------------------------------------------------------
def _group_names(data) -> set:
    """The groups of an InferenceData (ArviZ 0.x) or a DataTree (ArviZ 1.x)."""
    return set(data.groups()) if callable(data.groups) else set(data.children)


def test_to_arviz_groups_names_shapes(run_draws):
    az = pytest.importorskip("arviz")
    r = run_draws
    idata = r.to_arviz()
    assert _group_names(idata) == {
        "posterior",
        "sample_stats",
        "observed_data",
        "constant_data",
        "posterior_predictive",
        "log_likelihood",
    }
    post = idata.posterior
    assert set(post.data_vars) == {"W0", "b0", "W1", "b1", "sigma", "f"}
    assert post["W0"].dims == ("chain", "draw", "hidden_0", "input") and post["W0"].shape == (4, 10, 3, 1)
    assert post["b0"].dims == ("chain", "draw", "hidden_0") and post["b0"].shape == (4, 10, 3)
    assert post["W1"].shape == (4, 10, 1, 3) and post["b1"].shape == (4, 10, 1)
    assert post["sigma"].dims == ("chain", "draw")
    layers = r.model.unpack(r.theta)
    np.testing.assert_array_equal(post["W0"].values, layers[0][0])
    np.testing.assert_array_equal(post["b1"].values, layers[1][1])
    np.testing.assert_array_equal(post["sigma"].values, r.sigma)
    assert set(idata.sample_stats.data_vars) == set(symhmc.results.STAT_NAMES)
    for k in symhmc.results.STAT_NAMES:
        np.testing.assert_array_equal(idata.sample_stats[k].values, r.stats[k])
    np.testing.assert_array_equal(idata.observed_data["y"].values, r.y[:, 0])
    assert idata.observed_data["y"].dims == ("obs_id",)
    np.testing.assert_array_equal(idata.constant_data["x"].values, r.x)
    assert idata.posterior.attrs["inference_library"] == "symhmc"
    # the InferenceData does not share memory with the results
    assert not np.shares_memory(post["W0"].values, r.draws)

    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        table = az.summary(idata, var_names=["~f"])
    assert len(table) == r.model.dim
    assert "W0[0, 0]" in table.index and "sigma" in table.index
    assert np.all(np.isfinite(table["r_hat"].values))
    # the ArviZ columns agree with symhmc.diagnostics (same definitions)
    assert table.loc["sigma", "r_hat"] == pytest.approx(diagnostics.rhat(r.sigma), abs=0.006)


def test_to_arviz_plot_trace_and_loo(run_draws):
    az = pytest.importorskip("arviz")
    if not hasattr(az, "plot_trace"):  # ArviZ 1.x: plot_trace_dist, loo(...).elpd
        pytest.skip("needs ArviZ 0.x's plot_trace and loo")
    matplotlib = pytest.importorskip("matplotlib")
    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    idata = run_draws.to_arviz()  # log_likelihood is included by default
    assert idata.log_likelihood["y"].shape == (4, 10, run_draws.x.shape[0])
    f = run_draws.model.predict(run_draws.flat_draws(), run_draws.x).reshape(4, 10, -1)
    sig = run_draws.sigma[..., None]
    direct = -0.5 * ((run_draws.y[:, 0] - f) / sig) ** 2 - np.log(sig * math.sqrt(2 * math.pi))
    np.testing.assert_allclose(idata.log_likelihood["y"].values, direct, rtol=1e-12)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        axes = az.plot_trace(idata, var_names=["W0", "sigma"])
        loo = az.loo(idata)
    assert axes.shape == (2, 2)
    assert np.isfinite(loo.elpd_loo)
    plt.close("all")


def test_to_arviz_partial_chain_ids_and_raw_target(run):
    pytest.importorskip("arviz")
    r = run
    sub = SampleResults(
        draws=r.draws[[1, 5]],
        stats={k: v[[1, 5]] for k, v in r.stats.items()},
        step_size=r.step_size[[1, 5]],
        inv_mass=r.inv_mass[[1, 5]],
        n_grad_evals=r.n_grad_evals[[1, 5]],
        wall_time=1.0,
        settings=r.settings,
        seed=0,
        partial=True,
        chain_ids=np.array([1, 5]),
    )
    idata = sub.to_arviz(pool_chains=False)
    assert list(idata.posterior["chain"].values) == [1, 5]
    # one draw per chain: pooled by default, chain_id keeps the chain of every draw
    assert list(sub.to_arviz().posterior["chain_id"].values.ravel()) == [1, 5]
    assert set(idata.posterior.data_vars) == {"theta"}
    assert idata.posterior["theta"].dims == ("chain", "draw", "coordinate")
    assert "observed_data" not in _group_names(idata)
    with pytest.raises(ValueError, match="log_likelihood"):
        sub.to_arviz(log_likelihood=True)
    with pytest.raises(TypeError, match="log_likelihood"):
        r.to_arviz(log_likelihood="yes")
