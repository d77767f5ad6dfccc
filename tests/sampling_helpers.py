"""Helpers shared by the sampler tests."""

import numpy as np

from symhmc import datasets


def load_paper_data(name):
    """A paper data set with the paper's preprocessing, from the package's own copy."""
    ds = datasets.load(name)
    return ds.x_train, ds.y_train, ds.x_test, ds.y_test


def chain_mean_se(values):
    """Grand mean over (chain, draw, ...) and its Monte Carlo standard error from the spread of
    the per-chain means (independent chains, so valid whatever the autocorrelation)."""
    per_chain = values.mean(axis=1)
    return per_chain.mean(axis=0), per_chain.std(axis=0, ddof=1) / np.sqrt(per_chain.shape[0])
