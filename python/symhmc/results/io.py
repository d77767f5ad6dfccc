"""Results files: :meth:`SampleResults.save <symhmc.SampleResults.save>` and :func:`load`.

Two formats hold the same content:

* **netCDF** (any path not ending in ``.npz``; the default), written with the first netCDF
  engine xarray finds (``netCDF4``, ``h5netcdf`` or ``scipy``). netCDF-4: symhmc's arrays and
  attributes in the group ``symhmc``, the ArviZ groups (``posterior``, ``sample_stats``,
  ``observed_data``, ``constant_data``, ``posterior_predictive``, ``log_likelihood``; see
  :mod:`symhmc._file_groups`) beside it, so that ``arviz.from_netcdf`` reads the file
  (``save(..., arviz_groups=False)`` leaves them out), and in the root group only the
  attributes ``symhmc_format``, ``symhmc_format_version`` and ``symhmc_version``. netCDF-3 has
  no groups: symhmc's arrays and attributes in the root group. symhmc's dimensions are prefixed
  ``symhmc_`` so that ArviZ's ``chain`` and ``draw`` never name them. Files of format version 2
  and older keep symhmc's arrays and attributes in the root group of netCDF-4 files too;
  :func:`load` reads them. Needs ``xarray`` and a netCDF engine, and h5py to read netCDF-4
  (``pip install 'symhmc[arviz]'``); they are imported only when a netCDF file is written or read.
* **npz** (paths ending in ``.npz``, or ``format="npz"``): a NumPy zip archive, always
  available; its members are stored uncompressed.

Neither format is ever unpickled: arrays are plain numeric arrays and everything else
(sampler settings, model spec, seed, ``convergence``, ...) is JSON text (in netCDF attributes,
or a ``uint8`` array in the ``.npz``).

Content
-------
Arrays: ``draws`` ``(chain, draw, dim)``; ``stat_<name>`` ``(chain, draw)`` for every entry of
``results.stats`` (ArviZ names); ``step_size`` ``(chain,)``, ``inv_mass`` ``(chain, dim)``,
``n_grad_evals`` and ``chain_ids`` (integers, ``(chain,)``); the training data ``train_x``,
``train_y`` when stored (by default when they take at most 16 MiB); ``extra_<name>`` for the
arrays a results subclass adds (a deep ensemble's ``losses``, a Laplace approximation's ``mean``
and ``cov``, ...), so that :func:`load` returns the class that was saved (``meta["kind"]`` picks
one of three known classes; a file never names code). Arrays are bool, integer or float, at
most 8 bytes per value. JSON attributes: ``settings`` (every sampler setting, including entries
added after sampling), ``model`` (the :class:`~symhmc.MLP` fields, or ``null``), ``convergence``
(the optional ``results.convergence`` dict), and ``meta``: seed, wall time, ``partial``,
package version, the dtype and shape of every array, and a fingerprint of the training data
(:func:`data_fingerprint`: sha256 of the float64 bytes of ``x`` then ``y``). Tuples, NumPy
arrays and scalars, non-finite floats and dicts with non-string keys in
``settings``/``convergence`` are encoded with tags so that they load back equal; other objects
raise ``TypeError`` when saving. ``save`` refuses results that :func:`load` would refuse (wrong
dtypes, shapes that disagree), and gives the file the permissions the umask allows.

The ``checksum`` attribute (format versions 2 and 3) is a sha256 of the exact text of ``settings``,
``model``, ``convergence`` and ``meta`` followed by every array's name, dtype, shape and bytes
(``symhmc.results.io._checksum``). Version-1 files, whose checksum (in ``meta``) covers the arrays only, are
still read, with every other check below; an edit of their metadata goes unnoticed. The
checksum detects damage, not tampering: anyone can recompute it.

Loading files from elsewhere
----------------------------
:func:`load` treats a file as untrusted input; everything it refuses raises ``ValueError``
naming the path and the field:

* Only a regular file is opened (``os.stat`` first): a FIFO, device or socket is refused, never
  read (reading one could block forever or never end).
* Nothing is read before it is checked against the metadata. The JSON attributes are parsed
  first (nesting deeper than 64 levels refused, every field of ``meta`` and the model spec
  type-checked, tags in ``settings``/``convergence`` accepted only in the form ``save``
  writes). The array shapes recorded there must fit together: ``draws`` ``(chain, draw, dim)``
  with ``dim`` the model's, every stat ``(chain, draw)``, ``step_size`` ``(chain,)``,
  ``inv_mass`` ``(chain, dim)``, integer ``chain_ids`` and ``n_grad_evals`` ``(chain,)``, a
  subclass's arrays as it defines them, ``train_x`` and ``train_y`` with the same rows and the
  model's columns. The file must hold exactly the listed arrays (an unlisted npz member or
  netCDF variable is refused unread), each with its recorded shape and dtype, read from the
  ``.npy`` header of the zip member or the netCDF variable's metadata; and together they may
  not take more bytes than the file's size (symhmc stores arrays uncompressed, so a larger
  total can only come from a compressed or unwritten array, e.g. 2 GiB of zeros in a 2 MB
  file). Only then are the values read, then the checksum and the training-data fingerprint
  are verified. The memory a load takes is therefore of the order of the file's size.
* The ArviZ groups of a netCDF-4 file are listed in ``meta["arviz_groups"]`` (each variable's
  dtype and shape, and a digest of the group's values), which the checksum covers: a group not
  listed, or a listed group with other variables, shapes or values, is refused, headers first
  and within the same byte budget. A listed group that was removed is accepted, since the run
  is rebuilt from symhmc's own arrays alone.
* netCDF-4 (HDF5) files are inspected with h5py before any netCDF library opens them, since
  those follow links and read external storage: every link must be a plain (hard) link, no
  dataset may keep its values in other files (external storage, virtual datasets) or use a
  filter other than deflate, shuffle and fletcher32, and none may declare more bytes than the
  file's size. Without h5py, loading a netCDF-4 file raises ``ImportError``; netCDF-3 files
  have no such features and need only xarray.

The round trip is exact: arrays bit-identical (dtypes included), settings, convergence and model
equal.
"""

from __future__ import annotations

import hashlib
import json
import math
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ._file_containers import (
    PRIVATE_GROUP,
    _BadFile,
    _check_path,
    _open_container,
    _write_netcdf,
    _write_npz,
    netcdf_groups_supported,
)
from ._file_groups import build_groups, describe_groups, verify_groups
from ._file_metadata import (
    _ARRAY_RULES,
    _COVERED_ATTRS,
    _EXTRA_RULES,
    _KIND_WORDS,
    _REAL,
    _STAT_RULE,
    _Metadata,
    _format_version,
    _read_metadata,
    _text_attr,
)
from ._file_metadata import _RESULT_KINDS as _KIND_NAMES
from ._tagged_json import _dumps, parse_dtype
from ..model import model_spec as _model_spec
from ..utils.files import current_umask as _current_umask
from ..utils.version import __version__

__all__ = ["save", "load", "data_fingerprint", "FORMAT_NAME", "FORMAT_VERSION"]

FORMAT_NAME = "symhmc.SampleResults"
FORMAT_VERSION = 3
# From this version on, netCDF-4 files keep symhmc's arrays and attributes in PRIVATE_GROUP.
_PRIVATE_GROUP_VERSION = 3
DEFAULT_MAX_DATA_BYTES = 16 * 2**20

_FIXED_ARRAYS = ("draws", "step_size", "inv_mass", "n_grad_evals", "chain_ids")

# The results classes a file may name (meta["kind"]): a file never names code to run, it picks
# one of these. Each class registers itself where it is defined (register_kind), so this module
# imports none of them; ``import symhmc`` imports all three.
_RESULT_KINDS: dict[str, Any] = dict.fromkeys(_KIND_NAMES)


def register_kind(cls):
    """Class decorator: ``cls`` is the results class files of its kind (its name) are read into.

    Only the kinds in :data:`_RESULT_KINDS` can be registered: what a file may name is fixed here.
    """
    if cls.__name__ not in _RESULT_KINDS:
        raise ValueError(f"unknown results kind {cls.__name__!r} (files hold one of {sorted(_RESULT_KINDS)})")
    _RESULT_KINDS[cls.__name__] = cls
    return cls


def _results_class(kind: str, where: str) -> Any:
    """The results class a file's ``meta["kind"]`` names (one of :data:`_RESULT_KINDS`)."""
    if kind not in _RESULT_KINDS:
        raise ValueError(f"{where}: unknown results kind {kind!r:.80} (this symhmc reads {sorted(_RESULT_KINDS)})")
    cls = _RESULT_KINDS[kind]
    if cls is None:  # its module registers it on import, and ``import symhmc`` imports them all
        raise RuntimeError(f"{where}: the {kind} class is not registered (import symhmc)")
    return cls


def _sample_results_type() -> Any:
    """The SampleResults class (registered by the module that defines it)."""
    return _results_class("SampleResults", "load")


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------
def data_fingerprint(x, y) -> str:
    """sha256 (hex) of the float64 bytes of ``x`` followed by those of ``y`` (C order).

    Independent of the array shapes (``(n,)`` and ``(n, 1)`` give the same bytes), so
    ``results.data_fingerprint == data_fingerprint(x, y)`` checks that ``x, y`` are the data a
    run was sampled on.

    Parameters
    ----------
    x, y : array_like
        Inputs and targets (any shape; converted to float64).

    Returns
    -------
    str
        64 lower-case hexadecimal digits.

    Raises
    ------
    TypeError
        If ``x`` or ``y`` is a masked array or not numeric.

    Examples
    --------
    >>> from symhmc.results.io import data_fingerprint
    >>> x = np.linspace(-1, 1, 5)
    >>> fp = data_fingerprint(x, np.sin(x))
    >>> len(fp), fp == data_fingerprint(x[:, None], np.sin(x))
    (64, True)
    """
    h = hashlib.sha256()
    for name, a in (("x", x), ("y", y)):
        if isinstance(a, np.ma.MaskedArray):  # its masked entries would be hashed as if valid
            raise TypeError(
                f"{name} is a masked array; masked arrays are not supported: fill or drop the masked values first"
            )
        try:
            arr = np.ascontiguousarray(np.asarray(a, dtype=np.float64))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be a numeric array: {exc}") from None
        h.update(arr.tobytes())
    return h.hexdigest()


def _hash_arrays(h, arrays: dict[str, np.ndarray]) -> None:
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())


def _checksum_v1(arrays: dict[str, np.ndarray]) -> str:
    """Format version 1: the arrays only (names, dtypes, shapes and bytes)."""
    h = hashlib.sha256()
    _hash_arrays(h, arrays)
    return h.hexdigest()


def _checksum(arrays: dict[str, np.ndarray], attrs: dict[str, str]) -> str:
    """Format version 2: the exact text of the settings, model, convergence and meta attributes,
    each preceded by its name and length, then the arrays as in version 1. Stored as the
    ``checksum`` attribute, outside the text it covers."""
    h = hashlib.sha256(f"{FORMAT_NAME} 2\n".encode())
    for key in _COVERED_ATTRS:
        text = attrs[key].encode("utf-8")
        h.update(f"{key}|{len(text)}|".encode())
        h.update(text)
    _hash_arrays(h, arrays)
    return h.hexdigest()


# ----------------------------------------------------------------------------------------------
# array layout: the rules every file (and every saved results object) follows
# ----------------------------------------------------------------------------------------------
Layout = dict  # name -> (dtype, shape)


def _array_rules(stat_keys, kind: str, extra_names) -> dict[str, tuple[str, tuple[str, ...]]]:
    """Rules of the arrays a results file holds, training data aside."""
    rules = dict(_ARRAY_RULES)
    rules.update({f"stat_{key}": _STAT_RULE for key in stat_keys})
    rules.update({f"extra_{name}": _EXTRA_RULES[kind][name] for name in extra_names})
    return rules


def _check_rule(name: str, dtype: np.dtype, shape: tuple, rule, sizes: dict[str, int], where: str) -> None:
    kinds, dims = rule
    if dtype.kind not in kinds:
        raise ValueError(f"{where}: array {name!r} must hold {_KIND_WORDS[kinds]} values, got dtype {dtype}")
    if len(shape) != len(dims) or any(d != "*" and n != sizes[d] for d, n in zip(dims, shape)):
        want = ", ".join(d if d == "*" else f"{d}={sizes[d]}" for d in dims)
        raise ValueError(f"{where}: array {name!r} must have shape ({want}), got {shape}")


def _check_train(layout: Layout, model, where: str) -> None:
    """train_x (n, n_inputs) and train_y (n, n_outputs), stored together; 1-D for one column."""
    stored = [name for name in ("train_x", "train_y") if name in layout]
    if not stored:
        return
    if len(stored) == 1:
        raise ValueError(f"{where}: array {stored[0]!r} is stored without its pair (train_x and train_y go together)")
    widths = (model.n_inputs, model.n_outputs) if model is not None else (None, None)
    rows = []
    for name, width in zip(("train_x", "train_y"), widths):
        dtype, shape = layout[name]
        if dtype.kind not in _REAL:
            raise ValueError(f"{where}: array {name!r} must hold integer or float values, got dtype {dtype}")
        if len(shape) not in (1, 2) or (width is not None and (shape[1:] or (1,))[0] != width):
            want = "(n,) or (n, columns)" if width is None else f"(n, {width})"
            raise ValueError(f"{where}: array {name!r} must have shape {want}, got {shape}")
        rows.append(shape[0])
    if rows[0] != rows[1]:
        raise ValueError(f"{where}: train_x has {rows[0]} rows but train_y has {rows[1]}")


def _check_layout(layout: Layout, rules, model, where: str) -> None:
    """Every array's dtype class and shape, in sizes taken from ``draws`` and the model:
    ``draws`` (chain, draw, dim) with dim the model's, stats (chain, draw), and so on."""
    _, shape = layout["draws"]
    if len(shape) != 3:
        raise ValueError(f"{where}: array 'draws' must have shape (chain, draw, dim), got {shape}")
    sizes = dict(zip(("chain", "draw", "dim"), shape))
    if model is not None and sizes["dim"] != model.dim:
        raise ValueError(
            f"{where}: array 'draws' has {sizes['dim']} coordinates per draw but the model has "
            f"dim={model.dim} ({model!r})"
        )
    for name, rule in rules.items():
        array_dtype, array_shape = layout[name]
        _check_rule(name, array_dtype, array_shape, rule, sizes, where)
    _check_train(layout, model, where)


# ----------------------------------------------------------------------------------------------
# save
# ----------------------------------------------------------------------------------------------
def _saved_kind(results) -> str:
    kind = type(results).__name__
    if kind not in _RESULT_KINDS:  # a user's subclass is saved as what it extends
        kind = next(c.__name__ for c in type(results).__mro__ if c.__name__ in _RESULT_KINDS)
    return kind


def _data_info(results, arrays, store_data, max_data_bytes) -> dict[str, Any]:
    """meta["data"]; adds train_x, train_y to ``arrays`` when they are stored."""
    if results.x is None or results.y is None:
        shapes = getattr(results, "_data_shapes", (None, None))
        return {
            "stored": False,
            "fingerprint": getattr(results, "_data_fingerprint", None),
            "x_shape": shapes[0],
            "y_shape": shapes[1],
        }
    x = np.ascontiguousarray(np.asarray(results.x))
    y = np.ascontiguousarray(np.asarray(results.y))
    keep = x.nbytes + y.nbytes <= max_data_bytes if store_data == "auto" else bool(store_data)
    if keep:
        arrays["train_x"], arrays["train_y"] = x, y
    return {"stored": keep, "fingerprint": data_fingerprint(x, y), "x_shape": list(x.shape), "y_shape": list(y.shape)}


def _collect(results, store_data, max_data_bytes, groups=None) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The arrays and the JSON attributes describing ``results`` (and the ArviZ ``groups``
    written with them), checked against the rules :func:`load` applies, so that every file
    written can be read back."""
    if not isinstance(results.stats, dict):
        raise TypeError(f"results.stats must be a dict, got {type(results.stats).__name__}")
    if not isinstance(results.settings, dict):
        raise TypeError(f"results.settings must be a dict, got {type(results.settings).__name__}")
    arrays: dict[str, np.ndarray] = {}
    for name in _FIXED_ARRAYS:
        arrays[name] = np.ascontiguousarray(np.asarray(getattr(results, name)))
    stat_keys = []
    for key, value in results.stats.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"results.stats keys must be non-empty strings, got {key!r}")
        arrays[f"stat_{key}"] = np.ascontiguousarray(np.asarray(value))
        stat_keys.append(key)
    kind = _saved_kind(results)
    extra_names = list(_results_class(kind, "save")._extra_arrays)
    for name in extra_names:
        arrays[f"extra_{name}"] = np.ascontiguousarray(np.asarray(getattr(results, name)))
    data_info = _data_info(results, arrays, store_data, max_data_bytes)
    for name, a in arrays.items():
        try:
            parse_dtype(a.dtype.str, name)
        except ValueError:
            raise TypeError(
                f"results array {name!r} has dtype {a.dtype}; only bool, integer and float arrays "
                "(at most 8 bytes per value) can be saved"
            ) from None
    layout = {name: (a.dtype, a.shape) for name, a in arrays.items()}
    _check_layout(layout, _array_rules(stat_keys, kind, extra_names), results.model, "results")

    seed = results.seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"results.seed must be an int or None to be saved, got {type(seed).__name__}")
    meta = {
        "seed": None if seed is None else str(int(seed)),  # may exceed 64 bits
        "wall_time": float(results.wall_time),
        "partial": bool(results.partial),
        "package_version": __version__,
        "stat_keys": stat_keys,
        "kind": kind,
        "extra_arrays": extra_names,
        "arrays": {name: {"dtype": a.dtype.str, "shape": list(a.shape)} for name, a in arrays.items()},
        "data": data_info,
    }
    if groups:
        meta["arviz_groups"] = describe_groups(groups)
    attrs = {
        "symhmc_format": FORMAT_NAME,
        "symhmc_format_version": str(FORMAT_VERSION),
        "symhmc_version": __version__,
        "settings": _dumps(results.settings, "results.settings"),
        "model": json.dumps(_model_spec(results.model), allow_nan=False),
        "convergence": _dumps(getattr(results, "convergence", None), "results.convergence"),
        "meta": json.dumps(meta, allow_nan=False),
    }
    attrs["checksum"] = _checksum(arrays, attrs)
    return arrays, attrs


def _fsync(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # e.g. directories cannot be opened on some systems
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def save(
    results,
    path,
    *,
    format: str | None = None,
    store_data="auto",
    max_data_bytes: int = DEFAULT_MAX_DATA_BYTES,
    engine: str | None = None,
    arviz_groups: bool = True,
) -> Path:
    """Write ``results`` (a :class:`~symhmc.SampleResults`) to ``path``; see the module docstring.

    Parameters
    ----------
    results : SampleResults
        The run to write (also ``EnsembleResults`` and ``LaplaceResults`` of the baselines).
    path : str or os.PathLike
        Destination; an existing file is replaced (atomically: a crash never leaves a
        half-written file under ``path``). The file gets the permissions the umask allows
        (``0o666 & ~umask``), as ``open(path, "w")`` would give it.
    format : {"netcdf", "npz"} or None, default None
        ``None``: ``"npz"`` when ``path`` ends in ``.npz``, else ``"netcdf"``.
    store_data : "auto", True or False, default "auto"
        Store the training data (``"auto"``: when ``x`` and ``y`` take at most
        ``max_data_bytes``). Their fingerprint is stored in every case.
    max_data_bytes : int, default 16 MiB
        The most bytes of training data ``store_data="auto"`` stores.
    engine : str or None, default None
        netCDF only: the xarray engine (``"h5netcdf"``, ``"netcdf4"``, ``"scipy"`` for
        netCDF-3); ``None`` lets xarray choose. With netCDF-3, integer arrays are stored as
        32-bit and restored to their recorded dtype on load.
    arviz_groups : bool, default True
        netCDF-4 only (ignored for npz and netCDF-3): also write the ArviZ groups
        (``posterior``, ``sample_stats``, ``observed_data``, ``constant_data``,
        ``posterior_predictive``, ``log_likelihood``, as :meth:`~symhmc.SampleResults.to_arviz`
        builds them with its defaults) as netCDF groups, so that ``arviz.from_netcdf(path)``
        reads the run. symhmc's own arrays and metadata are in the group ``symhmc`` of every
        netCDF-4 file.

    Returns
    -------
    pathlib.Path
        The path written.

    Raises
    ------
    TypeError, ValueError
        For a bad argument, or results that could not be loaded back (an array of another
        dtype, or shapes that disagree with ``draws`` or the model).
    IsADirectoryError
        If ``path`` is a directory.
    ImportError
        If netCDF is asked for without xarray.

    Examples
    --------
    >>> import os, tempfile
    >>> from symhmc.results.io import save
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
    >>> path = save(run, os.path.join(tempfile.mkdtemp(), "run.npz"))
    >>> path.name, symhmc.load(path).draws.shape == run.draws.shape
    ('run.npz', True)
    """
    if not isinstance(results, _sample_results_type()):
        raise TypeError(f"results must be a symhmc.SampleResults, got {type(results).__name__}")
    p = _check_path(path, must_exist=False)
    if format is None:
        format = "npz" if p.suffix.lower() == ".npz" else "netcdf"
    if format not in ("netcdf", "npz"):
        raise ValueError(f"format must be 'netcdf', 'npz' or None, got {format!r}")
    if not (store_data == "auto" or isinstance(store_data, (bool, np.bool_))):
        raise ValueError(f"store_data must be 'auto', True or False, got {store_data!r}")
    if isinstance(max_data_bytes, bool) or not isinstance(max_data_bytes, (int, np.integer)) or max_data_bytes < 0:
        raise ValueError(f"max_data_bytes must be a non-negative integer, got {max_data_bytes!r}")
    if p.is_dir():
        raise IsADirectoryError(f"path {str(p)!r} is a directory")
    if engine is not None and (format != "netcdf" or not isinstance(engine, str)):
        raise ValueError(f"engine must be None or an xarray netCDF engine name (netCDF only), got {engine!r}")
    if not isinstance(arviz_groups, (bool, np.bool_)):
        raise TypeError(f"arviz_groups must be True or False, got {arviz_groups!r}")
    groups = build_groups(results) if arviz_groups and format == "netcdf" and netcdf_groups_supported(engine) else None
    arrays, attrs = _collect(results, store_data, int(max_data_bytes), groups)
    directory = p.parent if str(p.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"path {str(p)!r}: directory {str(directory)!r} does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        if format == "npz":
            _write_npz(tmp, arrays, attrs)
        else:
            _write_netcdf(tmp, arrays, attrs, engine, groups)
        # mkstemp creates the file 0600; give it what any newly created file would get.
        os.chmod(tmp, 0o666 & ~_current_umask())
        _fsync(tmp)  # the data reach the disk before the rename makes them the file
        os.replace(tmp, p)
        _fsync(directory)  # and the rename itself survives a crash
    finally:
        if tmp.exists():
            tmp.unlink()
    return p


def _expected_names(doc: _Metadata, where: str) -> dict[str, tuple[str, tuple[str, ...]]]:
    """The rules of the arrays the file must hold; meta['arrays'] must list exactly these (plus
    train_x and train_y when the data are stored)."""
    rules = _array_rules(doc.stat_keys, doc.kind, doc.extra_names)
    listed = set(doc.arrays)
    train = {"train_x", "train_y"} & listed
    if doc.data["stored"] != bool(train):
        raise ValueError(
            f"{where}: meta['data']['stored'] is {doc.data['stored']} but meta['arrays'] "
            f"{'lists' if train else 'does not list'} the training data"
        )
    missing = sorted(set(rules) - listed)
    unknown = sorted(listed - set(rules) - train)
    if missing or unknown:
        raise ValueError(
            f"{where}: meta['arrays'] must list {sorted(rules)}"
            + (f"; missing {missing}" if missing else "")
            + (f"; unknown {unknown[:5]}" if unknown else "")
        )
    return rules


# ----------------------------------------------------------------------------------------------
# load: arrays
# ----------------------------------------------------------------------------------------------
def _storable_as(stored: np.dtype, recorded: np.dtype) -> bool:
    """Whether a container may hold an array recorded as ``recorded`` with dtype ``stored``:
    the same dtype, or (netCDF) a narrower integer type or int8 for bool; never wider, so the
    bytes read stay within the budget the metadata sets."""
    if stored == recorded:
        return True
    if stored.itemsize > recorded.itemsize:
        return False
    if recorded.kind == "f":
        return stored.kind == "f"
    if recorded.kind == "b":
        return stored.kind in "iu"
    return stored.kind in "iub" and recorded.kind in "iu"


def _check_members(box, doc: _Metadata, where: str) -> None:
    """The container holds exactly the listed arrays, each with the recorded shape and a
    compatible dtype, and together no more bytes than the file: checked from headers, before
    any value is read (symhmc stores arrays uncompressed, so a file cannot hold more)."""
    names = box.names()
    unknown = sorted(names - set(doc.arrays))
    if unknown:
        raise ValueError(f"{where}: the file holds arrays its metadata does not list: {unknown[:5]!r:.200}")
    total = 0
    for name, (dtype, shape) in doc.arrays.items():
        if name not in names:
            raise ValueError(f"{where}: array {name!r} is missing (truncated or modified file?)")
        stored_dtype, stored_shape = box.header(name)
        if stored_shape != shape:
            raise ValueError(f"{where}: array {name!r} has shape {stored_shape}, expected {shape} (corrupt file?)")
        if not (box.kind == "netcdf" and _storable_as(stored_dtype, dtype) or stored_dtype == dtype):
            raise ValueError(f"{where}: array {name!r} has dtype {stored_dtype}, expected {dtype} (corrupt file?)")
        total += math.prod(shape) * stored_dtype.itemsize
    if total > box.size:
        raise ValueError(
            f"{where}: the metadata announces {total} bytes of arrays, more than the file's "
            f"{box.size} bytes (corrupt or crafted file?)"
        )


def _read_arrays(box, doc: _Metadata, where: str) -> dict[str, np.ndarray]:
    restored: dict[str, np.ndarray] = {}
    for name, (dtype, shape) in doc.arrays.items():
        a = box.read(name)
        if a.shape != shape:  # the header said otherwise
            raise ValueError(f"{where}: array {name!r} has shape {a.shape}, expected {shape} (corrupt file?)")
        if a.dtype != dtype:
            cast = a.astype(dtype)
            if not np.array_equal(cast, a):
                raise ValueError(f"{where}: array {name!r} does not fit its recorded dtype {dtype}")
            a = cast
        restored[name] = np.ascontiguousarray(a)
    return restored


def _verify(doc: _Metadata, attrs_texts: dict[str, str], arrays: dict[str, np.ndarray], where: str) -> None:
    """The checksum (version 2: metadata and arrays; version 1: arrays only), then the stored
    training data against their fingerprint."""
    actual = _checksum_v1(arrays) if doc.version == 1 else _checksum(arrays, attrs_texts)
    if actual != doc.checksum:
        covered = "arrays" if doc.version == 1 else "metadata or arrays"
        raise ValueError(f"{where}: checksum mismatch: the file's {covered} were modified or corrupted")
    if doc.data["stored"] and data_fingerprint(arrays["train_x"], arrays["train_y"]) != doc.data["fingerprint"]:
        raise ValueError(f"{where}: the stored training data do not match meta['data']['fingerprint']")


# ----------------------------------------------------------------------------------------------
# load
# ----------------------------------------------------------------------------------------------
def _attach_data(data, doc: _Metadata, x, y, where: str):
    """``(x, y)`` of the results: the stored data, or ``data`` checked against the fingerprint."""
    if data is None:
        return x, y
    fingerprint = doc.data["fingerprint"]
    if fingerprint is None:
        raise ValueError(f"{where}: the file records no training-data fingerprint to check data against")
    dx, dy = data
    if data_fingerprint(dx, dy) != fingerprint:
        raise ValueError(f"data: (x, y) are not the training data of {where} (fingerprint mismatch)")
    if x is None:
        if doc.model is not None:
            dx = doc.model.check_x(dx, "data x")
            dy = doc.model.check_y(dy, dx.shape[0], "data y")
        x, y = np.asarray(dx, dtype=np.float64), np.asarray(dy, dtype=np.float64)
    return x, y


def _build(doc: _Metadata, arrays: dict[str, np.ndarray], x, y):
    cls = _results_class(doc.kind, "load")
    stats = {key: arrays[f"stat_{key}"] for key in doc.stat_keys}
    # Subclasses take their extra arrays as attributes; building through the base initialiser
    # keeps one constructor call for every kind.
    results = cls.__new__(cls)
    _sample_results_type().__init__(
        results,
        draws=arrays["draws"],
        stats=stats,
        step_size=arrays["step_size"],
        inv_mass=arrays["inv_mass"],
        n_grad_evals=arrays["n_grad_evals"],
        wall_time=doc.wall_time,
        settings=doc.settings,
        seed=doc.seed,
        partial=doc.partial,
        chain_ids=arrays["chain_ids"],
        model=doc.model,
        x=x,
        y=y,
        convergence=doc.convergence,
    )
    for name in doc.extra_names:
        setattr(results, name, arrays[f"extra_{name}"])
    results._data_fingerprint = doc.data["fingerprint"]
    results._data_shapes = (doc.data["x_shape"], doc.data["y_shape"])
    results._file_version = doc.package_version
    return results


def load(path, *, data=None):
    """Read a :class:`~symhmc.SampleResults` written by :meth:`~symhmc.SampleResults.save`.

    The format (netCDF or npz) is recognised from the file's first bytes, not its name.
    Never unpickles; checks the metadata and every array's header before reading any value
    (see the module docstring).

    Parameters
    ----------
    path : str or os.PathLike
        The file to read.
    data : tuple of (array_like, array_like) or None, default None
        Optionally the training data ``(x, y)``, checked against the stored fingerprint and
        attached when the file does not hold them.

    Returns
    -------
    SampleResults
        The run as saved (or ``EnsembleResults`` / ``LaplaceResults`` for a baseline's file).

    Raises
    ------
    ValueError
        Naming the path (and the field) for a truncated, corrupted, foreign or crafted file, or
        ``data`` that do not match the stored fingerprint.
    TypeError
        If ``data`` is not a pair.
    FileNotFoundError
        If ``path`` does not exist.
    ImportError
        If a netCDF file is read without xarray (or a netCDF-4 file without h5py).

    Examples
    --------
    >>> import os, tempfile
    >>> rng = np.random.default_rng(0)
    >>> x = rng.uniform(-2, 2, 20)
    >>> y = np.sin(x) + 0.1 * rng.normal(size=20)
    >>> run = symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=4, warmup=50, seed=0, progress=False)
    >>> path = run.save(os.path.join(tempfile.mkdtemp(), "run.npz"), store_data=False)
    >>> back = symhmc.load(path, data=(x, y))
    >>> np.array_equal(back.draws, run.draws), back.data_fingerprint == run.data_fingerprint
    (True, True)
    """
    p = _check_path(path, must_exist=True)
    if data is not None and not (isinstance(data, (tuple, list)) and len(data) == 2):
        raise TypeError("data must be a pair (x, y) of the training data")
    where = repr(str(p))
    try:
        with _open_container(p, FORMAT_NAME, where) as box:
            if box.kind == "netcdf" and box.hdf5 and _format_version(box.attrs, where) >= _PRIVATE_GROUP_VERSION:
                box.use_group(PRIVATE_GROUP)  # the tag stays in the root, the rest is in the group
            doc = _read_metadata(box.attrs, where)
            rules = _expected_names(doc, where)
            _check_layout(doc.arrays, rules, doc.model, where)
            _check_members(box, doc, where)
            arrays = _read_arrays(box, doc, where)
            texts = {key: _text_attr(box.attrs, key, where) for key in _COVERED_ATTRS}
            _verify(doc, texts, arrays, where)  # the metadata are trusted from here on
            verify_groups(box, doc.arviz_groups, sum(a.nbytes for a in arrays.values()), where)
    except _BadFile as exc:  # a plain ValueError for the caller
        raise ValueError(str(exc)) from None
    x, y = _attach_data(data, doc, arrays.get("train_x"), arrays.get("train_y"), where)
    return _build(doc, arrays, x, y)
