"""Results files: :meth:`SampleResults.save <symhmc.SampleResults.save>` and :func:`load`.

Two formats hold the same content:

* **netCDF** (any path not ending in ``.npz``; the default): one xarray ``Dataset`` written with
  the first netCDF engine xarray finds (``netCDF4``, ``h5netcdf`` or ``scipy``). Needs
  ``xarray`` and a netCDF engine (``pip install 'symhmc[arviz]'``: ArviZ brings both); they are
  imported only when a netCDF file is written or read.
* **npz** (paths ending in ``.npz``, or ``format="npz"``): a NumPy zip archive, always
  available; it is read with ``allow_pickle=False``.

Neither format is ever unpickled: arrays are plain numeric arrays and everything else
(sampler settings, model spec, seed, ``convergence``, ...) is JSON text (in netCDF attributes,
or a ``uint8`` array in the ``.npz``).

Content
-------
Arrays: ``draws`` ``(chain, draw, dim)``; ``stat_<name>`` ``(chain, draw)`` for every entry of
``results.stats`` (ArviZ names); ``step_size``, ``inv_mass``, ``n_grad_evals``, ``chain_ids``;
the training data ``train_x``, ``train_y`` when stored (by default when they take at most
16 MiB); ``extra_<name>`` for the arrays a results subclass adds (a deep ensemble's
``losses``, a Laplace approximation's ``mean`` and ``cov``, ...), so that :func:`load` returns
the class that was saved. JSON attributes: ``settings`` (every sampler setting, including entries added after
sampling), ``model`` (the :class:`~symhmc.MLP` fields, or ``null``), ``convergence`` (the
optional ``results.convergence`` dict), and ``meta``: seed, wall time, ``partial``, package
version, the dtype and shape of every array, a fingerprint of the training data
(:func:`data_fingerprint`: sha256 of the float64 bytes of ``x`` then ``y``) and a sha256
checksum of all arrays. Tuples, NumPy arrays and scalars, non-finite floats and dicts with
non-string keys in ``settings``/``convergence`` are encoded with tags so that they load back
equal; other objects raise ``TypeError`` when saving.

Loading checks the format tag, every array's presence, dtype and shape, and the checksum, so a
truncated, corrupted or foreign file raises ``ValueError`` naming the path rather than giving
wrong results. The round trip is exact: arrays bit-identical (dtypes included), settings,
convergence and model equal.
"""

from __future__ import annotations

import hashlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

import numpy as np

from ._file_containers import (_Foreign, _check_path, _read_netcdf, _read_npz, _sniff, _write_netcdf,
                               _write_npz)
from ._tagged_json import _dec, _dumps

__all__ = ["save", "load", "data_fingerprint", "FORMAT_NAME", "FORMAT_VERSION"]

FORMAT_NAME = "symhmc.SampleResults"
FORMAT_VERSION = 1
DEFAULT_MAX_DATA_BYTES = 16 * 2**20

_FIXED_ARRAYS = ("draws", "step_size", "inv_mass", "n_grad_evals", "chain_ids")

# The results classes a file may name (meta["kind"]), imported by module path when loading:
# a file never names code to run, it picks one of these.
_RESULT_KINDS = {
    "SampleResults": "symhmc.results",
    "EnsembleResults": "symhmc.baselines.ensemble",
    "LaplaceResults": "symhmc.baselines.laplace",
}


def _results_class(kind: str, where: str):
    """The results class a file's ``meta["kind"]`` names (one of :data:`_RESULT_KINDS`)."""
    import importlib  # noqa: PLC0415

    if kind not in _RESULT_KINDS:
        raise ValueError(f"{where}: unknown results kind {kind!r} (this symhmc reads {sorted(_RESULT_KINDS)})")
    return getattr(importlib.import_module(_RESULT_KINDS[kind]), kind)


def _sample_results_type():
    """The SampleResults class, imported when called: results.py imports this module (for
    ``save`` and ``data_fingerprint``), so this module must not import it at load time."""
    from .results import SampleResults  # noqa: PLC0415

    return SampleResults


# ----------------------------------------------------------------------------------------------
# helpers
# ----------------------------------------------------------------------------------------------
def data_fingerprint(x, y) -> str:
    """sha256 (hex) of the float64 bytes of ``x`` followed by those of ``y`` (C order).

    Independent of the array shapes (``(n,)`` and ``(n, 1)`` give the same bytes), so
    ``results.data_fingerprint == data_fingerprint(x, y)`` checks that ``x, y`` are the data a
    run was sampled on.
    """
    h = hashlib.sha256()
    for name, a in (("x", x), ("y", y)):
        try:
            arr = np.ascontiguousarray(np.asarray(a, dtype=np.float64))
        except (TypeError, ValueError) as exc:
            raise TypeError(f"{name} must be a numeric array: {exc}") from None
        h.update(arr.tobytes())
    return h.hexdigest()


def _checksum(arrays: dict[str, np.ndarray]) -> str:
    h = hashlib.sha256()
    for name in sorted(arrays):
        a = np.ascontiguousarray(arrays[name])
        h.update(f"{name}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


# ----------------------------------------------------------------------------------------------
# model spec
# ----------------------------------------------------------------------------------------------
def _model_spec(model):
    if model is None:
        return None
    from .model import MLP  # noqa: PLC0415

    if not isinstance(model, MLP):
        raise TypeError(f"results.model must be a symhmc.MLP (or None) to be saved, got {type(model).__name__}")
    return {"class": "MLP", "hidden": list(model.hidden), "activation": model.activation,
            "n_inputs": model.n_inputs, "n_outputs": model.n_outputs, "prior_scale": model.prior_scale,
            "noise_std": model.noise_std, "noise_prior_scale": model.noise_prior_scale}


def _model_from_spec(spec, where: str):
    if spec is None:
        return None
    from .model import MLP  # noqa: PLC0415

    if not isinstance(spec, dict) or spec.get("class") != "MLP":
        raise ValueError(f"{where}: unknown model spec {spec!r}")
    fields = {k: v for k, v in spec.items() if k != "class"}
    try:
        return MLP(**{**fields, "hidden": tuple(fields["hidden"])})
    except (TypeError, ValueError, KeyError) as exc:
        raise ValueError(f"{where}: invalid model spec {spec!r}: {exc}") from None


# ----------------------------------------------------------------------------------------------
# save
# ----------------------------------------------------------------------------------------------
def _collect(results, store_data, max_data_bytes) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """The arrays and the JSON attributes describing ``results``."""
    from . import __version__  # noqa: PLC0415

    if not isinstance(results.stats, dict):
        raise TypeError(f"results.stats must be a dict, got {type(results.stats).__name__}")
    arrays: dict[str, np.ndarray] = {}
    for name in _FIXED_ARRAYS:
        arrays[name] = np.ascontiguousarray(np.asarray(getattr(results, name)))
    stat_keys = []
    for key, value in results.stats.items():
        if not isinstance(key, str) or not key:
            raise TypeError(f"results.stats keys must be non-empty strings, got {key!r}")
        arrays[f"stat_{key}"] = np.ascontiguousarray(np.asarray(value))
        stat_keys.append(key)
    kind = type(results).__name__
    if kind not in _RESULT_KINDS:  # a user's subclass is saved as what it extends
        kind = next(c.__name__ for c in type(results).__mro__ if c.__name__ in _RESULT_KINDS)
    extra_names = list(_results_class(kind, "save")._extra_arrays)
    for name in extra_names:
        arrays[f"extra_{name}"] = np.ascontiguousarray(np.asarray(getattr(results, name)))
    for name, a in arrays.items():
        if a.dtype.kind not in "biuf":
            raise TypeError(f"results array {name!r} has dtype {a.dtype}; only bool, integer and float arrays "
                            "can be saved")

    has_data = results.x is not None and results.y is not None
    data_info: dict[str, Any] = {"stored": False, "fingerprint": None, "x_shape": None, "y_shape": None}
    if has_data:
        x = np.ascontiguousarray(np.asarray(results.x))
        y = np.ascontiguousarray(np.asarray(results.y))
        data_info.update(fingerprint=data_fingerprint(x, y), x_shape=list(x.shape), y_shape=list(y.shape))
        if store_data == "auto":
            keep = x.nbytes + y.nbytes <= max_data_bytes
        else:
            keep = bool(store_data)
        if keep:
            arrays["train_x"], arrays["train_y"] = x, y
            data_info["stored"] = True
    else:
        fp = getattr(results, "_data_fingerprint", None)
        data_info["fingerprint"] = fp
        data_info["x_shape"] = getattr(results, "_data_shapes", (None, None))[0]
        data_info["y_shape"] = getattr(results, "_data_shapes", (None, None))[1]

    seed = results.seed
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer))):
        raise TypeError(f"results.seed must be an int or None to be saved, got {type(seed).__name__}")
    meta = {
        "seed": None if seed is None else str(int(seed)),   # may exceed 64 bits
        "wall_time": float(results.wall_time),
        "partial": bool(results.partial),
        "package_version": __version__,
        "stat_keys": stat_keys,
        "kind": kind,
        "extra_arrays": extra_names,
        "arrays": {name: {"dtype": a.dtype.str, "shape": list(a.shape)} for name, a in arrays.items()},
        "data": data_info,
        "checksum": _checksum(arrays),
    }
    attrs = {
        "symhmc_format": FORMAT_NAME,
        "symhmc_format_version": str(FORMAT_VERSION),
        "symhmc_version": __version__,
        "settings": _dumps(results.settings, "results.settings"),
        "model": json.dumps(_model_spec(results.model), allow_nan=False),
        "convergence": _dumps(getattr(results, "convergence", None), "results.convergence"),
        "meta": json.dumps(meta, allow_nan=False),
    }
    if not isinstance(results.settings, dict):
        raise TypeError(f"results.settings must be a dict, got {type(results.settings).__name__}")
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


def save(results, path, *, format: str | None = None, store_data="auto",
         max_data_bytes: int = DEFAULT_MAX_DATA_BYTES, engine: str | None = None) -> Path:
    """Write ``results`` (a :class:`~symhmc.SampleResults`) to ``path``; see the module docstring.

    Parameters
    ----------
    path : str or os.PathLike
        Destination; an existing file is replaced (atomically: a crash never leaves a
        half-written file under ``path``).
    format : {"netcdf", "npz"} or None
        ``None``: ``"npz"`` when ``path`` ends in ``.npz``, else ``"netcdf"``.
    store_data : "auto", True or False
        Store the training data (``"auto"``: when ``x`` and ``y`` take at most
        ``max_data_bytes``). Their fingerprint is stored in every case.
    engine : str or None
        netCDF only: the xarray engine (``"h5netcdf"``, ``"netcdf4"``, ``"scipy"`` for
        netCDF-3); ``None`` lets xarray choose. With netCDF-3, integer arrays are stored as
        32-bit and restored to their recorded dtype on load.

    Returns the path written.
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
    arrays, attrs = _collect(results, store_data, int(max_data_bytes))
    directory = p.parent if str(p.parent) else Path(".")
    if not directory.is_dir():
        raise FileNotFoundError(f"path {str(p)!r}: directory {str(directory)!r} does not exist")
    fd, tmp_name = tempfile.mkstemp(prefix=f".{p.name}.", suffix=".tmp", dir=directory)
    os.close(fd)
    tmp = Path(tmp_name)
    try:
        (_write_npz if format == "npz" else _write_netcdf)(tmp, arrays, attrs, engine)
        _fsync(tmp)  # the data reach the disk before the rename makes them the file
        os.replace(tmp, p)
        _fsync(directory)  # and the rename itself survives a crash
    finally:
        if tmp.exists():
            tmp.unlink()
    return p


# ----------------------------------------------------------------------------------------------
# load
# ----------------------------------------------------------------------------------------------
def _restore(p: Path, arrays: dict[str, np.ndarray], attrs: dict[str, Any], data):
    where = f"{str(p)!r}"
    try:
        version = int(attrs.get("symhmc_format_version", -1))
    except (TypeError, ValueError):
        version = -1
    if version != FORMAT_VERSION:
        raise ValueError(f"{where}: unsupported symhmc results format version "
                         f"{attrs.get('symhmc_format_version')!r} (this symhmc reads version {FORMAT_VERSION})")
    try:
        meta = json.loads(attrs["meta"])
        settings = _dec(json.loads(attrs["settings"]))
        convergence = _dec(json.loads(attrs["convergence"]))
        spec = json.loads(attrs["model"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{where}: the results metadata is missing or corrupt ({type(exc).__name__}: {exc})") from None

    expected = meta.get("arrays", {})
    restored: dict[str, np.ndarray] = {}
    for name, info in expected.items():
        if name not in arrays:
            raise ValueError(f"{where}: array {name!r} is missing (truncated or modified file?)")
        a = arrays[name]
        dtype, shape = np.dtype(info["dtype"]), tuple(info["shape"])
        if a.shape != shape:
            raise ValueError(f"{where}: array {name!r} has shape {a.shape}, expected {shape} (corrupt file?)")
        if a.dtype != dtype:
            cast = a.astype(dtype)
            if not np.array_equal(cast, a):
                raise ValueError(f"{where}: array {name!r} does not fit its recorded dtype {dtype}")
            a = cast
        restored[name] = np.ascontiguousarray(a)
    if _checksum(restored) != meta.get("checksum"):
        raise ValueError(f"{where}: checksum mismatch: the file's arrays were modified or corrupted")

    model = _model_from_spec(spec, where)
    info = meta.get("data", {})
    fingerprint = info.get("fingerprint")
    x = restored.get("train_x")
    y = restored.get("train_y")
    if data is not None:
        if not (isinstance(data, (tuple, list)) and len(data) == 2):
            raise TypeError("data must be a pair (x, y) of the training data")
        if fingerprint is None:
            raise ValueError(f"{where}: the file records no training-data fingerprint to check data against")
        dx, dy = data
        if data_fingerprint(dx, dy) != fingerprint:
            raise ValueError(f"data: (x, y) are not the training data of {where} (fingerprint mismatch)")
        if x is None:
            if model is not None:
                dx = model.check_x(dx, "data x")
                dy = model.check_y(dy, dx.shape[0], "data y")
            x, y = np.asarray(dx, dtype=np.float64), np.asarray(dy, dtype=np.float64)
    stats = {key: restored[f"stat_{key}"] for key in meta.get("stat_keys", [])}
    seed = meta.get("seed")
    cls = _results_class(meta.get("kind", "SampleResults"), where)
    extras = {}
    for name in meta.get("extra_arrays", []):
        if name not in cls._extra_arrays or f"extra_{name}" not in restored:
            raise ValueError(f"{where}: unexpected or missing {meta.get('kind')} array {name!r}")
        extras[name] = restored[f"extra_{name}"]
    # Subclasses take their extra arrays as attributes; building through the base initialiser
    # keeps one constructor call for every kind.
    results = cls.__new__(cls)
    _sample_results_type().__init__(
        results, draws=restored["draws"], stats=stats, step_size=restored["step_size"], inv_mass=restored["inv_mass"],
        n_grad_evals=restored["n_grad_evals"], wall_time=meta["wall_time"], settings=settings,
        seed=None if seed is None else int(seed), partial=meta["partial"], chain_ids=restored["chain_ids"],
        model=model, x=x, y=y, convergence=convergence)
    for name, value in extras.items():
        setattr(results, name, value)
    results._data_fingerprint = fingerprint
    results._data_shapes = (info.get("x_shape"), info.get("y_shape"))
    results._file_version = meta.get("package_version")
    return results


def load(path, *, data=None):
    """Read a :class:`~symhmc.SampleResults` written by :meth:`~symhmc.SampleResults.save`.

    The format (netCDF or npz) is recognised from the file's first bytes, not its name.
    ``data``: optionally the training data ``(x, y)``, checked against the stored fingerprint
    and attached when the file does not hold them. Never unpickles. Raises ``ValueError``
    naming the path for a truncated, corrupted or foreign file, ``FileNotFoundError`` when it
    does not exist, and ``ImportError`` when a netCDF file is read without xarray/h5netcdf.
    """
    p = _check_path(path, must_exist=True)
    kind = _sniff(p)
    if kind is None:
        raise ValueError(f"{str(p)!r} is not a symhmc results file: not netCDF and not npz (unrecognised header)")
    try:
        arrays, attrs = (_read_npz if kind == "npz" else _read_netcdf)(p, FORMAT_NAME)
    except ImportError:
        raise
    except _Foreign as exc:
        raise ValueError(f"{str(p)!r} is not a symhmc results file: {exc}") from None
    except ValueError as exc:
        if "allow_pickle" in str(exc):
            raise ValueError(f"{str(p)!r} is not a symhmc results file: it holds pickled objects, which symhmc "
                             "never loads") from None
        raise ValueError(f"{str(p)!r}: cannot read the {kind} file (truncated or corrupted?): "
                         f"{type(exc).__name__}: {exc}") from None
    except Exception as exc:  # truncated / corrupt containers raise many different types
        raise ValueError(f"{str(p)!r}: cannot read the {kind} file (truncated or corrupted?): "
                         f"{type(exc).__name__}: {exc}") from None
    return _restore(p, arrays, attrs, data)
