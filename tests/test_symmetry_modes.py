"""find_modes: the number of modes with its evidence, warnings, the paper's settings, function space."""

from __future__ import annotations

import warnings

import numpy as np
import pytest

from symhmc import MLP, bounds
from symhmc import symmetry as S

pytest.importorskip("sklearn")

F1 = MLP(hidden=(3,))


def separated_modes(model: MLP, sizes, seed: int, noise: float = 0.1, interleave: bool = False):
    """Draws around len(sizes) random centres (already aligned); truth labels."""
    rng = np.random.default_rng(seed)
    parts, truth = [], []
    for c, n in enumerate(sizes):
        parts.append(rng.normal(scale=1.5, size=model.dim) + noise * rng.normal(size=(n, model.dim)))
        truth += [c] * n
    X, truth = np.concatenate(parts), np.array(truth)
    if interleave:  # one draw per chain, chains in random mode order: the layout of the paper's runs
        order = np.random.default_rng(seed + 1).permutation(len(X))
        X, truth = X[order], truth[order]
    return X, truth


def same_partition(a, b) -> bool:
    return len(set(zip(np.ravel(a).tolist(), np.ravel(b).tolist()))) == len(set(np.ravel(a).tolist()))


def no_mode_warning(fn):
    with warnings.catch_warnings():
        warnings.simplefilter("error", S.ModeWarning)
        return fn()


def test_separated_modes_give_k_with_a_clear_gap_and_no_warning():
    X, truth = separated_modes(F1, (90, 60, 30), seed=2)
    m = no_mode_warning(lambda: S.find_modes(X, F1))
    print(
        f"\n[find_modes] k {m.k}, gap ratio {m.gap_ratio:.2f}, eigenvalues {np.round(m.eigenvalues, 3)}, "
        f"within {m.within_distance:.2f} between {m.between_distance:.2f}"
    )
    assert m.k == 3 and m.k_from_eigengap and m.clear_gap and not m.cap_hit
    assert same_partition(truth, m.labels)
    np.testing.assert_array_equal(m.sizes, [90, 60, 30])  # numbered by decreasing size
    np.testing.assert_allclose(m.probabilities, [0.5, 1 / 3, 1 / 6])
    assert m.gap == pytest.approx(m.eigenvalues[3] - m.eigenvalues[2])
    assert m.gap_ratio >= 2.0
    assert m.between_distance > 3 * m.within_distance
    assert m.method == "local" and m.space == "weights"


def test_one_blob_is_one_mode_or_a_warning_for_every_max_k():
    """The issue's complaint: k followed max_k (1, 10, 20) on one set of draws, silently."""
    X = np.random.default_rng(0).normal(size=F1.dim) + 0.1 * np.random.default_rng(1).normal(size=(300, F1.dim))
    for max_k in (5, 10, 20):
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            m = S.find_modes(X, F1, max_k=max_k)
        warned = any(issubclass(w.category, S.ModeWarning) for w in caught)
        print(f"\n[find_modes] one blob, max_k {max_k}: k {m.k}, gap ratio {m.gap_ratio:.2f}, warned {warned}")
        assert m.k == 1 or warned


def test_cap_hit_warns():
    """Draws along a line: the Laplacian's gaps keep growing, so the eigengap runs into max_k."""
    rng = np.random.default_rng(3)
    t = np.linspace(-3.0, 3.0, 200)
    X = t[:, None] * rng.normal(size=F1.dim) + 1e-3 * rng.normal(size=(200, F1.dim))
    with pytest.warns(S.ModeWarning, match="max_k"):
        m = S.find_modes(X, F1, max_k=4)
    assert m.k == 4 and m.cap_hit
    # k passed in: no choice was made, so nothing to warn about
    fixed = no_mode_warning(lambda: S.find_modes(X, F1, k=4, max_k=4))
    assert fixed.k == 4 and not fixed.cap_hit and not fixed.k_from_eigengap


def test_probabilities_feed_chains_needed():
    X, _ = separated_modes(F1, (100, 50, 50), seed=4)
    m = S.find_modes(X, F1)
    assert m.probabilities.sum() == pytest.approx(1.0)
    for method in ("markov", "exact"):
        assert m.chains_needed(0.99, method=method) == bounds.chains_needed(
            p=0.99, probs=m.probabilities, method=method
        )
    # rarer modes need more chains
    skewed = S.find_modes(*separated_modes(F1, (180, 10, 10), seed=4)[:1], F1)
    assert skewed.chains_needed(0.99) > m.chains_needed(0.99)


def test_function_space_merges_symmetric_copies_and_separates_functions():
    """Copies of a network under random equioutput transforms predict the same: one mode in
    function space (no alignment needed), although they are scattered in weight space."""
    x_grid = np.linspace(-3.0, 3.0, 40)[:, None]
    X, truth = separated_modes(F1, (80, 80), seed=5, noise=0.0)
    Y = S.apply_transform(X, F1, S.random_transform(F1, seed=6, size=len(X)))
    with warnings.catch_warnings():
        # identical points leave the k-NN graph to ties, so its spectrum may show no clear gap
        warnings.simplefilter("ignore", S.ModeWarning)
        one = S.find_modes(Y[truth == 0], F1, space="function", x_grid=x_grid)
        assert one.k == 1 and one.space == "function"
        assert S.find_modes(Y[truth == 0], F1).k > 1  # weight space sees the symmetric copies
    # two functions, each as noisy draws scrambled by transforms
    X, truth = separated_modes(F1, (80, 80), seed=5, noise=0.02)
    Y = S.apply_transform(X, F1, S.random_transform(F1, seed=6, size=len(X)))
    two = no_mode_warning(lambda: S.find_modes(Y, F1, space="function", x_grid=x_grid))
    print(f"\n[find_modes] function space: k {two.k}, components {two.n_components}, gap ratio {two.gap_ratio:.2f}")
    assert two.k == 2 and same_partition(truth, two.labels)
    with pytest.raises(ValueError, match="x_grid"):
        S.find_modes(Y, F1, space="function")


def test_paper_method_on_the_paper_layout():
    X, truth = separated_modes(F1, (60, 60, 60), seed=2, interleave=True)
    m = S.find_modes(X, F1, method="paper")
    assert m.method == "paper" and m.k == 3 and m.clear_gap
    assert same_partition(truth, m.labels)
    # its settings differ from the default: another affinity gives another spectrum
    assert not np.allclose(m.eigenvalues, S.find_modes(X, F1).eigenvalues)


def test_labels_keep_the_leading_shape_and_bad_input():
    X, _ = separated_modes(F1, (30, 30), seed=7)
    m = S.find_modes(X.reshape(6, 10, -1), F1)
    assert m.labels.shape == (6, 10)
    with pytest.raises(ValueError, match="method"):
        S.find_modes(X, F1, method="kmeans")
    with pytest.raises(ValueError, match="space"):
        S.find_modes(X, F1, space="output")
    with pytest.raises(ValueError, match="min_gap_ratio"):
        S.find_modes(X, F1, min_gap_ratio=0.0)
    with pytest.raises(ValueError, match="x"):
        S.find_modes(X, F1, space="function", x_grid=np.zeros((5, 3)))


def two_segments(gap: float, seed: int = 0) -> np.ndarray:
    """30 + 30 draws one unit apart on a line, the two runs ``gap`` apart (plus 1e-3 noise)."""
    rng = np.random.default_rng(seed)
    u = rng.normal(size=F1.dim)
    t = np.concatenate([np.arange(30.0), 29.0 + gap + np.arange(30.0)])
    return t[:, None] * (u / np.linalg.norm(u)) + 1e-3 * rng.normal(size=(60, F1.dim))


def test_a_graph_split_by_a_hole_warns():
    """The issue: a k-NN graph that falls apart into exactly k parts made find_modes silent,
    however close the parts. Two runs of draws 5 apart, where the farthest 4th neighbour is 4
    away: the graph splits, but the parts are only 5 / 4 times as far apart as neighbours."""
    with pytest.warns(S.ModeWarning, match="falls apart into 2 parts.*1.25 times") as caught:
        m = S.find_modes(two_segments(5.0), F1)
    assert m.k == 2 and m.n_components == 2 and not m.clear_gap
    assert m.separation == pytest.approx(5.0 / 4.0, rel=1e-2)
    assert m.gap_ratio < 2.0  # the eigengap is unclear as well
    assert not any("disagree" in str(w.message) for w in caught)
    # 20 apart: the same spectrum shape (no clear eigengap: two path graphs), but a clear split
    far = no_mode_warning(lambda: S.find_modes(two_segments(20.0), F1))
    assert far.k == 2 and far.clear_gap and far.gap_ratio < 2.0
    assert far.separation == pytest.approx(20.0 / 4.0, rel=1e-2)


def test_methods_that_disagree_warn():
    """Two groups of weights that differ only in a hidden neuron whose outgoing weight is 0:
    clearly two clusters in weight space, one function. The predictions on x_grid say so."""
    rng = np.random.default_rng(1)
    X = rng.normal(scale=1.5, size=F1.dim) + 0.1 * rng.normal(size=(120, F1.dim))
    (w_in, _), (w_out, _) = F1.unpack(np.arange(F1.dim))  # flat positions of the weights
    X[:, int(w_out[0, 0])] = 0.0  # neuron 0 does not reach the output
    X[60:, int(w_in[0, 0])] += 4.0  # its incoming weight: two groups
    x_grid = np.linspace(-3.0, 3.0, 40)[:, None]
    moved_back = X[60:] - 4.0 * np.eye(F1.dim)[int(w_in[0, 0])]
    np.testing.assert_allclose(F1.predict(X[60:], x_grid), F1.predict(moved_back, x_grid), atol=1e-12)
    with pytest.warns(S.ModeWarning, match="disagree.*weights/local 2") as caught:
        m = S.find_modes(X, F1, x_grid=x_grid)
    print(f"\n[find_modes] dead neuron: k_by_method {m.k_by_method}")
    assert len(caught) == 1  # the weight-space answer itself is clear
    assert m.k == 2 and m.clear_gap and m.space == "weights"
    assert set(m.k_by_method) == {"weights/local", "weights/paper", "function/local", "function/paper"}
    assert m.k_by_method["weights/local"] == m.k and m.k_by_method["function/local"] != 2
    assert not m.methods_agree
    # the labels are weight space's: the two groups
    assert same_partition(np.repeat([0, 1], 60), m.labels)
    # without x_grid the two weight-space methods agree: no warning
    alone = no_mode_warning(lambda: S.find_modes(X, F1))
    assert alone.k_by_method == {"weights/local": 2, "weights/paper": 2} and alone.methods_agree
    # cross_check=False: only the choice made, and no warning
    off = no_mode_warning(lambda: S.find_modes(X, F1, x_grid=x_grid, cross_check=False))
    assert off.k_by_method == {"weights/local": 2}
    # k passed in: nothing was chosen, nothing to compare
    assert no_mode_warning(lambda: S.find_modes(X, F1, k=2, x_grid=x_grid)).k_by_method == {}
    with pytest.raises(TypeError, match="cross_check"):
        S.find_modes(X, F1, cross_check="yes")


def test_components_at_the_cap_are_not_a_cap_hit():
    X, truth = separated_modes(F1, (40, 40, 40), seed=8)
    m = no_mode_warning(lambda: S.find_modes(X, F1, max_k=3))
    assert m.k == 3 and m.n_components == 3 and not m.cap_hit and same_partition(truth, m.labels)


@pytest.mark.slow
def test_izmailov_chains_warn_about_an_unclear_number_of_modes():
    """The issue's run: 64 f1 chains on izmailov. The default found k = 2 silently because the
    graph fell into two parts; the methods (2 here, more with the paper's graph, 3 in function
    space) do not agree on any clear number."""
    import symhmc

    data = symhmc.datasets.load("izmailov")
    res = symhmc.sample(F1, data.x_train, data.y_train, chains=64, seed=0, progress=False)
    theta = res.theta.reshape(-1, F1.n_params)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        m = S.find_modes(S.align(theta, F1), F1, x_grid=np.linspace(-3.0, 3.0, 61)[:, None])
    print(
        f"\n[find_modes] izmailov 64 chains: k {m.k}, gap ratio {m.gap_ratio:.2f}, components "
        f"{m.n_components}, separation {m.separation:.2f}, k_by_method {m.k_by_method}"
    )
    assert any(issubclass(w.category, S.ModeWarning) for w in caught)
    assert not m.clear_gap or not m.methods_agree
