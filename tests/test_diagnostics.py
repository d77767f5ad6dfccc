"""Convergence diagnostics (nested R-hat, rank split R-hat, bulk/tail ESS) and sampler health."""

import math
import statistics
import warnings

import numpy as np
import pytest

from symhmc import diagnostics


# ----- nested R-hat ---------------------------------------------------------------------------
def test_nested_rhat_hand_one_draw_per_chain():
    x = np.array([[0.0], [2.0], [10.0], [12.0]])  # 4 chains, 1 draw
    # superchains {0, 2} and {10, 12}: B = var([1, 11]) = 50, W = mean(var([0,2]), var([10,12])) = 2
    assert diagnostics.nested_rhat(x, 2) == pytest.approx(math.sqrt(1 + 50 / 2))
    # labels {0, 10} and {2, 12}: B = var([5, 7]) = 2, W = 50
    assert diagnostics.nested_rhat(x, [0, 1, 0, 1]) == pytest.approx(math.sqrt(1 + 2 / 50))
    assert diagnostics.nested_rhat(x, np.array(["a", "b", "a", "b"])) == pytest.approx(math.sqrt(1.04))


def test_nested_rhat_hand_one_chain_per_superchain():
    x = np.array([[1.0, 2.0, 3.0], [3.0, 4.0, 5.0]])  # 2 superchains of one chain of 3 draws
    # B = var([2, 4]) = 2, between-chain term 0, W = within-chain var = 1
    assert diagnostics.nested_rhat(x, 2) == pytest.approx(math.sqrt(3.0))


def test_nested_rhat_hand_general_and_trailing_dims():
    x = np.array([[1.0, 3.0], [2.0, 6.0], [0.0, 0.0], [4.0, 4.0]])  # K=2, M=2, N=2
    chain_means = [2.0, 4.0, 0.0, 4.0]
    super_means = [3.0, 2.0]
    b = statistics.variance(super_means)
    w_tilde = [
        statistics.mean([statistics.variance([1, 3]), statistics.variance([2, 6])]),
        statistics.mean([statistics.variance([0, 0]), statistics.variance([4, 4])]),
    ]
    b_tilde = [statistics.variance(chain_means[:2]), statistics.variance(chain_means[2:])]
    w = statistics.mean([w_tilde[0] + b_tilde[0], w_tilde[1] + b_tilde[1]])
    expected = math.sqrt(1 + b / w)
    assert diagnostics.nested_rhat(x, 2) == pytest.approx(expected)
    stacked = np.stack([x, 2 * x + 1, -x], axis=-1)[..., None]  # (4, 2, 3, 1)
    out = diagnostics.nested_rhat(stacked, 2)
    assert out.shape == (3, 1)
    np.testing.assert_allclose(out, expected)  # affine invariant


def test_nested_rhat_iid_near_one_and_detects_separated_superchains():
    rng = np.random.default_rng(0)
    x = rng.normal(size=(1000, 1, 5))  # 1000 chains of one draw, 5 quantities
    r = diagnostics.nested_rhat(x, 10)
    assert r.shape == (5,) and np.all(r >= 1) and np.all(r < 1.03)
    shifted = x + np.repeat(np.arange(10), 100)[:, None, None] * 0.5
    assert np.all(diagnostics.nested_rhat(shifted, 10) > 1.5)


def test_nested_rhat_bad_input():
    x = np.zeros((6, 1)) + np.arange(6)[:, None]
    with pytest.raises(ValueError, match="superchains"):
        diagnostics.nested_rhat(x, 4)  # does not divide
    with pytest.raises(ValueError, match="superchains"):
        diagnostics.nested_rhat(x, 1)
    with pytest.raises(ValueError, match="same number"):
        diagnostics.nested_rhat(x, [0, 0, 0, 0, 1, 1])
    with pytest.raises(ValueError, match="one entry per chain"):
        diagnostics.nested_rhat(x, [0, 1])
    with pytest.raises(ValueError, match="more than one"):
        diagnostics.nested_rhat(x, 6)  # one chain per superchain and one draw per chain
    with pytest.raises(TypeError, match="superchains"):
        diagnostics.nested_rhat(x, 2.0)
    with pytest.raises(ValueError, match="draws"):
        diagnostics.nested_rhat(np.arange(6.0), 2)
    with pytest.raises(ValueError, match="draws"):
        diagnostics.nested_rhat(np.full((6, 1), np.nan), 2)


# ----- split R-hat and ESS: hand-computed cases -----------------------------------------------
def _classic_rhat(chains):
    n = len(chains[0])
    b = n * statistics.variance([statistics.mean(c) for c in chains])
    w = statistics.mean([statistics.variance(c) for c in chains])
    return math.sqrt((b / w + n - 1) / n)


def _zscale(values):
    ranks = {}
    order = sorted(values)
    for v in set(values):  # average rank of ties
        pos = [i + 1 for i, o in enumerate(order) if o == v]
        ranks[v] = sum(pos) / len(pos)
    s = len(values)
    return [statistics.NormalDist().inv_cdf((ranks[v] - 0.375) / (s + 0.25)) for v in values]


@pytest.mark.parametrize("backend", ["numpy", "auto"])
def test_rank_rhat_hand_case(backend):
    x = np.array([[1.0, 2.0, 3.0, 4.0], [5.0, 6.0, 7.0, 8.0]])
    split = [[1, 2], [3, 4], [5, 6], [7, 8]]
    flat = [v for c in split for v in c]
    z = _zscale(flat)
    bulk = _classic_rhat([z[0:2], z[2:4], z[4:6], z[6:8]])
    med = statistics.median(flat)
    zf = _zscale([abs(v - med) for v in flat])
    tail = _classic_rhat([zf[0:2], zf[2:4], zf[4:6], zf[6:8]])
    assert diagnostics.rhat(x, backend=backend) == pytest.approx(max(bulk, tail), rel=1e-12)


@pytest.mark.parametrize("backend", ["numpy", "auto"])
def test_ess_hand_cases(backend):
    # 4 draws: split chains of 2 draws, Geyer's sums are empty, tau hits its floor 1/log10(S)
    x = np.array([[0.3, -1.0, 2.0, 0.7]])
    assert diagnostics.ess_bulk(x, backend=backend) == pytest.approx(4 * math.log10(4))
    x2 = np.array([[0.3, -1.0, 2.0, 0.7], [1.0, 1.5, -2.0, 0.1]])
    assert diagnostics.ess_bulk(x2, backend=backend) == pytest.approx(8 * math.log10(8))
    # constant draws: ESS is the number of draws
    assert diagnostics.ess_bulk(np.ones((3, 10)), backend=backend) == 30
    assert diagnostics.ess_tail(np.ones((3, 10)), backend=backend) == 30
    assert math.isnan(diagnostics.rhat(np.ones((3, 10)), backend=backend))
    # too short: NaN, like ArviZ
    assert math.isnan(diagnostics.ess_bulk(np.zeros((5, 3)) + np.arange(3), backend=backend))
    assert math.isnan(diagnostics.rhat(np.arange(10.0)[None], backend=backend))  # one chain


def test_ess_sanity_white_noise_and_ar1():
    rng = np.random.default_rng(1)
    white = rng.normal(size=(4, 2000))
    assert diagnostics.ess_bulk(white, backend="numpy") == pytest.approx(8000, rel=0.15)
    assert diagnostics.rhat(white, backend="numpy") < 1.01
    phi, n = 0.9, 20000
    ar = np.zeros((2, n))
    e = rng.normal(size=(2, n))
    for t in range(1, n):
        ar[:, t] = phi * ar[:, t - 1] + e[:, t]
    expected = 2 * n * (1 - phi) / (1 + phi)
    assert diagnostics.ess_bulk(ar, backend="numpy") == pytest.approx(expected, rel=0.3)
    assert diagnostics.ess_tail(ar, backend="numpy") < 0.5 * 2 * n
    separated = white + np.array([0, 0, 0, 3.0])[:, None]
    assert diagnostics.rhat(separated, backend="numpy") > 1.3


# ----- against ArviZ --------------------------------------------------------------------------
def _arrays():
    rng = np.random.default_rng(2)
    yield rng.normal(size=(4, 100)).cumsum(axis=1) * 0.2 + rng.normal(size=(4, 100))
    yield rng.normal(size=(3, 7))
    yield rng.normal(size=(2, 4))
    yield rng.normal(size=(1, 51)).cumsum(axis=1)
    yield rng.standard_cauchy(size=(8, 33))
    yield rng.integers(0, 3, size=(4, 40)).astype(float)  # many ties
    yield rng.normal(size=(4, 60, 3, 2)).cumsum(axis=1)  # trailing dims


def _arviz_reference():
    """ArviZ's own R-hat / ESS of one ``(chain, draw)`` array, ``fn(a, method)``, from the
    installed line: ArviZ 0.x's ``az.rhat``/``az.ess``, or ArviZ 1.x's top-level ``arviz_stats``
    functions (not the array functions symhmc calls, so the two paths are compared)."""
    from symhmc.utils.arviz_version import arviz_major_version

    if arviz_major_version() == 0:
        az = pytest.importorskip("arviz")

        def arviz0(a, method):
            return az.rhat(a, method="rank") if method is None else az.ess(a, method=method)

        return arviz0
    azs = pytest.importorskip("arviz_stats", reason="needs ArviZ 0.x or arviz-stats (ArviZ 1.x)")
    if not hasattr(azs, "rhat"):  # its top-level functions come with its [xarray] extra
        pytest.skip("arviz-stats is installed without its xarray extra")

    def arviz1(a, method):
        axes = {"chain_axis": 0, "draw_axis": 1}
        if method is None:
            return azs.rhat(a, method="rank", **axes)
        # arviz-stats' array path has no default tail probabilities; these are ArviZ 0.x's
        return azs.ess(a, method=method, **({"prob": (0.05, 0.95)} if method == "tail" else {}), **axes)

    return arviz1


@pytest.mark.parametrize("name", ["rhat", "ess_bulk", "ess_tail"])
def test_against_arviz(name):
    reference = _arviz_reference()
    fn = getattr(diagnostics, name)
    method = {"rhat": None, "ess_bulk": "bulk", "ess_tail": "tail"}[name]
    for x in _arrays():
        ours = np.asarray(fn(x, backend="numpy"), dtype=float)
        flat = x.reshape(x.shape[0], x.shape[1], -1)
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # ArviZ warns about the short chains among these
            ref = [float(reference(np.ascontiguousarray(flat[:, :, k]), method)) for k in range(flat.shape[2])]
        ref = np.asarray(ref, dtype=float).reshape(x.shape[2:])
        np.testing.assert_allclose(ours, ref, rtol=1e-9, equal_nan=True, err_msg=f"{name} {x.shape}")
        via_arviz = np.asarray(fn(x, backend="arviz"), dtype=float)
        np.testing.assert_allclose(via_arviz, ref, rtol=1e-12, equal_nan=True)


def test_backend_choice():
    from symhmc.diagnostics._arviz_backend import arviz_backend
    from symhmc.utils.arviz_version import arviz_major_version

    x = np.random.default_rng(3).normal(size=(2, 10))
    with pytest.raises(ValueError, match="backend"):
        diagnostics.rhat(x, backend="stan")
    # ArviZ 0.x computes through arviz; ArviZ 1.x (or arviz-stats alone) through arviz-stats
    import importlib.util

    if arviz_major_version() == 0:
        assert diagnostics.arviz_available() and arviz_backend().name == "arviz"
    elif importlib.util.find_spec("arviz_stats") is not None:
        assert diagnostics.arviz_available() and arviz_backend().name == "arviz-stats"
    if not diagnostics.arviz_available():
        with pytest.raises(ImportError, match="ArviZ"):
            diagnostics.rhat(x, backend="arviz")
    else:
        assert diagnostics.rhat(x) == diagnostics.rhat(x, backend="arviz")


def test_rhat_ess_bad_input():
    with pytest.raises(ValueError, match="x"):
        diagnostics.rhat(np.arange(10.0))
    with pytest.raises(ValueError, match="NaN"):
        diagnostics.ess_bulk(np.full((2, 10), np.nan))
    with pytest.raises(TypeError, match="x"):
        diagnostics.ess_tail([["a", "b"]])
    with pytest.raises(ValueError, match="prob"):
        diagnostics.ess_tail(np.zeros((2, 10)), prob=(0.05, 1.2))


# ----- function space -------------------------------------------------------------------------
def test_function_space_many_draws():
    rng = np.random.default_rng(4)
    f = rng.normal(size=(4, 200, 6))
    f[3, :, 2] += 3.0  # one chain disagrees at point 2
    out = diagnostics.function_space(f, rhat_threshold=1.05, backend="numpy")
    for key in ("rhat", "ess_bulk", "ess_tail"):
        assert out[key].shape == (6,)
    s = out["summary"]
    assert s["argmax_rhat"] == 2 and s["max_rhat"] == pytest.approx(out["rhat"][2]) and s["max_rhat"] > 1.3
    assert s["min_ess_bulk"] == pytest.approx(out["ess_bulk"].min())
    assert s["frac_rhat_above"] == pytest.approx(1 / 6)
    assert (s["n_points"], s["n_chains"], s["n_draws"]) == (6, 4, 200)


def test_function_space_one_draw_per_chain_uses_nested_rhat():
    rng = np.random.default_rng(5)
    f = rng.normal(size=(400, 1, 3))
    f[:100, 0, 1] += 2.0  # first superchain off at point 1
    out = diagnostics.function_space(f, superchains=4)
    assert np.all(np.isnan(out["rhat"])) and np.all(np.isnan(out["ess_bulk"]))
    s = out["summary"]
    assert math.isnan(s["max_rhat"]) and s["argmax_rhat"] is None
    assert s["argmax_nested_rhat"] == 1 and s["max_nested_rhat"] > 1.2
    assert s["frac_rhat_above"] == pytest.approx(1 / 3)
    assert "note" in s
    single = diagnostics.function_space(f[:, :, 0], superchains=4)
    assert single["nested_rhat"].shape == (1,)


def test_function_space_bad_input():
    with pytest.raises(ValueError, match="f"):
        diagnostics.function_space(np.zeros(5))
    with pytest.raises(ValueError, match="rhat_threshold"):
        diagnostics.function_space(np.zeros((2, 5, 1)), rhat_threshold=0.5)


# ----- sampler health -------------------------------------------------------------------------
def _stats():
    return {
        "diverging": np.array([[False, True, False], [False, False, False]]),
        "tree_depth": np.array([[3, 10, 10], [2, 2, 4]]),
        "acceptance_rate": np.array([[0.9, 0.1, 0.8], [0.7, 0.8, 0.9]]),
        "step_size": np.array([[0.1, 0.1, 0.1], [0.2, 0.2, 0.2]]),
        "n_steps": np.array([[7, 1023, 1023], [3, 3, 15]]),
        "lp": np.zeros((2, 3)),  # ignored
    }


def test_sampler_health_tables():
    h = diagnostics.sampler_health(_stats(), max_tree_depth=10)
    pc, tot = h["per_chain"], h["totals"]
    np.testing.assert_array_equal(pc["divergences"], [1, 0])
    np.testing.assert_array_equal(pc["tree_depth_hits"], [2, 0])
    np.testing.assert_array_equal(pc["grad_evals"], [2053, 21])
    np.testing.assert_allclose(pc["mean_acceptance"], [0.6, 0.8])
    np.testing.assert_allclose(pc["step_size"], [0.1, 0.2])
    assert tot["divergences"] == 1 and tot["chains_with_divergences"] == 1
    assert tot["tree_depth_hits"] == 2 and tot["max_tree_depth"] == 10
    assert tot["grad_evals"] == 2074 and tot["n_draws"] == 6 and tot["n_chains"] == 2
    assert tot["mean_acceptance"] == pytest.approx(0.7)
    assert tot["step_size_min"] == 0.1 and tot["step_size_max"] == 0.2
    text = diagnostics.format_table(pc)
    assert "divergences" in text and len(text.splitlines()) == 3
    assert "tree_depth_hits" not in diagnostics.sampler_health(_stats())["per_chain"]


def test_sampler_health_one_draw_per_chain_and_frame():
    h = diagnostics.sampler_health({"diverging": np.array([0, 1, 0, 0]), "n_steps": np.array([3, 7, 7, 15])})
    assert h["totals"]["divergences"] == 1 and h["totals"]["grad_evals"] == 32
    pd = pytest.importorskip("pandas")
    frame = diagnostics.sampler_health(_stats(), as_frame=True)["per_chain"]
    assert isinstance(frame, pd.DataFrame) and list(frame.index) == [0, 1]


def test_sampler_health_bad_input():
    with pytest.raises(TypeError, match="stats"):
        diagnostics.sampler_health([1, 2])
    with pytest.raises(ValueError, match="none of the known"):
        diagnostics.sampler_health({"lp": np.zeros((2, 3))})
    bad = _stats()
    bad["tree_depth"] = np.zeros((2, 4))
    with pytest.raises(ValueError, match="shape"):
        diagnostics.sampler_health(bad)
    with pytest.raises(ValueError, match="diverging"):
        diagnostics.sampler_health({"diverging": np.array([[0, 2]])})
    with pytest.raises(ValueError, match="max_tree_depth"):
        diagnostics.sampler_health({"diverging": np.zeros((2, 2), bool)}, max_tree_depth=10)
    with pytest.raises(ValueError, match="acceptance_rate"):
        diagnostics.sampler_health({"acceptance_rate": np.array([[np.nan, 1.0]])})


def test_perfectly_mixed_one_draw_chains_are_not_flagged_for_their_count():
    # Independent draws: nested R-hat sits near sqrt(1 + 1/M) (M chains per superchain), above a
    # plain 1.01; the summaries compare it with the threshold times that reference.
    rng = np.random.default_rng(0)
    f = rng.normal(size=(64, 1, 40))
    out = diagnostics.function_space(f, superchains=8, backend="numpy")
    reference = diagnostics.nested_rhat_reference(64, 1, 8)
    assert reference == pytest.approx(np.sqrt(1 + 1 / 8))
    assert np.median(out["nested_rhat"]) > 1.01  # what a fixed threshold would have flagged
    assert out["summary"]["nested_rhat_reference"] == pytest.approx(reference)
    assert out["summary"]["frac_rhat_above"] < 0.5
    # a superchain stuck elsewhere is still flagged
    f[:8] += 3.0
    stuck = diagnostics.function_space(f, superchains=8, backend="numpy")
    assert stuck["summary"]["frac_rhat_above"] == 1.0


@pytest.mark.parametrize("args", [(64, 1, 0), (64, 1, 1), (64, 1, 65), (1, 1, 2), (64, 0, 8)])
def test_nested_rhat_reference_rejects_impossible_layouts(args):
    with pytest.raises(ValueError, match="superchains|n_chains"):
        diagnostics.nested_rhat_reference(*args)
