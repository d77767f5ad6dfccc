"""Baselines scored with the same code as the MCMC runs."""

from .laplace import laplace
