"""Data sets: the paper's preprocessing and the built-in toy set."""

from pathlib import Path

import numpy as np
import pytest

from symhmc import datasets

DATA_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_data = pytest.mark.skipif(not (DATA_DIR / "splits.json").is_file(), reason="benchmark data not found")


@needs_data
def test_paper_dataset_is_standardized_over_all_rows_then_split():
    ds = datasets.load("concrete", DATA_DIR)
    assert ds.x_train.shape == (824, 8) and ds.x_test.shape == (206, 8)
    full = np.vstack([np.column_stack([ds.x_train, ds.y_train]), np.column_stack([ds.x_test, ds.y_test])])
    np.testing.assert_allclose(full.mean(axis=0), 0.0, atol=1e-12)
    np.testing.assert_allclose(full.std(axis=0), 1.0, rtol=1e-12)
    raw = np.loadtxt(DATA_DIR / "concrete.data")
    train0 = __import__("json").load(open(DATA_DIR / "splits.json"))["concrete"]["train"][0]
    expected = (raw[train0, -1] - raw[:, -1].mean()) / raw[:, -1].std()
    assert ds.y_train[0] == pytest.approx(expected, rel=1e-12)


def test_builtin_sinusoidal_needs_no_files():
    ds = datasets.sinusoidal(n=150, seed=3)
    assert ds.x_train.shape == (120, 1) and ds.y_test.shape == (30,)
    again = datasets.sinusoidal(n=150, seed=3)
    assert np.array_equal(ds.x_train, again.x_train)


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="name"):
        datasets.load("mnist")
    with pytest.raises(FileNotFoundError, match="data_dir"):
        datasets.load("izmailov", "/nonexistent/folder")
    with pytest.raises(ValueError, match="n"):
        datasets.sinusoidal(n=2)
