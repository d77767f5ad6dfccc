"""symhmc: many short NUTS chains for Bayesian neural networks, with weight-space symmetry removal."""

from . import _core
from . import symmetry
from .model import MLP

__version__ = "0.1.0"
__all__ = ["MLP", "symmetry", "__version__"]
