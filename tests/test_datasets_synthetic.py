"""Generators of the paper's synthetic sets: seeded, sized and distributed as described."""

import numpy as np
import pytest

from symhmc import datasets
from symhmc.datasets import synthetic

GENERATORS = {
    "sinusoidal": (datasets.make_sinusoidal, 150, 1),
    "izmailov": (datasets.make_izmailov, 400, 1),
    "regression2d": (datasets.make_regression2d, 256, 2),
}


def _raw(ds):
    """Inputs (n, d) and targets (n,) of all rows in original units."""
    x = ds.unscale_x(np.vstack([ds.x_train, ds.x_test]))
    return x, ds.unscale_y(np.concatenate([ds.y_train, ds.y_test]))


@pytest.mark.parametrize("name", GENERATORS)
def test_same_seed_same_data_other_seed_other_data(name):
    make, rows, features = GENERATORS[name]
    a, b, c = make(seed=7), make(seed=7), make(seed=8)
    assert np.array_equal(a.x_train, b.x_train) and np.array_equal(a.y_test, b.y_test)
    assert not np.array_equal(a.x_train, c.x_train)
    # sizes and split as the paper's files: int(0.8 n) training rows
    assert a.x_train.shape == (int(0.8 * rows), features) and len(a.y_test) == rows - int(0.8 * rows)
    # the shipped file has the same shape
    assert datasets.load(name).n_features == features


@pytest.mark.parametrize("name", GENERATORS)
def test_generated_sets_are_standardized_and_remember_their_scaling(name):
    ds = GENERATORS[name][0](seed=1)
    full = np.column_stack([np.vstack([ds.x_train, ds.x_test]), np.concatenate([ds.y_train, ds.y_test])])
    np.testing.assert_allclose(full.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(full.std(axis=0), 1.0, rtol=1e-12)
    assert ds.x_mean.shape == (ds.n_features,) and ds.y_std > 0


def test_sinusoidal_matches_its_description():
    x, y = _raw(datasets.make_sinusoidal(n=20000, seed=2))
    assert 0 <= x.min() < 0.01 and 7.99 < x.max() <= 8  # U(0, 8)
    residual = y - np.sin(x[:, 0])
    assert abs(residual.mean()) < 0.01 and residual.std() == pytest.approx(0.3, rel=0.03)


def test_regression2d_matches_its_description():
    x, y = _raw(datasets.make_regression2d(n=20000, seed=2))
    assert np.all((x >= -2) & (x <= 2)) and np.all(x.min(axis=0) < -1.99) and np.all(x.max(axis=0) > 1.99)
    residual = y - x[:, 0] * (np.sin(x[:, 0]) + np.cos(x[:, 1]))
    assert residual.std() == pytest.approx(0.1, rel=0.03)
    # the paper's 256 points: residual sd about 0.1 in original units too
    x, y = _raw(datasets.make_regression2d(seed=0))
    assert np.std(y - synthetic.regression2d_function(x)) == pytest.approx(0.1, rel=0.15)


def test_izmailov_has_three_clusters_with_gaps_and_the_stated_noise():
    x, y = _raw(datasets.make_izmailov(n=6000, seed=2))
    x = x[:, 0]
    counts = []
    for lo, hi in synthetic._IZMAILOV_CLUSTERS:
        inside = (x >= lo) & (x <= hi)
        counts.append(inside.sum())
    assert sum(counts) == len(x)  # nothing falls in the gaps
    assert all(abs(c / len(x) - 1 / 3) < 0.03 for c in counts)
    residual = y - synthetic.izmailov_function(x)
    assert residual.std() == pytest.approx(synthetic._IZMAILOV_NOISE, rel=0.05)


def test_izmailov_imitation_resembles_the_shipped_file():
    # standardized like the file, the generated inputs cover the same three intervals
    shipped = datasets.load("izmailov")
    generated = datasets.make_izmailov(seed=0)
    for ds in (shipped, generated):
        x = np.concatenate([ds.x_train[:, 0], ds.x_test[:, 0]])
        assert np.sum((x > -0.9) & (x < -0.45)) == 0 and np.sum((x > 0.25) & (x < 0.8)) == 0
    # the trend explains the shipped targets about as well as the stated noise
    x, y = _raw(shipped)
    assert np.std(y - synthetic.izmailov_function(x[:, 0])) == pytest.approx(0.14, rel=0.1)


@pytest.mark.parametrize("make", [datasets.make_sinusoidal, datasets.make_izmailov, datasets.make_regression2d])
def test_generators_reject_bad_arguments(make):
    with pytest.raises(ValueError, match="n must"):
        make(n=2)
    with pytest.raises(ValueError, match="n must"):
        make(n=10.5)
    with pytest.raises(ValueError, match="noise"):
        make(noise=-1.0)
    with pytest.raises(ValueError, match="test_fraction"):
        make(test_fraction=1.0)
