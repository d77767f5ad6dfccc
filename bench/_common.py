"""Shared helpers of the benchmark scripts: timing and saving JSON results with their context."""

from __future__ import annotations

import json
import os
import platform
import subprocess
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


def _git(*args) -> str | None:
    try:
        return subprocess.run(
            ["git", *args], cwd=Path(__file__).parent, capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return None


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or platform.machine()


def context() -> dict:
    """What a benchmark number depends on: command, build, versions, machine and its load."""
    import symhmc

    return {
        "command": " ".join([Path(sys.executable).name, *sys.argv]),
        "date": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "symhmc": symhmc.__version__,
        "git_commit": _git("rev-parse", "HEAD"),
        "git_dirty": bool(_git("status", "--porcelain")),
        "build_arch": symhmc._core.build_arch,
        "kernel_isa": symhmc._core.kernel_isa,
        "openmp": symhmc._core.openmp_available,
        "max_threads": symhmc._core.max_threads(),
        "numpy": np.__version__,
        # where datasets.load read the paper's data: its own copy unless SYMHMC_DATA_DIR is set
        "data_dir": str(symhmc.datasets.default_data_dir() or "symhmc package copy"),
        "python": platform.python_version(),
        "cpu": _cpu_model(),
        "cpu_count": os.cpu_count(),
        "load_average": os.getloadavg(),
    }


def save(name: str, results: dict) -> Path:
    RESULTS_DIR.mkdir(parents=True, exist_ok=True)
    path = RESULTS_DIR / f"{name}.json"
    path.write_text(json.dumps({"context": context(), **results}, indent=2) + "\n")
    print(f"saved {path}")
    return path
