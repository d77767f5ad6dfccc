"""Same seed, same draws: today's runs equal, bit for bit, a reference saved before a refactor."""

import os
import subprocess
import sys

HERE = os.path.dirname(__file__)


def test_draws_match_the_saved_reference_bit_for_bit():
    env = dict(os.environ, SYMHMC_KERNELS="portable")
    proc = subprocess.run([sys.executable, os.path.join(HERE, "reference_run.py"), "check",
                           os.path.join(HERE, "data", "reference_run.npz")],
                          capture_output=True, text=True, env=env, timeout=600)
    assert proc.returncode == 0, proc.stdout + proc.stderr
    assert "identical" in proc.stdout
