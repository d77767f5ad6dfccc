"""Evaluate a run: predictive scores, the predictive density and its convergence over chains,
and the comparison of two runs.

The scores are written once, over :class:`Predictions` (network outputs and noise scales of
posterior draws at some inputs): ``lppd(pred, y)``, ``rmse``, ``coverage``, ``crps`` and
``predictive_summary``. Make ``pred`` with ``results.predictions(x)``,
``Predictions.of_model(model, params, x)`` or ``Predictions(f, sigma)``;
:class:`~symhmc.SampleResults` has the same scores as methods (``results.lppd(x, y)``).
"""

from . import compare, draws, pointwise, ppd, predictions, scores
from .pointwise import CRPS, LPPD, PredictiveSummary
from .predictions import Predictions, coverage, crps, lppd, predictive_summary, rmse

__all__ = [
    "Predictions",
    "lppd",
    "rmse",
    "coverage",
    "crps",
    "predictive_summary",
    "LPPD",
    "CRPS",
    "PredictiveSummary",
    "compare",
    "draws",
    "pointwise",
    "ppd",
    "predictions",
    "scores",
]
