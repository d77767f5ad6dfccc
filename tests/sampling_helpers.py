"""Helpers shared by the sampler tests."""

import os
from pathlib import Path

import numpy as np
import pytest

from symhmc import datasets

DATA_DIR = Path(os.environ.get("SYMHMC_DATA_DIR", Path(__file__).resolve().parents[2] / "shared" / "data"))


def load_paper_data(name):
    """A paper data set with the paper's preprocessing (symhmc.datasets.load); skips without data."""
    if not (DATA_DIR / f"{name}.data").exists():
        pytest.skip(f"benchmark data not found at {DATA_DIR}")
    ds = datasets.load(name, DATA_DIR)
    return ds.x_train, ds.y_train, ds.x_test, ds.y_test


def chain_mean_se(values):
    """Grand mean over (chain, draw, ...) and its Monte Carlo standard error from the spread of
    the per-chain means (independent chains, so valid whatever the autocorrelation)."""
    per_chain = values.mean(axis=1)
    return per_chain.mean(axis=0), per_chain.std(axis=0, ddof=1) / np.sqrt(per_chain.shape[0])
