"""symhmc: many short NUTS chains for Bayesian neural networks, with weight-space symmetry removal."""

import importlib as _importlib

from . import _core, _kernels  # noqa: F401 - the compiled core loads first; its kernel check runs below
from . import baselines, bounds, datasets, diagnostics, evaluate, symmetry
from .evaluate import ppd, scores
from .evaluate.compare import PredictiveComparison, compare_predictive
from .model import MLP
from .results import SampleResults
from .results.io import load
from .sampling import sample, sample_target
from .utils import moved as _moved
from .utils.scaling import DataScaleWarning
from .utils.version import __version__

# Modules that moved into the subpackages: their old names still import (symhmc.scores and
# symhmc.ppd for good; the others warn and go in the next release, see CHANGELOG.md).
_MOVED = {
    "scores": _moved.Moved("symhmc.evaluate.scores", deprecated=False),
    "ppd": _moved.Moved("symhmc.evaluate.ppd", deprecated=False),
    "compare": _moved.Moved("symhmc.evaluate.compare"),
    "convergence": _moved.Moved("symhmc.diagnostics.convergence"),
    "summary": _moved.Moved("symhmc.diagnostics.summary"),
    "io": _moved.Moved("symhmc.results.io"),
    "arviz_export": _moved.Moved("symhmc.results.arviz_export"),
    "checkpoint": _moved.Moved("symhmc.sampling.checkpoint"),
    "chain_rules": _moved.Moved("symhmc.sampling.chain_rules"),
}
_moved.install({f"{__name__}.{old}": m for old, m in _MOVED.items()}, skip_file=__file__)

_kernels.warn_if_ignored()
__all__ = [
    "MLP",
    "DataScaleWarning",
    "PredictiveComparison",
    "compare_predictive",
    "SampleResults",
    "load",
    "sample",
    "sample_target",
    "baselines",
    "bounds",
    "datasets",
    "diagnostics",
    "evaluate",
    "ppd",
    "scores",
    "symmetry",
    "__version__",
]


# BNNRegressor needs scikit-learn, an optional dependency: its module is imported on first use
# so that ``import symhmc`` works without scikit-learn (and stays fast). It is left out of
# __all__ so that ``from symhmc import *`` does not need scikit-learn either.
def __getattr__(name):
    if name == "BNNRegressor":
        from .sklearn import BNNRegressor  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

        return BNNRegressor
    if name in _MOVED:  # an old module name used as an attribute: imported (and warned) once
        return _importlib.import_module(f"{__name__}.{name}")
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), "BNNRegressor"])
