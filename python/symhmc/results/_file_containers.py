"""The two containers of results files: netCDF (through xarray) and npz; writing a dict of arrays
plus JSON attributes, recognising a file by its first bytes, and reading it back.

Reading is split so that nothing large is read before the caller has checked it: a container
gives its attributes, the names of its arrays and each array's dtype and shape (from headers
only), and reads an array when asked. Files come from anywhere, so opening refuses anything but a
regular file, and an HDF5 file is inspected with h5py (links, storage, declared sizes) before a
netCDF library opens it."""

from __future__ import annotations

import contextlib
import functools
import io
import json
import os
import stat
import zipfile
from pathlib import Path
from typing import Any, Iterator

import numpy as np

_ATTRS_KEY = "__symhmc_attrs__"  # npz member holding the JSON attributes
_NETCDF_SUFFIXES = (".nc", ".nc4", ".netcdf", ".cdf", ".h5", ".hdf5")
# The netCDF-4 group holding symhmc's own arrays and attributes, next to the ArviZ groups; the
# root keeps only the attributes that tag the file, so ArviZ 1.x's DataTree root stays empty.
# netCDF-3 has no groups: there everything sits in the root, as in files before version 3.
PRIVATE_GROUP = "symhmc"
TAG_ATTRS = ("symhmc_format", "symhmc_format_version", "symhmc_version")
# Dimension names of symhmc's own arrays carry a prefix: their chains are the sampler's, not
# ArviZ's (which may be pooled), and ArviZ 0.x applies idata.sel(chain=...) to every group that
# has a "chain" dimension, the symhmc group included.
_PRIVATE_DIM_PREFIX = "symhmc_"
_DIMS = {
    "draws": ("chain", "draw", "coordinate"),
    "step_size": ("chain",),
    "inv_mass": ("chain", "coordinate"),
    "n_grad_evals": ("chain",),
    "chain_ids": ("chain",),
    "train_x": ("train_point", "train_x_column"),
    "train_y": ("train_point", "train_y_column"),
}
_HDF5_MAGIC = b"\x89HDF\r\n\x1a\n"
_MAGIC = {
    _HDF5_MAGIC: "netcdf",  # netCDF-4 / HDF5
    b"CDF\x01": "netcdf",  # netCDF-3 classic
    b"CDF\x02": "netcdf",  # netCDF-3 64-bit offset
    b"CDF\x05": "netcdf",  # netCDF-3 64-bit data
    b"PK\x03\x04": "npz",
    b"PK\x05\x06": "npz",  # empty zip
}

# An npy header holds a short dict literal; numpy itself refuses more than 10 000 characters.
_MAX_NPY_HEADER = 65536
# More HDF5 objects than a results file holds (about 30) by far; a bound keeps a crafted file
# with millions of groups from taking minutes to inspect.
_MAX_HDF5_OBJECTS = 10000
# The HDF5 filters xarray and netCDF write (deflate, shuffle, fletcher32); any other filter
# would make HDF5 look for a plugin library.
_HDF5_FILTERS = {1, 2, 3}


class _BadFile(ValueError):
    """A file that is not a readable symhmc results file; the message names the path."""


def _cannot_read(where: str, kind: str, exc: Exception) -> _BadFile:
    return _BadFile(f"{where}: cannot read the {kind} file (truncated or corrupted?): {type(exc).__name__}: {exc}")


def _guarded(method):
    """Turn whatever a container library raises on a damaged file (zipfile, h5py, netCDF4 and
    numpy raise many types) into ``_BadFile`` naming the path."""

    @functools.wraps(method)
    def wrapper(self, *args):
        try:
            return method(self, *args)
        except (_BadFile, ImportError):
            raise
        except Exception as exc:  # noqa: BLE001
            raise _cannot_read(self.where, self.kind, exc) from None

    return wrapper


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
        raise ImportError(
            "netCDF results files need xarray and a netCDF engine (h5netcdf or netCDF4): "
            "pip install 'symhmc[arviz]' -- or save to a path ending in '.npz', which needs "
            "only NumPy"
        ) from None
    return xr


# ----------------------------------------------------------------------------------------------
# writing
# ----------------------------------------------------------------------------------------------
def _dims(name: str, shape: tuple[int, ...], sizes: dict[str, int]) -> tuple[str, ...]:
    dims = _DIMS.get(name, ("chain", "draw") if name.startswith("stat_") else ())
    if len(dims) != len(shape) or any(sizes.get(d, n) != n for d, n in zip(dims, shape)):
        dims = tuple(f"{name}_dim{i}" for i in range(len(shape)))
    for d, n in zip(dims, shape):
        sizes[d] = n
    return tuple(_PRIVATE_DIM_PREFIX + d for d in dims)


def netcdf_groups_supported(engine=None) -> bool:
    """Whether netCDF files written with ``engine`` can hold groups: netCDF-4 (netCDF4 or
    h5netcdf), not netCDF-3 (``"scipy"``)."""
    import importlib.util  # noqa: PLC0415

    if engine is not None:
        return engine in ("netcdf4", "h5netcdf")
    return any(importlib.util.find_spec(m) is not None for m in ("netCDF4", "h5netcdf"))


def split_attrs(attrs: dict) -> tuple[dict, dict]:
    """``attrs`` split into the root's (the tag, :data:`TAG_ATTRS`) and the private group's."""
    return ({k: v for k, v in attrs.items() if k in TAG_ATTRS}, {k: v for k, v in attrs.items() if k not in TAG_ATTRS})


def _write_netcdf(tmp: Path, arrays, attrs, engine=None, groups=None) -> None:
    """netCDF-4: the tag attributes in the root group, symhmc's arrays and other attributes in
    the group :data:`PRIVATE_GROUP`, and each of ``groups`` (name -> ``xarray.Dataset``, the
    ArviZ groups) as a group of that name. netCDF-3 (no groups): everything in the root."""
    xr = _import_xarray()
    sizes: dict[str, int] = {}
    variables = {name: (_dims(name, a.shape, sizes), a) for name, a in arrays.items()}
    encoding = {name: {"_FillValue": None} for name in arrays}
    if netcdf_groups_supported(engine):
        root_attrs, own_attrs = split_attrs(attrs)
        nodes = {"/": xr.Dataset(attrs=root_attrs), f"/{PRIVATE_GROUP}": xr.Dataset(variables, attrs=own_attrs)}
        encodings = {f"/{PRIVATE_GROUP}": encoding}
        for name, group in (groups or {}).items():
            nodes[f"/{name}"] = group
            encodings[f"/{name}"] = {v: {"_FillValue": None} for v in group.variables}
    else:
        nodes, encodings = {"/": xr.Dataset(variables, attrs=attrs)}, {"/": encoding}
    try:
        if len(nodes) > 1 and hasattr(xr, "DataTree"):  # one pass over the file (xarray 2024.10 and later)
            xr.DataTree.from_dict(nodes).to_netcdf(tmp, engine=engine, encoding=encodings)
            return
        nodes["/"].to_netcdf(tmp, encoding=encodings.get("/"), engine=engine)
    except ValueError as exc:
        if "engine" in str(exc).lower():
            raise ImportError(
                f"no netCDF engine is installed ({exc}): pip install h5netcdf (or "
                "'symhmc[arviz]'), or save to a path ending in '.npz'"
            ) from None
        raise
    for path, node in nodes.items():
        if path != "/":
            node.to_netcdf(tmp, mode="a", group=path[1:], engine=engine, encoding=encodings[path])


def _write_npz(tmp: Path, arrays, attrs, engine=None) -> None:
    payload = dict(arrays)
    payload[_ATTRS_KEY] = np.frombuffer(json.dumps(attrs).encode("utf-8"), dtype=np.uint8)
    with open(tmp, "wb") as fh:
        np.savez(fh, **payload)


# ----------------------------------------------------------------------------------------------
# opening
# ----------------------------------------------------------------------------------------------
def _open_regular(p: Path, where: str):
    """``p`` opened for reading, and its size; anything but a regular file is refused before it
    is opened (opening a FIFO would block until a writer appears, a device may never end)."""
    if not stat.S_ISREG(os.stat(p).st_mode):
        raise _BadFile(f"{where} is not a regular file (a FIFO, device or socket is never a results file)")
    # O_NONBLOCK: should the path have been replaced by a FIFO since the check, open() returns
    # at once and the fstat below refuses it.
    fd = os.open(p, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0))
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise _BadFile(f"{where} is not a regular file (a FIFO, device or socket is never a results file)")
        return os.fdopen(fd, "rb"), st.st_size
    except BaseException:
        os.close(fd)
        raise


def _sniff_head(head: bytes) -> str | None:
    for magic, kind in _MAGIC.items():
        if head.startswith(magic):
            return kind
    return None


@contextlib.contextmanager
def _open_container(p: Path, format_name: str, where: str) -> Iterator["_NpzArchive | _NetcdfFile"]:
    """The npz archive or netCDF file at ``p``, checked to be a regular file tagged
    ``format_name``; raises ``_BadFile`` for a file of another kind."""
    fh, size = _open_regular(p, where)
    with fh:
        head = fh.read(8)
        kind = _sniff_head(head)
        if kind is None:
            raise _BadFile(f"{where} is not a symhmc results file: not netCDF and not npz (unrecognised header)")
        hdf5 = head == _HDF5_MAGIC
        fh.seek(0)
        try:
            box: _NpzArchive | _NetcdfFile = (
                _NpzArchive(fh, size, where) if kind == "npz" else _NetcdfFile(p, size, hdf5, where)
            )
        except (_BadFile, ImportError):
            raise
        except Exception as exc:  # noqa: BLE001
            raise _cannot_read(where, kind, exc) from None
        try:
            tag = box.attrs.get("symhmc_format")
            if not (isinstance(tag, str) and tag == format_name):
                raise _BadFile(
                    f"{where} is not a symhmc results file: it is not tagged as one "
                    "(no 'symhmc_format' attribute naming a symhmc results file)"
                )
            yield box
        finally:
            box.close()


# ----------------------------------------------------------------------------------------------
# npz
# ----------------------------------------------------------------------------------------------
def _read_exact(fh, n: int, what: str) -> bytearray:
    out = bytearray(n)
    view = memoryview(out)
    got = 0
    while got < n:
        k = fh.readinto(view[got:])
        if not k:
            raise _BadFile(f"{what} ends early (truncated file?)")
        got += k
    return out


def _npy_header(fh, what: str) -> tuple[np.dtype, tuple[int, ...], bool, int]:
    """dtype, shape, Fortran order and header length of the ``.npy`` stream ``fh``, reading the
    header only (at most :data:`_MAX_NPY_HEADER` bytes)."""
    prefix = fh.read(10)
    if len(prefix) < 10 or not prefix.startswith(b"\x93NUMPY"):
        raise _BadFile(f"{what} is not a NumPy array (no .npy header)")
    version = (prefix[6], prefix[7])
    if version == (1, 0):
        length, prefix_len = int.from_bytes(prefix[8:10], "little"), 10
    elif version == (2, 0):
        prefix += fh.read(2)
        length, prefix_len = int.from_bytes(prefix[8:12], "little"), 12
    else:
        raise _BadFile(f"{what} has an unsupported .npy format version {version}")
    if length > _MAX_NPY_HEADER:
        raise _BadFile(f"{what} has a .npy header of {length} bytes (at most {_MAX_NPY_HEADER})")
    buf = io.BytesIO(prefix + _read_exact(fh, length, what))
    np.lib.format.read_magic(buf)
    reader = np.lib.format.read_array_header_1_0 if version == (1, 0) else np.lib.format.read_array_header_2_0
    try:
        shape, fortran, dtype = reader(buf)
    except (ValueError, TypeError, SyntaxError) as exc:
        raise _BadFile(f"{what} has a malformed .npy header ({exc})") from None
    return dtype, tuple(shape), bool(fortran), prefix_len + length


class _NpzArchive:
    """An npz file opened with :mod:`zipfile`; members are read one at a time, header first."""

    def __init__(self, fh, size: int, where: str):
        self.size, self.where, self.kind = size, where, "npz"
        self._zip = zipfile.ZipFile(fh)
        self._members: dict[str, zipfile.ZipInfo] = {}
        for info in self._zip.infolist():
            name = info.filename[:-4] if info.filename.endswith(".npy") else info.filename
            if name in self._members:
                raise _BadFile(f"{where}: the archive holds member {info.filename!r} twice")
            self._members[name] = info
        self.attrs = self._read_attrs()

    def close(self) -> None:
        self._zip.close()

    def names(self) -> set[str]:
        return set(self._members) - {_ATTRS_KEY}

    def _what(self, name: str) -> str:
        return f"{self.where}: array {name!r}"

    def _refuse_objects(self, name: str, dtype: np.dtype) -> None:
        if dtype.hasobject:
            raise _BadFile(
                f"{self.where} is not a symhmc results file: member {name!r} holds pickled objects, "
                "which symhmc never loads"
            )

    @_guarded
    def header(self, name: str) -> tuple[np.dtype, tuple[int, ...]]:
        with self._zip.open(self._members[name]) as fh:
            dtype, shape, _, _ = _npy_header(fh, self._what(name))
        self._refuse_objects(name, dtype)
        return dtype, shape

    @_guarded
    def read(self, name: str) -> np.ndarray:
        """The array ``name``; the caller has checked its header against the metadata, so the
        bytes read are what the header announces, and exactly what the member holds."""
        info = self._members[name]
        what = self._what(name)
        with self._zip.open(info) as fh:
            dtype, shape, fortran, header_len = _npy_header(fh, what)
            self._refuse_objects(name, dtype)
            count = int(np.prod(shape, dtype=object))
            if info.file_size != header_len + count * dtype.itemsize:
                raise _BadFile(
                    f"{what}: the archive member holds {info.file_size - header_len} data bytes, "
                    f"its header announces {count * dtype.itemsize} (corrupt file?)"
                )
            flat = np.frombuffer(_read_exact(fh, count * dtype.itemsize, what), dtype=dtype)
        return flat.reshape(shape[::-1]).T if fortran else flat.reshape(shape)

    def _read_attrs(self) -> dict[str, Any]:
        if _ATTRS_KEY not in self._members:
            names = sorted(self._members)[:10]
            raise _BadFile(
                f"{self.where} is not a symhmc results file: the archive has no {_ATTRS_KEY!r} entry (members: {names})"
            )
        dtype, shape = self.header(_ATTRS_KEY)
        if dtype != np.uint8 or len(shape) != 1:
            raise _BadFile(f"{self.where} is not a symhmc results file: {_ATTRS_KEY!r} is not a byte array")
        if shape[0] > self.size:  # a compressed member could announce far more than the file holds
            raise _BadFile(f"{self.where}: {_ATTRS_KEY!r} announces {shape[0]} bytes, more than the file's {self.size}")
        raw = self.read(_ATTRS_KEY)
        try:
            attrs = json.loads(raw.tobytes().decode("utf-8"))
        except (ValueError, RecursionError):
            attrs = None
        if not isinstance(attrs, dict):
            raise _BadFile(f"{self.where} is not a symhmc results file: {_ATTRS_KEY!r} is not a JSON object")
        return attrs


# ----------------------------------------------------------------------------------------------
# netCDF
# ----------------------------------------------------------------------------------------------
def _import_h5py():
    try:
        import h5py  # noqa: PLC0415
    except ImportError:
        raise ImportError(
            "netCDF-4 results files are inspected with h5py before they are opened (to refuse "
            "links to other files and external storage): pip install h5py (or "
            "'symhmc[arviz]'), or save to a path ending in '.npz'"
        ) from None
    return h5py


def _check_hdf5_dataset(dset, path: str, size: int, where: str) -> None:
    """Refuse a dataset whose values live outside the file or may expand beyond it."""
    if dset.is_virtual:
        raise _BadFile(f"{where}: HDF5 dataset {path!r} is a virtual dataset (its values live in other files)")
    if dset.external:
        raise _BadFile(
            f"{where}: HDF5 dataset {path!r} keeps its values in external files {[e[0] for e in dset.external][:3]}"
        )
    plist = dset.id.get_create_plist()
    for i in range(plist.get_nfilters()):
        code = plist.get_filter(i)[0]
        if code not in _HDF5_FILTERS:
            raise _BadFile(
                f"{where}: HDF5 dataset {path!r} uses filter {code} (only deflate, shuffle and fletcher32 are read)"
            )
    nbytes = (dset.size or 0) * dset.dtype.itemsize
    if nbytes > size:
        raise _BadFile(f"{where}: HDF5 dataset {path!r} declares {nbytes} bytes, more than the file's {size}")


def _check_hdf5(p: Path, size: int, where: str) -> list[str]:
    """Walk every link of the HDF5 file ``p`` with h5py, without following any: refuse soft and
    external links, external or virtual storage, unknown filters, and datasets declaring more
    bytes than the file holds. Run before a netCDF library opens the file, which would follow
    links and read external storage. Returns the paths of the file's groups."""
    h5py = _import_h5py()
    groups: list[str] = []
    with h5py.File(p, "r") as f:
        stack: list[tuple[Any, str]] = [(f, "")]
        seen = {f.id}
        while stack:
            group, prefix = stack.pop()
            for name in group:
                path = f"{prefix}/{name}"
                link = group.get(name, getlink=True)
                if not isinstance(link, h5py.HardLink):
                    raise _BadFile(
                        f"{where}: HDF5 link {path!r} is a {type(link).__name__} (only plain "
                        "objects are read; links could point to other files)"
                    )
                obj = group[name]
                if obj.id in seen:
                    continue
                seen.add(obj.id)
                if len(seen) > _MAX_HDF5_OBJECTS:
                    raise _BadFile(f"{where}: more than {_MAX_HDF5_OBJECTS} HDF5 objects")
                if isinstance(obj, h5py.Group):
                    stack.append((obj, path))
                    groups.append(path)
                elif isinstance(obj, h5py.Dataset):
                    _check_hdf5_dataset(obj, path, size, where)
    return groups


def _lazy_open_options(xr) -> dict[str, Any]:
    """``open_dataset`` keywords that read no values: no decoding, no cache, and (xarray 2025.07
    and later) no index built from a variable named like its dimension, which loads it."""
    import inspect  # noqa: PLC0415

    options: dict[str, Any] = {"decode_cf": False, "mask_and_scale": False, "decode_times": False, "cache": False}
    if "create_default_indexes" in inspect.signature(xr.open_dataset).parameters:
        options["create_default_indexes"] = False
    return options


class _NetcdfFile:
    """A netCDF file opened lazily with xarray: headers come from the file's metadata, values are
    read only by :meth:`read`."""

    def __init__(self, p: Path, size: int, hdf5: bool, where: str):
        self.size, self.where, self.kind, self.hdf5 = size, where, "netcdf", hdf5
        self._xr = _import_xarray()
        self._path = p
        # netCDF-3 files have no groups. ``groups``: every group but the one holding symhmc's
        # arrays, once use_group has picked it (the ArviZ groups, checked by _file_groups).
        self._all_groups = set(_check_hdf5(p, size, where)) if hdf5 else set()
        self.groups = set(self._all_groups)
        self._groups: dict | None = None
        self._root = self._ds = self._xr.open_dataset(p, **_lazy_open_options(self._xr))
        self.attrs = dict(self._ds.attrs)

    def close(self) -> None:
        self._root.close()
        for ds in (self._groups or {}).values():
            ds.close()

    @_guarded
    def use_group(self, name: str) -> None:
        """Read symhmc's arrays and attributes from the group ``name`` instead of the root; the
        root's variables, which such a file does not have, are then named ``/<name>`` by
        :meth:`names` so that the caller refuses them as unlisted. The tag attributes are the
        root's."""
        path = f"/{name}"
        if path not in self._all_groups:
            raise _BadFile(
                f"{self.where}: the file has no group {name!r} holding symhmc's arrays (truncated or modified file?)"
            )
        self._ds = self._group(path)
        self.groups.discard(path)
        tag = {k: v for k, v in self._root.attrs.items() if k in TAG_ATTRS}
        self.attrs = {**{k: v for k, v in self._ds.attrs.items() if k not in TAG_ATTRS}, **tag}

    def _group(self, group: str):
        """The netCDF group ``group`` (a path such as ``"/posterior"``) opened lazily; all groups
        are opened in one pass where xarray can (``open_groups``), and closed with the file."""
        if self._groups is None:
            options = _lazy_open_options(self._xr)
            if hasattr(self._xr, "open_groups"):
                self._groups = self._xr.open_groups(self._path, **options)
            else:
                self._groups = {g: self._xr.open_dataset(self._path, group=g, **options) for g in self._all_groups}
        return self._groups[group]

    @_guarded
    def group_headers(self, group: str) -> dict[str, tuple[np.dtype, tuple[int, ...]]]:
        """dtype and shape of every variable (coordinates included) of the netCDF group
        ``group``, from the file's metadata only."""
        return {
            name: (np.dtype(v.dtype), tuple(int(n) for n in v.shape))
            for name, v in self._group(group).variables.items()
        }

    @_guarded
    def read_group(self, group: str) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
        """Every variable of the netCDF group ``group`` as ``(dims, values)``; bool variables
        (stored as int8 tagged ``dtype="bool"``) come back as bool."""
        out = {}
        for name, v in self._group(group).variables.items():
            values = np.asarray(v.values)
            if v.attrs.get("dtype") == "bool" and values.dtype.kind in "iu":
                values = values.astype(bool)
            out[name] = (tuple(v.dims), values)
        return out

    def names(self) -> set[str]:
        outside = set(self._root.variables) if self._ds is not self._root else set()
        return set(self._ds.variables) | {f"/{name}" for name in outside}

    @_guarded
    def header(self, name: str) -> tuple[np.dtype, tuple[int, ...]]:
        var = self._ds.variables[name]
        return np.dtype(var.dtype), tuple(int(n) for n in var.shape)

    @_guarded
    def read(self, name: str) -> np.ndarray:
        return np.asarray(self._ds.variables[name].values)
