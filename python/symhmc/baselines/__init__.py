"""Baselines to compare the many-chain sampler with: deep ensembles (:func:`deep_ensemble`),
trained by the compiled full-batch optimiser on exactly the log density the sampler targets, and
the Laplace approximation around one or several MAP points (:func:`laplace`, including the
mixture of Laplace approximations around deep-ensemble members)."""

from .ensemble import PRESETS, EnsembleResults, deep_ensemble
from .laplace import HessianNotPositiveDefinite, LaplaceResults, laplace

__all__ = ["deep_ensemble", "EnsembleResults", "PRESETS", "laplace", "LaplaceResults", "HessianNotPositiveDefinite"]
