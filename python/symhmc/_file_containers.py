"""The two containers of results files: netCDF (through xarray) and npz; writing a dict of arrays
plus JSON attributes, recognising a file by its first bytes, and reading it back."""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import numpy as np

_ATTRS_KEY = "__symhmc_attrs__"  # npz member holding the JSON attributes
_NETCDF_SUFFIXES = (".nc", ".nc4", ".netcdf", ".cdf", ".h5", ".hdf5")
_DIMS = {
    "draws": ("chain", "draw", "coordinate"),
    "step_size": ("chain",),
    "inv_mass": ("chain", "coordinate"),
    "n_grad_evals": ("chain",),
    "chain_ids": ("chain",),
    "train_x": ("train_point", "train_x_column"),
    "train_y": ("train_point", "train_y_column"),
}
_MAGIC = {
    b"\x89HDF\r\n\x1a\n": "netcdf",   # netCDF-4 / HDF5
    b"CDF\x01": "netcdf",             # netCDF-3 classic
    b"CDF\x02": "netcdf",             # netCDF-3 64-bit offset
    b"CDF\x05": "netcdf",             # netCDF-3 64-bit data
    b"PK\x03\x04": "npz",
    b"PK\x05\x06": "npz",             # empty zip
}


def _check_path(path, *, must_exist: bool) -> Path:
    if isinstance(path, bytes):
        path = os.fsdecode(path)
    if not isinstance(path, (str, os.PathLike)):
        raise TypeError(f"path must be a str or os.PathLike, got {type(path).__name__}")
    p = Path(path)
    if must_exist:
        if not p.exists():
            raise FileNotFoundError(f"path {str(p)!r} does not exist")
        if p.is_dir():
            raise IsADirectoryError(f"path {str(p)!r} is a directory, not a results file")
    return p


def _import_xarray():
    try:
        import xarray as xr  # noqa: PLC0415
    except ImportError:
        raise ImportError("netCDF results files need xarray and a netCDF engine (h5netcdf or netCDF4): "
                          "pip install 'symhmc[arviz]' -- or save to a path ending in '.npz', which needs "
                          "only NumPy") from None
    return xr


def _dims(name: str, shape: tuple[int, ...], sizes: dict[str, int]) -> tuple[str, ...]:
    dims = _DIMS.get(name, ("chain", "draw") if name.startswith("stat_") else ())
    if len(dims) != len(shape) or any(sizes.get(d, n) != n for d, n in zip(dims, shape)):
        dims = tuple(f"{name}_dim{i}" for i in range(len(shape)))
    for d, n in zip(dims, shape):
        sizes[d] = n
    return dims


def _write_netcdf(tmp: Path, arrays, attrs, engine=None) -> None:
    xr = _import_xarray()
    sizes: dict[str, int] = {}
    variables = {name: (_dims(name, a.shape, sizes), a) for name, a in arrays.items()}
    ds = xr.Dataset(variables, attrs=attrs)
    encoding = {name: {"_FillValue": None} for name in arrays}
    try:
        ds.to_netcdf(tmp, encoding=encoding, engine=engine)
    except ValueError as exc:
        if "engine" in str(exc).lower():
            raise ImportError(f"no netCDF engine is installed ({exc}): pip install h5netcdf (or "
                              "'symhmc[arviz]'), or save to a path ending in '.npz'") from None
        raise


def _write_npz(tmp: Path, arrays, attrs, engine=None) -> None:
    payload = dict(arrays)
    payload[_ATTRS_KEY] = np.frombuffer(json.dumps(attrs).encode("utf-8"), dtype=np.uint8)
    with open(tmp, "wb") as fh:
        np.savez(fh, **payload)


def _sniff(p: Path) -> str | None:
    with open(p, "rb") as fh:
        head = fh.read(8)
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


def _read_npz(p: Path, format_name: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    with np.load(p, allow_pickle=False) as z:
        names = list(z.files)
        if _ATTRS_KEY not in names:
            raise _Foreign(f"the archive has no {_ATTRS_KEY!r} entry (members: {names[:10]})")
        raw = z[_ATTRS_KEY]
        if raw.dtype != np.uint8 or raw.ndim != 1:
            raise _Foreign(f"{_ATTRS_KEY!r} is not a byte array")
        attrs = json.loads(raw.tobytes().decode("utf-8"))
        if not isinstance(attrs, dict) or attrs.get("symhmc_format") != format_name:
            raise _Foreign("the archive is not tagged as a symhmc results file")
        arrays = {name: z[name] for name in names if name != _ATTRS_KEY}
    return arrays, attrs


def _read_netcdf(p: Path, format_name: str) -> tuple[dict[str, np.ndarray], dict[str, Any]]:
    xr = _import_xarray()
    ds = xr.load_dataset(p, decode_cf=False, mask_and_scale=False, decode_times=False)
    try:
        attrs = dict(ds.attrs)
        if attrs.get("symhmc_format") != format_name:
            raise _Foreign("the file has no 'symhmc_format' attribute naming a symhmc results file")
        arrays = {name: np.asarray(var.values) for name, var in ds.data_vars.items()}
    finally:
        ds.close()
    return arrays, attrs


class _Foreign(Exception):
    """A readable file that is not a symhmc results file."""
