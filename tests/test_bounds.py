"""Tests for symhmc.bounds: the chain counts of docs/paper.md section 4 (paper's Eq. 5)."""

import itertools
import math
from fractions import Fraction

import numpy as np
import pytest
from scipy import stats

from symhmc import bounds


def _normalised(w):
    w = np.asarray(w, dtype=float)
    return w / w.sum()


# (label, probabilities): uniform, the paper's default, and skewed vectors.
SMALL_CASES = [
    ("uniform-2", np.full(2, 0.5)),
    ("paper-3", bounds.mode_probabilities(3)),
    ("uniform-5", np.full(5, 0.2)),
    ("inverse-square-6", _normalised(1.0 / np.arange(1, 7) ** 2)),
    ("paper-8", bounds.mode_probabilities(8)),
    ("dirichlet-10", np.random.default_rng(3).dirichlet(np.ones(10))),
    ("geometric-12", _normalised(np.exp(-0.4 * np.arange(12)))),
    ("paper-12", bounds.mode_probabilities(12)),
]
# Every "small" case with more than 12 modes goes through the contour / integral routes.
LARGE_CASES = [
    ("paper-13", bounds.mode_probabilities(13)),
    ("uniform-30", np.full(30, 1 / 30)),
    ("inverse-20", _normalised(1.0 / np.arange(1, 21))),
    ("paper-200", bounds.mode_probabilities(200)),
]


def _ids(cases):
    return [label for label, _ in cases]


def _eq5(probs):
    """The paper's Eq. 5, literally: sum_q (-1)^(nu-1-q) sum_{|J|=q} 1 / (1 - Pi_J)."""
    nu = len(probs)
    return math.fsum(
        (-1) ** (nu - 1 - q) / (1.0 - math.fsum(probs[list(J)]))
        for q in range(nu)
        for J in itertools.combinations(range(nu), q)
    )


def _simulate_chains(probs, replicates, rng):
    """Monte Carlo coupon collector: chains (one mode each) until every mode was seen."""
    nu = len(probs)
    cum = np.cumsum(probs)
    seen = np.zeros((replicates, nu), dtype=bool)
    count = np.zeros(replicates, dtype=np.int64)
    result = np.zeros(replicates, dtype=np.int64)
    active = np.arange(replicates)
    step = 0
    while active.size:
        step += 1
        mode = np.minimum(np.searchsorted(cum, rng.random(active.size), side="right"), nu - 1)
        count[active] += ~seen[active, mode]
        seen[active, mode] = True
        done = count[active] == nu
        result[active[done]] = step
        active = active[~done]
    return result


def _cdf_binomial_dp(probs, g_max):
    """Independent oracle for P(G <= n), n = 0..g_max: all terms positive, no cancellation.

    The count of mode m is Binomial(n, pi_m / sum_{i >= m} pi_i); given it, the remaining
    draws are multinomial over the later modes.
    """
    nu = len(probs)
    tail = np.cumsum(probs[::-1])[::-1]
    n = np.arange(g_max + 1)
    q = (n >= 1).astype(float)  # the last mode: seen iff at least one draw is left
    taken = n[:, None] - n[None, :]  # draws taken by mode m when n[None, :] remain
    for m in range(nu - 2, -1, -1):
        pmf = stats.binom.pmf(taken, n[:, None], probs[m] / tail[m])
        q = np.where(taken >= 1, pmf, 0.0) @ q
    return q


def _exact_uniform_cdf(g, nu):
    """P(G <= g) for equal probabilities with exact rational arithmetic."""
    total = sum((-1) ** k * math.comb(nu, k) * (nu - k) ** g for k in range(nu + 1))
    return float(Fraction(total, nu**g))


# ----------------------------------------------------------------------------------------------
# The paper's numbers
# ----------------------------------------------------------------------------------------------


def test_paper_default_probabilities():
    x = np.linspace(0.0, 1.96, 3)
    expected = stats.halfnorm.pdf(x) / stats.halfnorm.pdf(x).sum()
    np.testing.assert_allclose(bounds.mode_probabilities(3), expected, rtol=1e-14)
    np.testing.assert_array_equal(bounds.mode_probabilities(1), [1.0])
    p = bounds.mode_probabilities(50)
    assert p.shape == (50,) and np.all(np.diff(p) < 0) and math.isclose(p.sum(), 1.0)


def test_paper_expected_chains():
    probs = bounds.mode_probabilities(3)
    value = bounds.expected_chains(probs)
    assert round(value, 2) == 12.73
    assert value == pytest.approx(_eq5(probs), rel=1e-13)
    assert value == pytest.approx(12.730932059392954, rel=1e-12)


@pytest.mark.parametrize("p, markov, exact", [(0.99, 1274, 54), (0.9, 128, 27)])
def test_paper_chain_counts(p, markov, exact):
    assert bounds.chains_needed(3, p) == markov  # default method is the paper's Markov bound
    assert bounds.chains_needed(3, p, method="markov") == markov
    assert bounds.chains_needed(3, p, method="exact") == exact
    assert bounds.chains_needed(modes=3, p=p, probs=bounds.mode_probabilities(3), method="exact") == exact
    assert bounds.chains_needed(p=p) == markov  # modes defaults to 3
    assert isinstance(bounds.chains_needed(3, p, method="exact"), int)


def test_paper_exact_is_the_quantile():
    probs = bounds.mode_probabilities(3)
    cdf = bounds.prob_all_visited([26, 27, 53, 54], probs)
    assert cdf[0] < 0.9 <= cdf[1] and cdf[2] < 0.99 <= cdf[3]


# ----------------------------------------------------------------------------------------------
# Closed forms and the two numerical routes against each other
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("nu", [1, 2, 3, 7, 12, 13, 100, 1000, 10_000])
def test_equal_probabilities_give_harmonic_formula(nu):
    harmonic = nu * math.fsum(1.0 / k for k in range(1, nu + 1))
    probs = np.full(nu, 1.0 / nu)
    assert bounds.expected_chains(probs) == pytest.approx(harmonic, rel=1e-10)
    if nu <= 12:
        integral = bounds.expected_chains(probs, method="integral")
        assert integral == pytest.approx(harmonic, rel=1e-10)


@pytest.mark.parametrize(
    "label, probs",
    SMALL_CASES
    + [
        ("extreme-6", _normalised(10.0 ** -np.arange(6))),
        ("extreme-12", _normalised(np.exp(-3.0 * np.arange(12)))),
    ],
    ids=_ids(SMALL_CASES) + ["extreme-6", "extreme-12"],
)
def test_stable_routes_match_inclusion_exclusion(label, probs):
    ie = bounds.expected_chains(probs, method="inclusion-exclusion")
    if not label.startswith("extreme"):
        # Eq. 5 as written forms 1 - Pi_J and so loses modes rarer than ~1e-13 (5% off for
        # "extreme-12"); the module sums the complement Pi_{J^c} instead.
        assert ie == pytest.approx(_eq5(probs), rel=1e-9)
    assert bounds.expected_chains(probs, method="integral") == pytest.approx(ie, rel=1e-9)

    nu = len(probs)
    g = np.unique(np.concatenate([np.arange(nu, 10 * nu + 50), np.geomspace(nu, 40 * ie, 300).astype(np.int64)]))
    cdf_ie = bounds.prob_all_visited(g, probs, method="inclusion-exclusion")
    cdf_contour = bounds.prob_all_visited(g, probs, method="contour")
    np.testing.assert_allclose(cdf_contour, cdf_ie, rtol=0, atol=1e-12)
    body, tail = cdf_ie >= 1e-3, 1 - cdf_ie >= 1e-3
    assert body.sum() >= 5 and tail.sum() >= 5
    np.testing.assert_allclose(cdf_contour[body], cdf_ie[body], rtol=1e-9)
    np.testing.assert_allclose(1 - cdf_contour[tail], 1 - cdf_ie[tail], rtol=1e-9)


def test_small_chain_counts_are_exact():
    probs = bounds.mode_probabilities(4)
    for method in ("inclusion-exclusion", "contour"):
        cdf = bounds.prob_all_visited(np.arange(6), probs, method=method)
        np.testing.assert_allclose(cdf[:4], 0.0, atol=1e-15)
        assert cdf[4] == pytest.approx(math.factorial(4) * np.prod(probs), rel=1e-9)
    assert bounds.prob_all_visited(0, [1.0]) == 0.0
    assert bounds.prob_all_visited(1, [1.0]) == 1.0


@pytest.mark.parametrize("nu", [50, 200])
def test_contour_matches_exact_rational_arithmetic(nu):
    probs = np.full(nu, 1.0 / nu)
    mean = nu * math.fsum(1.0 / k for k in range(1, nu + 1))
    g = np.linspace(0.5 * mean, 3 * mean, 9).astype(int)
    expected = [_exact_uniform_cdf(int(n), nu) for n in g]
    np.testing.assert_allclose(bounds.prob_all_visited(g, probs), expected, rtol=1e-10, atol=1e-13)


def test_contour_matches_binomial_recursion():
    probs = _normalised(1.0 / np.arange(1, 21))
    reference = _cdf_binomial_dp(probs, 700)
    g = np.arange(20, 701, 7)
    np.testing.assert_allclose(bounds.prob_all_visited(g, probs), reference[g], rtol=1e-9, atol=1e-12)


# ----------------------------------------------------------------------------------------------
# Monte Carlo
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "label, probs",
    [c for c in SMALL_CASES if len(c[1]) <= 8] + LARGE_CASES[:3],
    ids=_ids([c for c in SMALL_CASES if len(c[1]) <= 8] + LARGE_CASES[:3]),
)
def test_simulation_agrees_with_exact_distribution(label, probs):
    replicates = 200_000
    rng = np.random.default_rng(20230517 + len(probs))
    chains = _simulate_chains(probs, replicates, rng)

    mean = bounds.expected_chains(probs)
    standard_error = chains.std(ddof=1) / math.sqrt(replicates)
    assert abs(chains.mean() - mean) <= 4 * standard_error

    g = np.unique(np.quantile(chains, [0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999]).astype(int))
    exact = bounds.prob_all_visited(g, probs)
    empirical = (chains[:, None] <= g[None, :]).mean(axis=0)
    tolerance = 4 * np.sqrt(exact * (1 - exact) / replicates) + 1.0 / replicates
    assert np.all(np.abs(empirical - exact) <= tolerance), (g, empirical, exact)

    for p in (0.5, 0.9, 0.99):  # the exact count is the simulated quantile up to noise
        count = bounds.chains_needed(probs=probs, p=p, method="exact")
        assert (chains <= count).mean() >= p - 4 * math.sqrt(p * (1 - p) / replicates)
        assert (chains <= count - 1).mean() < p + 4 * math.sqrt(p * (1 - p) / replicates)


# ----------------------------------------------------------------------------------------------
# The three counts
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("label, probs", SMALL_CASES + LARGE_CASES, ids=_ids(SMALL_CASES + LARGE_CASES))
@pytest.mark.parametrize("p", [0.01, 0.5, 0.9, 0.99, 0.999999])
def test_exact_is_below_both_upper_bounds(label, probs, p):
    exact = bounds.chains_needed(probs=probs, p=p, method="exact")
    union = bounds.chains_needed(probs=probs, p=p, method="union")
    markov = bounds.chains_needed(probs=probs, p=p, method="markov")
    assert len(probs) <= exact <= union and exact <= markov

    cdf = bounds.prob_all_visited([exact - 1, exact], probs)
    assert cdf[0] < p <= cdf[1]
    miss = lambda g: np.sum((1 - probs) ** g)  # noqa: E731
    assert miss(union) <= 1 - p < miss(union - 1)
    assert markov == math.ceil(bounds.expected_chains(probs) / (1 - p) * (1 - 1e-12))


def test_single_mode():
    for method in bounds.METHODS:
        expected = 10 if method == "markov" else 1  # Markov: E[G] = 1 over 1 - p
        assert bounds.chains_needed(1, 0.9, method=method) == expected
    assert bounds.expected_chains([1.0]) == 1.0


def test_markov_rounding_of_integer_ratio():
    # E[G] = 3 for two equal modes; 3 / (1 - 0.75) = 12 exactly: no spurious + 1
    assert bounds.chains_needed(probs=[0.5, 0.5], p=0.75, method="markov") == 12
    assert bounds.chains_needed(probs=[0.5, 0.5], p=0.5, method="markov") == 6


@pytest.mark.parametrize("probs", [np.full(10_000, 1e-4), bounds.mode_probabilities(10_000)], ids=["uniform", "paper"])
def test_ten_thousand_modes(probs):
    nu = probs.size
    mean = bounds.expected_chains(probs)
    markov = bounds.chains_needed(probs=probs, p=0.99, method="markov")
    union = bounds.chains_needed(probs=probs, p=0.99, method="union")
    exact = bounds.chains_needed(probs=probs, p=0.99, method="exact")
    assert np.isfinite(mean) and exact <= union < markov == math.ceil(mean / 0.01 * (1 - 1e-12))
    # Union is tight in the upper tail: P(G > g) ~ sum_j (1 - pi_j)^g for large g.
    assert union - exact < 0.002 * exact
    if np.all(probs == probs[0]):
        # Gumbel limit of the uniform collector: P(G <= g) ~ exp(-nu e^(-g/nu)).
        assert exact == pytest.approx(nu * (math.log(nu) - math.log(-math.log(0.99))), rel=1e-3)


def test_prob_all_visited_shapes_and_monotonicity():
    probs = bounds.mode_probabilities(5)
    assert isinstance(bounds.prob_all_visited(20, probs), float)
    grid = np.arange(0, 400).reshape(20, 20)
    cdf = bounds.prob_all_visited(grid, probs)
    assert cdf.shape == grid.shape
    assert np.all(np.diff(cdf.ravel()) >= -1e-15) and 0.0 <= cdf.min() and cdf.max() <= 1.0


# ----------------------------------------------------------------------------------------------
# Bad input
# ----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "kwargs, error, name",
    [
        (dict(p=0.0), ValueError, "p"),
        (dict(p=1.0), ValueError, "p"),
        (dict(p=-0.5), ValueError, "p"),
        (dict(p=1.5), ValueError, "p"),
        (dict(p=float("nan")), ValueError, "p"),
        (dict(p="0.9"), TypeError, "p"),
        (dict(p=True), TypeError, "p"),
        (dict(modes=0), ValueError, "modes"),
        (dict(modes=-3), ValueError, "modes"),
        (dict(modes=2.5), TypeError, "modes"),
        (dict(modes="3"), TypeError, "modes"),
        (dict(modes=4, probs=[0.5, 0.5]), ValueError, "probs"),
        (dict(probs=[0.5, 0.6]), ValueError, "probs"),
        (dict(probs=[1.2, -0.2]), ValueError, "probs"),
        (dict(probs=[1.0, 0.0]), ValueError, "probs"),
        (dict(probs=[0.5, float("nan")]), ValueError, "probs"),
        (dict(probs=[[0.5, 0.5]]), ValueError, "probs"),
        (dict(probs=[]), ValueError, "probs"),
        (dict(probs="uniform"), TypeError, "probs"),
        (dict(method="chebyshev"), ValueError, "method"),
        (dict(method=None), ValueError, "method"),
    ],
)
def test_chains_needed_rejects_bad_input(kwargs, error, name):
    with pytest.raises(error, match=rf"\b{name}\b"):
        bounds.chains_needed(**kwargs)


def test_other_functions_reject_bad_input():
    with pytest.raises(ValueError, match="modes"):
        bounds.mode_probabilities(0)
    with pytest.raises(TypeError, match="modes"):
        bounds.mode_probabilities(3.0)
    with pytest.raises(ValueError, match="probs"):
        bounds.expected_chains([0.3, 0.3])
    with pytest.raises(ValueError, match="method"):
        bounds.expected_chains([0.5, 0.5], method="exact")
    with pytest.raises(ValueError, match=r"\bg\b"):
        bounds.prob_all_visited(-1, [0.5, 0.5])
    with pytest.raises(TypeError, match=r"\bg\b"):
        bounds.prob_all_visited(2.5, [0.5, 0.5])
    with pytest.raises(ValueError, match="method"):
        bounds.prob_all_visited(3, [0.5, 0.5], method="markov")
    with pytest.raises(ValueError, match="weights"):
        bounds.check_probabilities([0.2, 0.2], name="weights")
    with pytest.raises(ValueError, match="length 2 but modes=3"):
        bounds.check_probabilities([0.5, 0.5], modes=3)
    np.testing.assert_allclose(bounds.check_probabilities([0.25, 0.75], modes=2), [0.25, 0.75])
