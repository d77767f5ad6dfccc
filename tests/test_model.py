"""The MLP posterior: values against a NumPy reference, gradients against finite differences."""

import numpy as np
import pytest

import symhmc
from reference import forward, log_posterior

ARCHS = [
    dict(hidden=(), n_inputs=1),
    dict(hidden=(3,), n_inputs=1),
    dict(hidden=(4, 5), n_inputs=3),
    dict(hidden=(5, 4, 3), n_inputs=2),
    dict(hidden=(3,), n_inputs=2, n_outputs=2),
    dict(hidden=(16, 12), n_inputs=8),  # large layers take the matrix-product path
]
NOISE = [None, 0.3]


def make_data(model, n=37, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.normal(size=(n, model.n_inputs))
    y = rng.normal(size=(n, model.n_outputs))
    return x, y


def random_params(model, n=None, seed=1, scale=0.8):
    rng = np.random.default_rng(seed)
    shape = (model.dim,) if n is None else (n, model.dim)
    return scale * rng.normal(size=shape)


@pytest.fixture(
    params=[(arch, act, noise) for arch in ARCHS for act in ("tanh", "relu", "identity") for noise in NOISE],
    ids=lambda c: f"{c[1]}-{c[0]['hidden']}-in{c[0]['n_inputs']}-noise{c[2]}",
)
def model_and_data(request):
    """Every architecture x activation x (sigma sampled, fixed), with a small random data set."""
    arch, activation, noise_std = request.param
    model = symhmc.MLP(activation=activation, noise_std=noise_std, **arch)
    return (model, *make_data(model))


def test_log_prob_and_outputs_match_numpy_reference(model_and_data):
    model, x, y = model_and_data
    for seed in range(3):
        theta = random_params(model, seed=seed)
        assert model.log_prob(theta, x, y) == pytest.approx(log_posterior(model, theta, x, y), rel=1e-12, abs=1e-9)
        out = model.predict(theta, x)
        ref = forward(model, theta, x)
        np.testing.assert_allclose(out.reshape(ref.shape), ref, rtol=1e-12, atol=1e-12)


def test_gradient_matches_central_finite_differences(model_and_data):
    model, x, y = model_and_data
    theta = random_params(model, seed=4)
    lp, grad = model.log_prob_and_grad(theta, x, y)
    h = 1e-6
    fd = np.empty_like(theta)
    for i in range(model.dim):
        e = np.zeros_like(theta)
        e[i] = h
        fd[i] = (log_posterior(model, theta + e, x, y) - log_posterior(model, theta - e, x, y)) / (2 * h)
    # relu kinks are hit with probability zero for continuous random data
    np.testing.assert_allclose(grad, fd, rtol=1e-6, atol=1e-5 * max(1.0, np.abs(fd).max()))


def test_gradient_over_many_data_blocks():
    # more rows than one block of the core (256) exercises the blockwise accumulation
    model = symhmc.MLP(hidden=(4, 3), n_inputs=2)
    x, y = make_data(model, n=777)
    theta = random_params(model, seed=7, scale=0.5)
    lp, grad = model.log_prob_and_grad(theta, x, y)
    assert lp == pytest.approx(log_posterior(model, theta, x, y), rel=1e-12)
    h = 1e-6
    for i in [0, 5, model.dim - 1, model.n_params - 1]:
        e = np.zeros_like(theta)
        e[i] = h
        fd = (log_posterior(model, theta + e, x, y) - log_posterior(model, theta - e, x, y)) / (2 * h)
        assert grad[i] == pytest.approx(fd, rel=1e-6, abs=1e-4)


def test_tanh_is_accurate_to_a_few_ulp():
    model = symhmc.MLP(hidden=(1,), activation="tanh", noise_std=1.0)
    x = np.concatenate([np.linspace(-30, 30, 20001), np.logspace(-300, 1, 2000), -np.logspace(-300, 1, 2000)])
    # W1 = 1, b1 = 0, W2 = 1, b2 = 0: the output is tanh(x)
    theta = model.pack([(np.ones((1, 1)), np.zeros(1)), (np.ones((1, 1)), np.zeros(1))])
    out = model.predict(theta, x)
    ref = np.tanh(x)
    rel = np.abs(out - ref) / np.maximum(np.abs(ref), np.finfo(float).tiny)
    assert rel.max() < 5 * np.finfo(float).eps


def test_batched_equals_one_by_one_and_threads_agree():
    model = symhmc.MLP(hidden=(5, 4), n_inputs=2)
    x, y = make_data(model, n=300)
    thetas = random_params(model, n=9, seed=3)
    lp, grad = model.log_prob_and_grad(thetas, x, y, threads=2)
    lp1, grad1 = model.log_prob_and_grad(thetas, x, y, threads=1)
    assert np.array_equal(lp, lp1) and np.array_equal(grad, grad1)
    for i, theta in enumerate(thetas):
        lp_i, g = model.log_prob_and_grad(theta, x, y)
        assert lp_i == lp[i] and np.array_equal(g, grad[i])
    out = model.predict(thetas, x, threads=2)
    assert out.shape == (9, 300)
    assert np.array_equal(out, model.predict(thetas, x, threads=1))
    assert np.array_equal(out[4], model.predict(thetas[4], x))
    assert np.array_equal(model.log_prob(thetas, x, y), lp)


def test_non_contiguous_and_integer_inputs_work():
    model = symhmc.MLP(hidden=(3,), n_inputs=2)
    x, y = make_data(model, n=40)
    theta = random_params(model)
    ref = model.log_prob(theta, x, y)
    x_f = np.asfortranarray(x)
    x_strided = np.repeat(x, 2, axis=0)[::2]
    theta_strided = np.repeat(theta, 2)[::2]
    assert model.log_prob(theta_strided, x_f, y) == ref
    assert model.log_prob(theta, x_strided, y[:, 0]) == ref
    xi = np.arange(20).reshape(10, 2)
    assert model.log_prob(theta, xi, np.arange(10)) == model.log_prob(theta, xi.astype(float), np.arange(10.0))


def test_pack_unpack_round_trip_and_layout():
    model = symhmc.MLP(hidden=(4, 3), n_inputs=2)
    assert model.widths == (2, 4, 3, 1)
    assert model.n_params == 4 * 2 + 4 + 3 * 4 + 3 + 1 * 3 + 1
    assert model.dim == model.n_params + 1
    theta = random_params(model, n=5)
    layers = model.unpack(theta)
    assert [W.shape for W, _ in layers] == [(5, 4, 2), (5, 3, 4), (5, 1, 3)]
    assert np.array_equal(model.pack(layers, log_sigma=theta[:, -1]), theta)
    # W is row-major (out x in) and followed by its bias
    assert np.array_equal(layers[0][0][0].ravel(), theta[0, :8])
    assert np.array_equal(layers[0][1][0], theta[0, 8:12])


BAD_MODELS = [
    (dict(activation="sigmoid"), ValueError, "activation"),
    (dict(hidden=(3, 0)), ValueError, "hidden"),
    (dict(hidden=(2.5,)), TypeError, "hidden"),
    (dict(prior_scale=0.0), ValueError, "prior_scale"),
    (dict(prior_scale=-1.0), ValueError, "prior_scale"),
    (dict(noise_std=0.0), ValueError, "noise_std"),
    (dict(noise_std=float("nan")), ValueError, "noise_std"),
    (dict(noise_prior_scale=-2.0), ValueError, "noise_prior_scale"),
    (dict(n_inputs=0), ValueError, "n_inputs"),
]


@pytest.mark.parametrize("kwargs,exc,name", BAD_MODELS)
def test_bad_model_settings_raise_naming_the_argument(kwargs, exc, name):
    with pytest.raises(exc, match=name):
        symhmc.MLP(**kwargs)


def test_bad_data_and_params_raise_naming_the_argument():
    model = symhmc.MLP(hidden=(3,))
    x, y = make_data(model, n=10)
    theta = random_params(model)
    cases = [
        (dict(params=theta[:-1]), ValueError, "params"),
        (dict(params=np.full_like(theta, np.nan)), ValueError, "params"),
        (dict(params=np.array(["a"] * model.dim)), TypeError, "params"),
        (dict(x=x[:5]), ValueError, "rows"),
        (dict(x=np.hstack([x, x])), ValueError, "x"),
        (dict(x=np.where(np.arange(10)[:, None] == 3, np.inf, x)), ValueError, "x"),
        (dict(y=np.where(np.arange(10)[:, None] == 3, np.nan, y)), ValueError, "y"),
        (dict(x=np.empty((0, 1)), y=np.empty(0)), ValueError, "x"),
        (dict(y=y.astype(complex)), TypeError, "y"),
        (dict(x=x > 0), TypeError, "x"),
        (dict(params=np.ones((2, 2, model.dim))), ValueError, "params"),
    ]
    for change, exc, name in cases:
        args = dict(params=theta, x=x, y=y) | change
        with pytest.raises(exc, match=name):
            model.log_prob(args["params"], args["x"], args["y"])
    with pytest.raises(ValueError, match="params"):
        model.predict(np.ones(7), x)
    with pytest.raises(ValueError, match="threads"):
        model.log_prob(theta, x, y, threads=0)


def test_core_reports_openmp_and_arch():
    assert isinstance(symhmc._core.openmp_available, bool)
    assert symhmc._core.max_threads() >= 1
    assert isinstance(symhmc._core.build_arch, str)


def test_noise_scale_of_vectors():
    sampled, fixed = symhmc.MLP(hidden=(2,)), symhmc.MLP(hidden=(2,), noise_std=0.3)
    draws = np.zeros((4, 5, sampled.dim))
    draws[..., -1] = np.log(0.5)
    np.testing.assert_allclose(sampled.noise_scale(draws), 0.5)
    assert fixed.noise_scale(draws[..., :-1]).shape == (4, 5)
    assert np.all(fixed.noise_scale(draws[..., :-1]) == 0.3)
    with pytest.raises(ValueError, match="draws must end in log sigma"):
        sampled.noise_scale(draws[..., :-1], "draws")
    with pytest.raises(ValueError, match="params"):
        fixed.noise_scale(np.zeros((2, 3)))
