"""Deep ensembles: the compiled trainer (_core.train_members), symhmc.baselines.deep_ensemble,
its scores against an independent NumPy mixture, files, and DEI-MCMC initialisation."""

from __future__ import annotations

import numpy as np
import pytest

import symhmc
from symhmc import _core
from symhmc.baselines import EnsembleResults, deep_ensemble


@pytest.fixture(scope="module")
def data():
    return symhmc.datasets.sinusoidal(60, seed=3)


@pytest.fixture(scope="module")
def model():
    return symhmc.MLP(hidden=(3,))


@pytest.fixture(scope="module")
def ensemble(model, data):
    return deep_ensemble(model, data.x_train, data.y_train, members=4, seed=7, epochs=200, progress=False)


def _settings(optimizer="rmsprop", lr=0.01, epochs=100):
    s = _core.OptimizerSettings()
    s.optimizer = optimizer
    s.learning_rate = lr
    s.epochs = epochs
    return s


# ----- the compiled trainer -----------------------------------------------------------------
def test_defaults():
    s = _core.OptimizerSettings()
    assert (s.optimizer, s.learning_rate, s.epochs) == ("rmsprop", 0.01, 500)
    assert (s.rho, s.beta1, s.beta2, s.eps, s.init_radius) == (0.9, 0.9, 0.999, 1e-8, 2.0)


@pytest.mark.parametrize("optimizer", ["rmsprop", "adam"])
def test_convex_target_reaches_mean(optimizer):
    mean = np.array([1.0, -2.0, 0.5, 3.0])
    target = _core.testing.GaussianTarget(mean, np.array([1.0, 0.5, 2.0, 0.1]))
    out = _core.train_members(target, members=3, settings=_settings(optimizer, 0.01, 3000), key=1)
    assert out["finished"].all() and not out["nonfinite"].any()
    np.testing.assert_allclose(out["params"], np.broadcast_to(mean, (3, 4)), atol=0.02)
    assert out["losses"].shape == (3, 3000)
    assert np.all(out["losses"][:, -1] < out["losses"][:, 0])


def test_loss_decreases_and_members_differ(model, data):
    target = model.posterior(data.x_train, data.y_train)
    out = _core.train_members(target, members=5, settings=_settings(epochs=300), key=11)
    assert np.all(out["final_loss"] < out["losses"][:, 0])
    assert np.all(out["best_epoch"] == 300)
    p = out["params"]
    assert len({tuple(row) for row in p}) == 5
    # final_loss is -log density at the returned parameters
    lp, _ = target.log_density(p, 1, False)
    np.testing.assert_allclose(-lp, out["final_loss"], rtol=1e-12)


def test_deterministic_across_threads(model, data):
    target = model.posterior(data.x_train, data.y_train)
    s = _settings(epochs=150)
    a = _core.train_members(target, members=6, settings=s, key=3, threads=1)
    b = _core.train_members(target, members=6, settings=s, key=3, threads=2)
    c = _core.train_members(target, members=6, settings=s, key=4, threads=2)
    for k in ("params", "losses", "final_loss", "best_epoch"):
        np.testing.assert_array_equal(a[k], b[k])
    assert not np.array_equal(a["params"], c["params"])
    # member m is the stream first_member + m
    d = _core.train_members(target, members=2, settings=s, key=3, threads=2, first_member=4)
    np.testing.assert_array_equal(d["params"], a["params"][4:])


def test_initial_points_use_their_own_stream_domain(model, data):
    """Member m's initial point is uniform(-2, 2) from stream 2**63 + m (not the chains' stream m)."""
    target = model.posterior(data.x_train, data.y_train)
    s = _settings(epochs=1)
    s.learning_rate = 1e-300  # the update is below the last bit: params stay at the initial point
    out = _core.train_members(target, members=2, settings=s, key=9)
    for m in range(2):
        u = _core.rng_draws(9, 2**63 + m, model.dim, "uniform")
        np.testing.assert_array_equal(out["params"][m], -2.0 + 4.0 * u)


def test_early_stopping_keeps_best_validation_epoch(model, data):
    x, y = data.x_train, data.y_train
    target = model.posterior(x[:30], y[:30])
    val = model.posterior(x[30:], y[30:])
    out = _core.train_members(target, members=3, settings=_settings(epochs=2000), key=5, validation=val, patience=25)
    for m in range(3):
        vl = out["val_losses"][m]
        done = np.isfinite(vl)
        best = int(np.nanargmin(vl))
        assert out["best_epoch"][m] == best  # epoch e's parameters are those after e updates
        n_run = int(done.sum())
        if n_run < 2000:  # stopped early: exactly `patience` epochs without improvement
            assert n_run - 1 - best == 25
            assert np.all(np.isnan(out["losses"][m, n_run:]))
        # the returned parameters are the best-validation ones
        lp, _ = val.log_density(out["params"][m : m + 1], 1, False)
        assert -lp[0] == pytest.approx(vl[best], rel=1e-12)
        assert out["final_loss"][m] == out["losses"][m, best]


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(members=0), "members"),
        (dict(members=2, patience=-1), "patience"),
        (dict(members=2, init=np.zeros((3, 4))), "init"),
        (dict(members=2, threads=-1), "threads"),
    ],
)
def test_core_bad_arguments(kwargs, match):
    target = _core.testing.GaussianTarget(np.zeros(4), np.ones(4))
    with pytest.raises(ValueError, match=match):
        _core.train_members(target, settings=_settings(), **kwargs)


def test_core_bad_settings():
    s = _core.OptimizerSettings()
    with pytest.raises(ValueError, match="optimizer"):
        s.optimizer = "sgd"
    s.learning_rate = -1.0
    with pytest.raises(ValueError, match="learning_rate"):
        s.validate()
    s = _core.OptimizerSettings()
    s.epochs = 0
    with pytest.raises(ValueError, match="epochs"):
        _core.train_members(_core.testing.GaussianTarget(np.zeros(2), np.ones(2)), members=1, settings=s)


# ----- deep_ensemble --------------------------------------------------------------------------
def test_ensemble_result(ensemble, model):
    assert isinstance(ensemble, EnsembleResults) and isinstance(ensemble, symhmc.SampleResults)
    assert ensemble.draws.shape == (4, 1, model.dim)
    s = ensemble.settings
    assert s["method"] == "deep_ensemble" and s["optimizer"] == "rmsprop" and s["learning_rate"] == 0.01
    assert s["epochs"] == 200 and s["preset"] == "paper-code"
    assert ensemble.losses.shape == (4, 200)
    np.testing.assert_allclose(ensemble.stats["lp"][:, 0], -ensemble.stats["energy"][:, 0])
    assert np.all(ensemble.stats["lp"][:, 0] > -ensemble.losses[:, 0])


def test_presets(model, data):
    f2 = symhmc.MLP(hidden=(3, 3))
    from symhmc.baselines.ensemble import _resolve_training

    assert _resolve_training(model, "paper-code", None, None, None) == dict(
        optimizer="rmsprop", epochs=500, learning_rate=0.01
    )
    assert _resolve_training(f2, "paper", None, None, None) == dict(
        optimizer="rmsprop", epochs=1000, learning_rate=1e-4
    )
    assert _resolve_training(f2, "paper", "adam", 7, 0.5) == dict(optimizer="adam", epochs=7, learning_rate=0.5)


def test_same_seed_identical_any_threads(model, data):
    kw = dict(members=3, seed=5, epochs=50, progress=False)
    a = deep_ensemble(model, data.x_train, data.y_train, threads=1, **kw)
    b = deep_ensemble(model, data.x_train, data.y_train, threads=2, **kw)
    np.testing.assert_array_equal(a.draws, b.draws)
    np.testing.assert_array_equal(a.losses, b.losses)


@pytest.mark.parametrize(
    "kwargs, exc, match",
    [
        (dict(members=0), ValueError, "members"),
        (dict(optimizer="sgd"), ValueError, "optimizer"),
        (dict(learning_rate=-0.1), ValueError, "learning_rate"),
        (dict(epochs=0), ValueError, "epochs"),
        (dict(preset="nope"), ValueError, "preset"),
        (dict(init=np.zeros((2, 3))), ValueError, "init"),
        (dict(validation=1.5), ValueError, "validation"),
        (dict(validation="x"), TypeError, "validation"),
        (dict(patience=5), ValueError, "patience"),
    ],
)
def test_bad_arguments(model, data, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        deep_ensemble(model, data.x_train, data.y_train, progress=False, **kwargs)


def test_validation_fraction(model, data):
    r = deep_ensemble(
        model, data.x_train, data.y_train, members=2, seed=1, epochs=3000, validation=0.25, patience=20, progress=False
    )
    assert r.settings["validation"]["n_val"] == 12 and r.settings["patience"] == 20
    assert r.val_losses.shape == (2, 3000)
    assert np.all(r.best_epoch < 3000)


def test_lppd_matches_numpy_mixture(ensemble, model, data):
    x, y = data.x_test, data.y_test
    params = ensemble.draws[:, 0, :]
    # independent forward pass of the 1-3-1 tanh network (layout: W0 (3,1), b0, W1 (1,3), b1, log sigma)
    w0, b0 = params[:, 0:3].reshape(-1, 3, 1), params[:, 3:6]
    w1, b1 = params[:, 6:9].reshape(-1, 1, 3), params[:, 9:10]
    sigma = np.exp(params[:, 10])
    h = np.tanh(np.einsum("mji,ni->mnj", w0, x) + b0[:, None, :])
    f = np.einsum("mkj,mnj->mnk", w1, h)[..., 0] + b1
    logp = -0.5 * ((y[None, :] - f) / sigma[:, None]) ** 2 - np.log(sigma[:, None]) - 0.5 * np.log(2 * np.pi)
    mix = np.logaddexp.reduce(logp, axis=0) - np.log(len(params))
    got = ensemble.lppd(x, y)
    assert got.mean == pytest.approx(mix.mean(), rel=1e-10)
    np.testing.assert_allclose(ensemble.lppd(x, y, pointwise=True), mix, rtol=1e-10)
    # moment-matched single Gaussian
    var = np.mean(sigma**2) + f.var(axis=0)
    mm = -0.5 * (y - f.mean(0)) ** 2 / var - 0.5 * np.log(2 * np.pi * var)
    assert ensemble.lppd_moment_matched(x, y).mean == pytest.approx(mm.mean(), rel=1e-10)
    assert ensemble.lppd(x, y, moment_matched=True) == ensemble.lppd_moment_matched(x, y)
    np.testing.assert_allclose(ensemble.lppd(x, y, moment_matched=True, pointwise=True), mm, rtol=1e-10)
    with pytest.raises(TypeError, match="moment_matched"):
        ensemble.lppd(x, y, moment_matched="yes")


@pytest.mark.parametrize("suffix", [".npz", ".nc"])
def test_save_load_round_trip(ensemble, data, tmp_path, suffix):
    if suffix == ".nc":
        pytest.importorskip("xarray")
    path = tmp_path / f"de{suffix}"
    ensemble.save(path)
    back = symhmc.load(path)
    assert type(back) is EnsembleResults
    np.testing.assert_array_equal(back.draws, ensemble.draws)
    for name in ("losses", "val_losses", "best_epoch"):
        np.testing.assert_array_equal(getattr(back, name), getattr(ensemble, name))
        assert getattr(back, name).dtype == getattr(ensemble, name).dtype
    assert back.lppd_moment_matched(data.x_test, data.y_test) == ensemble.lppd_moment_matched(data.x_test, data.y_test)
    assert back.settings["method"] == "deep_ensemble"
    assert back.lppd(data.x_test, data.y_test) == ensemble.lppd(data.x_test, data.y_test)
    assert back.rmse(data.x_test, data.y_test) == ensemble.rmse(data.x_test, data.y_test)


def test_summary_and_scores_run(ensemble, data):
    s = ensemble.summary(data.x_test, data.y_test, weight_method="none")
    assert "test" in s
    cov = ensemble.coverage(data.x_test, data.y_test)
    assert set(cov) == {0.5, 0.9, 0.95}
    assert np.isfinite(ensemble.crps(data.x_test, data.y_test).mean)


def test_dei_mcmc_starts_at_members(ensemble, model, data):
    r = symhmc.sample(
        model,
        data.x_train,
        data.y_train,
        chains=6,
        warmup=0,
        draws=1,
        init=ensemble,
        seed=0,
        progress=False,
        step_size=1e-12,
        adapt_step_size=False,
        adapt_mass_matrix=False,
    )
    assert r.settings["init"] == "deep_ensemble"
    members = ensemble.draws[:, 0, :]
    expected = members[np.arange(6) % 4]
    np.testing.assert_allclose(r.draws[:, 0, :], expected, atol=1e-9)
    # first_chain counts in the same way
    r2 = symhmc.sample(
        model,
        data.x_train,
        data.y_train,
        chains=2,
        warmup=0,
        draws=1,
        init=ensemble,
        seed=0,
        first_chain=3,
        progress=False,
        step_size=1e-12,
        adapt_step_size=False,
        adapt_mass_matrix=False,
    )
    np.testing.assert_allclose(r2.draws[:, 0, :], members[[3, 0]], atol=1e-9)


def test_dei_mcmc_wrong_dim(ensemble, data):
    other = symhmc.MLP(hidden=(4,))
    with pytest.raises(ValueError, match="init"):
        symhmc.sample(other, data.x_train, data.y_train, chains=2, warmup=0, init=ensemble, progress=False)


def test_keyboard_interrupt_returns_the_members_that_finished(model, data, press_ctrl_c_after_first_chain):
    # Minutes of training on one thread (20000 members of ~10 ms); Ctrl-C comes once the first
    # member is done, so the run stops part-way on any CPU.
    kw = dict(members=20000, epochs=2000, seed=5, threads=1)
    with pytest.warns(RuntimeWarning, match="interrupted"):
        r = deep_ensemble(model, data.x_train, data.y_train, progress=True, **kw)
    press_ctrl_c_after_first_chain.join()
    assert r.partial and 0 < r.members < 20000
    assert r.draws.shape == (r.members, 1, model.dim) and np.all(np.isfinite(r.draws))
    assert r.losses.shape == (r.members, 2000) and r.chain_ids.shape == (r.members,)
    # The kept members are those of an uninterrupted run.
    first = r.chain_ids[:3]
    full = deep_ensemble(model, data.x_train, data.y_train, progress=False, **dict(kw, members=int(first.max()) + 1))
    np.testing.assert_array_equal(full.draws[first], r.draws[:3])
