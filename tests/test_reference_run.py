"""Same seed, same draws: today's runs equal, bit for bit, references saved with each kernel table
(see tests/reference_run.py for which build and table each file belongs to)."""

import os
import subprocess
import sys

import pytest

from symhmc import _core

HERE = os.path.dirname(__file__)


@pytest.mark.parametrize("table", ["baseline", "avx2"])
def test_draws_match_the_saved_reference_bit_for_bit(table):
    if _core.build_arch != "x86-64":
        pytest.skip(f"the references belong to the x86-64 build (this one is {_core.build_arch})")
    if table not in _core.kernel_tables:
        pytest.skip(f"this CPU cannot run the {table} kernels")
    env = dict(os.environ, SYMHMC_KERNELS=table)
    proc = subprocess.run(
        [
            sys.executable,
            os.path.join(HERE, "reference_run.py"),
            "check",
            os.path.join(HERE, "data", f"reference_run_{table}.npz"),
        ],
        capture_output=True,
        text=True,
        env=env,
        timeout=600,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert f"identical ({_core.kernel_tables[table]} kernels)" in proc.stdout, proc.stdout
