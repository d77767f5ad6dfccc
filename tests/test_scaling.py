"""Data far from standardized: sample() warns, and chains="auto" fits its y grid to the targets
(and warns when the predictive density misses the grid)."""

import warnings

import numpy as np
import pytest

import symhmc
from symhmc import DataScaleWarning
from symhmc.utils.scaling import MEAN_LIMIT, SD_RANGE, scale_problems
from symhmc.evaluate.ppd import data_y_grid

F1 = symhmc.MLP(hidden=(3,))
FAST = dict(chains=2, warmup=20, seed=0, progress=False)


def _data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, n)
    return x, np.sin(2 * x) + 0.1 * rng.normal(size=n)


X, Y = _data()


def test_standardized_data_do_not_warn():
    with warnings.catch_warnings():
        warnings.simplefilter("error", DataScaleWarning)
        symhmc.sample(F1, X, Y, **FAST)


@pytest.mark.parametrize(
    "y, what",
    [(Y * 50 + 300, r"y: mean 3\d\d, sd [34]\d"), (Y + 10, "y: mean 10"), (Y * 1e-3, r"y: mean .*, sd 0.000")],
)
def test_targets_far_from_standardized_warn(y, what):
    with pytest.warns(DataScaleWarning, match=what) as record:
        symhmc.sample(F1, X, y, **FAST)
    assert issubclass(record[0].category, RuntimeWarning)
    assert record[0].filename == __file__  # points at the caller's line
    assert "Standardize x and y" in str(record[0].message)


def test_each_input_column_is_checked():
    model = symhmc.MLP(hidden=(2,), n_inputs=3)
    x = np.c_[X, 100 * X, X + 5]
    with pytest.warns(DataScaleWarning, match=r"x \(column 1\): mean .*, sd 1\d\d; x \(column 2\): mean 5"):
        symhmc.sample(model, x, Y, **FAST)


def test_limits():
    one = lambda v: np.asarray(v, dtype=float)[:, None]  # noqa: E731
    base = np.array([-1.0, 1.0])
    assert scale_problems(one(base), one(base)) == []
    assert scale_problems(one(base + MEAN_LIMIT), one(base)) == []  # at the limit: fine
    assert scale_problems(one(base), one(base + MEAN_LIMIT + 0.01)) == ["y: mean 3.01, sd 1"]
    assert scale_problems(one(base * SD_RANGE[1]), one(base * SD_RANGE[0])) == []
    assert len(scale_problems(one(base * SD_RANGE[1] * 1.01), one(base * SD_RANGE[0] * 0.99))) == 2
    assert scale_problems(one([2.0, 2.0]), one(base)) == ["x: mean 2, sd 0"]  # a constant column


def test_data_y_grid():
    y = np.array([1.0, 2.0, 4.0])
    sd = y.std()
    np.testing.assert_allclose(data_y_grid(y), np.linspace(1 - 3 * sd, 4 + 3 * sd, 201))
    np.testing.assert_allclose(data_y_grid(y[:, None], points=5, pad=1.0), np.linspace(1 - sd, 4 + sd, 5))
    np.testing.assert_allclose(data_y_grid([7.0, 7.0]), np.linspace(7 - 21, 7 + 21, 201))  # constant: sd -> |y|
    np.testing.assert_allclose(data_y_grid([0.0]), np.linspace(-3, 3, 201))
    with pytest.raises(ValueError, match="points must be >= 2"):
        data_y_grid(y, points=1)
    with pytest.raises(ValueError, match="pad must be positive"):
        data_y_grid(y, pad=0.0)
    with pytest.raises(ValueError, match="y"):
        data_y_grid([])


def test_auto_on_unscaled_targets_follows_them_and_warns():
    """The issue's example: y * 50 + 300. The old fixed grid [-3, 3] saw no density at all (KL 0,
    'converged' after two rounds, predictions far off, silently). Now the grid spans the
    targets, and the run warns both about the scale and about the density missing the grid."""
    y = Y * 50 + 300
    with pytest.warns(RuntimeWarning) as record:
        r = symhmc.sample(
            F1, X, y, chains="auto", auto=dict(round_size=4, max_chains=16), warmup=30, seed=0, progress=False
        )
    kinds = {w.category for w in record}
    assert DataScaleWarning in kinds
    grid = r.convergence["y_grid"]
    assert grid[0] < y.min() and grid[-1] > y.max()
    assert r.settings["chains_rule"]["y_grid_source"] == "training targets"
    assert all(k > 0 for k in r.convergence["kl"])  # no longer a comparison of two floors
    # with unit-scale priors the network cannot reach y: the prediction misses the grid, and says so
    assert r.convergence["grid_mass"] < 0.9
    assert any("chains='auto': the predictive density puts only" in str(w.message) for w in record)


def test_auto_warns_when_a_given_grid_misses_the_density():
    with pytest.warns(RuntimeWarning, match=r"only 0 % of its probability on the y grid \[10, 20\]"):
        r = symhmc.sample(
            F1,
            X,
            Y,
            chains="auto",
            auto=dict(round_size=4, max_chains=8, y_grid=np.linspace(10, 20, 21)),
            warmup=20,
            seed=0,
            progress=False,
        )
    assert r.convergence["grid_mass"] < 1e-6
