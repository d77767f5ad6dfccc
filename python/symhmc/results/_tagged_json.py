"""JSON text of the settings and convergence dicts saved with a run: tuples, NumPy arrays and
scalars, non-finite floats and dicts with non-string keys are written with tags so that they load
back equal; anything else raises ``TypeError`` naming where it sits.

Reading is strict because the text comes from a file: :func:`_loads` refuses JSON nested deeper
than :data:`MAX_DEPTH`, and :func:`_dec` accepts a tag only in the exact form :func:`_enc` writes,
raising ``ValueError`` naming where the malformed value sits."""

from __future__ import annotations

import json
import math
import re

import numpy as np

# Far deeper than any settings dict; a limit keeps crafted text from exhausting the stack
# (json.loads and the recursive decoder below recurse once per level).
MAX_DEPTH = 64

# Array dtypes a file may name: bool, integers and floats of 1 to 8 bytes, any byte order.
_DTYPE_RE = re.compile(r"[<>|=]?(b1|[iu][1248]|f[248])")


def _enc(obj, where: str):
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, np.bool_):
        return bool(obj)
    if isinstance(obj, (int, np.integer)):
        return int(obj)
    if isinstance(obj, (float, np.floating)):
        f = float(obj)
        return f if math.isfinite(f) else {"__float__": repr(f)}
    if isinstance(obj, tuple):
        return {"__tuple__": [_enc(v, f"{where}[{i}]") for i, v in enumerate(obj)]}
    if isinstance(obj, list):
        return [_enc(v, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        if all(isinstance(k, str) and not k.startswith("__") for k in obj):
            return {k: _enc(v, f"{where}[{k!r}]") for k, v in obj.items()}
        return {"__dict__": [[_enc(k, f"{where} key"), _enc(v, f"{where}[{k!r}]")] for k, v in obj.items()]}
    if isinstance(obj, np.ndarray):
        if not _DTYPE_RE.fullmatch(obj.dtype.str):
            raise TypeError(
                f"{where} is an array of dtype {obj.dtype}, which cannot be saved "
                "(only bool, integer and float arrays of at most 8 bytes per value)"
            )
        return {"__ndarray__": _enc(obj.tolist(), where), "dtype": obj.dtype.str, "shape": list(obj.shape)}
    raise TypeError(
        f"{where} holds a {type(obj).__name__}, which cannot be saved (JSON-like values, "
        "tuples and NumPy arrays/scalars only)"
    )


def parse_dtype(text, where: str) -> np.dtype:
    """The NumPy dtype a file names (``"<f8"``, ``"|b1"``, ...): only bool, integer and float
    types, so a file can never ask for objects, strings, structured or sub-array types."""
    if not isinstance(text, str) or not _DTYPE_RE.fullmatch(text):
        raise ValueError(f"{where}: dtype must be a bool, integer or float type such as '<f8', got {text!r:.80}")
    return np.dtype(text)


def parse_shape(value, where: str) -> tuple[int, ...]:
    """An array shape from a file: a list of at most 32 non-negative integers."""
    if (
        not isinstance(value, list)
        or len(value) > 32
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in value)
    ):
        raise ValueError(f"{where}: shape must be a list of non-negative integers, got {value!r:.80}")
    return tuple(value)


def _depth_ok(obj) -> bool:
    """Whether ``obj`` nests at most MAX_DEPTH containers (checked without recursion)."""
    stack = [(obj, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, (list, dict)):
            if depth > MAX_DEPTH:
                return False
            stack.extend((v, depth + 1) for v in (item.values() if isinstance(item, dict) else item))
    return True


def _loads(text: str, where: str):
    """``json.loads`` that raises ``ValueError`` naming ``where`` for anything it cannot parse,
    including text nested too deeply to parse or decode safely."""
    try:
        obj = json.loads(text)
    except RecursionError:
        raise ValueError(f"{where}: JSON nested too deeply (more than {MAX_DEPTH} levels)") from None
    except ValueError as exc:  # JSONDecodeError, bad UTF-8, integers with too many digits
        raise ValueError(f"{where}: not valid JSON ({exc})") from None
    if not _depth_ok(obj):
        raise ValueError(f"{where}: JSON nested too deeply (more than {MAX_DEPTH} levels)")
    return obj


def _tag_error(where: str, tag: str, obj) -> ValueError:
    return ValueError(f"{where}: malformed {tag!r} value {obj!r:.80}")


def _dec_float(obj, where):
    value = obj["__float__"]
    if set(obj) != {"__float__"} or not isinstance(value, str):
        raise _tag_error(where, "__float__", obj)
    try:
        return float(value)
    except ValueError:
        raise _tag_error(where, "__float__", obj) from None


def _dec_dict(obj, where):
    items = obj["__dict__"]
    if set(obj) != {"__dict__"} or not isinstance(items, list):
        raise _tag_error(where, "__dict__", obj)
    out = {}
    for i, pair in enumerate(items):
        if not (isinstance(pair, list) and len(pair) == 2):
            raise _tag_error(f"{where}[{i}]", "__dict__", pair)
        key = _hashable(_dec(pair[0], f"{where} key {i}"))
        try:
            hash(key)
        except TypeError:  # a dict, or a tuple holding one
            raise _tag_error(f"{where} key {i}", "__dict__", pair[0]) from None
        out[key] = _dec(pair[1], f"{where}[{key!r:.40}]")
    return out


def _dec_ndarray(obj, where):
    if set(obj) != {"__ndarray__", "dtype", "shape"}:
        raise _tag_error(where, "__ndarray__", obj)
    dtype = parse_dtype(obj["dtype"], where)
    shape = parse_shape(obj["shape"], where)
    values = _dec(obj["__ndarray__"], where)
    try:
        return np.array(values, dtype=dtype).reshape(shape)
    except (TypeError, ValueError, OverflowError) as exc:
        raise ValueError(f"{where}: malformed '__ndarray__' value ({exc})") from None


def _dec(obj, where: str = "value"):
    """Inverse of :func:`_enc`; ``where`` names the value in error messages."""
    if isinstance(obj, list):
        return [_dec(v, f"{where}[{i}]") for i, v in enumerate(obj)]
    if isinstance(obj, dict):
        if "__float__" in obj:
            return _dec_float(obj, where)
        if "__tuple__" in obj:
            if set(obj) != {"__tuple__"} or not isinstance(obj["__tuple__"], list):
                raise _tag_error(where, "__tuple__", obj)
            return tuple(_dec(v, f"{where}[{i}]") for i, v in enumerate(obj["__tuple__"]))
        if "__dict__" in obj:
            return _dec_dict(obj, where)
        if "__ndarray__" in obj:
            return _dec_ndarray(obj, where)
        return {k: _dec(v, f"{where}[{k!r}]") for k, v in obj.items()}
    return obj


def _hashable(k):
    return tuple(_hashable(v) for v in k) if isinstance(k, list) else k


def _dumps(obj, where: str) -> str:
    return json.dumps(_enc(obj, where), allow_nan=False, separators=(",", ":"))
