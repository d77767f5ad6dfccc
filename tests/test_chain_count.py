"""Choosing the number of chains: chains="bound", chains="auto", chain offsets, and the PPD
convergence curve (symhmc.ppd)."""

import numpy as np
import pytest

import symhmc
from symhmc.sampling import runner
from symhmc.evaluate.ppd import DEFAULT_Y_GRID, data_y_grid, kl_divergence, ppd_convergence, predictive_density

LINREG = symhmc.MLP(hidden=(), noise_std=0.5)  # Bayesian linear regression, unimodal posterior


def _linreg_data(n=40, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.uniform(-2, 2, n)
    return x, 0.5 * x - 0.2 + 0.5 * rng.normal(size=n)


X, Y = _linreg_data()
FAST = dict(warmup=30, progress=False)


# ----------------------------------------------------------------------------------------------
# chains="bound"
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "bound, n",
    [(dict(modes=3, p=0.99, method="exact"), 54), (dict(modes=3, p=0.9, method="exact"), 27), (dict(p=0.9), 128)],
)
def test_bound_picks_the_chain_count_and_records_it(bound, n):
    r = symhmc.sample(LINREG, X, Y, chains="bound", bound=bound, seed=1, **FAST)
    assert r.n_chains == n and r.draws.shape[0] == n
    assert r.settings["chains"] == n
    rule = r.settings["chains_rule"]
    assert rule["rule"] == "bound" and rule["chains"] == n
    assert rule["p"] == bound["p"] and rule["method"] == bound.get("method", "markov") and rule["modes"] == 3
    # the same chains as a run asking for that number directly
    direct = symhmc.sample(LINREG, X, Y, chains=n, seed=1, **FAST)
    np.testing.assert_array_equal(r.draws, direct.draws)
    assert direct.settings["chains_rule"] == {"rule": "fixed", "chains": n}


def test_bound_with_given_probabilities():
    r = symhmc.sample(
        LINREG, X, Y, chains="bound", bound=dict(probs=[0.5, 0.5], p=0.75, method="exact"), seed=0, **FAST
    )
    # P(both of two equally likely modes seen within g) = 1 - 2 * 0.5**g >= 0.75  <=>  g >= 3
    assert r.n_chains == 3
    assert r.settings["chains_rule"]["probs"] == [0.5, 0.5] and r.settings["chains_rule"]["modes"] == 2


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(chains="bound", bound=dict(mode=3)), TypeError, r"bound: unknown key\(s\) \['mode'\]"),
        (dict(chains="bound", bound=dict(p=1.5)), ValueError, r"bound: p must be strictly between 0 and 1"),
        (dict(chains="bound", bound=dict(modes=0)), ValueError, r"bound: modes"),
        (dict(chains="bound", bound=dict(method="chebyshev")), ValueError, r"bound: .*method"),
        (dict(chains="bound", bound=dict(modes=3, probs=[0.5, 0.5])), ValueError, r"bound: .*probs"),
        (dict(chains="bound", bound=[3, 0.99]), TypeError, r"bound must be a dict"),
        (dict(chains=10, bound=dict(modes=3)), ValueError, r"bound is only used with chains='bound'"),
        (dict(bound=dict(modes=3)), ValueError, r"bound is only used with chains='bound'"),
        (dict(chains="many"), ValueError, r"chains must be a positive integer, 'bound' or 'auto'"),
        (dict(chains=0), ValueError, r"chains must be >= 1"),
        (dict(chains="auto", auto=dict(rounds=3)), TypeError, r"auto: unknown key\(s\) \['rounds'\]"),
        (dict(chains="auto", auto=dict(tol=-1.0)), ValueError, r"auto: tol must be positive"),
        (dict(chains="auto", auto=dict(tol="small")), TypeError, r"auto: tol must be a real number"),
        (dict(chains="auto", auto=dict(round_size=0)), ValueError, r"auto: round_size must be >= 1"),
        (dict(chains="auto", auto=dict(round_size=2.5)), TypeError, r"auto: round_size must be an integer"),
        (dict(chains="auto", auto=dict(round_size=64, max_chains=100)), ValueError, r"auto: max_chains \(100\)"),
        (dict(chains="auto", auto=dict(patience=0)), ValueError, r"auto: patience must be >= 1"),
        (dict(chains="auto", auto=dict(x=np.zeros((3, 2)))), ValueError, r"auto: x has 2 columns"),
        (dict(chains="auto", auto=dict(y_grid=[1.0, 0.0])), ValueError, r"auto: y_grid must be strictly increasing"),
        (dict(chains="auto", auto="fast"), TypeError, r"auto must be a dict"),
        (dict(chains=8, auto=dict(tol=0.1)), ValueError, r"auto is only used with chains='auto'"),
        (dict(chains=8, first_chain=-1), ValueError, r"first_chain must be >= 0"),
    ],
)
def test_bad_chain_rule_arguments_name_the_argument(kwargs, exc, match):
    with pytest.raises(exc, match=match):
        symhmc.sample(LINREG, X, Y, seed=0, **FAST, **kwargs)


def test_auto_needs_a_model():
    t = symhmc._core.testing.GaussianTarget(np.zeros(2), np.ones(2))
    with pytest.raises(ValueError, match="auto: chains='auto' needs a model"):
        symhmc.sample_target(t, chains="auto", progress=False)


# ----------------------------------------------------------------------------------------------
# chain offsets: chain c of seed s is the same whatever run it is part of
# ----------------------------------------------------------------------------------------------
@pytest.mark.parametrize("init", ["uniform", "prior"])
def test_first_chain_reproduces_the_chains_of_a_bigger_run(init):
    big = symhmc.sample(LINREG, X, Y, chains=12, seed=5, init=init, **FAST)
    part = symhmc.sample(LINREG, X, Y, chains=5, first_chain=7, seed=5, init=init, **FAST)
    np.testing.assert_array_equal(part.draws, big.draws[7:])
    np.testing.assert_array_equal(part.step_size, big.step_size[7:])
    np.testing.assert_array_equal(part.chain_ids, np.arange(7, 12))
    assert part.settings["first_chain"] == 7
    # and differs from the run's first chains
    assert not np.array_equal(part.draws, big.draws[:5])


# ----------------------------------------------------------------------------------------------
# chains="auto"
# ----------------------------------------------------------------------------------------------
AUTO = dict(round_size=16, tol=2e-3, max_chains=320, patience=1)


def test_auto_stops_before_the_maximum_and_equals_one_big_run():
    r = symhmc.sample(LINREG, X, Y, chains="auto", auto=AUTO, seed=3, **FAST)
    conv = r.convergence
    assert conv["converged"] and not r.partial
    assert r.n_chains < AUTO["max_chains"] and r.n_chains % AUTO["round_size"] == 0
    assert conv["chains"][-1] == r.n_chains and conv["kl"][-1] < AUTO["tol"]
    assert all(k >= AUTO["tol"] for k in conv["kl"][:-1])  # it stopped at the first round below tol
    assert conv["chains"] == list(range(32, r.n_chains + 1, 16))
    assert conv["previous"] == [c - 16 for c in conv["chains"]]
    assert r.settings["chains"] == r.n_chains
    rule = r.settings["chains_rule"]
    assert rule["rule"] == "auto" and rule["chains"] == r.n_chains and rule["converged"]
    assert rule["tol"] == AUTO["tol"] and rule["round_size"] == 16 and rule["n_points"] == len(X)
    # every round's chains are exactly those of a single run with the same total and seed
    single = symhmc.sample(LINREG, X, Y, chains=r.n_chains, seed=3, **FAST)
    np.testing.assert_array_equal(r.draws, single.draws)
    for name in r.stats:
        np.testing.assert_array_equal(r.stats[name], single.stats[name])
    np.testing.assert_array_equal(r.inv_mass, single.inv_mass)
    np.testing.assert_array_equal(r.chain_ids, np.arange(r.n_chains))
    # the recorded curve is ppd_convergence over the round ends, on the rule's grid (by default
    # fitted to the training targets, not ppd_convergence's [-3, 3])
    np.testing.assert_array_equal(conv["y_grid"], data_y_grid(Y))
    curve = ppd_convergence(single, X, step=[16, *conv["chains"]], y_grid=conv["y_grid"])
    np.testing.assert_allclose(conv["kl"], curve.kl, rtol=1e-10, atol=1e-15)


def test_auto_defaults():
    r = symhmc.sample(LINREG, X, Y, chains="auto", seed=4, **FAST)
    rule = r.settings["chains_rule"]
    assert (rule["round_size"], rule["tol"], rule["max_chains"], rule["patience"]) == (64, 1e-4, 1274, 2)
    assert rule["x_source"] == "training inputs" and rule["y_grid_source"] == "training targets"
    sd = Y.std()
    np.testing.assert_allclose(rule["y_grid"], [Y.min() - 3 * sd, Y.max() + 3 * sd, 201], rtol=1e-12)
    assert r.convergence["grid_mass"] > 0.99
    assert r.convergence["converged"] and 192 <= r.n_chains < 1274 and r.n_chains % 64 == 0
    assert np.all(np.asarray(r.convergence["kl"][-2:]) < 1e-4)


def test_auto_runs_to_the_maximum_when_the_tolerance_is_not_met():
    r = symhmc.sample(LINREG, X, Y, chains="auto", auto=dict(round_size=8, tol=1e-12, max_chains=20), seed=3, **FAST)
    assert r.n_chains == 20 and not r.convergence["converged"]
    assert r.convergence["chains"] == [16, 20]  # the last round is cut to max_chains
    assert not r.settings["chains_rule"]["converged"]


def test_auto_user_grid_and_patience():
    xg = np.linspace(-3, 3, 9)
    r = symhmc.sample(
        LINREG,
        X,
        Y,
        chains="auto",
        seed=3,
        **FAST,
        auto=dict(round_size=16, tol=2e-3, max_chains=320, x=xg, patience=2, y_grid=np.linspace(-4, 4, 81)),
    )
    kl = np.asarray(r.convergence["kl"])
    assert r.convergence["converged"] and np.all(kl[-2:] < 2e-3)
    assert r.settings["chains_rule"]["x_source"] == "user" and r.settings["chains_rule"]["n_points"] == 9
    assert r.settings["chains_rule"]["y_grid"] == [-4.0, 4.0, 81]
    assert r.settings["chains_rule"]["y_grid_source"] == "user"
    curve = ppd_convergence(r, xg, y_grid=np.linspace(-4, 4, 81), step=16)
    np.testing.assert_allclose(kl, curve.kl, rtol=1e-10, atol=1e-15)


@pytest.mark.parametrize("patience, rounds", [(1, 3), (2, 7), (3, 8)])
def test_auto_stopping_rule_needs_patience_rounds_in_a_row(monkeypatch, patience, rounds):
    from symhmc import ppd

    script = iter([5e-3, 1e-4, 5e-3, 5e-3, 1e-4, 1e-4, 1e-4, 5e-3, 5e-3, 5e-3])
    monkeypatch.setattr(ppd.PredictiveDensity, "kl_to", lambda self, previous: next(script))
    r = symhmc.sample(
        LINREG, X, Y, chains="auto", auto=dict(round_size=4, tol=1e-3, max_chains=44, patience=patience), seed=0, **FAST
    )
    assert r.convergence["converged"] and r.n_chains == 4 * rounds
    assert len(r.convergence["kl"]) == rounds - 1


def test_auto_interrupted_returns_the_finished_rounds(monkeypatch):
    real = runner.run_with_progress
    calls = []

    def interrupted_in_third_round(target, kwargs, chains, show, **kw):
        out, _, secs = real(target, kwargs, chains, show, **kw)
        calls.append(int(kwargs["chain_ids"][0]))
        if len(calls) == 3:  # as if Ctrl-C came after 5 chains of round 3
            out["finished"][5:] = False
            return out, True, secs
        return out, False, secs

    monkeypatch.setattr(runner, "run_with_progress", interrupted_in_third_round)
    with pytest.warns(RuntimeWarning, match="interrupted"):
        r = symhmc.sample(
            LINREG, X, Y, chains="auto", auto=dict(round_size=8, tol=1e-12, max_chains=80), seed=2, **FAST
        )
    assert calls == [0, 8, 16]
    assert r.partial and r.n_chains == 21 and not r.convergence["converged"]
    np.testing.assert_array_equal(r.chain_ids, np.arange(21))
    monkeypatch.setattr(runner, "run_with_progress", real)
    full = symhmc.sample(LINREG, X, Y, chains=21, seed=2, **FAST)
    np.testing.assert_array_equal(r.draws, full.draws)


# ----------------------------------------------------------------------------------------------
# ppd_convergence
# ----------------------------------------------------------------------------------------------
def _slow_curve(params, x, model, grid, counts, floor=1e-12):
    """Direct NumPy version: every density from scratch, np.trapezoid, loops."""
    out = []

    def ppd(g):
        flat = params[:g].reshape(-1, params.shape[-1])
        sig = np.exp(flat[:, -1]) if model.noise_std is None else np.full(len(flat), model.noise_std)
        dens = np.zeros((len(x), len(grid)))
        for theta, s in zip(flat, sig):
            f = model.predict(theta, x)
            for i in range(len(x)):
                dens[i] += np.exp(-0.5 * ((grid - f[i]) / s) ** 2) / (s * np.sqrt(2 * np.pi))
        dens = np.maximum(dens / len(flat), floor)
        return dens / np.trapezoid(dens, grid, axis=1)[:, None]

    for a, b in zip(counts[:-1], counts[1:]):
        p, q = ppd(b), ppd(a)
        out.append(np.trapezoid(p * np.log(p / q), grid, axis=1))
    return np.array(out)


@pytest.mark.parametrize("budget", [64 * 2**20, 3000])
def test_ppd_convergence_matches_a_direct_computation(budget):
    model = symhmc.MLP(hidden=(3,), n_inputs=2)  # sampled sigma, two inputs
    rng = np.random.default_rng(0)
    params = rng.normal(size=(9, 3, model.dim)) * 0.7
    x = rng.normal(size=(5, 2))
    grid = np.linspace(-3, 3, 31)
    c = ppd_convergence(params, x, model=model, y_grid=grid, per_point=True, memory_budget=budget)
    ref = _slow_curve(params, x, model, grid, list(range(1, 10)))
    np.testing.assert_array_equal(c.chains, np.arange(2, 10))
    np.testing.assert_array_equal(c.previous, np.arange(1, 9))
    np.testing.assert_allclose(c.kl_per_point, ref, rtol=1e-9, atol=1e-14)
    np.testing.assert_allclose(c.kl, ref.mean(axis=1), rtol=1e-9, atol=1e-14)
    for step, counts in [(4, [4, 8, 9]), ([2, 5, 9], [2, 5, 9])]:
        c = ppd_convergence(params, x, model=model, y_grid=grid, step=step, memory_budget=budget)
        np.testing.assert_array_equal(c.chains, counts[1:])
        np.testing.assert_allclose(c.kl, _slow_curve(params, x, model, grid, counts).mean(axis=1), rtol=1e-9)
    dens = predictive_density(params, x, model=model, y_grid=grid)
    assert dens.shape == (5, 31)


def test_ppd_kl_is_zero_between_identical_sets():
    rng = np.random.default_rng(1)
    half = rng.normal(size=(20, 2, LINREG.dim))
    params = np.concatenate([half, half])  # chains 20..39 repeat chains 0..19: same mixture
    x = np.linspace(-3, 3, 11)
    c = ppd_convergence(params, x, model=LINREG, step=[20, 40])
    assert c.kl.shape == (1,) and abs(c.kl[0]) < 1e-14
    # a different second half gives a clearly positive value
    other = np.concatenate([half, rng.normal(size=(20, 2, LINREG.dim))])
    assert ppd_convergence(other, x, model=LINREG, step=[20, 40]).kl[0] > 1e-3
    p = predictive_density(half, x, model=LINREG)
    assert np.all(np.abs(kl_divergence(p, p)) < 1e-15)
    assert np.all(kl_divergence(p, predictive_density(other[20:], x, model=LINREG)) > 1e-6)


def test_ppd_kl_is_positive_and_shrinks_as_chains_are_added():
    # Gaussian toy: linear-regression draws from N(0, 0.5^2); the mixture of g of them changes by
    # ~1/g when one more is added, so KL(PPD_g || PPD_{g-1}) falls like 1/g^2.
    rng = np.random.default_rng(2)
    params = 0.5 * rng.standard_normal((400, LINREG.dim))
    c = ppd_convergence(params, np.linspace(-3, 3, 13), model=LINREG)
    assert c.chains[0] == 2 and c.chains[-1] == 400 and np.all(c.kl > 0)
    early, late = c.kl[:20].mean(), c.kl[-100:].mean()
    assert late < early / 1000
    # slope of log KL against log g close to -2
    slope = np.polyfit(np.log(c.chains), np.log(c.kl), 1)[0]
    assert -2.5 < slope < -1.5


def test_ppd_convergence_from_results_uses_the_model_and_training_inputs():
    r = symhmc.sample(symhmc.MLP(hidden=(), noise_std=None), X, Y, chains=10, seed=0, **FAST)
    c = ppd_convergence(r, step=3)
    ref = _slow_curve(r.draws, r.x, r.model, DEFAULT_Y_GRID, [3, 6, 9, 10])
    np.testing.assert_allclose(c.kl, ref.mean(axis=1), rtol=1e-9)
    assert c.n_points == len(X)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(step=0), ValueError, "step must be >= 1"),
        (dict(step=[3, 2]), ValueError, "strictly increasing"),
        (dict(step=[2, 50]), ValueError, r"in \[1, 10\]"),
        (dict(step=[5]), ValueError, "at least 2"),
        (dict(step="all"), TypeError, "step must be"),
        (dict(step=20), ValueError, "at least 2 chain counts"),
        (dict(y_grid=[0.0]), ValueError, "y_grid must have at least 2"),
        (dict(floor=0.0), ValueError, "floor must be positive"),
    ],
)
def test_ppd_convergence_bad_arguments(kwargs, exc, match):
    params = np.zeros((10, LINREG.dim))
    with pytest.raises(exc, match=match):
        ppd_convergence(params, np.zeros(3), model=LINREG, **kwargs)


def test_ppd_convergence_needs_a_model_for_arrays():
    with pytest.raises(ValueError, match="model is needed"):
        ppd_convergence(np.zeros((4, 2)), np.zeros(3))
    with pytest.raises(ValueError, match="log sigma"):
        ppd_convergence(np.zeros((4, 2)), np.zeros(3), model=symhmc.MLP(hidden=()))
