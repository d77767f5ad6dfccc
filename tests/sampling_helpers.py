"""Helpers shared by the sampler tests."""

import json
import os
from pathlib import Path

import numpy as np
import pytest

DATA_DIR = Path(os.environ.get("SYMHMC_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))


def load_paper_data(name):
    """The paper's preprocessing: standardize every column over all rows, then split."""
    path = DATA_DIR / f"{name}.data"
    if not path.exists():
        pytest.skip(f"benchmark data not found at {path}")
    d = np.loadtxt(path)
    d = (d - d.mean(0)) / d.std(0)
    split = json.loads((DATA_DIR / "splits.json").read_text())[name]
    tr, te = np.asarray(split["train"]), np.asarray(split["test"])
    return d[tr, :-1], d[tr, -1], d[te, :-1], d[te, -1]


def chain_mean_se(values):
    """Grand mean over (chain, draw, ...) and its Monte Carlo standard error from the spread of
    the per-chain means (independent chains, so valid whatever the autocorrelation)."""
    per_chain = values.mean(axis=1)
    return per_chain.mean(axis=0), per_chain.std(axis=0, ddof=1) / np.sqrt(per_chain.shape[0])
