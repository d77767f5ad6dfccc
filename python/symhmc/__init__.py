"""symhmc: many short NUTS chains for Bayesian neural networks, with weight-space symmetry removal."""

from . import _core, _kernels
from . import baselines, bounds, datasets, diagnostics, ppd, scores, symmetry
from ._scaling import DataScaleWarning
from .io import load
from .compare import PredictiveComparison, compare_predictive
from .model import MLP
from .results import SampleResults
from .sampling import sample, sample_target

# Written once, in pyproject.toml; CMake compiles it into the module (and the C++ version header).
__version__: str = _core.__version__

_kernels.warn_if_ignored()
__all__ = ["MLP", "DataScaleWarning", "PredictiveComparison", "compare_predictive", "SampleResults", "load", "sample", "sample_target", "baselines", "bounds", "datasets",
           "diagnostics", "ppd", "scores", "symmetry", "__version__"]


# BNNRegressor needs scikit-learn, an optional dependency: its module is imported on first use
# so that ``import symhmc`` works without scikit-learn (and stays fast). It is left out of
# __all__ so that ``from symhmc import *`` does not need scikit-learn either.
def __getattr__(name):
    if name == "BNNRegressor":
        from .sklearn import BNNRegressor

        return BNNRegressor
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def __dir__():
    return sorted([*globals(), "BNNRegressor"])
