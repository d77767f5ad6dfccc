"""Baselines to compare the many-chain sampler with: deep ensembles (:func:`deep_ensemble`),
trained by the compiled full-batch optimiser on exactly the log density the sampler targets."""

from .ensemble import PRESETS, EnsembleResults, deep_ensemble

__all__ = ["deep_ensemble", "EnsembleResults", "PRESETS"]
