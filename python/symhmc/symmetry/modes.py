"""Functionally different modes: spectral clustering of aligned samples (:func:`find_modes`)."""

from __future__ import annotations

import warnings
from dataclasses import dataclass

import numpy as np

from .._validation import positive_float, positive_int
from ..model import MLP
from ._checks import _check_model, _check_params


@dataclass
class ModeSummary:
    """One functionally different mode: its size and the mean / std of its (aligned) samples;
    ``medoid`` indexes the flattened samples (the member closest to the mode's mean)."""

    size: int
    fraction: float
    mean: np.ndarray
    std: np.ndarray
    medoid: int


@dataclass
class Modes:
    """Result of :func:`find_modes`: ``labels`` has the samples' leading shape."""

    k: int
    labels: np.ndarray
    summaries: list
    eigenvalues: np.ndarray
    k_from_eigengap: bool


def find_modes(samples, model: MLP, k: int | None = None, *, n_neighbors: int = 4, max_k: int = 10,
               bandwidth: float | None = None, standardize: bool = False, include_noise: bool = False,
               seed: int = 0) -> Modes:
    """Cluster aligned samples into functionally different modes (PAPER.md section 5.3).

    Spectral clustering as in the paper: symmetric ``n_neighbors``-NN graph (4 in the paper) with
    Gaussian similarity, normalized Laplacian, k-means on the spectral embedding
    (scikit-learn's ``SpectralClustering`` on the precomputed affinity). ``k=None`` picks the
    number of modes by the largest eigengap of the normalized Laplacian among ``1 .. max_k``.

    Parameters
    ----------
    samples : array (..., n_params or dim)
        Aligned samples (run :func:`align` first: raw samples cluster into symmetric copies).
    bandwidth : float or None
        ``None`` (default): locally scaled similarity ``exp(-d_ij^2 / (s_i s_j))``, ``s_i`` the
        distance from sample i to its ``n_neighbors``-th neighbour (Zelnik-Manor & Perona), which
        makes the eigengap insensitive to the scale of the parameters. A float gives
        ``exp(-d^2 / (2 bandwidth^2))``; the paper's ``exp(-d^2/2)`` is ``bandwidth=1``.
    standardize : bool
        Standardize every coordinate first (off by default: all weights share one prior scale,
        and standardizing would make the within-mode geometry depend on where the other modes are).
    include_noise : bool
        Also cluster on ``log sigma`` when present.

    Requires scikit-learn (``pip install symhmc[sklearn]``).
    """
    model = _check_model(model)
    samples = _check_params(samples, model, "samples")
    try:
        from sklearn.cluster import SpectralClustering
        from sklearn.neighbors import kneighbors_graph
    except ImportError:  # pragma: no cover - depends on the environment
        raise ImportError("find_modes needs scikit-learn: pip install 'symhmc[sklearn]' "
                          "(or pip install scikit-learn)") from None
    from scipy.sparse import coo_matrix, csgraph
    from scipy.sparse.linalg import eigsh

    lead = samples.shape[:-1]
    X = samples.reshape(-1, samples.shape[-1])
    if not include_noise:
        X = X[:, :model.n_params]
    N = X.shape[0]
    n_neighbors = positive_int(n_neighbors, "n_neighbors")
    max_k = positive_int(max_k, "max_k")
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
    if standardize:
        sd = X.std(axis=0)
        X = (X - X.mean(axis=0)) / np.where(sd > 0, sd, 1.0)

    D = kneighbors_graph(X, n_neighbors, mode="distance", include_self=False).tocoo()
    if bandwidth is None:
        scale = np.zeros(N)
        np.maximum.at(scale, D.row, D.data)  # distance to the n_neighbors-th neighbour
        scale = np.where(scale > 0, scale, 1.0)
        weights = np.exp(-(D.data ** 2) / (scale[D.row] * scale[D.col]))
    else:
        weights = np.exp(-0.5 * (D.data / bandwidth) ** 2)
    A = coo_matrix((weights, (D.row, D.col)), shape=(N, N)).tocsr()
    A = A.maximum(A.T).tocsr()

    n_eig = min(max_k + 1, N - 1)
    lap = csgraph.laplacian(A, normed=True)
    if N <= 2000:
        eig = np.linalg.eigvalsh(lap.toarray())[:n_eig]
    else:
        eig = np.sort(eigsh(lap, k=n_eig, sigma=-1e-3, which="LM", return_eigenvectors=False))
    eig = np.clip(eig, 0.0, None)
    from_gap = k is None
    if k is None:
        gaps = np.diff(eig[:max_k + 1]) if len(eig) > 1 else np.array([0.0])
        k = int(np.argmax(gaps)) + 1
    if k == 1:
        labels = np.zeros(N, dtype=np.intp)
    else:
        sc = SpectralClustering(n_clusters=k, affinity="precomputed", random_state=seed, assign_labels="kmeans")
        with warnings.catch_warnings():
            # Well separated modes give a disconnected graph: exactly the case we want to find.
            warnings.filterwarnings("ignore", message="Graph is not fully connected")
            labels = sc.fit_predict(A)
        # Number modes by decreasing size (deterministic output).
        order = np.argsort(-np.bincount(labels, minlength=k), kind="stable")
        relabel = np.empty(k, dtype=np.intp)
        relabel[order] = np.arange(k)
        labels = relabel[labels]
    flat = samples.reshape(-1, samples.shape[-1])
    summaries = []
    for c in range(k):
        members = np.flatnonzero(labels == c)
        if len(members) == 0:  # k-means may leave a cluster empty
            nan = np.full(flat.shape[1], np.nan)
            summaries.append(ModeSummary(size=0, fraction=0.0, mean=nan, std=nan.copy(), medoid=-1))
            continue
        mean = flat[members].mean(axis=0)
        medoid = int(members[np.argmin(np.sum((flat[members] - mean) ** 2, axis=1))])
        summaries.append(ModeSummary(size=len(members), fraction=len(members) / N, mean=mean,
                                     std=flat[members].std(axis=0), medoid=medoid))
    return Modes(k=k, labels=labels.reshape(lead), summaries=summaries, eigenvalues=eig, k_from_eigengap=from_gap)
