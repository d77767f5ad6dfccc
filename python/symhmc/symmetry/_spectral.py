"""Spectral clustering pieces of :func:`find_modes`: the k-NN affinity (ours or the paper's),
the normalized Laplacian's smallest eigenpairs, and the two ways to turn them into labels."""

from __future__ import annotations

import warnings

import numpy as np
from scipy.sparse import coo_matrix, csgraph
from scipy.sparse.linalg import eigsh

#: Above this many samples the Laplacian's eigenpairs come from ARPACK instead of a dense solver.
DENSE_MAX = 2000


def knn_distances(X: np.ndarray, n_neighbors: int):
    """The ``n_neighbors`` nearest other rows of X as a COO matrix of Euclidean distances."""
    from sklearn.neighbors import kneighbors_graph  # noqa: PLC0415 - optional dependency, imported on use

    return kneighbors_graph(X, n_neighbors, mode="distance", include_self=False).tocoo()


def affinity_local(X: np.ndarray, n_neighbors: int, bandwidth: float | None):
    """Symmetric k-NN affinity; ``bandwidth=None``: locally scaled ``exp(-d_ij^2 / (s_i s_j))``
    (``s_i`` the distance to the ``n_neighbors``-th neighbour), else ``exp(-d^2 / (2 bandwidth^2))``."""
    N = X.shape[0]
    D = knn_distances(X, n_neighbors)
    if bandwidth is None:
        scale = np.zeros(N)
        np.maximum.at(scale, D.row, D.data)
        scale = np.where(scale > 0, scale, 1.0)
        weights = np.exp(-(D.data**2) / (scale[D.row] * scale[D.col]))
    else:
        weights = np.exp(-0.5 * (D.data / bandwidth) ** 2)
    A = coo_matrix((weights, (D.row, D.col)), shape=(N, N)).tocsr()
    return A.maximum(A.T).tocsr()


def affinity_paper(X: np.ndarray, n_neighbors: int):
    """The authors' ``graphs.knn_graph``: k-NN (self excluded), similarity ``exp(-d / 2)`` on the
    plain Euclidean distance (their ``similarity`` does not square it), both directions set."""
    N = X.shape[0]
    D = knn_distances(X, n_neighbors)
    A = coo_matrix((np.exp(-0.5 * D.data), (D.row, D.col)), shape=(N, N)).tocsr()
    return A.maximum(A.T).tocsr()


def smallest_eigenpairs(A, n_eig: int, vectors: bool):
    """The ``n_eig`` smallest eigenvalues (ascending, clipped at 0) of the normalized Laplacian
    ``I - D^-1/2 A D^-1/2`` and, if ``vectors``, their eigenvectors as columns."""
    N = A.shape[0]
    lap = csgraph.laplacian(A, normed=True)
    n_eig = min(n_eig, N)
    if N <= DENSE_MAX or n_eig >= N - 1:
        if vectors:
            val, vec = np.linalg.eigh(lap.toarray())
            return np.clip(val[:n_eig], 0.0, None), vec[:, :n_eig]
        return np.clip(np.linalg.eigvalsh(lap.toarray())[:n_eig], 0.0, None), None
    # Shift-invert just below 0 finds the smallest eigenvalues of the PSD Laplacian quickly.
    out = eigsh(lap, k=n_eig, sigma=-1e-3, which="LM", return_eigenvectors=vectors)
    if not vectors:
        return np.clip(np.sort(out), 0.0, None), None
    val, vec = out
    order = np.argsort(val)
    return np.clip(val[order], 0.0, None), vec[:, order]


def labels_local(A, k: int, seed: int) -> np.ndarray:
    """scikit-learn's ``SpectralClustering`` on the precomputed affinity (k-means assignment)."""
    from sklearn.cluster import SpectralClustering  # noqa: PLC0415 - optional dependency, imported on use

    sc = SpectralClustering(n_clusters=k, affinity="precomputed", random_state=seed, assign_labels="kmeans")
    with warnings.catch_warnings():
        # Well separated modes give a disconnected graph: exactly the case we want to find.
        warnings.filterwarnings("ignore", message="Graph is not fully connected")
        return sc.fit_predict(A)


def labels_paper(eigenvectors: np.ndarray, k: int, seed: int) -> np.ndarray:
    """The authors' assignment: k-means on the first ``k`` Laplacian eigenvectors (rows not
    normalised), started from the first ``k`` rows of that embedding, ``max_iter=1000``,
    ``tol=1e-6``, one run."""
    from sklearn.cluster import KMeans  # noqa: PLC0415 - optional dependency, imported on use

    emb = eigenvectors[:, :k]
    km = KMeans(n_clusters=k, init=emb[:k].copy(), n_init=1, max_iter=1000, tol=1e-6, random_state=seed)
    with warnings.catch_warnings():
        # Their start can hold repeated rows; k-means then relocates the empty clusters itself.
        warnings.filterwarnings("ignore", category=RuntimeWarning)
        warnings.filterwarnings("ignore", message=".*[Dd]uplicate.*")
        return km.fit_predict(emb)
