"""Results files: save / load round trips, fingerprints, and rejection of bad files."""

import sys

import numpy as np
import pytest
from conftest import toy_data

import symhmc
from symhmc.results import io as sio
from symhmc.results import SampleResults


def _netcdf_available() -> bool:
    try:
        import xarray  # noqa: F401
    except ImportError:
        return False
    import importlib.util

    return any(importlib.util.find_spec(engine) for engine in ("h5netcdf", "netCDF4"))


# netCDF needs the optional xarray and an engine ("symhmc[arviz]"); the README's test command
# installs only the "test" extra, so those cases skip there and run in the full-extras suite.
NEEDS_NETCDF = pytest.mark.skipif(
    not _netcdf_available(), reason="netCDF files need xarray and h5netcdf or netCDF4 (pip install 'symhmc[arviz]')"
)
FORMATS = [pytest.param("nc", marks=NEEDS_NETCDF), "npz"]


@pytest.fixture(scope="module")
def run(small_run):
    return small_run


def _decorated(r):
    """A copy of ``r`` with settings and convergence entries added by other code."""
    out = SampleResults(
        draws=r.draws,
        stats=dict(r.stats),
        step_size=r.step_size,
        inv_mass=r.inv_mass,
        n_grad_evals=r.n_grad_evals,
        wall_time=r.wall_time,
        settings=dict(r.settings),
        seed=r.seed,
        partial=r.partial,
        chain_ids=r.chain_ids,
        model=r.model,
        x=r.x,
        y=r.y,
    )
    out.settings["chains"] = "auto"
    out.settings["chains_rule"] = {"rule": "ppd_kl", "tol": 1e-3, "batch": (8, 16)}
    out.convergence = {
        "chains": [8, 16],
        "kl": np.array([0.25, 0.125, np.nan]),
        "converged": True,
        "threshold": float("inf"),
        (0.5, 1): "non-string key",
        "n": np.int64(3),
    }
    return out


def _assert_same(a, b):
    for name in ("draws", "step_size", "inv_mass", "n_grad_evals", "chain_ids", "x", "y"):
        va, vb = getattr(a, name), getattr(b, name)
        assert va.dtype == vb.dtype and va.shape == vb.shape, name
        assert va.tobytes() == vb.tobytes(), name
    assert list(a.stats) == list(b.stats)
    for k in a.stats:
        assert a.stats[k].dtype == b.stats[k].dtype and a.stats[k].tobytes() == b.stats[k].tobytes(), k
    assert a.settings == b.settings
    assert a.model == b.model
    assert a.seed == b.seed and type(b.seed) is int
    assert a.wall_time == b.wall_time and a.partial == b.partial


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_exact(run, tmp_path, fmt):
    r = _decorated(run)
    path = tmp_path / f"run.{fmt}"
    assert r.save(path) == path
    back = symhmc.load(path)
    _assert_same(r, back)
    assert back.settings["chains_rule"]["batch"] == (8, 16)
    conv = back.convergence
    assert conv["chains"] == [8, 16] and conv["converged"] is True and conv["threshold"] == float("inf")
    assert conv[(0.5, 1)] == "non-string key" and conv["n"] == 3
    assert conv["kl"].dtype == np.float64 and np.array_equal(conv["kl"], r.convergence["kl"], equal_nan=True)
    assert back.data_fingerprint == r.data_fingerprint == sio.data_fingerprint(*toy_data())
    xt, yt = toy_data(30, seed=3)
    assert back.lppd(xt, yt) == r.lppd(xt, yt)
    # the format is recognised from the content, not the name
    other = tmp_path / "renamed.bin"
    other.write_bytes(path.read_bytes())
    _assert_same(r, symhmc.load(str(other)))


@pytest.mark.parametrize("fmt", FORMATS)
def test_round_trip_fixed_noise_raw_target_partial_big_seed(tmp_path, fmt):
    x, y = toy_data()
    model = symhmc.MLP(hidden=(2, 2), activation="relu", noise_std=0.2, prior_scale=0.5)
    r = symhmc.sample(model, x, y, chains=3, warmup=20, draws=2, seed=2**100 + 7, progress=False)
    back = symhmc.load(r.save(tmp_path / f"fixed.{fmt}"))
    _assert_same(r, back)
    assert back.seed == 2**100 + 7 and back.model.noise_std == 0.2 and back.convergence is None
    # raw target (no model, no data), partial run with chain ids
    raw = SampleResults(
        draws=r.draws[[0, 2]],
        stats={k: v[[0, 2]] for k, v in r.stats.items()},
        step_size=r.step_size[[0, 2]],
        inv_mass=r.inv_mass[[0, 2]],
        n_grad_evals=r.n_grad_evals[[0, 2]],
        wall_time=0.5,
        settings={"sampler": "hmc"},
        seed=1,
        partial=True,
        chain_ids=np.array([0, 2]),
    )
    back = symhmc.load(raw.save(tmp_path / f"raw.{fmt}"))
    assert back.model is None and back.x is None and back.partial and list(back.chain_ids) == [0, 2]
    assert back.draws.tobytes() == raw.draws.tobytes() and back.settings == {"sampler": "hmc"}
    assert back.data_fingerprint is None


@pytest.mark.parametrize("fmt", FORMATS)
def test_data_not_stored_keeps_fingerprint(run, tmp_path, fmt):
    path = run.save(tmp_path / f"nodata.{fmt}", store_data=False)
    back = symhmc.load(path)
    assert back.x is None and back.y is None
    assert back.data_fingerprint == run.data_fingerprint
    x, y = toy_data()
    # a re-save of the data-less results keeps the fingerprint
    again = symhmc.load(back.save(tmp_path / f"again.{fmt}"))
    assert again.data_fingerprint == run.data_fingerprint
    # attach the data on load, checked against the fingerprint
    attached = symhmc.load(path, data=(x, y))
    np.testing.assert_array_equal(attached.x, run.x)
    np.testing.assert_array_equal(attached.y, run.y)
    with pytest.raises(ValueError, match="data"):
        symhmc.load(path, data=(x, y + 1e-12))
    # auto: small data are stored, data above max_data_bytes are not
    assert symhmc.load(run.save(tmp_path / f"auto.{fmt}")).x is not None
    assert symhmc.load(run.save(tmp_path / f"big.{fmt}", max_data_bytes=10)).x is None


def test_fingerprint_definition():
    import hashlib

    x, y = toy_data()
    expected = hashlib.sha256(x.astype(np.float64).tobytes() + y.astype(np.float64).tobytes()).hexdigest()
    assert sio.data_fingerprint(x, y) == expected
    assert sio.data_fingerprint(x[:, None], y[:, None]) == expected
    assert sio.data_fingerprint(x, y[::-1]) != expected


@pytest.mark.parametrize("fmt", FORMATS)
def test_truncated_file_rejected(run, tmp_path, fmt):
    path = run.save(tmp_path / f"run.{fmt}")
    data = path.read_bytes()
    for cut in (len(data) // 2, len(data) - 50, 12):
        bad = tmp_path / f"cut{cut}.{fmt}"
        bad.write_bytes(data[:cut])
        with pytest.raises(ValueError, match=f"cut{cut}"):
            symhmc.load(bad)


@NEEDS_NETCDF
def test_corrupted_arrays_rejected_by_checksum(run, tmp_path):
    path = run.save(tmp_path / "run.nc")
    data = bytearray(path.read_bytes())
    pos = bytes(data).find(run.draws.tobytes())
    assert pos > 0
    data[pos + 3] ^= 0xFF
    bad = tmp_path / "flipped.nc"
    bad.write_bytes(bytes(data))
    with pytest.raises(ValueError, match="checksum"):
        symhmc.load(bad)


def test_foreign_files_rejected(tmp_path):
    xr = pytest.importorskip("xarray")
    nc = tmp_path / "foreign.nc"
    xr.Dataset({"draws": (("a",), np.arange(3.0))}, attrs={"title": "not ours"}).to_netcdf(nc)
    with pytest.raises(ValueError, match="foreign.nc.*not a symhmc results file"):
        symhmc.load(nc)
    npz = tmp_path / "foreign.npz"
    np.savez(npz, draws=np.zeros((2, 1, 3)))
    with pytest.raises(ValueError, match="foreign.npz.*not a symhmc results file"):
        symhmc.load(npz)
    # an npz whose tag entry would need unpickling is refused, never unpickled
    obj = tmp_path / "objects.npz"
    np.savez(obj, __symhmc_attrs__=np.array([{"symhmc_format": sio.FORMAT_NAME}], dtype=object))
    with pytest.raises(ValueError, match="objects.npz.*pickled objects"):
        symhmc.load(obj)
    txt = tmp_path / "notes.txt"
    txt.write_text("hello")
    with pytest.raises(ValueError, match="notes.txt.*not a symhmc results file"):
        symhmc.load(txt)
    empty = tmp_path / "empty.nc"
    empty.write_bytes(b"")
    with pytest.raises(ValueError, match="empty.nc"):
        symhmc.load(empty)


@pytest.mark.parametrize("fmt", FORMATS)
def test_newer_format_version_rejected(run, tmp_path, fmt, monkeypatch):
    monkeypatch.setattr(sio, "FORMAT_VERSION", 99)
    path = run.save(tmp_path / f"v99.{fmt}")
    monkeypatch.undo()
    with pytest.raises(ValueError, match="version"):
        symhmc.load(path)


def test_bad_arguments(run, tmp_path):
    with pytest.raises(TypeError, match="path"):
        run.save(3.5)
    with pytest.raises(TypeError, match="path"):
        symhmc.load(None)
    with pytest.raises(FileNotFoundError, match="missing.nc"):
        symhmc.load(tmp_path / "missing.nc")
    with pytest.raises(IsADirectoryError, match="path"):
        symhmc.load(tmp_path)
    with pytest.raises(ValueError, match="format"):
        run.save(tmp_path / "x.nc", format="hdf")
    with pytest.raises(ValueError, match="store_data"):
        run.save(tmp_path / "x.nc", store_data="sometimes")
    with pytest.raises(FileNotFoundError, match="directory"):
        run.save(tmp_path / "no" / "such" / "dir.nc")
    with pytest.raises(TypeError, match="results"):
        sio.save("not results", tmp_path / "x.nc")
    r = _decorated(run)
    r.settings["callback"] = print
    with pytest.raises(TypeError, match=r"settings\['callback'\]"):
        r.save(tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()
    path = run.save(tmp_path / "ok.npz")
    with pytest.raises(TypeError, match="data"):
        symhmc.load(path, data=np.zeros(3))
    # a failed save leaves no temporary files behind
    assert sorted(p.name for p in tmp_path.iterdir()) == ["ok.npz"]


def test_netcdf_without_xarray_clear_error(run, tmp_path, monkeypatch):
    if _netcdf_available():
        path = run.save(tmp_path / "run.nc")
    else:  # a file recognised as netCDF-3 by its first bytes is enough to reach the xarray import
        path = tmp_path / "run.nc"
        path.write_bytes(b"CDF\x01" + bytes(64))
    monkeypatch.setitem(sys.modules, "xarray", None)  # import xarray now raises ImportError
    with pytest.raises(ImportError, match="npz"):
        run.save(tmp_path / "other.nc")
    with pytest.raises(ImportError, match="symhmc\\[arviz\\]"):
        symhmc.load(path)
    # npz works without xarray
    _assert_same(run, symhmc.load(run.save(tmp_path / "run.npz")))


def test_netcdf3_engine_round_trip_restores_dtypes(run, tmp_path):
    """netCDF-3 (scipy engine) has no 64-bit integers: they come back as int32 from xarray and
    are restored to the recorded dtype, bit-identical."""
    pytest.importorskip("xarray")
    r = _decorated(run)
    path = r.save(tmp_path / "run3.nc", engine="scipy")
    assert path.read_bytes()[:3] == b"CDF"
    back = symhmc.load(path)
    _assert_same(r, back)
    assert back.n_grad_evals.dtype == np.int64 and back.stats["diverging"].dtype == bool
    with pytest.raises(ValueError, match="engine"):
        r.save(tmp_path / "run.npz", engine="scipy")


def _netcdf4_available() -> bool:
    import importlib.util

    return _netcdf_available() and bool(importlib.util.find_spec("h5py"))


NEEDS_NETCDF4 = pytest.mark.skipif(
    not _netcdf4_available(), reason="netCDF-4 files need xarray, h5netcdf or netCDF4, and h5py"
)


def _h5_layout(path):
    """The root group's attribute names, its variables, and the variables of the symhmc group."""
    import h5py

    with h5py.File(path, "r") as f:

        def variables(group):
            return {k for k, v in group.items() if isinstance(v, h5py.Dataset) and "CLASS" not in v.attrs}

        own = variables(f["symhmc"]) if "symhmc" in f else None
        return set(f.attrs) - {"_NCProperties"}, variables(f), own


@NEEDS_NETCDF4
def test_netcdf4_keeps_symhmc_arrays_in_their_group(run, tmp_path):
    attrs, root, own = _h5_layout(run.save(tmp_path / "run.nc"))
    assert attrs == {"symhmc_format", "symhmc_format_version", "symhmc_version"} and root == set()
    assert {
        "draws",
        "step_size",
        "inv_mass",
        "n_grad_evals",
        "chain_ids",
        "train_x",
        "train_y",
        *(f"stat_{k}" for k in run.stats),
    } == own


@NEEDS_NETCDF4
def test_version_2_file_with_root_layout_still_loads(tmp_path):
    """tests/data/results_v2.nc was written by format version 2: symhmc's arrays and attributes
    in the root group, ArviZ groups with the dims of that time (W0_out, W0_in)."""
    from pathlib import Path

    old = Path(__file__).parent / "data" / "results_v2.nc"
    attrs, root, own = _h5_layout(old)
    assert "draws" in root and "meta" in attrs and own is None  # really the old layout
    r = symhmc.load(old)
    assert r.draws.shape == (2, 3, 8) and r.model == symhmc.MLP(hidden=(2,)) and r.seed == 11
    assert r.convergence[(1, 2)] == "key" and r.convergence["chains"] == (2, 4)
    assert r.data_fingerprint == sio.data_fingerprint(r.x, r.y)
    again = r.save(tmp_path / "again.nc")  # written in the current layout
    assert _h5_layout(again)[1] == set() and "draws" in _h5_layout(again)[2]
    _assert_same(r, symhmc.load(again))


@NEEDS_NETCDF4
def test_layout_must_match_the_format_version(run, tmp_path):
    """A version-3 file relabelled as version 2 (or the reverse) is refused, naming what is
    missing, instead of being read from the wrong place."""
    import shutil
    from pathlib import Path

    import h5py

    new = tmp_path / "new_as_v2.nc"
    shutil.copy(run.save(tmp_path / "run.nc"), new)
    with h5py.File(new, "r+") as f:
        f.attrs["symhmc_format_version"] = "2"
    with pytest.raises(ValueError, match="new_as_v2.nc.*attribute 'settings' is missing"):
        symhmc.load(new)
    old = tmp_path / "old_as_v3.nc"
    shutil.copy(Path(__file__).parent / "data" / "results_v2.nc", old)
    with h5py.File(old, "r+") as f:
        f.attrs["symhmc_format_version"] = "3"
    with pytest.raises(ValueError, match="old_as_v3.nc.*no group 'symhmc'"):
        symhmc.load(old)


def test_load_is_exported():
    assert symhmc.load is sio.load
    assert "load" in symhmc.__all__
