"""Figures of a sampling run (matplotlib; ``pip install "symhmc[plot]"``).

Every function returns a ``matplotlib.figure.Figure`` built without pyplot (so it renders on a
headless machine) and saves it when given ``path`` (PNG or SVG by suffix, ``figsize * dpi``
pixels):

* :func:`predictive_band` -- predictive mean, 50 % and 95 % intervals and the data over one input;
  :func:`predictive_contour` -- mean and standard deviation over two inputs;
* :func:`kl_convergence` -- the paper's KL curve of the predictive density as chains are added;
* :func:`pairwise_marginals` -- parameter pairs before and after symmetry removal, coloured by mode;
* :func:`density_by_chains` -- the predictive density after 1, 16, 256 and 1274 chains;
* :func:`equioutput_count` -- the number of equioutput transforms against layer width.

matplotlib is imported when a figure is drawn, not with this module.
"""

from ._figure import _matplotlib as require_matplotlib  # noqa: F401  (the command line fails early with it)
from .convergence import kl_convergence
from .density import PAPER_COUNTS, density_by_chains
from .marginals import pairwise_marginals, parameter_names
from .predictive import predictive_band, predictive_contour
from .transforms import equioutput_count

__all__ = [
    "predictive_band",
    "predictive_contour",
    "kl_convergence",
    "pairwise_marginals",
    "parameter_names",
    "density_by_chains",
    "PAPER_COUNTS",
    "equioutput_count",
]
