"""The ArviZ groups of a netCDF results file (``posterior``, ``sample_stats``, ...): what
:func:`symhmc.save` writes next to symhmc's own arrays so that ``az.from_netcdf`` reads the file,
how the file's metadata describes them, and how :func:`symhmc.load` checks them.

The groups are derived from the results (``load`` does not need them to rebuild a run), but
they are part of the file: ``meta["arviz_groups"]`` lists every group's variables (dtype and
shape) and a sha256 digest of their names, dimensions, dtypes, shapes and bytes, and the file's
checksum covers ``meta``. ``load`` refuses a file holding a group that list does not name, or a
listed group whose variables, dtypes or shapes differ from it or whose values do not match its
digest, reading headers before any value, as for symhmc's own arrays. A listed group that was
removed is accepted: ``load`` rebuilds the run from symhmc's own arrays alone, which the checksum
covers. symhmc's own group (``symhmc``, format version 3) is not one of these: the container
leaves it out of ``box.groups``."""

from __future__ import annotations

import hashlib
import math
import re

import numpy as np

from ._tagged_json import parse_dtype, parse_shape

__all__ = ["build_groups", "describe_groups", "parse_groups_meta", "verify_groups"]

_NAME_RE = re.compile(r"[A-Za-z_][A-Za-z0-9_]{0,63}")


def build_groups(results) -> dict:
    """The ArviZ groups written into a netCDF file: :func:`symhmc.results.arviz_export.arviz_datasets`
    with its defaults (raw weights, ``f``, posterior predictive, log-likelihood)."""
    from ._file_containers import _import_xarray  # noqa: PLC0415
    from .arviz_export import arviz_datasets  # noqa: PLC0415

    _import_xarray()  # its error names the npz alternative
    return arviz_datasets(results)


def _variables(ds) -> dict[str, tuple[tuple[str, ...], np.ndarray]]:
    return {str(name): (tuple(str(d) for d in v.dims), np.asarray(v.values)) for name, v in ds.variables.items()}


def _digest(variables: dict[str, tuple[tuple[str, ...], np.ndarray]]) -> str:
    h = hashlib.sha256(b"symhmc arviz group 1\n")
    for name in sorted(variables):
        dims, a = variables[name]
        a = np.ascontiguousarray(a)
        h.update(f"{name}|{','.join(dims)}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


def describe_groups(groups: dict) -> dict:
    """``meta["arviz_groups"]``: for every group (name -> ``xarray.Dataset``) the dtype and
    shape of each variable and the digest of their values. Raises ``TypeError`` for a variable
    :func:`symhmc.load` could not read back (strings, objects)."""
    out = {}
    for group, ds in groups.items():
        variables = _variables(ds)
        arrays = {}
        for name, (_, a) in variables.items():
            try:
                parse_dtype(a.dtype.str, name)
            except ValueError:
                raise TypeError(
                    f"ArviZ group {group!r}: variable {name!r} has dtype {a.dtype}; only bool, "
                    "integer and float variables can be saved"
                ) from None
            arrays[name] = {"dtype": a.dtype.str, "shape": list(a.shape)}
        out[group] = {"digest": _digest(variables), "arrays": arrays}
    return out


def parse_groups_meta(value, where: str) -> dict:
    """The checked ``meta["arviz_groups"]`` (absent: no groups): group -> ``{"digest": str,
    "arrays": {name: (dtype, shape)}}``."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        raise ValueError(f"{where}: meta['arviz_groups'] must be a dict, got {value!r:.80}")
    out = {}
    for group, info in value.items():
        field = f"meta['arviz_groups'][{group!r:.40}]"
        if not (isinstance(group, str) and _NAME_RE.fullmatch(group)):
            raise ValueError(f"{where}: {field}: a group name must be a short identifier")
        if not (
            isinstance(info, dict)
            and set(info) == {"digest", "arrays"}
            and isinstance(info["arrays"], dict)
            and isinstance(info["digest"], str)
            and re.fullmatch(r"[0-9a-f]{64}", info["digest"])
        ):
            raise ValueError(f"{where}: {field} must be a dict of a sha256 'digest' and 'arrays', got {info!r:.80}")
        arrays = {}
        for name, spec in info["arrays"].items():
            vfield = f"{field}['arrays'][{name!r:.40}]"
            if not (isinstance(name, str) and _NAME_RE.fullmatch(name)):
                raise ValueError(f"{where}: {vfield}: a variable name must be a short identifier")
            if not (isinstance(spec, dict) and set(spec) == {"dtype", "shape"}):
                raise ValueError(f"{where}: {vfield} must be a dict of dtype and shape, got {spec!r:.80}")
            arrays[name] = (
                parse_dtype(spec["dtype"], f"{where}: {vfield}"),
                parse_shape(spec["shape"], f"{where}: {vfield}"),
            )
        out[group] = {"digest": info["digest"], "arrays": arrays}
    return out


def _fits(stored: np.dtype, recorded: np.dtype) -> bool:
    """The same dtype, or int8 for bool (how netCDF stores bool)."""
    return stored == recorded or (recorded.kind == "b" and stored.kind in "iu" and stored.itemsize == 1)


def verify_groups(box, listed: dict, own_bytes: int, where: str) -> None:
    """Check the ArviZ groups of the opened file ``box`` against ``listed`` (from
    :func:`parse_groups_meta`): no group that is not listed; in each listed group present,
    exactly the listed variables with their recorded shapes and dtypes, no more bytes (symhmc's
    own arrays, ``own_bytes``, included) than the file holds; then read them and compare
    digests. Raises ``ValueError`` naming the group."""
    present: set[str] = getattr(box, "groups", set())
    wanted = {f"/{name}" for name in listed}
    if box.kind != "netcdf" and listed:
        raise ValueError(f"{where}: meta['arviz_groups'] lists groups, which only netCDF files hold")
    unknown = sorted(present - wanted)
    if unknown:
        raise ValueError(f"{where}: the file holds groups its metadata does not list: {unknown[:5]!r:.200}")
    # A listed group that is absent is not an error: the groups are derived from symhmc's own
    # arrays, which the checksum has verified, so nothing load returns depends on them.
    listed = {group: info for group, info in listed.items() if f"/{group}" in present}
    total = own_bytes
    for group, info in listed.items():
        headers = box.group_headers(f"/{group}")
        if set(headers) != set(info["arrays"]):
            raise ValueError(
                f"{where}: ArviZ group {group!r} holds variables {sorted(headers)[:10]}, its metadata "
                f"lists {sorted(info['arrays'])[:10]} (corrupt or modified file?)"
            )
        for name, (dtype, shape) in info["arrays"].items():
            stored_dtype, stored_shape = headers[name]
            if stored_shape != shape or not _fits(stored_dtype, dtype):
                raise ValueError(
                    f"{where}: ArviZ group {group!r}: variable {name!r} is {stored_dtype} {stored_shape}, "
                    f"expected {dtype} {shape} (corrupt file?)"
                )
            total += math.prod(shape) * stored_dtype.itemsize
    if total > box.size:
        raise ValueError(
            f"{where}: the metadata announces {total} bytes of arrays, more than the file's "
            f"{box.size} bytes (corrupt or crafted file?)"
        )
    for group, info in listed.items():
        variables = box.read_group(f"/{group}")
        for name, (dims, a) in variables.items():
            recorded = info["arrays"][name][0]
            if a.dtype != recorded:
                variables[name] = (dims, a.astype(recorded))
        if _digest(variables) != info["digest"]:
            raise ValueError(
                f"{where}: checksum mismatch in ArviZ group {group!r}: its values were modified or corrupted"
            )
