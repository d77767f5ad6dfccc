"""Evaluate a run: predictive scores, the predictive density and its convergence over chains,
and the comparison of two runs."""

from . import compare, draws, ppd, scores
