"""Functionally different modes: spectral clustering of aligned samples or of their predictions
(:func:`find_modes`), reported with the evidence for the number of modes."""

from __future__ import annotations

import warnings
from dataclasses import dataclass, field
from typing import cast

import numpy as np

from ..utils.validation import as_float_array, positive_float, positive_int, seed_arg
from ..model import MLP
from . import _spectral
from ._checks import _check_model, _check_params

#: Default ``min_gap_ratio``: the chosen eigengap must be at least this many times the next largest.
MIN_GAP_RATIO = 2.0
#: Pairwise distances for the within/between evidence use at most this many samples.
DISTANCE_SAMPLE = 1000


class ModeWarning(UserWarning):
    """The number of modes :func:`find_modes` chose is not well supported by the evidence.

    Raised as a warning when ``k`` hits its cap, the eigengap is not clear (and the graph does not
    fall apart into well separated parts), or the clustering methods disagree (``k_by_method``).

    Examples
    --------
    Samples without cluster structure give no clear eigengap:

    >>> import warnings
    >>> from symhmc import MLP, symmetry
    >>> model = MLP(hidden=(3,))
    >>> noise = np.random.default_rng(0).normal(size=(60, model.dim))
    >>> with warnings.catch_warnings(record=True) as caught:
    ...     warnings.simplefilter("always")
    ...     modes = symmetry.find_modes(noise, model)
    >>> modes.k, modes.clear_gap, caught[0].category.__name__
    (1, False, 'ModeWarning')
    """


@dataclass
class ModeSummary:
    """One functionally different mode: its size and the mean / std of its (aligned) samples.

    Attributes
    ----------
    size : int
        Samples in the mode (0 if k-means left it empty).
    fraction : float
        ``size`` over the number of samples.
    mean, std : ndarray (n_params or dim,)
        Per-coordinate mean and standard deviation of the mode's samples (nan when empty).
    medoid : int
        Index into the flattened samples of the member closest to the mode's mean (-1 when
        empty).

    Examples
    --------
    >>> from symhmc import MLP, symmetry
    >>> model = MLP(hidden=(3,))
    >>> rng = np.random.default_rng(0)
    >>> centers = rng.normal(size=(2, model.dim))     # two networks: 30 and 10 noisy copies
    >>> theta = np.repeat(centers, [30, 10], axis=0) + 0.01 * rng.normal(size=(40, model.dim))
    >>> scrambled = symmetry.apply_transform(theta, model,
    ...                                      symmetry.random_transform(model, seed=1, size=40))
    >>> modes = symmetry.find_modes(symmetry.align(scrambled, model), model)
    >>> second = modes.summaries[1]
    >>> second.size, second.fraction, second.mean.shape, int(modes.labels[second.medoid])
    (10, 0.25, (11,), 1)
    """

    size: int
    fraction: float
    mean: np.ndarray
    std: np.ndarray
    medoid: int


@dataclass
class Modes:
    """Result of :func:`find_modes`: the modes and the evidence for their number.

    Attributes
    ----------
    k : int
        Number of modes.
    labels : ndarray of int
        Mode of every sample (the samples' leading shape); modes numbered by decreasing size.
    probabilities : ndarray (k,)
        Share of the samples in every mode (sums to 1): an estimate of the probability that a
        chain lands in it, ready for :meth:`chains_needed`.
    sizes : ndarray (k,)
        Samples per mode.
    eigenvalues : ndarray
        Smallest eigenvalues of the normalized graph Laplacian, ascending (``max_k + 1`` of them
        when there are enough samples).
    gaps : ndarray
        ``gaps[i] = eigenvalues[i + 1] - eigenvalues[i]``: a gap after ``i + 1`` eigenvalues
        near 0 suggests ``i + 1`` modes.
    gap : float
        The gap after ``k`` eigenvalues.
    gap_ratio : float
        ``gap`` over the largest other gap among the candidates ``1 .. max_k`` (inf if all other
        gaps are 0).
    clear_gap : bool
        ``gap_ratio >= min_gap_ratio``, or the graph falls apart into exactly ``k`` parts whose
        ``separation >= min_gap_ratio``. Falling apart alone is not enough: a k-NN graph of
        sparse samples can split where there is no more than a hole between neighbours.
    n_components : int
        Connected components of the similarity graph (as many eigenvalues are 0).
    separation : float
        With several components: the smallest distance between samples of different components
        over the largest distance from a sample to its ``n_neighbors``-th neighbour, in the space
        that was clustered (nan for a connected graph). Well separated modes give several times 1.
    cap_hit : bool
        ``k`` was chosen by the eigengap and equals its cap (``max_k``, or fewer with few
        samples); never when ``k`` is the number of connected components.
    within_distance, between_distance : float
        Mean Euclidean distance between two samples of the same mode and of different modes, in
        the space that was clustered (nan when undefined); well separated modes have
        ``between_distance`` several times ``within_distance``.
    k_from_eigengap : bool
        ``k`` was chosen by the eigengap (not passed in).
    method, space : str
        How and where the samples were clustered.
    summaries : list of ModeSummary
        Size, mean, std and medoid of every mode in parameter space.
    k_by_method : dict of str to int
        When ``k`` was chosen (not passed in): the number of modes every clustering choice picks
        on the same samples, by the same rule (connected components, else the largest eigengap),
        each with its own defaults: ``"weights/local"`` and ``"weights/paper"`` in weight space,
        ``"function/local"`` and ``"function/paper"`` in function space (when ``x_grid`` is
        given). The entry of the choice made equals ``k``; it is the only one with
        ``cross_check=False``. Empty when ``k`` was passed in.

    Examples
    --------
    >>> from symhmc import MLP, symmetry
    >>> model = MLP(hidden=(3,))
    >>> rng = np.random.default_rng(0)
    >>> centers = rng.normal(size=(2, model.dim))     # two networks: 30 and 10 noisy copies
    >>> theta = np.repeat(centers, [30, 10], axis=0) + 0.01 * rng.normal(size=(40, model.dim))
    >>> scrambled = symmetry.apply_transform(theta, model,
    ...                                      symmetry.random_transform(model, seed=1, size=40))
    >>> modes = symmetry.find_modes(symmetry.align(scrambled, model), model)
    >>> modes.k, modes.sizes, modes.probabilities, modes.clear_gap
    (2, array([30, 10]), array([0.75, 0.25]), True)
    >>> bool(modes.between_distance > 10 * modes.within_distance)
    True
    """

    k: int
    labels: np.ndarray
    summaries: list
    eigenvalues: np.ndarray
    k_from_eigengap: bool
    probabilities: np.ndarray
    sizes: np.ndarray
    gaps: np.ndarray
    gap: float
    gap_ratio: float
    clear_gap: bool
    cap_hit: bool
    within_distance: float
    between_distance: float
    n_components: int
    method: str
    space: str
    separation: float = float("nan")
    k_by_method: dict = field(default_factory=dict)

    @property
    def methods_agree(self) -> bool:
        """Every clustering choice in :attr:`k_by_method` found the same number of modes (True when empty)."""
        return len(set(self.k_by_method.values())) <= 1

    def chains_needed(self, p: float = 0.99, method: str = "markov") -> int:
        """Chains needed to visit every found mode with probability ``p``.

        A chain is assumed to land in mode j with probability ``probabilities[j]``; the bound is
        :func:`symhmc.bounds.chains_needed`.

        Parameters
        ----------
        p : float, default 0.99
            Required probability, strictly between 0 and 1.
        method : {"markov", "exact", "union"}, default "markov"
            The bound, as in :func:`symhmc.bounds.chains_needed`.

        Returns
        -------
        int
            The number of chains (modes that k-means left empty are not counted).

        Raises
        ------
        ValueError
            If ``p`` or ``method`` is invalid.

        Examples
        --------
        Two modes holding 75 % and 25 % of the samples:

        >>> from symhmc import MLP, symmetry
        >>> model = MLP(hidden=(3,))
        >>> rng = np.random.default_rng(0)
        >>> centers = rng.normal(size=(2, model.dim))     # two networks: 30 and 10 noisy copies
        >>> theta = np.repeat(centers, [30, 10], axis=0) + 0.01 * rng.normal(size=(40, model.dim))
        >>> scrambled = symmetry.apply_transform(theta, model,
        ...                                      symmetry.random_transform(model, seed=1, size=40))
        >>> modes = symmetry.find_modes(symmetry.align(scrambled, model), model)
        >>> modes.chains_needed(0.99, method="exact")
        17
        """
        from ..bounds import chains_needed  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

        probs = self.probabilities[self.probabilities > 0]
        return chains_needed(p=p, probs=probs, method=method)


def _features(samples, model, space, x_grid, include_noise):
    """The vectors to cluster: network parameters (plus log sigma), or predictions on ``x_grid``."""
    flat = samples.reshape(-1, samples.shape[-1])
    if space == "weights":
        return flat if include_noise else flat[:, : model.n_params]
    if x_grid is None:
        raise ValueError(
            "x_grid is required for space='function': the inputs to predict at "
            "(e.g. a grid over the data's range, or the training inputs)"
        )
    x_grid = model.check_x(as_float_array(x_grid, "x_grid"))
    pred = model.predict(flat, x_grid).reshape(flat.shape[0], -1)
    if include_noise and flat.shape[1] == model.dim:
        pred = np.concatenate([pred, flat[:, model.n_params :]], axis=1)
    return pred


def _standardizes(method: str, space: str) -> bool:
    """The default of ``standardize``: the paper's weight-space clustering standardizes every
    coordinate; predictions share the output's unit, and scaling every input's spread to 1 would
    blow up the noise where the functions barely differ."""
    return method == "paper" and space == "weights"


def _standardized(X: np.ndarray) -> np.ndarray:
    sd = X.std(axis=0)
    return (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def _affinity(X: np.ndarray, method: str, n_neighbors: int, bandwidth: float | None):
    return (
        _spectral.affinity_paper(X, n_neighbors)
        if method == "paper"
        else _spectral.affinity_local(X, n_neighbors, bandwidth)
    )


def _choose_k(eig: np.ndarray, A, max_k: int, n_neighbors: int):
    """The k ``find_modes`` picks from a spectrum: the connected components when the graph falls
    apart into 2 .. cap of them, each with more than ``n_neighbors`` samples, else the largest
    eigengap. Returns (k, gaps, cap, n_components, by_components)."""
    k_gap, gaps, cap = _pick_k(eig, max_k)
    n_comp, comp_labels = _components(A)
    # Groups that no similarity links are modes by themselves; tiny ones may be outliers.
    by_components = bool(2 <= n_comp <= cap and np.min(np.bincount(comp_labels)) > n_neighbors)
    return (n_comp if by_components else k_gap), gaps, cap, int(n_comp), by_components


def _pick_k(eig: np.ndarray, max_k: int):
    """Largest eigengap among 1 .. cap modes; returns (k, gaps, cap)."""
    gaps = np.diff(eig)
    cap = min(max_k, len(gaps))
    k = int(np.argmax(gaps[:cap])) + 1 if cap > 0 else 1
    return k, gaps, cap


def _components(A):
    """Number of connected components of the affinity graph and the component of every sample."""
    from scipy.sparse.csgraph import connected_components  # noqa: PLC0415 - SciPy's submodule loads on first use

    n, lab = connected_components(A, directed=False)
    return int(n), lab


def _separation(X: np.ndarray, parts: np.ndarray, n_parts: int, n_neighbors: int) -> float:
    """Smallest distance between samples of different parts over the largest distance from a
    sample to its ``n_neighbors``-th neighbour (nan for one part).

    A k-NN graph can fall apart by chance where samples are sparse; parts no farther apart than
    neighbours within them are such holes, not evidence of separate modes.
    """
    if n_parts < 2:
        return float("nan")
    from sklearn.neighbors import NearestNeighbors  # noqa: PLC0415 - optional dependency, imported on use

    reach = float(_spectral.knn_distances(X, n_neighbors).data.max())
    closest = min(
        float(NearestNeighbors(n_neighbors=1).fit(X[parts != c]).kneighbors(X[parts == c])[0].min())
        for c in range(n_parts - 1)
    )
    return float("inf") if reach <= 0 else closest / reach


def _gap_ratio(gaps: np.ndarray, k: int, cap: int) -> float:
    if k > len(gaps):
        return float("nan")
    others = np.delete(gaps[: max(cap, k)], k - 1)
    nxt = float(np.max(others)) if others.size else 0.0
    return float("inf") if nxt <= 0 else float(gaps[k - 1] / nxt)


def _distances(X: np.ndarray, labels: np.ndarray, seed: int):
    """Mean distance between samples of the same mode and of different modes (on a subsample)."""
    from scipy.spatial.distance import pdist, squareform  # noqa: PLC0415 - SciPy's submodule loads on first use

    idx = np.arange(X.shape[0])
    if idx.size > DISTANCE_SAMPLE:
        idx = np.sort(np.random.default_rng(seed).choice(idx, DISTANCE_SAMPLE, replace=False))
    D = squareform(pdist(X[idx]))
    same = labels[idx, None] == labels[None, idx]
    off = ~np.eye(idx.size, dtype=bool)
    within, between = D[same & off], D[~same]
    return (
        float(within.mean()) if within.size else float("nan"),
        float(between.mean()) if between.size else float("nan"),
    )


def _summaries(flat: np.ndarray, labels: np.ndarray, k: int) -> list:
    out = []
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if len(members) == 0:  # k-means may leave a cluster empty
            nan = np.full(flat.shape[1], np.nan)
            out.append(ModeSummary(size=0, fraction=0.0, mean=nan, std=nan.copy(), medoid=-1))
            continue
        mean = flat[members].mean(axis=0)
        medoid = int(members[np.argmin(np.sum((flat[members] - mean) ** 2, axis=1))])
        out.append(
            ModeSummary(
                size=len(members),
                fraction=len(members) / len(labels),
                mean=mean,
                std=flat[members].std(axis=0),
                medoid=medoid,
            )
        )
    return out


def find_modes(
    samples,
    model: MLP,
    k: int | None = None,
    *,
    method: str = "local",
    space: str = "weights",
    x_grid=None,
    n_neighbors: int = 4,
    max_k: int = 10,
    bandwidth: float | None = None,
    standardize: bool | None = None,
    include_noise: bool = False,
    min_gap_ratio: float = MIN_GAP_RATIO,
    cross_check: bool = True,
    seed: int = 0,
) -> Modes:
    """Cluster samples into functionally different modes and report the evidence for their number.

    Spectral clustering (docs/paper.md section 5.3): a symmetric ``n_neighbors``-NN graph with
    Gaussian similarity, its normalized Laplacian, k-means on the spectral embedding. ``k=None``
    takes the number of connected components of the graph when it falls apart into 2 .. ``max_k``
    of them, each with more than ``n_neighbors`` samples (no similarity links them: the
    eigengap after them is infinite in ratio to the 0 gaps before, however elongated the modes
    are); otherwise the number with the largest eigengap among ``1 .. max_k``. That choice is
    trusted only with a clear gap: the chosen gap is at least ``min_gap_ratio`` times every other
    gap among the candidates, or the graph falls apart into exactly ``k`` parts that lie well
    apart: the closest two samples of different parts are at least ``min_gap_ratio`` times as
    far apart as the farthest ``n_neighbors``-th neighbour of any sample (``separation``). A
    k-NN graph of sparse samples can fall apart where there is only a hole between neighbours,
    so falling apart alone does not count; the eigengap alone does not suffice either, since
    small, well separated parts have large gaps in their own spectra. Otherwise, or when ``k``
    reaches its cap ``max_k`` (raising ``max_k`` would likely raise ``k`` too), a
    :class:`ModeWarning` says so.

    The number of modes also depends on how the graph is built. With ``k=None`` the result's
    ``k_by_method`` holds the ``k`` the same rule picks with the other ``method`` (each with its
    own defaults) and, when ``x_grid`` is given in weight space, in function space too; a
    :class:`ModeWarning` says when they disagree. This costs one more similarity graph and
    spectrum per choice (eigenvalues only; ``cross_check=False`` skips it); on 64 f1 chains on
    izmailov they gave 2 (weights, local), 8 (weights, paper) and 3 (function, local and paper,
    61 inputs on [-3, 3]).

    Parameters
    ----------
    samples : array (..., n_params or dim)
        In weight space, aligned samples (run :func:`align` first: raw samples cluster into
        symmetric copies); in function space any samples.
    model : MLP
        The network the samples belong to.
    k : int, optional
        Number of modes; ``None`` chooses it by the eigengap.
    method : {"local", "paper"}
        ``"local"`` (default): locally scaled similarity (see ``bandwidth``), no standardization,
        scikit-learn's ``SpectralClustering``. ``"paper"``: the authors' code (their
        interpretability notebook): every coordinate standardized, 4-NN graph, similarity
        ``exp(-d/2)`` on the plain distance, normalized Laplacian, k-means on the first ``k``
        eigenvectors started from the embedding's first ``k`` rows (``max_iter=1000``,
        ``tol=1e-6``, one run). They set ``k = 3`` by hand; here ``k=None`` uses the eigengap of
        their Laplacian. Their start depends on the order of the samples (their runs kept one
        draw per chain, so the first rows came from different chains): if the first ``k``
        samples share a mode, k-means may split one mode and merge others (on three well
        separated synthetic modes, starting from ``k`` random rows found them in 10 of 20
        seeds). Use it to reproduce the paper, ``"local"`` otherwise.
    space : {"weights", "function"}
        Cluster parameter vectors, or the networks' predictions at ``x_grid`` (symmetric copies
        predict the same, so no alignment is needed).
    x_grid : array (n_points, n_inputs), optional
        Inputs for ``space="function"`` (required there), e.g. a grid over the data's range or
        the training inputs. In weight space, optional: the predictions there are clustered too,
        to check ``k`` against function space (``k_by_method``; labels stay those of weight space).
    n_neighbors : int, default 4
        Neighbours per sample in the graph (4 in the paper).
    max_k : int, default 10
        Largest number of modes the eigengap may choose.
    bandwidth : float, optional
        ``"local"`` only. ``None``: similarity ``exp(-d_ij^2 / (s_i s_j))``, ``s_i`` the distance
        from sample i to its ``n_neighbors``-th neighbour (Zelnik-Manor & Perona), insensitive to
        the parameters' scale. A float gives ``exp(-d^2 / (2 bandwidth^2))``.
    standardize : bool, optional
        Standardize every coordinate first; default: ``True`` for ``"paper"`` in weight space
        (as the authors did), else ``False`` (all weights share one prior scale; predictions
        share the output's unit, and standardizing them per input blows up the noise where the
        functions barely differ: on two noisy functions it split one of them in three).
    include_noise : bool, default False
        Also cluster on ``log sigma`` when present.
    min_gap_ratio : float, default 2.0
        What counts as clear (see above): the eigengap over the next largest, or the
        ``separation`` of a graph that falls apart.
    cross_check : bool, default True
        With ``k=None``, also find ``k`` with the other clustering choices (``k_by_method``) and
        warn when they disagree; ``False`` keeps only the choice made.
    seed : int, default 0
        Seeds k-means (and the subsample for the distance evidence).

    Returns
    -------
    Modes
        ``k``, ``labels`` and ``probabilities`` with the evidence: ``eigenvalues``, ``gaps``,
        ``gap``, ``gap_ratio``, ``clear_gap``, ``cap_hit``, ``sizes``, ``within_distance``,
        ``between_distance`` and ``k_by_method``; ``result.chains_needed(p)`` turns the
        probabilities into a chain count.

    Raises
    ------
    ValueError
        If an argument is invalid (the message names it), or ``x_grid`` is missing for
        ``space="function"``.
    TypeError
        If ``model`` is not an :class:`~symhmc.MLP`.
    ImportError
        If scikit-learn is not installed.

    Warns
    -----
    ModeWarning
        When ``k`` was chosen (``k=None``) and hit its cap, has no clear gap, or the clustering
        choices in ``k_by_method`` disagree.

    Examples
    --------
    Noisy copies of two networks (30 and 10), scrambled by random symmetries, aligned first:

    >>> from symhmc import MLP, symmetry
    >>> model = MLP(hidden=(3,))
    >>> rng = np.random.default_rng(0)
    >>> centers = rng.normal(size=(2, model.dim))     # two networks: 30 and 10 noisy copies
    >>> theta = np.repeat(centers, [30, 10], axis=0) + 0.01 * rng.normal(size=(40, model.dim))
    >>> scrambled = symmetry.apply_transform(theta, model,
    ...                                      symmetry.random_transform(model, seed=1, size=40))
    >>> modes = symmetry.find_modes(symmetry.align(scrambled, model), model)
    >>> modes.k, modes.probabilities, modes.clear_gap
    (2, array([0.75, 0.25]), True)
    >>> modes.chains_needed(0.99, method="exact")
    17

    Every clustering choice finds the same two modes, in weight and in function space:

    >>> x = np.linspace(-2, 2, 7)
    >>> modes = symmetry.find_modes(symmetry.align(scrambled, model), model, x_grid=x)
    >>> modes.k_by_method, modes.methods_agree
    ({'weights/local': 2, 'weights/paper': 2, 'function/local': 2, 'function/paper': 2}, True)

    In function space the scrambled samples need no alignment:

    >>> symmetry.find_modes(scrambled, model, space="function", x_grid=x).sizes
    array([30, 10])
    """
    model = _check_model(model)
    samples = _check_params(samples, model, "samples")
    if method not in ("local", "paper"):
        raise ValueError(f"method must be 'local' or 'paper', got {method!r}")
    if space not in ("weights", "function"):
        raise ValueError(f"space must be 'weights' or 'function', got {space!r}")
    try:
        import sklearn  # noqa: F401, PLC0415
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError(
            "find_modes needs scikit-learn: pip install 'symhmc[sklearn]' (or pip install scikit-learn)"
        ) from None
    lead = samples.shape[:-1]
    flat = samples.reshape(-1, samples.shape[-1])
    N = flat.shape[0]
    n_neighbors = positive_int(n_neighbors, "n_neighbors")
    max_k = positive_int(max_k, "max_k")
    min_gap_ratio = positive_float(min_gap_ratio, "min_gap_ratio")
    if not isinstance(cross_check, (bool, np.bool_)):
        raise TypeError(f"cross_check must be True or False, got {cross_check!r}")
    seed = cast(int, seed_arg(seed, allow_none=False))  # never None with allow_none=False
    if N < 3:
        raise ValueError(f"samples must hold at least 3 vectors for clustering, got {N}")
    if n_neighbors >= N:
        raise ValueError(f"n_neighbors must be smaller than the number of samples ({N}), got {n_neighbors}")
    if k is not None:
        k = positive_int(k, "k")
        if k > N:
            raise ValueError(f"k must be at most the number of samples ({N}), got {k}")
    if bandwidth is not None:
        bandwidth = positive_float(bandwidth, "bandwidth")
    if standardize is None:
        standardize = _standardizes(method, space)

    X = _features(samples, model, space, x_grid, include_noise)
    if standardize:
        X = _standardized(X)
    paper = method == "paper"
    A = _affinity(X, method, n_neighbors, bandwidth)
    n_eig = max(max_k, k or 0) + 1
    eig, vec = _spectral.smallest_eigenpairs(A, n_eig, vectors=paper)
    k_chosen, gaps, cap, n_comp, by_components = _choose_k(eig, A, max_k, n_neighbors)
    separation = _separation(X, _components(A)[1], n_comp, n_neighbors)
    from_gap = k is None
    by_components = from_gap and by_components
    k_by_method: dict[str, int] = {}
    if k is None:
        k = k_chosen
        k_by_method = (
            _k_by_method(samples, model, space, method, k, x_grid, include_noise, n_neighbors, max_k)
            if cross_check
            else {f"{space}/{method}": k}
        )
    if k == 1:
        labels = np.zeros(N, dtype=np.intp)
    else:
        labels = _spectral.labels_paper(vec, k, seed) if paper else _spectral.labels_local(A, k, seed)
        # Number modes by decreasing size (deterministic output).
        order = np.argsort(-np.bincount(labels, minlength=k), kind="stable")
        relabel = np.empty(k, dtype=np.intp)
        relabel[order] = np.arange(k)
        labels = relabel[labels]
    sizes = np.bincount(labels, minlength=k)
    gap = float(gaps[k - 1]) if k - 1 < len(gaps) else float("nan")
    ratio = _gap_ratio(gaps, k, cap)
    # A k-NN graph of sparse samples can fall apart by chance: its parts count as a clear answer
    # only when they lie well apart, not merely because no edge links them.
    separated = bool(k >= 2 and n_comp == k and separation >= min_gap_ratio)
    clear = bool(ratio >= min_gap_ratio or separated)
    cap_hit = bool(from_gap and not by_components and k == cap and cap > 1)
    within, between = _distances(X, labels, seed)
    if from_gap and cap_hit:
        warnings.warn(
            f"find_modes: k = {k} is the largest allowed (max_k = {max_k}); the eigengap keeps "
            "growing with k, so the samples may hold more modes or no clear cluster structure "
            "(see result.eigenvalues)",
            ModeWarning,
            stacklevel=2,
        )
    elif from_gap and not clear:
        parts = (
            f"the graph falls apart into {n_comp} parts, but they are only {separation:.2f} times as far "
            "apart as neighbours in the graph (result.separation), and "
            if n_comp == k
            else ""
        )
        warnings.warn(
            f"find_modes: no clear eigengap: {parts}the gap after k = {k} eigenvalues is only "
            f"{ratio:.2f} times the next largest (min_gap_ratio = {min_gap_ratio:g}); the number of "
            "modes is uncertain (see result.eigenvalues and result.gaps)",
            ModeWarning,
            stacklevel=2,
        )
    if len(set(k_by_method.values())) > 1:
        found = ", ".join(f"{key} {value}" for key, value in k_by_method.items())
        warnings.warn(
            f"find_modes: the clustering methods disagree on the number of modes ({found}); k = {k} "
            f"({space}/{method}) is uncertain (see result.k_by_method)",
            ModeWarning,
            stacklevel=2,
        )
    return Modes(
        k=k,
        labels=labels.reshape(lead),
        summaries=_summaries(flat, labels, k),
        eigenvalues=eig,
        k_from_eigengap=from_gap,
        probabilities=sizes / N,
        sizes=sizes,
        gaps=gaps,
        gap=gap,
        gap_ratio=ratio,
        clear_gap=clear,
        cap_hit=cap_hit,
        within_distance=within,
        between_distance=between,
        n_components=int(n_comp),
        method=method,
        space=space,
        separation=separation,
        k_by_method=k_by_method,
    )


def _k_by_method(samples, model, space, method, k, x_grid, include_noise, n_neighbors, max_k) -> dict:
    """The k of every other clustering choice, each with its own defaults (no labels: the spectrum's
    eigenvalues and the components only), beside the chosen one's ``k``. Weight space is left
    out when the samples were clustered in function space: they need not be aligned there."""
    spaces = ["weights", "function"] if space == "weights" and x_grid is not None else [space]
    out = {}
    for sp in spaces:
        features = _features(samples, model, sp, x_grid, include_noise)
        for me in ("local", "paper"):
            if (sp, me) == (space, method):
                out[f"{sp}/{me}"] = k
                continue
            X = _standardized(features) if _standardizes(me, sp) else features
            A = _affinity(X, me, n_neighbors, None)
            eig, _ = _spectral.smallest_eigenpairs(A, max_k + 1, vectors=False)
            out[f"{sp}/{me}"] = _choose_k(eig, A, max_k, n_neighbors)[0]
    return out
