"""The package type-checks cleanly: ``mypy python/symhmc`` (settings in pyproject.toml's
``[tool.mypy]``) reports no errors. Skipped when mypy is not installed."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "python" / "symhmc"


def test_mypy_reports_no_errors():
    pytest.importorskip("mypy")
    from mypy import api

    stdout, stderr, status = api.run([
        "--config-file", str(ROOT / "pyproject.toml"),
        "--cache-dir", str(ROOT / ".mypy_cache"),
        str(PACKAGE),
    ])
    assert status == 0, f"mypy {PACKAGE} failed (exit status {status}):\n{stdout}{stderr}"
