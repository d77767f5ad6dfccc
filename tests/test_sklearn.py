"""symhmc.BNNRegressor: the scikit-learn estimator (skipped without scikit-learn).

Short runs throughout (a few chains, short warmup) so that the file stays fast; the accuracy
tests use a sinusoid in large units (y * 50 + 300) to check that standardizing and mapping back
are right, not the sampler's quality.
"""

from __future__ import annotations

import os
import subprocess
import sys

import numpy as np
import pytest

pytest.importorskip("sklearn")

from sklearn.base import clone  # noqa: E402
from sklearn.exceptions import NotFittedError  # noqa: E402
from sklearn.model_selection import cross_val_score  # noqa: E402
from sklearn.pipeline import Pipeline  # noqa: E402
from sklearn.preprocessing import StandardScaler  # noqa: E402
from sklearn.utils.estimator_checks import parametrize_with_checks  # noqa: E402

import symhmc  # noqa: E402
from symhmc import BNNRegressor  # noqa: E402
from symhmc import sklearn as symhmc_sklearn  # noqa: E402

SCALE, SHIFT, NOISE = 50.0, 300.0, 0.1
QUICK = dict(chains=4, warmup=50, seed=0, threads=2)


def truth(x):
    """The noise-free target in the user's units."""
    return np.sin(2 * x[:, 0]) * SCALE + SHIFT


def sinusoid(n=60, seed=1):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, size=(n, 1))
    return x, truth(x) + NOISE * SCALE * rng.normal(size=n)


@pytest.fixture(scope="module")
def fitted():
    x, y = sinusoid()
    return BNNRegressor(chains=8, warmup=200, seed=0, threads=2).fit(x, y), x, y


X_GRID = np.linspace(-1.8, 1.8, 50)[:, None]


# ----- fitting and prediction in the user's units ----------------------------------------
def test_predict_recovers_the_sinusoid_in_original_units(fitted):
    reg, _, _ = fitted
    pred = reg.predict(X_GRID)
    assert pred.shape == (50,)
    rmse = np.sqrt(np.mean((pred - truth(X_GRID)) ** 2))
    assert rmse < 0.1 * SCALE, rmse
    assert reg.score(*sinusoid(n=40, seed=2)) > 0.9


def test_scalers_standardize_the_training_data(fitted):
    reg, x, y = fitted
    np.testing.assert_allclose(reg.x_mean_, x.mean(axis=0))
    np.testing.assert_allclose(reg.x_scale_, x.std(axis=0))
    np.testing.assert_allclose(reg.y_mean_, [y.mean()])
    np.testing.assert_allclose(reg.y_scale_, [y.std()])
    np.testing.assert_allclose(reg.results_.y.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(reg.results_.y.std(axis=0), 1)
    assert (reg.n_features_in_, reg.n_outputs_, reg.model_.n_inputs) == (1, 1, 1)
    assert reg.results_.n_chains == 8


def test_return_std_is_the_predictive_sd_in_original_units(fitted):
    reg, _, _ = fitted
    mean, std = reg.predict(X_GRID, return_std=True)
    assert std.shape == mean.shape == (50,)
    assert np.all(std > 0)
    # At least the noise (sd 5 in these units), far below the spread of y.
    assert 2.0 < np.median(std) < 0.5 * SCALE
    # The same numbers as the results' own predictive summary, mapped back.
    summary = reg.results_.predict((X_GRID - reg.x_mean_) / reg.x_scale_, quantiles=())
    np.testing.assert_allclose(mean, summary.mean * reg.y_scale_ + reg.y_mean_, rtol=1e-12)
    np.testing.assert_allclose(std, summary.std * reg.y_scale_, rtol=1e-10)


def test_predict_in_blocks_equals_one_block(fitted, monkeypatch):
    reg, _, _ = fitted
    mean, std = reg.predict(X_GRID, return_std=True)
    monkeypatch.setattr(symhmc_sklearn, "_PREDICT_BLOCK_BYTES", 8 * 8 * 7)  # 7 points per block
    mean_b, std_b = reg.predict(X_GRID, return_std=True)
    np.testing.assert_allclose(mean_b, mean, rtol=1e-14)
    np.testing.assert_allclose(std_b, std, rtol=1e-14)


def test_sample_y_shape_spread_and_random_state(fitted):
    reg, _, _ = fitted
    x = X_GRID[::10]
    one = reg.sample_y(x)
    assert one.shape == (5, 1)
    draws = reg.sample_y(x, n_samples=4000, random_state=0)
    assert draws.shape == (5, 4000)
    mean, std = reg.predict(x, return_std=True)
    # Draws from the mixture predictive: its mean and sd within sampling error.
    np.testing.assert_allclose(draws.mean(axis=1), mean, atol=4 * std.max() / np.sqrt(4000))
    np.testing.assert_allclose(draws.std(axis=1), std, rtol=0.1)
    np.testing.assert_array_equal(reg.sample_y(x, 3, random_state=0), reg.sample_y(x, 3, random_state=0))
    gen = reg.sample_y(x, 3, random_state=np.random.default_rng(0))
    assert gen.shape == (5, 3) and np.all(np.isfinite(gen))
    with pytest.raises(ValueError, match="n_samples"):
        reg.sample_y(x, n_samples=0)


def test_seed_makes_fits_reproducible_for_any_thread_count():
    x, y = sinusoid(n=30)
    a = BNNRegressor(**{**QUICK, "threads": 1}).fit(x, y).predict(X_GRID)
    b = BNNRegressor(**QUICK).fit(x, y).predict(X_GRID)
    np.testing.assert_array_equal(a, b)


def test_constant_input_column_is_only_centred():
    x, y = sinusoid(n=30)
    x2 = np.c_[x, np.full(30, 7.0)]
    reg = BNNRegressor(**QUICK).fit(x2, y)
    np.testing.assert_allclose(reg.x_scale_, [x.std(), 1.0])
    np.testing.assert_allclose(reg.results_.x[:, 1], 0)
    assert np.all(np.isfinite(reg.predict(x2)))


def test_constant_target_predicts_the_constant():
    x, _ = sinusoid(n=20)
    reg = BNNRegressor(**QUICK).fit(x, np.full(20, 3.5))
    assert reg.y_scale_[0] == 1.0
    assert np.all(np.abs(reg.predict(x) - 3.5) < 0.5)


def test_several_targets_share_one_network():
    x, y = sinusoid(n=40)
    y2 = np.c_[y, -0.01 * (y - SHIFT)]  # a second target in very different units
    reg = BNNRegressor(**{**QUICK, "warmup": 100}).fit(x, y2)
    assert reg.model_.n_outputs == 2 and reg.n_outputs_ == 2
    mean, std = reg.predict(X_GRID, return_std=True)
    assert mean.shape == std.shape == (50, 2)
    rmse = np.sqrt(np.mean((mean - np.c_[truth(X_GRID), -0.01 * (truth(X_GRID) - SHIFT)]) ** 2, axis=0))
    assert np.all(rmse < 0.1 * np.array([SCALE, 0.01 * SCALE])), rmse
    assert reg.sample_y(X_GRID[:3], n_samples=7, random_state=0).shape == (3, 2, 7)
    # A column vector y keeps its second axis in the predictions.
    col = BNNRegressor(**QUICK).fit(x, y[:, None])
    assert col.predict(x[:4]).shape == (4, 1)
    assert col.sample_y(x[:4], 2, random_state=0).shape == (4, 1, 2)


# ----- pandas, pipelines, parameters -----------------------------------------------------
def test_dataframe_feature_names():
    pd = pytest.importorskip("pandas")
    x, y = sinusoid(n=30)
    df = pd.DataFrame({"a": x[:, 0], "b": np.cos(x[:, 0])})
    reg = BNNRegressor(**QUICK).fit(df, pd.Series(y, name="y"))
    assert list(reg.feature_names_in_) == ["a", "b"] and reg.n_features_in_ == 2
    with pytest.raises(ValueError, match="feature names"):
        reg.predict(df.rename(columns={"b": "c"}))
    with pytest.warns(UserWarning, match="feature names"):
        plain = reg.predict(df.to_numpy())
    np.testing.assert_array_equal(reg.predict(df), plain)


def test_pipeline_and_cross_val_score():
    x, y = sinusoid(n=45)
    pipe = Pipeline([("scale", StandardScaler()), ("bnn", BNNRegressor(**{**QUICK, "warmup": 100}))])
    scores = cross_val_score(pipe, x, y, cv=3)
    assert scores.shape == (3,)
    assert np.all(scores > 0.5), scores


def test_defaults_are_the_papers_settings_with_64_chains():
    params = BNNRegressor().get_params()
    assert params["hidden"] == (3,) and params["activation"] == "tanh"
    assert (params["chains"], params["warmup"], params["draws"]) == (64, 1024, 1)
    assert params["seed"] is None and params["threads"] is None and params["progress"] is False
    assert params["target_accept"] == 0.8 and params["max_tree_depth"] is None


def test_get_set_params_round_trip_and_clone():
    hidden = [4, 2]
    options = {"step_size": 0.5}
    reg = BNNRegressor(hidden=hidden, chains=3, seed=5, sampler_options=options)
    params = reg.get_params()
    assert params["hidden"] is hidden and params["sampler_options"] is options  # stored unchanged
    again = BNNRegressor(**params)
    assert again.get_params() == params
    assert reg.set_params(chains=7, warmup=9) is reg
    assert (reg.chains, reg.warmup) == (7, 9)
    copy = clone(reg)
    assert copy is not reg and copy.get_params() == reg.get_params()
    with pytest.raises(NotFittedError):
        copy.predict(X_GRID)


def test_sampler_options_reach_the_sampler():
    x, y = sinusoid(n=20)
    reg = BNNRegressor(
        **QUICK, max_tree_depth=3, target_accept=0.9, sampler="nuts", sampler_options={"init_radius": 0.5}
    ).fit(x, y)
    settings = reg.results_.settings
    assert (settings["max_tree_depth"], settings["target_accept"], settings["init_radius"]) == (3, 0.9, 0.5)
    assert np.all(reg.results_.stats["tree_depth"] <= 3)


def test_docstring_example_runs():
    import doctest

    result = doctest.testmod(symhmc_sklearn, optionflags=doctest.NORMALIZE_WHITESPACE)
    assert result.attempted > 0 and result.failed == 0, result


# ----- errors -----------------------------------------------------------------------------
def test_float32_fit_predicts_like_float64(fitted):
    reg64, x, y = fitted
    reg32 = BNNRegressor(chains=8, warmup=200, seed=0, threads=2, dtype="float32").fit(x, y)
    assert reg32.model_.dtype == "float32" and reg32.get_params()["dtype"] == "float32"
    mean64, sd64 = reg64.predict(X_GRID, return_std=True)
    mean32 = reg32.predict(X_GRID)
    # Both fit the sinusoid; their means differ by less than the predictive spread.
    assert np.sqrt(np.mean((mean32 - truth(X_GRID)) ** 2)) < 0.3 * SCALE
    assert np.max(np.abs(mean32 - mean64)) < 2 * np.max(sd64)


def test_bad_input_raises():
    x, y = sinusoid(n=20)
    reg = BNNRegressor(**QUICK)
    with pytest.raises(NotFittedError):
        reg.predict(x)
    bad = x.copy()
    bad[3, 0] = np.nan
    with pytest.raises(ValueError, match="NaN"):
        reg.fit(bad, y)
    with pytest.raises(ValueError):
        reg.fit(x, np.r_[y[:-1], np.inf])
    with pytest.raises(ValueError):
        reg.fit(x, y[:-1])
    reg.fit(x, y)
    with pytest.raises(ValueError, match="NaN"):
        reg.predict(bad)
    with pytest.raises(ValueError, match="features"):
        reg.predict(np.c_[x, x])


@pytest.mark.parametrize(
    "params, error, match",
    [
        (dict(sampler_options={"chains": 3}), ValueError, "sampler_options must not hold"),
        (dict(sampler_options=[("step_size", 0.1)]), TypeError, "sampler_options must be a dict"),
        (dict(sampler_options={"no_such_option": 1}), TypeError, "no_such_option"),
        (dict(hidden=(0,)), ValueError, "hidden"),
        (dict(activation="sigmoid"), ValueError, "activation"),
        (dict(warmup=-1), ValueError, "warmup"),
        (dict(sampler="hmc", max_tree_depth=5), TypeError, "max_tree_depth"),
        (dict(dtype="float16"), ValueError, "dtype"),
    ],
)
def test_bad_parameters_raise_at_fit_naming_them(params, error, match):
    x, y = sinusoid(n=10)
    reg = BNNRegressor(**{**QUICK, **params})  # scikit-learn's rule: no checks before fit
    with pytest.raises(error, match=match):
        reg.fit(x, y)


def test_symhmc_imports_without_scikit_learn():
    # A fresh interpreter: import symhmc must not load scikit-learn, and with scikit-learn
    # unimportable, only BNNRegressor fails, with an error saying what to install.
    code = (
        "import sys\n"
        "import symhmc\n"
        "assert 'sklearn' not in sys.modules and 'symhmc.sklearn' not in sys.modules\n"
        "assert 'BNNRegressor' in dir(symhmc)\n"
        "sys.modules['sklearn'] = None  # every import of scikit-learn now fails\n"
        "try:\n"
        "    symhmc.BNNRegressor\n"
        "except ImportError as exc:\n"
        "    assert 'symhmc[sklearn]' in str(exc), exc\n"
        "else:\n"
        "    raise AssertionError('no ImportError')\n"
    )
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    subprocess.run([sys.executable, "-c", code], check=True, env=env, timeout=120)
    assert symhmc.BNNRegressor is BNNRegressor


# ----- scikit-learn's own estimator checks ------------------------------------------------
# Every check that applies to a regressor passes with these settings (single and multi-output
# targets, one sample, pickling, pandas, int and float32 data, ...). The seed must be fixed:
# the checks fix randomness through a `random_state` parameter, which BNNRegressor calls `seed`
# (as symhmc.sample does), and check_fit_idempotent and check_regressors_int compare two fits.
# check_array_api_input is skipped by scikit-learn itself unless SCIPY_ARRAY_API=1 is set; the
# estimator computes with NumPy only and does not declare array API support.
@parametrize_with_checks([BNNRegressor(chains=4, warmup=50, seed=0, threads=2, max_tree_depth=6)])
def test_sklearn_estimator_checks(estimator, check):
    check(estimator)
