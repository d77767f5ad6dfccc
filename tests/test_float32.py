"""The opt-in float32 likelihood (``MLP(dtype="float32")``): its log density and gradient against
float64 (finite differences of the float64 posterior, at float32 tolerance), determinism, the
statistical tests of the samplers in float32, and the ``dtype`` argument itself.

Data sets have 301 rows: more than one 256-row block (or float32 chunk) and not a multiple of the
SIMD width, so block boundaries and padded rows are both exercised.
"""

import dataclasses
import os
import subprocess
import sys

import numpy as np
import pytest

import symhmc
from symhmc import _core

from sampling_helpers import chain_mean_se
from test_linear_regression import exact_posterior, sampled_noise_posterior_moments
from test_samplers_gaussian import Z_TOL, check_moments

# (hidden, n_inputs): f1 (one hidden layer of 3, the fused kernel), f2 (two of 16, the fused
# narrow-MLP kernel; SYMHMC_FUSED_MLP=0 gives the layer kernels) and linear regression (no hidden layer).
NETWORKS = {"f1": ((3,), 1), "f2": ((16, 16), 8), "linear": ((), 2)}
ACTIVATIONS = ("tanh", "relu", "identity")


def _case(name, activation, noise_std=None, n=301, seed=0):
    hidden, n_inputs = NETWORKS[name]
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((n, n_inputs))
    y = np.sin(x.sum(axis=1)) + 0.3 * rng.standard_normal(n)
    model = symhmc.MLP(hidden=hidden, n_inputs=n_inputs, activation=activation, noise_std=noise_std)
    theta = 0.5 * rng.standard_normal((4, model.dim))
    return model, dataclasses.replace(model, dtype="float32"), x, y, theta


def _finite_difference_gradient(model, theta, x, y, h=1e-5):
    """Central differences of the float64 log density, one coordinate at a time (one batch call)."""
    d = theta.size
    steps = h * np.eye(d)
    lp = model.log_prob(np.vstack([theta + steps, theta - steps]), x, y)
    return (lp[:d] - lp[d:]) / (2 * h)


@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("name", ["f1", "f2"])
def test_float32_gradient_matches_float64_finite_differences(name, activation):
    model, model32, x, y, theta = _case(name, activation)
    for q in theta[:2]:
        _, g32 = model32.log_prob_and_grad(q, x, y)
        g_fd = _finite_difference_gradient(model, q, x, y)
        scale = np.max(np.abs(g_fd))
        np.testing.assert_allclose(g32, g_fd, rtol=1e-4, atol=1e-4 * scale)


@pytest.mark.parametrize("noise_std", [None, 0.7])
@pytest.mark.parametrize("activation", ACTIVATIONS)
@pytest.mark.parametrize("name", list(NETWORKS))
def test_float32_log_density_and_gradient_match_float64(name, activation, noise_std):
    model, model32, x, y, theta = _case(name, activation, noise_std)
    lp64, g64 = model.log_prob_and_grad(theta, x, y)
    lp32, g32 = model32.log_prob_and_grad(theta, x, y)
    assert lp32.dtype == np.float64 and g32.dtype == np.float64
    np.testing.assert_allclose(lp32, lp64, rtol=1e-5)
    for a, b in zip(g32, g64):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * np.max(np.abs(b)))
    # float32 really ran: the results differ from float64 by rounding
    assert np.any(lp32 != lp64)


def test_float32_sums_carry_into_float64_over_many_rows():
    """50,000 rows: float32 sums over all rows would lose about 1e-4 of the sum of squares; carried
    into float64 every chunk, the log density keeps ~1e-6."""
    model, model32, x, y, theta = _case("f1", "tanh", noise_std=0.5, n=50_000, seed=4)
    lp64 = model.log_prob(theta, x, y)
    lp32 = model32.log_prob(theta, x, y)
    np.testing.assert_allclose(lp32, lp64, rtol=2e-6)


@pytest.mark.parametrize("activation", ACTIVATIONS)
def test_float32_fused_mlp_matches_float32_layer_kernels(activation, monkeypatch):
    """f2 in float32: the fused narrow-MLP kernel and the layer kernels (SYMHMC_FUSED_MLP=0, read
    when a call builds its evaluators) agree at float32 tolerance, and differ by rounding."""
    _, model32, x, y, theta = _case("f2", activation, noise_std=0.7)
    lp_fused, g_fused = model32.log_prob_and_grad(theta, x, y)
    monkeypatch.setenv("SYMHMC_FUSED_MLP", "0")
    lp_layers, g_layers = model32.log_prob_and_grad(theta, x, y)
    np.testing.assert_allclose(lp_fused, lp_layers, rtol=1e-5)
    for a, b in zip(g_fused, g_layers):
        np.testing.assert_allclose(a, b, rtol=1e-4, atol=1e-4 * np.max(np.abs(b)))
    assert not np.array_equal(g_fused, g_layers)


def test_float32_fused_mlp_sums_carry_into_float64_over_many_rows():
    """As for f1, with f2's fused narrow-MLP kernel: 50,000 rows keep ~1e-6 of the log density."""
    model, model32, x, y, theta = _case("f2", "tanh", noise_std=0.5, n=50_000, seed=4)
    lp64 = model.log_prob(theta[:2], x, y)
    lp32 = model32.log_prob(theta[:2], x, y)
    np.testing.assert_allclose(lp32, lp64, rtol=2e-6)


@pytest.mark.parametrize("name", ["f1", "f2"])
def test_float32_gradient_stays_finite_for_a_tiny_noise_scale(name):
    """1 / sigma^2 = e^90 is beyond float32 range: it is applied in float64, as in float64."""
    model, model32, x, y, theta = _case(name, "tanh")
    theta[:, -1] = -45.0
    lp64, g64 = model.log_prob_and_grad(theta, x, y)
    lp32, g32 = model32.log_prob_and_grad(theta, x, y)
    assert np.all(np.isfinite(g32)) and np.all(np.isfinite(lp32))
    np.testing.assert_allclose(lp32, lp64, rtol=1e-5)


def test_float32_rejects_data_beyond_float32_range():
    x, y = np.array([0.0, 1e39]), np.zeros(2)
    with pytest.warns(RuntimeWarning), pytest.raises(ValueError, match="float32 range"):
        symhmc.MLP(dtype="float32").posterior(x, y)
    with pytest.warns(RuntimeWarning):
        symhmc.MLP().posterior(x, y)  # float64 holds it


@pytest.mark.parametrize("bad", ["float16", "int32", "double precision", None, 3])
def test_bad_dtype_raises_naming_dtype(bad):
    with pytest.raises(ValueError, match="dtype"):
        symhmc.MLP(dtype=bad)


def test_core_posterior_rejects_bad_dtype():
    x, y = np.zeros((3, 1)), np.zeros((3, 1))
    with pytest.raises(ValueError, match="dtype"):
        _core.Posterior([1, 3, 1], "tanh", x, y, dtype="float16")


def test_dtype_accepts_numpy_types_and_reaches_the_core():
    assert symhmc.MLP(dtype=np.float32).dtype == "float32"
    assert symhmc.MLP(dtype="float64").dtype == "float64"
    assert symhmc.MLP().dtype == "float64"
    x, y = np.zeros(5), np.zeros(5)
    assert symhmc.MLP(dtype="float32").posterior(x, y).dtype == "float32"
    assert symhmc.MLP().posterior(x, y).dtype == "float64"


def test_model_spec_keeps_dtype_and_float64_specs_are_unchanged():
    from symhmc.model import model_from_spec, model_spec

    spec64 = model_spec(symhmc.MLP())
    assert "dtype" not in spec64
    spec32 = model_spec(symhmc.MLP(dtype="float32"))
    assert spec32["dtype"] == "float32"
    assert model_from_spec(spec32, "test") == symhmc.MLP(dtype="float32")
    assert model_from_spec(spec64, "test") == symhmc.MLP()


def test_float32_sampling_is_deterministic_across_thread_counts():
    x, y = np.linspace(-2, 2, 40), np.sin(np.linspace(-2, 2, 40))
    model32 = symhmc.MLP(hidden=(3,), dtype="float32")
    runs = [
        symhmc.sample(model32, x, y, chains=4, warmup=60, draws=5, seed=11, threads=t, progress=False) for t in (1, 2)
    ]
    np.testing.assert_array_equal(runs[0].draws, runs[1].draws)
    r64 = symhmc.sample(symhmc.MLP(hidden=(3,)), x, y, chains=4, warmup=60, draws=5, seed=11, threads=1, progress=False)
    assert not np.array_equal(r64.draws, runs[0].draws)  # float32 arithmetic changes the trajectory


@pytest.mark.slow  # a Python process per kernel table
def test_float32_results_agree_across_kernel_tables():
    """Every kernel table this CPU can run gives the float32 log density up to float32 rounding."""
    if len(_core.kernel_tables) < 2:
        pytest.skip("this CPU runs one kernel table only")
    code = (
        "import numpy as np, symhmc; rng = np.random.default_rng(0); x = rng.standard_normal((301, 8)); "
        "y = rng.standard_normal(301); m = symhmc.MLP(hidden=(16, 16), n_inputs=8, dtype='float32'); "
        "m1 = symhmc.MLP(hidden=(3,), dtype='float32'); q = 0.5 * rng.standard_normal((2, m.dim)); "
        "q1 = 0.5 * rng.standard_normal((2, m1.dim)); "
        "print(repr(np.concatenate([m.log_prob(q, x, y), m1.log_prob(q1, x[:, :1], y)]).tolist()))"
    )
    values = {}
    for name in _core.kernel_tables:
        env = {**os.environ, "SYMHMC_KERNELS": name}
        out = subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
        values[name] = np.array(eval(out.stdout))  # a list of floats printed by repr
    base = values.pop("baseline")
    for name, v in values.items():
        np.testing.assert_allclose(v, base, rtol=1e-5, err_msg=name)


# ----- the samplers' statistical tests, in float32 ------------------------------------------------
def test_float32_linear_regression_matches_exact_posterior():
    """As test_linear_regression (exact Gaussian posterior, 4.5 standard errors), in float32."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((40, 2)) @ np.array([[1.0, 0.6], [0.0, 0.8]])
    y = x @ np.array([0.7, -1.2]) + 0.3 + 0.5 * rng.standard_normal(40)
    model = symhmc.MLP(hidden=(), n_inputs=2, noise_std=0.5, prior_scale=2.0, dtype="float32")
    mean, cov = exact_posterior(x, y, 0.5, 2.0)
    r = symhmc.sample(model, x, y, chains=800, warmup=400, draws=25, seed=3, progress=False)
    check_moments(r.draws, mean, cov)


def test_float32_linear_regression_with_sampled_noise_matches_quadrature():
    """A non-Gaussian posterior (log sigma sampled) against quadrature, in float32."""
    rng = np.random.default_rng(1)
    x = rng.standard_normal((15, 1))
    y = 0.8 * x[:, 0] - 0.2 + 0.4 * rng.standard_normal(15)
    model = symhmc.MLP(hidden=(), n_inputs=1, dtype="float32")
    exact = sampled_noise_posterior_moments(x, y, 1.0, 1.0)
    r = symhmc.sample(model, x, y, chains=800, warmup=400, draws=25, seed=5, progress=False)
    m, se = chain_mean_se(r.theta)
    assert np.all(np.abs(m - exact["w_mean"]) < Z_TOL * se), (m, exact["w_mean"], se)
    s = r.draws[..., -1]
    m, se = chain_mean_se(s)
    assert abs(m - exact["s_mean"]) < Z_TOL * se, (m, exact["s_mean"], se)
    m, se = chain_mean_se((s - exact["s_mean"]) ** 2)
    assert abs(m - exact["s_var"]) < Z_TOL * se, (m, exact["s_var"], se)


@pytest.mark.slow
def test_float32_bnn_predictive_matches_float64():
    """f1 on a small 1-D set: the posterior predictive mean of f on a grid and the mean of sigma
    from a float32 run agree with a float64 run within 4.5 standard errors of their difference
    (independent chains; symmetric modes do not matter for these invariant quantities)."""
    rng = np.random.default_rng(2)
    x = rng.uniform(-2, 2, 30)
    y = np.sin(2 * x) + 0.2 * rng.standard_normal(30)
    grid = np.linspace(-2.5, 2.5, 7)
    stats = {}
    for dtype, seed in (("float64", 1), ("float32", 2)):
        model = symhmc.MLP(hidden=(3,), dtype=dtype)
        r = symhmc.sample(model, x, y, chains=200, warmup=300, draws=10, seed=seed, progress=False)
        f = model.predict(r.draws.reshape(-1, model.dim), grid).reshape(200, 10, -1)
        stats[dtype] = [chain_mean_se(f), chain_mean_se(r.sigma)]
    for (m64, se64), (m32, se32) in zip(*stats.values()):
        z = np.abs(m32 - m64) / np.sqrt(se64**2 + se32**2)
        assert np.all(z < Z_TOL), (m64, m32, z)
