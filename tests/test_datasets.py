"""The paper's data sets from the package's own copy: shapes, values, checksums, overrides."""

import hashlib
import json
import lzma
import shutil
from pathlib import Path

import numpy as np
import pytest

from symhmc import datasets
from symhmc.datasets import _files

# The files the package's copy was made from; only used to compare against, when present.
SOURCE_DIR = Path(__file__).resolve().parents[2] / "shared" / "data"
needs_source = pytest.mark.skipif(
    not (SOURCE_DIR / "splits.json").is_file(), reason="the original data folder ../shared/data is not present"
)

# rows and features as listed in the data's README (train = int(0.8 rows))
SHAPES = {
    "sinusoidal": (150, 1),
    "izmailov": (400, 1),
    "regression2d": (256, 2),
    "airfoil": (1503, 5),
    "concrete": (1030, 8),
    "diabetes": (442, 10),
    "energy": (768, 8),
    "forest_fire": (517, 12),
    "yacht": (308, 6),
    "protein": (45730, 9),
}


@pytest.fixture
def no_data_folder(monkeypatch, tmp_path):
    """No SYMHMC_DATA_DIR and a working directory with no data anywhere near it."""
    monkeypatch.delenv("SYMHMC_DATA_DIR", raising=False)
    monkeypatch.chdir(tmp_path)


@pytest.mark.parametrize("name", datasets.PAPER_DATASETS)
def test_every_paper_set_loads_from_the_package_without_a_folder(no_data_folder, name):
    assert datasets.default_data_dir() is None
    ds = datasets.load(name)
    rows, features = SHAPES[name]
    n_train = int(0.8 * rows)
    assert ds.x_train.shape == (n_train, features) and ds.y_train.shape == (n_train,)
    assert ds.x_test.shape == (rows - n_train, features) and ds.y_test.shape == (rows - n_train,)
    full = np.vstack([np.column_stack([ds.x_train, ds.y_train]), np.column_stack([ds.x_test, ds.y_test])])
    np.testing.assert_allclose(full.mean(axis=0), 0.0, atol=1e-9)
    np.testing.assert_allclose(full.std(axis=0), 1.0, rtol=1e-9)


def test_manifest_lists_the_ten_sets_with_sources_and_licences():
    info = datasets.sources()
    assert set(info) == set(datasets.PAPER_DATASETS)
    for name in ("airfoil", "concrete", "energy", "forest_fire", "yacht", "protein"):
        assert info[name]["licence"] == "CC BY 4.0" and "archive.ics.uci.edu" in info[name]["source"]["url"]
    for name, (rows, features) in SHAPES.items():
        assert (info[name]["rows"], info[name]["features"]) == (rows, features)
        assert len(info[name]["sha256"]) == 64 and info[name]["source"]["authors"]
    info["yacht"]["licence"] = "changed"
    assert datasets.sources()["yacht"]["licence"] == "CC BY 4.0"  # a copy, not the cache


@needs_source
@pytest.mark.parametrize("name", datasets.PAPER_DATASETS)
def test_package_copy_equals_parsing_the_original_files(no_data_folder, name):
    raw = np.loadtxt(SOURCE_DIR / f"{name}.data", ndmin=2)
    split = json.loads((SOURCE_DIR / "splits.json").read_text())[name]
    expected = (raw - raw.mean(axis=0)) / raw.std(axis=0)
    ds = datasets.load(name)
    # bit-identical, not merely close: same bytes parsed the same way
    assert np.array_equal(ds.x_train, expected[split["train"], :-1])
    assert np.array_equal(ds.y_train, expected[split["train"], -1])
    assert np.array_equal(ds.x_test, expected[split["test"], :-1])
    assert np.array_equal(ds.y_test, expected[split["test"], -1])
    # the scaling is the one applied (column statistics of the whole table)
    assert np.array_equal(ds.x_mean, raw.mean(axis=0)[:-1]) and ds.y_std == raw.std(axis=0)[-1]


def _plain_copy(folder: Path, names=("izmailov",)) -> Path:
    """Write the package's copy of some sets and the splits as plain files into ``folder``."""
    folder.mkdir()
    packed = Path(datasets.__file__).resolve().parents[1] / "data"
    for name in (*[f"{n}.data" for n in names], "splits.json"):
        (folder / name).write_bytes(lzma.decompress((packed / f"{name}.xz").read_bytes()))
    return folder


def test_data_dir_and_environment_variable_override_the_package_copy(no_data_folder, tmp_path, monkeypatch):
    folder = _plain_copy(tmp_path / "mine")
    reference = datasets.load("izmailov")
    assert np.array_equal(datasets.load("izmailov", folder).x_train, reference.x_train)
    # the folder is really read: a file it lacks is an error naming both ways to choose it
    with pytest.raises(FileNotFoundError, match="data_dir= or SYMHMC_DATA_DIR"):
        datasets.load("concrete", folder)
    monkeypatch.setenv("SYMHMC_DATA_DIR", str(folder))
    assert datasets.default_data_dir() == folder
    assert np.array_equal(datasets.load("izmailov").y_test, reference.y_test)
    with pytest.raises(FileNotFoundError, match="concrete.data"):
        datasets.load("concrete")
    # an explicit data_dir wins over the environment variable
    other = _plain_copy(tmp_path / "other", names=("concrete",))
    assert datasets.load("concrete", other).x_train.shape == (824, 8)


def test_a_changed_file_fails_its_checksum(no_data_folder, tmp_path):
    folder = _plain_copy(tmp_path / "mine")
    text = (folder / "izmailov.data").read_text()
    (folder / "izmailov.data").write_text(text.replace("0.1", "0.2", 1))
    with pytest.raises(datasets.ChecksumError, match="SHA-256.*verify=False"):
        datasets.load("izmailov", folder)
    # verify=False reads it anyway: one changed input moves the column's mean, so every x changes
    changed = datasets.load("izmailov", folder, verify=False)
    assert not np.any(changed.x_train == datasets.load("izmailov").x_train)
    # a changed split file too
    splits = json.loads((folder / "splits.json").read_text())
    splits["izmailov"]["train"], splits["izmailov"]["test"] = splits["izmailov"]["test"], splits["izmailov"]["train"]
    (folder / "splits.json").write_text(json.dumps(splits))
    (folder / "izmailov.data").write_text(text)
    with pytest.raises(datasets.ChecksumError, match="splits.json"):
        datasets.load("izmailov", folder)


def test_a_damaged_package_copy_fails_its_checksum(no_data_folder, monkeypatch):
    entry = _files.manifest()["datasets"]["yacht"]
    damaged = {**_files.manifest(), "datasets": {"yacht": {**entry, "sha256": hashlib.sha256(b"x").hexdigest()}}}
    monkeypatch.setattr(_files, "manifest", lambda: damaged)
    with pytest.raises(datasets.ChecksumError, match="symhmc's copy of yacht.data"):
        datasets.load("yacht")


def test_package_copy_is_not_read_from_the_source_folder(no_data_folder, tmp_path, monkeypatch):
    # even with the source folder beside the working directory, load() reads the package copy
    fake = tmp_path / "shared" / "data"
    shutil.copytree(_plain_copy(tmp_path / "plain"), fake)
    (fake / "izmailov.data").write_text("1 2\n3 4\n")
    monkeypatch.chdir(tmp_path)
    assert datasets.load("izmailov").x_train.shape == (320, 1)


def test_loaded_sets_map_back_to_the_raw_file(no_data_folder):
    ds = datasets.load("concrete")
    raw_test = ds.unscale_x(ds.x_test)
    assert np.allclose(ds.scale_x(raw_test), ds.x_test)
    assert np.allclose(ds.scale_y(ds.unscale_y(ds.y_test)), ds.y_test)
    # concrete's target is compressive strength in MPa: positive, tens of MPa on average
    assert ds.unscale_y(ds.y_train).min() > 0 and 20 < ds.y_mean < 50


def test_bad_arguments_raise():
    with pytest.raises(ValueError, match="name"):
        datasets.load("mnist")
    with pytest.raises(FileNotFoundError, match="data_dir"):
        datasets.load("izmailov", "/nonexistent/folder")
    with pytest.raises(ValueError, match="n"):
        datasets.sinusoidal(n=2)


def test_builtin_sinusoidal_needs_no_files():
    ds = datasets.sinusoidal(n=150, seed=3)
    assert ds.x_train.shape == (120, 1) and ds.y_test.shape == (30,)
    again = datasets.sinusoidal(n=150, seed=3)
    assert np.array_equal(ds.x_train, again.x_train)
