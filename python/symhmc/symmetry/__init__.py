"""Weight-space symmetries of MLPs: equioutput transforms, an exact reference set, and
data-driven symmetry removal from posterior samples (docs/paper.md sections 2, 3 and 5).

Transforms
----------
A :class:`Transform` holds, for every hidden layer ``h``, a permutation ``perms[h]`` and signs
``signs[h]`` (``+1``/``-1``; only ``+1`` for relu). Neuron ``j`` of the transformed network is
neuron ``perms[h][j]`` of the original one, multiplied by ``signs[h][j]``: its incoming weights,
bias and outgoing weights move (and flip) together, so the network computes the same function.

Exact tools
-----------
:func:`cardinality` counts the transforms, :func:`apply_transform` applies them,
:func:`random_transform` draws them, :func:`canonicalize` maps any parameter vector to one fixed
representative of its equioutput class (see ``cpp/include/symhmc/symmetry.hpp`` for the exact
definition and why the layers are processed from the last to the first).

Data-driven removal
-------------------
:func:`align` relabels samples so that the posterior looks unimodal per mode
(``method="match"``: exact assignment to a running template; ``method="paper"``: the paper's
unsupervised SVM + greedy k-NN relabelling, as the authors' code runs it or our pooled variant),
and :func:`find_modes` clusters aligned samples (or their predictions) into functionally
different modes (spectral clustering, scikit-learn), with the evidence for their number.

Modules: :mod:`.transforms` (the exact tools), :mod:`.align` (with its methods in ``_match``,
``_paper_authors`` and ``_paper``), :mod:`.modes` (:func:`find_modes`, with ``_spectral``);
every public name is re-exported here.

Parameter vectors may end in ``log sigma`` (length ``model.dim``); it is never changed. Every
function accepts any leading shape, e.g. the ``(chain, draw, dim)`` arrays of a sampling run.
"""

from .align import AlignInfo, align
from .modes import Modes, ModeSummary, ModeWarning, find_modes
from .transforms import Transform, apply_transform, canonicalize, cardinality, identity_transform, random_transform

__all__ = [
    "Transform",
    "cardinality",
    "identity_transform",
    "random_transform",
    "apply_transform",
    "canonicalize",
    "align",
    "AlignInfo",
    "find_modes",
    "Modes",
    "ModeSummary",
    "ModeWarning",
]
