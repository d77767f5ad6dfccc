"""Shared helpers of the benchmark scripts: timing and saving JSON results with their context."""

from __future__ import annotations

import json
import platform
import sys
import time
from datetime import datetime, timezone
from pathlib import Path

import numpy as np

RESULTS_DIR = Path(__file__).resolve().parent / "results"


def median_time(fn, repeats: int = 15, inner: int = 1) -> float:
    """Median over ``repeats`` of the wall time of ``inner`` calls of ``fn``, divided by ``inner``."""
    fn()  # warm up
    times = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(inner):
            fn()
        times.append((time.perf_counter() - t0) / inner)
    return float(np.median(times))


def context() -> dict:
    import symhmc

    return {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "symhmc": symhmc.__version__,
        "build_arch": symhmc._core.build_arch,
        "kernel_isa": symhmc._core.kernel_isa,
        "openmp": symhmc._core.openmp_available,
        "numpy": np.__version__,
        "python": platform.python_version(),
        "machine": platform.processor() or platform.machine(),
    }


def save(name: str, results: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps({"context": context(), **results}, indent=2) + "\n")
    print(f"saved {path}")
    return path
