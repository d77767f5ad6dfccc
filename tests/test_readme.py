"""The README's Python examples run, in order, in one namespace (documentation that cannot rot).

Runs are scaled down so that the file takes seconds: ``symhmc.sample`` is wrapped to cap the
chains and warmup it is asked for (the call itself, its arguments and the results' API are the
README's). Names the README leaves to the reader (``x_new``, ``X``, ``X_test``, ``y_test``) are
filled in from the data at hand. A block that needs an optional package which is not installed
is skipped, with the reason reported.
"""

from __future__ import annotations

import re
from pathlib import Path

import numpy as np
import pytest

import symhmc
from symhmc import sampling

README = Path(__file__).resolve().parents[1] / "README.md"
MAX_CHAINS, MAX_WARMUP = 6, 60
OPTIONAL = ("xarray", "netCDF4", "h5py", "arviz", "sklearn", "dask", "distributed", "matplotlib")


def python_blocks() -> list[tuple[int, str]]:
    text = README.read_text()
    return [(text[: m.start()].count("\n") + 2, m.group(1)) for m in re.finditer(r"```python\n(.*?)```", text, re.S)]


def scaled_down(real):
    def sample(model, x, y, *, chains=64, warmup=1024, bound=None, auto=None, **kwargs):
        if chains == "bound":
            chains, bound = MAX_CHAINS, None
        elif chains == "auto":
            auto = {**(auto or {}), "round_size": 3, "max_chains": 9}
        else:
            chains = min(chains, MAX_CHAINS)
        kwargs.setdefault("progress", False)
        return real(model, x, y, chains=chains, warmup=min(warmup, MAX_WARMUP), bound=bound, auto=auto, **kwargs)

    return sample


def test_readme_examples_run(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)  # files the examples write land here
    monkeypatch.setattr(symhmc, "sample", scaled_down(symhmc.sample))
    monkeypatch.setattr(sampling, "sample", scaled_down(sampling.sample))
    blocks = python_blocks()
    assert len(blocks) >= 8
    ns: dict = {}
    skipped: list[str] = []
    try:
        run_blocks(blocks, ns, skipped)
    finally:  # the Dask example leaves a local cluster running
        client = ns.get("client")
        if client is not None:
            cluster = getattr(client, "cluster", None)
            client.close()
            if cluster is not None:
                cluster.close()
    assert isinstance(ns["res"], symhmc.SampleResults)
    assert ns["lp"] < 0 and ns["grad"].shape == (ns["model"].dim,)
    if skipped:
        pytest.skip("; ".join(skipped) + " (the other examples ran)")


def run_blocks(blocks, ns: dict, skipped: list[str]) -> None:
    for line, code in blocks:
        if "X_test" in code and "x" in ns:  # the estimator example: the data at hand
            ds = ns["ds"]
            ns.update(X=ns["x"], X_test=ds.x_test, y_test=ds.y_test)
        if "x_new" in code and "x" in ns:
            ns["x_new"] = np.linspace(-1.5, 1.5, 7)[:, None]
        try:
            exec(compile(code, f"README.md:{line}", "exec"), ns)  # noqa: S102 - our own README
        except ImportError as exc:
            # A missing optional package, either raised by Python or by symhmc's own message
            # naming the extra that installs it.
            if (exc.name and exc.name.split(".")[0] in OPTIONAL) or "pip install 'symhmc[" in str(exc):
                skipped.append(f"README.md:{line}: {exc}")
                continue
            raise
