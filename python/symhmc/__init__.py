"""symhmc: many short NUTS chains for Bayesian neural networks, with weight-space symmetry removal."""

from . import _core
from . import baselines, bounds, datasets, diagnostics, ppd, scores, symmetry
from ._scaling import DataScaleWarning
from .io import load
from .model import MLP
from .results import SampleResults
from .sampling import sample, sample_target

__version__ = "0.1.0"
__all__ = ["MLP", "DataScaleWarning", "SampleResults", "load", "sample", "sample_target", "baselines", "bounds", "datasets",
           "diagnostics", "ppd", "scores", "symmetry", "__version__"]
