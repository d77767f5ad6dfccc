"""The fused narrow-MLP kernel (networks of 2+ hidden layers of width <= 32, one output) gives the
log density and gradient of the layer-by-layer path up to rounding, and matches finite
differences, with every kernel table this CPU can run; so does its float32 version
(``dtype="float32"``), at float32 tolerance against float64 and the float32 layer-by-layer path."""

import functools
import json
import os
import subprocess
import sys

import pytest

from symhmc import _core

HERE = os.path.dirname(__file__)


@functools.lru_cache(maxsize=None)  # one process per table serves both tests
def run_check(table: str) -> dict:
    env = dict(os.environ, SYMHMC_KERNELS=table)
    env.pop("SYMHMC_FUSED_MLP", None)
    proc = subprocess.run(
        [sys.executable, os.path.join(HERE, "fused_mlp_check.py")], capture_output=True, text=True, env=env, timeout=300
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    return json.loads(proc.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize("table", ["baseline", "avx2", "avx512"])
def test_fused_mlp_matches_layered_path_and_finite_differences(table):
    if table not in _core.kernel_tables:
        pytest.skip(f"this build or CPU has no {table} kernels")
    out = run_check(table)
    assert out["kernel_isa"] == _core.kernel_tables[table]
    assert len(out["cases"]) >= 5
    for row in out["cases"]:
        assert row["lp_rel"] < 1e-12, row
        assert row["grad_rel"] < 1e-12, row
        assert row["fd_rel"] < 1e-6, row
    # the fused path was taken: with many rows its sums run in another order than the layered ones
    assert not all(row["bit_identical"] for row in out["cases"]), out["cases"]


@pytest.mark.parametrize("table", ["baseline", "avx2", "avx512"])
def test_fused_mlp_float32_matches_float64_layered_float32_and_finite_differences(table):
    if table not in _core.kernel_tables:
        pytest.skip(f"this build or CPU has no {table} kernels")
    out = run_check(table)
    for row in out["cases"]:
        # float32 tolerance against float64 (log density 1e-5, gradient 1e-4 of its largest entry)
        assert row["f32_lp_rel"] < 1e-5, row
        assert row["f32_grad_rel"] < 1e-4, row
        assert row["f32_vs_layered_lp_rel"] < 1e-5, row
        assert row["f32_vs_layered_grad_rel"] < 1e-4, row
        # its own log density and gradient agree: finite differences (step 1e-2) as close to the
        # gradient as float64's with the same step, up to float32 rounding
        assert row["f32_fd_rel"] < row["f64_fd_rel_same_step"] + 1e-4, row
        assert row["f32_differs_from_f64"], row
    # the float32 fused path was taken: it rounds otherwise than the float32 layered one
    assert not all(row["f32_bit_identical_to_layered"] for row in out["cases"]), out["cases"]
