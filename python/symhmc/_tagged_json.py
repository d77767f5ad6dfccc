"""JSON text of the settings and convergence dicts saved with a run: tuples, NumPy arrays and
scalars, non-finite floats and dicts with non-string keys are written with tags so that they load
back equal; anything else raises ``TypeError`` naming where it sits."""

from __future__ import annotations

import json
import math

import numpy as np


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
        if obj.dtype.kind not in "biuf":
            raise TypeError(f"{where} is an array of dtype {obj.dtype}, which cannot be saved "
                            "(only bool, integer and float arrays)")
        return {"__ndarray__": _enc(obj.tolist(), where), "dtype": obj.dtype.str, "shape": list(obj.shape)}
    raise TypeError(f"{where} holds a {type(obj).__name__}, which cannot be saved (JSON-like values, "
                    "tuples and NumPy arrays/scalars only)")


def _dec(obj):
    if isinstance(obj, list):
        return [_dec(v) for v in obj]
    if isinstance(obj, dict):
        if "__float__" in obj:
            return float(obj["__float__"])
        if "__tuple__" in obj:
            return tuple(_dec(v) for v in obj["__tuple__"])
        if "__dict__" in obj:
            return {_hashable(_dec(k)): _dec(v) for k, v in obj["__dict__"]}
        if "__ndarray__" in obj:
            return np.array(_dec(obj["__ndarray__"]), dtype=np.dtype(obj["dtype"])).reshape(obj["shape"])
        return {k: _dec(v) for k, v in obj.items()}
    return obj


def _hashable(k):
    return tuple(_hashable(v) for v in k) if isinstance(k, list) else k


def _dumps(obj, where: str) -> str:
    return json.dumps(_enc(obj, where), allow_nan=False, separators=(",", ":"))
