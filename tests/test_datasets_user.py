"""A user's own data: the paper's standardization, the split, and mapping back to raw units."""

import numpy as np
import pytest

from symhmc.datasets import Dataset, from_arrays, from_csv


def _data(n=60, seed=0):
    rng = np.random.default_rng(seed)
    x = np.column_stack([rng.uniform(100, 200, n), rng.normal(-5, 0.01, n)])
    return x, 1000 + 30 * np.sin(x[:, 0] / 20) + rng.normal(0, 2, n)


def test_standardized_over_all_rows_and_split_80_20():
    x, y = _data()
    ds = from_arrays(x, y, seed=1)
    assert ds.x_train.shape == (48, 2) and ds.x_test.shape == (12, 2)
    table = np.column_stack([x, y])
    np.testing.assert_array_equal(ds.x_mean, table.mean(axis=0)[:2])
    np.testing.assert_array_equal(ds.x_std, table.std(axis=0)[:2])
    assert ds.y_mean == table.mean(axis=0)[2] and ds.y_std == table.std(axis=0)[2]
    full = np.vstack([np.column_stack([ds.x_train, ds.y_train]), np.column_stack([ds.x_test, ds.y_test])])
    np.testing.assert_allclose(full.mean(axis=0), 0, atol=1e-12)
    np.testing.assert_allclose(full.std(axis=0), 1, rtol=1e-12)


def test_scaling_round_trips_to_the_raw_rows():
    x, y = _data()
    ds = from_arrays(x, y, seed=3)
    raw_rows = {tuple(np.round(row, 9)) for row in np.column_stack([x, y])}
    back = np.column_stack([ds.unscale_x(ds.x_test), ds.unscale_y(ds.y_test)])
    assert {tuple(np.round(row, 9)) for row in back} <= raw_rows  # every test row is a raw row
    np.testing.assert_allclose(ds.scale_x(ds.unscale_x(ds.x_train)), ds.x_train, atol=1e-12)
    np.testing.assert_allclose(ds.scale_y(ds.unscale_y(ds.y_train)), ds.y_train, atol=1e-12)
    # a predictive spread maps by the scale alone
    assert ds.unscale_y_spread(1.0) == pytest.approx(y.std())
    # new raw inputs of one row scale with the training data's statistics
    assert np.allclose(ds.scale_x([[150.0, -5.0]]), (np.array([[150.0, -5.0]]) - x.mean(0)) / x.std(0))


def test_same_seed_same_split_and_explicit_test_rows():
    x, y = _data()
    assert np.array_equal(from_arrays(x, y, seed=5).x_test, from_arrays(x, y, seed=5).x_test)
    assert not np.array_equal(from_arrays(x, y, seed=5).x_test, from_arrays(x, y, seed=6).x_test)
    ds = from_arrays(x, y, test_indices=[0, 5, 59])
    np.testing.assert_allclose(ds.unscale_x(ds.x_test), x[[0, 5, 59]])
    np.testing.assert_allclose(ds.unscale_y(ds.y_train), np.delete(y, [0, 5, 59]))
    assert len(from_arrays(x, y, test_fraction=0.5).y_test) == 30


def test_one_feature_as_a_flat_array():
    ds = from_arrays(np.arange(10.0), np.arange(10.0) ** 2, seed=0)
    assert ds.n_features == 1 and ds.scale_x(np.array([4.5])).shape == (1, 1)


@pytest.mark.parametrize("x, y, argument, message", [
    (np.ones((5, 2)), np.arange(5.0), "x", "constant column"),
    (np.arange(5.0), np.ones(5), "y", "constant column"),
    (np.array([1.0, np.nan, 3, 4]), np.arange(4.0), "x", "NaN or infinite.*row 1"),
    (np.arange(4.0), np.array([1.0, 2, np.inf, 4]), "y", "NaN or infinite.*row 2"),
    (np.arange(5.0), np.arange(4.0), "x and y", "same number of rows"),
    (np.arange(5.0), np.ones((5, 2)), "y", "shape"),
    (np.ones((2, 2, 2)), np.arange(2.0), "x", "shape"),
])
def test_bad_data_raises_naming_the_argument(x, y, argument, message):
    with pytest.raises(ValueError, match=f"^{argument} .*{message}"):
        from_arrays(x, y)


def test_bad_split_arguments_raise():
    x, y = _data(10)
    with pytest.raises(ValueError, match="test_fraction"):
        from_arrays(x, y, test_fraction=0)
    with pytest.raises(ValueError, match="test_indices"):
        from_arrays(x, y, test_indices=[0, 10])
    with pytest.raises(ValueError, match="test_indices.*repeated"):
        from_arrays(x, y, test_indices=[1, 1])
    with pytest.raises(ValueError, match="test_indices covers every row"):
        from_arrays(x, y, test_indices=list(range(10)))
    with pytest.raises(TypeError, match="x must be numeric"):
        from_arrays([["a", "b"]] * 10, y)


def test_from_csv_with_header_and_named_target(tmp_path):
    x, y = _data()
    path = tmp_path / "plant.csv"
    rows = np.column_stack([x[:, 0], y, x[:, 1]])
    path.write_text("temperature, output ,pressure\n" + "\n".join(",".join(repr(float(v)) for v in r) for r in rows) + "\n")
    ds = from_csv(path, target="output", seed=2)
    same = from_arrays(x, y, seed=2)
    assert isinstance(ds, Dataset) and ds.name == "plant"
    np.testing.assert_array_equal(ds.x_train, same.x_train)
    np.testing.assert_array_equal(ds.y_test, same.y_test)
    assert ds.y_mean == same.y_mean
    assert from_csv(path, target=1, seed=2).y_std == same.y_std


def test_from_csv_whitespace_file_without_header(tmp_path):
    path = tmp_path / "plain.data"
    x, y = _data(30)
    np.savetxt(path, np.column_stack([x, y]))
    ds = from_csv(path, delimiter=None, test_indices=[0, 1])
    np.testing.assert_allclose(ds.unscale_y(ds.y_test), y[:2])


def test_from_csv_bad_input_raises(tmp_path):
    with pytest.raises(FileNotFoundError, match="path"):
        from_csv(tmp_path / "missing.csv")
    path = tmp_path / "t.csv"
    path.write_text("a,b\n1,2\n3,4\n5,7\n")
    with pytest.raises(ValueError, match="target='c'.*columns"):
        from_csv(path, target="c")
    with pytest.raises(ValueError, match="target must be"):
        from_csv(path, target=2)
    path.write_text("1,2\n3,4\n5,7\n")
    with pytest.raises(ValueError, match="no header"):
        from_csv(path, target="b")
    path.write_text("a,b\n1,2\n3,\n5,7\n")
    with pytest.raises(ValueError, match="path .*every row"):
        from_csv(path)



def test_scaling_round_trip_holds_for_any_well_scaled_table():
    hypothesis = pytest.importorskip("hypothesis")
    from hypothesis import given, settings, strategies as st
    from hypothesis.extra.numpy import arrays

    values = st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False)

    @settings(max_examples=40, deadline=None)
    @given(arrays(float, st.tuples(st.integers(3, 30), st.integers(2, 4)), elements=values), st.data())
    def check(table, data):
        # tables with a (near-)constant column are rejected, as tested above
        scale = 1 + np.abs(table).max(axis=0)
        hypothesis.assume(np.all(table.std(axis=0) > 1e-3 * scale))
        n = len(table)
        test = data.draw(st.lists(st.integers(0, n - 1), min_size=1, max_size=n - 1, unique=True))
        ds = from_arrays(table[:, :-1], table[:, -1], test_indices=test)
        train = np.setdiff1d(np.arange(n), test)
        for x, y, rows in ((ds.x_train, ds.y_train, train), (ds.x_test, ds.y_test, np.asarray(test))):
            back = np.column_stack([ds.unscale_x(x), ds.unscale_y(y)])
            # the raw rows come back up to rounding, relative to each column's size
            np.testing.assert_allclose(back / scale, table[rows] / scale, atol=1e-12)
            np.testing.assert_allclose(ds.scale_x(back[:, :-1]), x, atol=1e-6)

    check()
