"""The JSON attributes of a results file, parsed and checked field by field before anything
else is read (a file is untrusted input: every error names the attribute or field), and the
array layout they must describe."""

from __future__ import annotations

import math
import re
from typing import Any, NamedTuple

import numpy as np

from ..model import model_from_spec as _model_from_spec
from ._file_groups import parse_groups_meta
from ._tagged_json import _dec, _loads, parse_dtype, parse_shape

# Version 1 files (checksum of the arrays only) and version 2 files (netCDF-4: symhmc's arrays in
# the root group) are still read.
_READABLE_VERSIONS = (1, 2, 3)
# The attributes whose exact text the version-2 checksum covers, in this order.
_COVERED_ATTRS = ("settings", "model", "convergence", "meta")
# The results kinds a file may name (meta["kind"]); results/io.py registers their classes.
_RESULT_KINDS = ("SampleResults", "EnsembleResults", "LaplaceResults")

# What every array must hold: a class of dtypes (NumPy kind letters) and a shape in named
# dimensions. "chain", "draw" and "dim" are the sizes of ``draws``; "*" is any size.
_FLOAT, _INTEGER, _NUMBER, _REAL = "f", "iu", "biuf", "iuf"
_KIND_WORDS = {_FLOAT: "float", _INTEGER: "integer", _NUMBER: "bool, integer or float", _REAL: "integer or float"}
_ARRAY_RULES: dict[str, tuple[str, tuple[str, ...]]] = {
    "draws": (_FLOAT, ("chain", "draw", "dim")),
    "step_size": (_FLOAT, ("chain",)),
    "inv_mass": (_FLOAT, ("chain", "dim")),
    "n_grad_evals": (_INTEGER, ("chain",)),
    "chain_ids": (_INTEGER, ("chain",)),
}
_STAT_RULE = (_NUMBER, ("chain", "draw"))
_EXTRA_RULES: dict[str, dict[str, tuple[str, tuple[str, ...]]]] = {
    "SampleResults": {},
    "EnsembleResults": {
        "losses": (_FLOAT, ("chain", "*")),
        "val_losses": (_FLOAT, ("chain", "*")),
        "best_epoch": (_INTEGER, ("chain",)),
    },
    "LaplaceResults": {
        "mean": (_FLOAT, ("chain", "dim")),
        "cov": (_FLOAT, ("chain", "dim", "dim")),
        "hessian": (_FLOAT, ("chain", "dim", "dim")),
        "prior_precision": (_FLOAT, ("chain",)),
        "log_marginal_likelihood": (_FLOAT, ("chain",)),
    },
}
_DIGEST_RE = re.compile(r"[0-9a-f]{64}")
_SEED_RE = re.compile(r"-?[0-9]{1,4000}")


class _Metadata(NamedTuple):
    """What a file's attributes say, every field checked."""

    version: int
    settings: dict
    convergence: Any
    model: Any
    seed: int | None
    wall_time: float
    partial: bool
    package_version: str | None
    stat_keys: list[str]
    kind: str
    extra_names: list[str]
    arrays: dict[str, tuple[np.dtype, tuple[int, ...]]]
    data: dict[str, Any]
    checksum: str
    arviz_groups: dict


def _text_attr(attrs: dict, key: str, where: str) -> str:
    value = attrs.get(key)
    if isinstance(value, bytes):  # h5py gives some netCDF-4 attributes as bytes
        try:
            value = value.decode("utf-8")
        except UnicodeDecodeError:
            raise ValueError(f"{where}: attribute {key!r} is not UTF-8 text") from None
    if not isinstance(value, str):
        raise ValueError(f"{where}: attribute {key!r} is missing or not text (got {type(value).__name__})")
    return str(value)


def _format_version(attrs: dict, where: str) -> int:
    try:
        text = _text_attr(attrs, "symhmc_format_version", where)
    except ValueError:
        text = None
    if text not in {str(v) for v in _READABLE_VERSIONS}:
        raise ValueError(
            f"{where}: unsupported symhmc results format version {attrs.get('symhmc_format_version')!r:.40} "
            f"(this symhmc reads versions {', '.join(map(str, _READABLE_VERSIONS))})"
        )
    return int(text)


def _bad(where: str, field: str, want: str, value) -> ValueError:
    return ValueError(f"{where}: {field} must be {want}, got {value!r:.80}")


def _str_list(value, where: str, field: str) -> list[str]:
    if not (isinstance(value, list) and all(isinstance(v, str) and v for v in value) and len(set(value)) == len(value)):
        raise _bad(where, field, "a list of distinct non-empty strings", value)
    return value


def _optional_shape(value, where: str, field: str):
    return None if value is None else list(parse_shape(value, f"{where}: {field}"))


def _data_meta(value, where: str) -> dict[str, Any]:
    """meta["data"]: stored (bool), fingerprint (hex digest or null), x_shape and y_shape."""
    if not (isinstance(value, dict) and set(value) == {"stored", "fingerprint", "x_shape", "y_shape"}):
        raise _bad(where, "meta['data']", "a dict of stored, fingerprint, x_shape and y_shape", value)
    if not isinstance(value["stored"], bool):
        raise _bad(where, "meta['data']['stored']", "true or false", value["stored"])
    fp = value["fingerprint"]
    if fp is not None and not (isinstance(fp, str) and _DIGEST_RE.fullmatch(fp)):
        raise _bad(where, "meta['data']['fingerprint']", "a sha256 hex digest or null", fp)
    return {
        "stored": value["stored"],
        "fingerprint": fp,
        "x_shape": _optional_shape(value["x_shape"], where, "meta['data']['x_shape']"),
        "y_shape": _optional_shape(value["y_shape"], where, "meta['data']['y_shape']"),
    }


def _arrays_meta(value, where: str) -> dict[str, tuple[np.dtype, tuple[int, ...]]]:
    """meta["arrays"]: the dtype and shape of every array."""
    if not isinstance(value, dict):
        raise _bad(where, "meta['arrays']", "a dict", value)
    out = {}
    for name, info in value.items():
        field = f"meta['arrays'][{name!r:.40}]"
        if not (isinstance(info, dict) and set(info) == {"dtype", "shape"}):
            raise _bad(where, field, "a dict of dtype and shape", info)
        out[name] = (parse_dtype(info["dtype"], f"{where}: {field}"), parse_shape(info["shape"], f"{where}: {field}"))
    return out


def _meta_get(meta: dict, key: str, where: str, default=None, *, required: bool = True):
    if key not in meta:
        if required:
            raise ValueError(f"{where}: meta[{key!r}] is missing")
        return default
    return meta[key]


def _seed(value, where: str) -> int | None:
    if value is None:
        return None
    if not (isinstance(value, str) and _SEED_RE.fullmatch(value)):
        raise _bad(where, "meta['seed']", "a decimal integer string or null", value)
    return int(value)


def _wall_time(value, where: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise _bad(where, "meta['wall_time']", "a finite number", value)
    try:
        seconds = float(value)
    except OverflowError:  # an int beyond the float range
        seconds = math.inf
    if not math.isfinite(seconds):
        raise _bad(where, "meta['wall_time']", "a finite number", value)
    return seconds


def _meta_fields(meta, version: int, where: str) -> dict[str, Any]:
    """The checked fields of the ``meta`` attribute. kind and extra_arrays came with version-1
    files written since they exist, so they default for older version-1 files."""
    if not isinstance(meta, dict):
        raise _bad(where, "meta", "a JSON object", meta)
    partial = _meta_get(meta, "partial", where)
    if not isinstance(partial, bool):
        raise _bad(where, "meta['partial']", "true or false", partial)
    package_version = _meta_get(meta, "package_version", where)
    if not isinstance(package_version, str):
        raise _bad(where, "meta['package_version']", "a string", package_version)
    kind = _meta_get(meta, "kind", where, "SampleResults", required=version >= 2)
    if not isinstance(kind, str) or kind not in _RESULT_KINDS:
        raise _bad(where, "meta['kind']", f"one of {sorted(_RESULT_KINDS)}", kind)
    extra_names = _str_list(
        _meta_get(meta, "extra_arrays", where, [], required=version >= 2), where, "meta['extra_arrays']"
    )
    if set(extra_names) != set(_EXTRA_RULES[kind]):  # a result missing one could not be used or saved
        raise _bad(
            where, "meta['extra_arrays']", f"the arrays a {kind} adds, {sorted(_EXTRA_RULES[kind])}", extra_names
        )
    checksum = meta.get("checksum") if version == 1 else None
    if version == 1 and not (isinstance(checksum, str) and _DIGEST_RE.fullmatch(checksum)):
        raise _bad(where, "meta['checksum']", "a sha256 hex digest", checksum)
    return {
        "seed": _seed(_meta_get(meta, "seed", where), where),
        "wall_time": _wall_time(_meta_get(meta, "wall_time", where), where),
        "partial": partial,
        "package_version": package_version,
        "stat_keys": _str_list(_meta_get(meta, "stat_keys", where), where, "meta['stat_keys']"),
        "kind": kind,
        "extra_names": extra_names,
        "arrays": _arrays_meta(_meta_get(meta, "arrays", where), where),
        "data": _data_meta(_meta_get(meta, "data", where), where),
        "checksum": checksum,
        "arviz_groups": parse_groups_meta(meta.get("arviz_groups"), where),
    }


def _read_metadata(attrs: dict, where: str) -> _Metadata:
    """Parse and check the JSON attributes; ``ValueError`` names the attribute or field."""
    version = _format_version(attrs, where)
    texts = {key: _text_attr(attrs, key, where) for key in _COVERED_ATTRS}
    settings = _dec(_loads(texts["settings"], f"{where}: settings"), f"{where}: settings")
    if not isinstance(settings, dict):
        raise _bad(where, "settings", "a JSON object", settings)
    convergence = _dec(_loads(texts["convergence"], f"{where}: convergence"), f"{where}: convergence")
    model = _model_from_spec(_loads(texts["model"], f"{where}: model"), where)
    fields = _meta_fields(_loads(texts["meta"], f"{where}: meta"), version, where)
    if version >= 2:
        fields["checksum"] = _text_attr(attrs, "checksum", where)
        if not _DIGEST_RE.fullmatch(fields["checksum"]):
            raise _bad(where, "attribute 'checksum'", "a sha256 hex digest", fields["checksum"])
    return _Metadata(version=version, settings=settings, convergence=convergence, model=model, **fields)
