"""symhmc.load on files from elsewhere: bounded memory, checked metadata and arrays, regular
files only, no HDF5 links or external storage; save's permissions; masked and badly scaled data;
and property-based mutations of valid files (hypothesis)."""

import io
import json
import os
import re
import struct
import subprocess
import sys
import threading
import zipfile
import zlib
from pathlib import Path

import numpy as np
import pytest
from conftest import toy_data

import symhmc
from symhmc.results import io as sio
from symhmc.results._file_containers import PRIVATE_GROUP, _write_netcdf, split_attrs
from symhmc.results._tagged_json import _dumps
from symhmc.utils.validation import as_float_array

DATA = Path(__file__).parent / "data"
ATTRS = "__symhmc_attrs__"


def _netcdf_available() -> bool:
    import importlib.util

    return bool(importlib.util.find_spec("xarray")) and any(
        importlib.util.find_spec(engine) for engine in ("h5netcdf", "netCDF4")
    )


NEEDS_NETCDF = pytest.mark.skipif(
    not _netcdf_available(), reason="netCDF files need xarray and h5netcdf or netCDF4 (pip install 'symhmc[arviz]')"
)
FORMATS = [pytest.param("nc", marks=NEEDS_NETCDF), "npz"]


# ----------------------------------------------------------------------------------------------
# a small run and its files
# ----------------------------------------------------------------------------------------------
@pytest.fixture(scope="module")
def run():
    x, y = toy_data(10, seed=4)
    r = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=2, warmup=20, draws=3, seed=5, progress=False)
    r.settings["chains_rule"] = {"rule": "ppd_kl", "batch": (2, 4)}
    r.convergence = {"kl": np.array([0.25, np.nan]), (1, 2): "tuple key", "threshold": float("inf")}
    return r


@pytest.fixture(scope="module")
def files(run, tmp_path_factory):
    """The run saved as npz (and as netCDF-4 when an engine is installed)."""
    d = tmp_path_factory.mktemp("valid")
    out = {"npz": run.save(d / "run.npz")}
    if _netcdf_available():
        out["nc"] = run.save(d / "run.nc")
    return out


def _same(a, b) -> None:
    """``b`` holds exactly what ``a`` holds."""
    assert type(a) is type(b)
    for name in ("draws", "step_size", "inv_mass", "n_grad_evals", "chain_ids", "x", "y", *type(a)._extra_arrays):
        va, vb = getattr(a, name), getattr(b, name)
        assert (va is None) == (vb is None), name
        if va is not None:
            assert va.dtype == vb.dtype and va.shape == vb.shape and va.tobytes() == vb.tobytes(), name
    assert list(a.stats) == list(b.stats)
    for k in a.stats:
        assert a.stats[k].dtype == b.stats[k].dtype and a.stats[k].tobytes() == b.stats[k].tobytes(), k
    assert _dumps(a.settings, "a") == _dumps(b.settings, "b")
    assert _dumps(a.convergence, "a") == _dumps(b.convergence, "b")
    assert a.model == b.model and a.seed == b.seed
    assert a.wall_time == b.wall_time and a.partial == b.partial
    assert a.data_fingerprint == b.data_fingerprint


def _npz_parts(path):
    """Arrays and attributes of an npz results file (one of ours: np.load is safe on it)."""
    with np.load(path) as z:
        attrs = json.loads(z[ATTRS].tobytes())
        arrays = {k: z[k] for k in z.files if k != ATTRS}
    return arrays, attrs


def _nc_parts(path):
    """Arrays and attributes of a netCDF-4 results file: the tag from the root group, the rest
    from symhmc's group."""
    import xarray as xr

    with (
        xr.open_dataset(path, decode_cf=False, mask_and_scale=False) as root,
        xr.open_dataset(path, group=PRIVATE_GROUP, decode_cf=False, mask_and_scale=False) as ds,
    ):
        ds.load()
        return {k: np.asarray(v.values) for k, v in ds.data_vars.items()}, {**ds.attrs, **root.attrs}


def _reseal(arrays, attrs) -> dict:
    """``attrs`` with the checksum an attacker would recompute for the edited content."""
    attrs = dict(attrs)
    if all(isinstance(attrs.get(k), str) for k in sio._COVERED_ATTRS):
        attrs["checksum"] = sio._checksum(arrays, attrs)
    return attrs


def _write(path, arrays, attrs, *, reseal=True) -> Path:
    attrs = _reseal(arrays, attrs) if reseal else attrs
    path = Path(path)
    if path.suffix == ".npz":
        with open(path, "wb") as fh:
            np.savez(fh, **arrays, **{ATTRS: np.frombuffer(json.dumps(attrs).encode(), dtype=np.uint8)})
    else:
        _write_netcdf(path, arrays, attrs)
    return path


def _edit_meta(attrs, edit) -> dict:
    meta = json.loads(attrs["meta"])
    edit(meta)
    return {**attrs, "meta": json.dumps(meta)}


# ----------------------------------------------------------------------------------------------
# 1. bounded memory
# ----------------------------------------------------------------------------------------------
_BOMB_BYTES = 2 * 2**30  # 2 GiB of zeros, float64
_PROBE = """
import json, resource, sys, tracemalloc
import symhmc
for path in sys.argv[2:]:
    symhmc.load(sys.argv[1])  # a valid file first: every import and cache is in place
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    tracemalloc.start()
    try:
        symhmc.load(path)
        outcome = "loaded"
    except Exception as exc:
        outcome = f"{type(exc).__name__}: {exc}"
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) * 1024  # KiB on Linux
    print(json.dumps({"path": path, "outcome": outcome, "traced_peak": peak, "rss_growth": grown}))
"""


def _probe(valid: Path, crafted: list) -> dict:
    """Load every crafted file in a fresh interpreter; the outcome and the memory it took
    (tracemalloc peak, which NumPy reports its buffers to, and the growth of the peak RSS)."""
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(p for p in sys.path if p))
    out = subprocess.run(
        [sys.executable, "-c", _PROBE, str(valid), *map(str, crafted)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert out.returncode == 0, out.stderr[-2000:]
    return {Path(r["path"]).name: r for r in map(json.loads, out.stdout.splitlines())}


def _zip_entry(name: str, method: int, crc: int, size: int, csize: int, offset: int, central: bool) -> bytes:
    """A zip64 local (or central directory) header: sizes in the zip64 extra field."""
    extra = struct.pack("<HHQQ", 1, 16, size, csize) + (struct.pack("<Q", offset) if central else b"")
    extra = struct.pack("<HH", 1, len(extra) - 4) + extra[4:]
    fields = (45, 0, method, 0, 0x21, crc, 0xFFFFFFFF, 0xFFFFFFFF, len(name), len(extra))
    if central:
        head = struct.pack("<IH", 0x02014B50, 45) + struct.pack("<HHHHHIIIHH", *fields)
        head += struct.pack("<HHHII", 0, 0, 0, 0, 0xFFFFFFFF)
    else:
        head = struct.pack("<I", 0x04034B50) + struct.pack("<HHHHHIIIHH", *fields)
    return head + name.encode() + extra


def _write_zip(path: Path, members) -> None:
    """A zip archive of ``(name, method, crc, size, chunks)`` members, written by hand so that a
    2 GiB member of zeros can be stored already deflated (2 MB) without compressing 2 GiB."""
    central, offset = [], 0
    with open(path, "wb") as fh:
        for name, method, crc, size, chunks in members:
            data = b"".join(chunks)
            fh.write(_zip_entry(name, method, crc, size, len(data), 0, False))
            fh.write(data)
            central.append(_zip_entry(name, method, crc, size, len(data), offset, True))
            offset = fh.tell()
        cd = b"".join(central)
        fh.write(cd)
        fh.write(struct.pack("<IHHHHIIH", 0x06054B50, 0, 0, len(members), len(members), len(cd), offset, 0))


def _zero_npy_member(name: str, shape) -> tuple:
    """An npz member: an npy header for float64 ``shape`` and zeros, deflated in identical
    1 MiB blocks (a full flush resets the compressor, so one block's output serves for all)."""
    header = np.lib.format.header_data_from_array_1_0(np.zeros(0))
    header["shape"] = tuple(shape)
    buf = io.BytesIO()
    np.lib.format.write_array_header_1_0(buf, header)
    head = buf.getvalue()
    block = bytes(2**20)
    nbytes = int(np.prod(shape)) * 8
    assert nbytes % len(block) == 0
    comp = zlib.compressobj(9, zlib.DEFLATED, -15)
    first = comp.compress(head) + comp.flush(zlib.Z_FULL_FLUSH)
    zeros = comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH)
    assert comp.compress(block) + comp.flush(zlib.Z_FULL_FLUSH) == zeros
    crc = zlib.crc32(head)
    for _ in range(nbytes // len(block)):
        crc = zlib.crc32(block, crc)
    chunks = [first, *[zeros] * (nbytes // len(block)), comp.flush()]
    return name, zipfile.ZIP_DEFLATED, crc, len(head) + nbytes, chunks


def _stored_members(path: Path, replace=None) -> list:
    replace = replace or {}
    with zipfile.ZipFile(path) as z:
        out = []
        for info in z.infolist():
            data = replace.get(info.filename, z.read(info.filename))
            out.append((info.filename, zipfile.ZIP_STORED, zlib.crc32(data), len(data), [data]))
    return out


def _npy_bytes(a) -> bytes:
    buf = io.BytesIO()
    np.save(buf, a)
    return buf.getvalue()


@pytest.fixture(scope="module")
def npz_bombs(files, tmp_path_factory):
    d = tmp_path_factory.mktemp("npz_bombs")
    valid = files["npz"]
    bomb = _zero_npy_member("junk.npy", (_BOMB_BYTES // 8,))
    # 1. an unlisted 2 GiB member next to the listed ones
    _write_zip(d / "extra_member.npz", [*_stored_members(valid), bomb])
    # 2. the same zeros as draws, with metadata and stats headers announcing matching shapes
    #    (chain=2, draw=2**24, dim=8): every listed header agrees, only the byte total betrays it
    arrays, attrs = _npz_parts(valid)
    chains, dim = arrays["draws"].shape[0], arrays["draws"].shape[2]
    draws = _BOMB_BYTES // (8 * chains * dim)

    def grow(meta):
        for name, info in meta["arrays"].items():
            if name.startswith("stat_"):
                info["shape"] = [chains, draws]
        meta["arrays"]["draws"]["shape"] = [chains, draws, dim]

    attrs = _edit_meta(attrs, grow)
    meta = json.loads(attrs["meta"])
    replace = {f"{ATTRS}.npy": _npy_bytes(np.frombuffer(json.dumps(attrs).encode(), dtype=np.uint8))}
    for name, info in meta["arrays"].items():  # stats: an npy header with the big shape, no data
        if name.startswith("stat_"):
            replace[f"{name}.npy"] = _npy_bytes(np.zeros((0,), dtype=info["dtype"])).replace(
                b"(0,)", repr((chains, draws)).encode(), 1
            )
    members = [m for m in _stored_members(valid, replace) if m[0] != "draws.npy"]
    _write_zip(d / "listed_member.npz", [*members, _zero_npy_member("draws.npy", (chains, draws, dim))])
    return d / "extra_member.npz", d / "listed_member.npz"


def test_crafted_npz_bombs_are_refused_in_bounded_memory(files, npz_bombs):
    extra, listed = npz_bombs
    assert extra.stat().st_size < 4 * 2**20 and listed.stat().st_size < 4 * 2**20
    # the archive really holds 2 GiB: zipfile would expand it
    with zipfile.ZipFile(extra) as z:
        assert z.getinfo("junk.npy").file_size > _BOMB_BYTES
    report = _probe(files["npz"], [extra, listed])
    assert re.match(
        r"ValueError: .*extra_member.npz.*arrays its metadata does not list.*junk",
        report["extra_member.npz"]["outcome"],
    )
    assert re.match(r"ValueError: .*listed_member.npz.*more than the file", report["listed_member.npz"]["outcome"])
    for r in report.values():
        assert r["traced_peak"] < 100 * 2**20, r
        if sys.platform.startswith("linux"):
            assert r["rss_growth"] < 100 * 2**20, r


@NEEDS_NETCDF
def test_crafted_netcdf_bombs_are_refused_in_bounded_memory(files, tmp_path):
    netCDF4 = pytest.importorskip("netCDF4")
    pytest.importorskip("h5py")
    valid = tmp_path / "valid.nc"
    valid.write_bytes(files["nc"].read_bytes())
    extra = tmp_path / "extra_variable.nc"
    extra.write_bytes(valid.read_bytes())
    with netCDF4.Dataset(extra, "a") as ds:  # declared, never written: HDF5 allocates nothing
        ds.createDimension("big", _BOMB_BYTES // 8)
        ds.createVariable("junk", "f8", ("big",))
    # draws itself, 2 GiB and unwritten, with the metadata announcing it
    arrays, attrs = _nc_parts(valid)
    chains, dim = arrays["draws"].shape[0], arrays["draws"].shape[2]
    draws = _BOMB_BYTES // (8 * chains * dim)
    attrs = _edit_meta(attrs, lambda m: m["arrays"]["draws"].update(shape=[chains, draws, dim]))
    listed = tmp_path / "listed_variable.nc"
    with netCDF4.Dataset(listed, "w") as ds:
        root_attrs, own_attrs = split_attrs(attrs)
        ds.setncatts(root_attrs)
        own = ds.createGroup(PRIVATE_GROUP)
        own.setncatts(own_attrs)
        for size_name, size in (("chain", chains), ("big_draw", draws), ("coordinate", dim)):
            own.createDimension(size_name, size)
        own.createVariable("draws", "f8", ("chain", "big_draw", "coordinate"))
    assert extra.stat().st_size < 2**20 and listed.stat().st_size < 2**20
    report = _probe(valid, [extra, listed])
    for name, r in report.items():
        assert r["outcome"].startswith("ValueError: ") and name in r["outcome"], r
        assert "more than the file" in r["outcome"] or "does not list" in r["outcome"], r
        assert r["traced_peak"] < 100 * 2**20, r
        if sys.platform.startswith("linux"):
            assert r["rss_growth"] < 100 * 2**20, r


@pytest.mark.parametrize("fmt", FORMATS)
def test_unlisted_arrays_are_refused(files, tmp_path, fmt):
    arrays, attrs = (_npz_parts if fmt == "npz" else _nc_parts)(files[fmt])
    path = _write(tmp_path / f"extra.{fmt}", {**arrays, "notes": np.zeros(3)}, attrs)
    with pytest.raises(ValueError, match="extra.*does not list.*notes"):
        symhmc.load(path)


# ----------------------------------------------------------------------------------------------
# 2. validation of arrays and metadata, checksum of both
# ----------------------------------------------------------------------------------------------
def _chain_ids_float(a):
    return a.astype(np.float64)


ARRAY_ATTACKS = [
    ("draws", lambda a: a.astype(np.complex128)),
    ("draws", lambda a: a.astype("U8")),
    ("draws", lambda a: a > 0),
    ("draws", lambda a: np.zeros(a.shape, dtype="datetime64[s]")),
    ("draws", lambda a: a.astype(object)),
    ("draws", lambda a: a[..., :-1]),  # dim differs from the model's
    ("draws", lambda a: a[0]),  # not (chain, draw, dim)
    ("stat_lp", lambda a: a[:, :-1]),  # stats not (chain, draw)
    ("stat_lp", lambda a: a.astype(np.complex64)),
    ("step_size", lambda a: np.append(a, 1.0)),  # not (chain,)
    ("step_size", lambda a: a.astype(np.int64)),
    ("inv_mass", lambda a: a[:, :-1]),  # not (chain, dim)
    ("inv_mass", lambda a: a[None]),
    ("chain_ids", _chain_ids_float),  # not integer
    ("chain_ids", lambda a: a[:1]),  # not (chain,)
    ("n_grad_evals", lambda a: a.astype(np.float64)),
    ("train_x", lambda a: a[:-1]),  # rows differ from train_y
]


@pytest.mark.parametrize("record", [True, False], ids=["metadata-updated", "metadata-kept"])
@pytest.mark.parametrize("name, attack", ARRAY_ATTACKS)
def test_replaced_arrays_are_refused_naming_the_field(files, tmp_path, name, attack, record):
    """An attacker swaps an array, updates (or not) its dtype and shape in the metadata and
    recomputes the checksum: load still refuses it, naming the array."""
    arrays, attrs = _npz_parts(files["npz"])
    arrays[name] = attack(arrays[name])
    if record:
        attrs = _edit_meta(
            attrs, lambda m: m["arrays"][name].update(dtype=arrays[name].dtype.str, shape=list(arrays[name].shape))
        )
    path = _write(tmp_path / "attacked.npz", arrays, attrs)
    with pytest.raises(ValueError, match=re.escape(name)):
        symhmc.load(path)


@NEEDS_NETCDF
@pytest.mark.parametrize(
    "name, attack",
    [
        ("draws", lambda a: a[..., :-1]),
        ("stat_lp", lambda a: a[:, :-1]),
        ("chain_ids", _chain_ids_float),
        ("inv_mass", lambda a: a[:, :-1]),
    ],
)
def test_replaced_netcdf_variables_are_refused_naming_the_field(files, tmp_path, name, attack):
    arrays, attrs = _nc_parts(files["nc"])
    arrays[name] = attack(arrays[name])
    attrs = _edit_meta(
        attrs, lambda m: m["arrays"][name].update(dtype=arrays[name].dtype.str, shape=list(arrays[name].shape))
    )
    with pytest.raises(ValueError, match=re.escape(name)):
        symhmc.load(_write(tmp_path / "attacked.nc", arrays, attrs))


@pytest.mark.parametrize("fmt", FORMATS)
def test_checksum_covers_the_metadata(files, tmp_path, fmt):
    arrays, attrs = (_npz_parts if fmt == "npz" else _nc_parts)(files[fmt])
    relu = {**attrs, "model": attrs["model"].replace('"tanh"', '"relu"')}
    assert relu["model"] != attrs["model"]
    with pytest.raises(ValueError, match="checksum mismatch"):
        symhmc.load(_write(tmp_path / f"relu.{fmt}", arrays, relu, reseal=False))
    edits = [
        ("settings", lambda t: t.replace('"nuts"', '"hmc"')),
        ("convergence", lambda t: t.replace("tuple key", "tuple kex")),
        ("meta", lambda t: t.replace('"wall_time": ', '"wall_time": 1')),
    ]
    for key, edit in edits:
        changed = {**attrs, key: edit(attrs[key])}
        assert changed[key] != attrs[key], key
        with pytest.raises(ValueError, match="checksum mismatch"):
            symhmc.load(_write(tmp_path / f"{key}.{fmt}", arrays, changed, reseal=False))
    # the checksum is not a signature: a consistent edit with a recomputed checksum loads
    assert symhmc.load(_write(tmp_path / f"resealed.{fmt}", arrays, relu)).model.activation == "relu"
    # ... but not one that contradicts the arrays
    wider = {**attrs, "model": attrs["model"].replace('"hidden": [2]', '"hidden": [3]')}
    assert wider["model"] != attrs["model"]
    with pytest.raises(ValueError, match="draws.*dim"):
        symhmc.load(_write(tmp_path / f"wider.{fmt}", arrays, wider))


def _meta_edit(key, value):
    def edit(attrs):
        return _edit_meta(attrs, lambda m: m.__setitem__(key, value))

    return edit


def _meta_drop(key):
    def edit(attrs):
        return _edit_meta(attrs, lambda m: m.pop(key))

    return edit


def _attr(key, value):
    def edit(attrs):
        out = dict(attrs)
        if value is None:
            out.pop(key)
        else:
            out[key] = value
        return out

    return edit


DEEP = "[" * 100000 + "]" * 100000
METADATA_ATTACKS = [
    (_attr("settings", "{not json"), "settings"),
    (_attr("settings", "[1, 2]"), "settings"),
    (_attr("settings", DEEP), "settings"),
    (_attr("settings", '{"a": ' + "[" * 70 + "]" * 70 + "}"), "settings.*nested"),
    (_attr("model", '{"class": "MLP", "hidden": [2]}'), "model"),
    (_attr("model", '{"class": "os.system"}'), "model"),
    (_attr("model", DEEP), "model"),
    (
        _attr(
            "model",
            '{"class": "MLP", "hidden": 2, "activation": "tanh", "n_inputs": 1, "n_outputs": 1, '
            '"prior_scale": 1.0, "noise_std": null, "noise_prior_scale": 1.0}',
        ),
        "model.*hidden",
    ),
    (
        _attr(
            "model",
            '{"class": "MLP", "hidden": [2], "activation": "tanh", "n_inputs": true, "n_outputs": 1, '
            '"prior_scale": 1.0, "noise_std": null, "noise_prior_scale": 1.0}',
        ),
        "model.*n_inputs",
    ),
    (_attr("convergence", '{"__ndarray__": [1], "dtype": "|O", "shape": [1]}'), "convergence.*dtype"),
    (_attr("convergence", '{"__ndarray__": [1, 2], "dtype": "<f8", "shape": [3]}'), "convergence"),
    (_attr("convergence", '{"__dict__": [[{"a": 1}, 2]]}'), "convergence"),
    (_attr("convergence", '{"__dict__": [[1]]}'), "convergence"),
    (_attr("convergence", '{"__float__": 3}'), "convergence"),
    (_attr("convergence", '{"__tuple__": 3}'), "convergence"),
    (_attr("convergence", DEEP), "convergence"),
    (_attr("meta", "[]"), "meta"),
    (_attr("meta", DEEP), "meta"),
    (_attr("meta", 5), "meta"),
    (_attr("meta", None), "meta"),
    (_attr("symhmc_format_version", "4"), "version"),
    (_attr("symhmc_format_version", 2), "version"),
    (_attr("checksum", None), "checksum"),
    (_attr("checksum", "abc"), "checksum"),
    (_meta_drop("stat_keys"), "stat_keys"),
    (_meta_drop("arrays"), "arrays"),
    (_meta_drop("kind"), "kind"),
    (_meta_edit("stat_keys", "lp"), "stat_keys"),
    (_meta_edit("stat_keys", ["lp", "lp"]), "stat_keys"),
    (_meta_edit("stat_keys", ["lp", "missing"]), "stat_missing"),
    (_meta_edit("wall_time", "fast"), "wall_time"),
    (_meta_edit("wall_time", 1e999), "wall_time"),
    (_meta_edit("wall_time", 10**400), "wall_time"),
    (
        _attr(
            "model",
            '{"class": "MLP", "hidden": [2], "activation": "tanh", "n_inputs": 1, "n_outputs": 1, '
            '"prior_scale": 1' + "0" * 400 + ', "noise_std": null, "noise_prior_scale": 1.0}',
        ),
        "model",
    ),
    (_meta_edit("seed", 12), "seed"),
    (_meta_edit("seed", "1" * 5000), "seed"),
    (_meta_edit("partial", "yes"), "partial"),
    (_meta_edit("kind", "os.system"), "kind"),
    (_meta_edit("kind", ["SampleResults"]), "kind"),
    (_meta_edit("extra_arrays", ["losses"]), "extra_arrays"),
    (_meta_edit("extra_arrays", "losses"), "extra_arrays"),
    (_meta_edit("arrays", []), "arrays"),
    (_meta_edit("arrays", {"draws": {"dtype": "<f8"}}), "arrays.*draws"),
    (_meta_edit("data", {"stored": True}), "data"),
    (_meta_edit("data", {"stored": False, "fingerprint": "zz", "x_shape": None, "y_shape": None}), "fingerprint"),
    (_meta_edit("data", {"stored": "no", "fingerprint": None, "x_shape": None, "y_shape": None}), "stored"),
    (
        _meta_edit("data", {"stored": True, "fingerprint": "0" * 64, "x_shape": [10, 1], "y_shape": [10, 1]}),
        "fingerprint",
    ),
    (_meta_edit("data", {"stored": False, "fingerprint": None, "x_shape": None, "y_shape": None}), "stored"),
]


@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("attack, field", METADATA_ATTACKS)
def test_malformed_metadata_raises_value_error_naming_the_field(files, tmp_path, attack, field, fmt):
    """Each edit with the checksum recomputed (except when the checksum is the target)."""
    arrays, attrs = (_npz_parts if fmt == "npz" else _nc_parts)(files[fmt])
    try:
        path = _write(tmp_path / f"bad.{fmt}", arrays, attack(attrs), reseal=field != "checksum")
    except (TypeError, ValueError) as exc:  # netCDF attributes must be numbers or text
        pytest.skip(f"not writable as netCDF: {exc}")
    with pytest.raises(ValueError, match=field) as info:
        symhmc.load(path)
    assert path.name in str(info.value)


def test_extra_array_rules_cover_every_results_class():
    for kind in sio._RESULT_KINDS:
        assert set(sio._EXTRA_RULES[kind]) == set(sio._results_class(kind, "test")._extra_arrays), kind


# ----------------------------------------------------------------------------------------------
# version-1 files
# ----------------------------------------------------------------------------------------------
V1_FILES = [pytest.param("results_v1.nc", marks=NEEDS_NETCDF), "results_v1.npz"]


@pytest.mark.parametrize("name", V1_FILES)
def test_version_1_files_still_load(name, tmp_path):
    """tests/data/results_v1.* were written by format version 1 (checksum of the arrays only)."""
    r = symhmc.load(DATA / name)
    assert r.draws.shape == (2, 3, 8) and r.model == symhmc.MLP(hidden=(2,)) and r.seed == 11
    assert r.convergence[(1, 2)] == "key" and r.convergence["chains"] == (2, 4)
    assert r.data_fingerprint == sio.data_fingerprint(r.x, r.y)
    again = symhmc.load(r.save(tmp_path / "again.npz"))
    _same(r, again)
    assert int(_npz_parts(tmp_path / "again.npz")[1]["symhmc_format_version"]) == sio.FORMAT_VERSION == 3


def test_version_1_files_get_the_same_array_checks(tmp_path):
    arrays, attrs = _npz_parts(DATA / "results_v1.npz")
    assert attrs["symhmc_format_version"] == "1" and "checksum" not in attrs
    arrays["draws"] = arrays["draws"][..., :-1].copy()

    def reseal_v1(meta):
        meta["arrays"]["draws"]["shape"] = list(arrays["draws"].shape)
        meta["checksum"] = sio._checksum_v1(arrays)

    attrs = _edit_meta(attrs, reseal_v1)
    with pytest.raises(ValueError, match="draws.*dim"):
        symhmc.load(_write(tmp_path / "v1.npz", arrays, attrs, reseal=False))
    arrays, attrs = _npz_parts(DATA / "results_v1.npz")
    arrays["draws"] = arrays["draws"] + 1.0
    with pytest.raises(ValueError, match="checksum mismatch.*arrays"):
        symhmc.load(_write(tmp_path / "v1.npz", arrays, attrs, reseal=False))


# ----------------------------------------------------------------------------------------------
# 3. regular files only; no HDF5 links or external storage
# ----------------------------------------------------------------------------------------------
@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs FIFOs")
def test_fifo_is_refused_without_blocking(tmp_path):
    fifo = tmp_path / "results.npz"
    os.mkfifo(fifo)
    outcome = []

    def load():
        try:
            symhmc.load(fifo)
        except Exception as exc:  # noqa: BLE001 - the outcome is checked below
            outcome.append(exc)

    worker = threading.Thread(target=load, daemon=True)
    worker.start()
    worker.join(timeout=20)
    if worker.is_alive():  # blocked opening the FIFO: a writer releases it
        os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        worker.join(timeout=5)
        pytest.fail("symhmc.load blocked on a FIFO")
    assert isinstance(outcome[0], ValueError) and "not a regular file" in str(outcome[0])


@pytest.mark.skipif(not os.path.exists("/dev/zero"), reason="needs /dev/zero")
def test_devices_are_refused():
    for device in ("/dev/zero", "/dev/null"):
        with pytest.raises(ValueError, match="not a regular file"):
            symhmc.load(device)


@pytest.fixture
def h5_copy(files, tmp_path):
    pytest.importorskip("h5py")
    if "nc" not in files or files["nc"].read_bytes()[:4] != b"\x89HDF":
        pytest.skip("needs a netCDF-4 file")
    path = tmp_path / "copy.nc"
    path.write_bytes(files["nc"].read_bytes())
    assert symhmc.load(path) is not None
    return path


def test_hdf5_external_storage_is_refused(h5_copy, tmp_path):
    import h5py

    secret = tmp_path / "secret.bin"
    secret.write_bytes(np.arange(8.0).tobytes())
    with h5py.File(h5_copy, "a") as f:
        f.create_dataset("leak", shape=(8,), dtype="<f8", external=[(str(secret), 0, 64)])
    with pytest.raises(ValueError, match="copy.nc.*'/leak'.*external files"):
        symhmc.load(h5_copy)


def test_hdf5_external_storage_of_a_listed_variable_is_refused(h5_copy, tmp_path):
    """draws itself read from another file (here /dev/zero): refused before any netCDF library
    opens the file."""
    import h5py

    with h5py.File(h5_copy, "a") as f:
        own = f[PRIVATE_GROUP]
        shape = own["draws"].shape
        del own["draws"]
        own.create_dataset("draws", shape=shape, dtype="<f8", external=[("/dev/zero", 0, int(np.prod(shape)) * 8)])
    with pytest.raises(ValueError, match=f"'/{PRIVATE_GROUP}/draws'.*external files"):
        symhmc.load(h5_copy)


@pytest.mark.parametrize("link", ["external", "soft"])
def test_hdf5_links_are_refused(h5_copy, tmp_path, link):
    import h5py

    other = tmp_path / "other.h5"
    with h5py.File(other, "w") as f:
        f["data"] = np.zeros(3)
    with h5py.File(h5_copy, "a") as f:
        f["elsewhere"] = (
            h5py.ExternalLink(str(other), "/data") if link == "external" else h5py.SoftLink(f"/{PRIVATE_GROUP}/draws")
        )
    with pytest.raises(ValueError, match=f"'/elsewhere' is a {link.capitalize()}Link"):
        symhmc.load(h5_copy)


def test_netcdf4_without_h5py_is_refused_but_netcdf3_loads(run, files, tmp_path, monkeypatch):
    pytest.importorskip("xarray")
    if "nc" not in files or files["nc"].read_bytes()[:4] != b"\x89HDF":
        pytest.skip("needs a netCDF-4 file")
    nc3 = run.save(tmp_path / "run3.nc", engine="scipy")
    monkeypatch.setitem(sys.modules, "h5py", None)  # import h5py now raises ImportError
    with pytest.raises(ImportError, match="h5py"):
        symhmc.load(files["nc"])
    _same(run, symhmc.load(nc3))


# ----------------------------------------------------------------------------------------------
# 4. save honours the umask
# ----------------------------------------------------------------------------------------------
@pytest.mark.skipif(os.name != "posix", reason="POSIX permissions")
@pytest.mark.parametrize("fmt", FORMATS)
@pytest.mark.parametrize("mask", [0o022, 0o077, 0o002])
def test_save_honours_the_umask(run, tmp_path, fmt, mask):
    old = os.umask(mask)
    try:
        path = run.save(tmp_path / f"run.{fmt}")
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o666 & ~mask


# ----------------------------------------------------------------------------------------------
# 5. masked arrays are refused
# ----------------------------------------------------------------------------------------------
def _masked(a):
    a = np.asarray(a, dtype=float)
    return np.ma.masked_array(a, mask=np.zeros(a.shape, dtype=bool) | (a == a.flat[0]))


def test_masked_arrays_are_refused_naming_the_argument(run, files):
    x, y = toy_data(10, seed=4)
    model = symhmc.MLP(hidden=(2,))
    quick = dict(chains=2, warmup=5, draws=2, progress=False)
    calls = [
        ("x", lambda: symhmc.sample(model, _masked(x), y, **quick)),
        ("y", lambda: symhmc.sample(model, x, _masked(y), **quick)),
        ("init", lambda: symhmc.sample(model, x, y, init=_masked(np.zeros((2, model.dim))), **quick)),
        ("x", lambda: model.posterior(_masked(x), y)),
        ("y", lambda: model.posterior(x, _masked(y))),
        ("x", lambda: model.check_x(_masked(x))),
        ("y", lambda: model.check_y(_masked(y), len(y))),
        ("values", lambda: as_float_array(_masked(y), "values")),
        ("x", lambda: sio.data_fingerprint(_masked(x), y)),
        ("x", lambda: run.lppd(_masked(x), y)),
    ]
    for name, call in calls:
        with pytest.raises(TypeError, match=f"{name} is a masked array.*fill or drop the masked values"):
            call()
    # a mask with nothing masked is refused too: the type, not the mask, decides
    with pytest.raises(TypeError, match="masked"):
        model.check_x(np.ma.masked_array(x))


# ----------------------------------------------------------------------------------------------
# 6. badly scaled data
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("which", ["x", "y"])
def test_badly_scaled_data_warn(which):
    x, y = toy_data(10, seed=4)
    big = {"x": x * 1e7, "y": y} if which == "x" else {"x": x, "y": y * 1e7}
    model = symhmc.MLP(hidden=(2,))
    with pytest.warns(RuntimeWarning, match=f"{which} has values up to .* badly scaled.*standardize") as record:
        symhmc.sample(model, big["x"], big["y"], chains=2, warmup=5, draws=2, progress=False)
    assert any(Path(w.filename) == Path(__file__) for w in record)  # points at the caller
    with pytest.warns(RuntimeWarning, match="badly scaled") as record:
        model.posterior(big["x"], big["y"])
    assert Path(record[0].filename) == Path(__file__)


def test_standardized_data_do_not_warn():
    import warnings

    x, y = toy_data(10, seed=4)
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        symhmc.MLP(hidden=(2,)).posterior(x * 1e5, y)


# ----------------------------------------------------------------------------------------------
# 7. property-based mutations (hypothesis)
# ----------------------------------------------------------------------------------------------
def _load_or_value_error(path):
    """The loaded results, or None when load raised ValueError; anything else fails the test."""
    try:
        return symhmc.load(path)
    except ValueError:
        return None


def _hypothesis():
    hyp = pytest.importorskip("hypothesis")
    return hyp, hyp.strategies


def _settings(hyp, n):
    return hyp.settings(max_examples=n, deadline=None, database=None, suppress_health_check=list(hyp.HealthCheck))


@pytest.mark.parametrize("fmt", FORMATS)
def test_property_byte_flips_and_truncation(files, tmp_path, fmt):
    """Random byte flips and truncations: ValueError, or (when the flipped bytes are not read,
    e.g. padding) exactly the original results."""
    hyp, st = _hypothesis()
    original = symhmc.load(files[fmt])
    data = files[fmt].read_bytes()
    path = tmp_path / f"mutated.{fmt}"
    flips = st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(1, 255)), min_size=1, max_size=6)

    @_settings(hyp, 60 if fmt == "npz" else 40)
    @hyp.given(flips=flips, cut=st.one_of(st.none(), st.integers(0, len(data) - 1)))
    def check(flips, cut):
        mutated = bytearray(data)
        for pos, xor in flips:
            mutated[pos] ^= xor
        path.write_bytes(bytes(mutated[:cut] if cut is not None else mutated))
        loaded = _load_or_value_error(path)
        if loaded is not None:
            _same(original, loaded)

    check()


def _json_strategy(st):
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(-(2**70), 2**70),
        st.floats(allow_nan=False),
        st.text(max_size=8),
        st.sampled_from(
            ["<f8", "|b1", "<i8", "|O", "SampleResults", "LaplaceResults", "0" * 64, "-3", 10**400, -1e308]
        ),
    )
    return st.recursive(
        scalars,
        lambda inner: st.one_of(st.lists(inner, max_size=4), st.dictionaries(st.text(max_size=6), inner, max_size=4)),
        max_leaves=12,
    )


def _paths(obj, prefix=()):
    """Every (path, value) in a JSON document, containers included."""
    yield prefix, obj
    if isinstance(obj, dict):
        for k, v in obj.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(obj, list):
        for i, v in enumerate(obj):
            yield from _paths(v, (*prefix, i))


def _replace(obj, path, value):
    if not path:
        return value
    obj[path[0]] = _replace(obj[path[0]], path[1:], value)
    return obj


@pytest.mark.parametrize("fmt", FORMATS)
def test_property_metadata_edits(files, tmp_path, fmt):
    """Any JSON value anywhere in settings, model, convergence or meta. Without a recomputed
    checksum: ValueError, or the original (an edit to an equal value). With one: ValueError, or
    results that save and load back equal (load accepts nothing that save cannot write)."""
    hyp, st = _hypothesis()
    arrays, attrs = (_npz_parts if fmt == "npz" else _nc_parts)(files[fmt])
    original = symhmc.load(files[fmt])
    docs = {key: json.loads(attrs[key]) for key in sio._COVERED_ATTRS}
    targets = [(key, path) for key, doc in docs.items() for path, _ in _paths(doc)]
    path = tmp_path / f"edited.{fmt}"

    @_settings(hyp, 60 if fmt == "npz" else 30)
    @hyp.given(target=st.sampled_from(targets), value=_json_strategy(st), reseal=st.booleans(), delete=st.booleans())
    def check(target, value, reseal, delete):
        key, where = target
        doc = json.loads(attrs[key])
        if delete and where:
            parent = doc
            for step in where[:-1]:
                parent = parent[step]
            del parent[where[-1]]
        else:
            doc = _replace(doc, where, value)
        _write(path, arrays, {**attrs, key: json.dumps(doc)}, reseal=reseal)
        loaded = _load_or_value_error(path)
        if loaded is None:
            return
        if not reseal:
            _same(original, loaded)
        else:
            _same(loaded, symhmc.load(loaded.save(tmp_path / f"again.{fmt}")))

    check()


_DTYPES = [
    "<f8",
    "<f4",
    "<f2",
    ">f8",
    "<i8",
    "<i4",
    "|i1",
    "<u8",
    "|b1",
    "<c16",
    "<U3",
    "|S2",
    "<M8[s]",
    "<m8[s]",
    "|O",
    "|V8",
]


def test_property_array_replacements(files, tmp_path):
    """Any listed array replaced by one of another dtype and shape, recorded (or not) in the
    metadata, checksum recomputed: ValueError, or results that save and load back equal."""
    hyp, st = _hypothesis()
    arrays, attrs = _npz_parts(files["npz"])
    path = tmp_path / "replaced.npz"
    shapes = st.lists(st.integers(0, 4), max_size=4).map(tuple)

    @_settings(hyp, 80)
    @hyp.given(name=st.sampled_from(sorted(arrays)), dtype=st.sampled_from(_DTYPES), shape=shapes, record=st.booleans())
    def check(name, dtype, shape, record):
        new = np.zeros(shape, dtype=dtype) if dtype != "|O" else np.full(shape, None, dtype=object)
        edited = {**arrays, name: new}
        edited_attrs = attrs
        if record:
            edited_attrs = _edit_meta(attrs, lambda m: m["arrays"][name].update(dtype=new.dtype.str, shape=list(shape)))
        _write(path, edited, edited_attrs)
        loaded = _load_or_value_error(path)
        if loaded is not None:
            _same(loaded, symhmc.load(loaded.save(tmp_path / "again.npz")))

    check()
