"""Exact symmetry tools: transforms, cardinality, the canonical map (symhmc.symmetry)."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest

from symhmc import MLP
from symhmc import symmetry as S

SHAPES = [
    # (hidden, n_inputs, n_outputs)
    ((3,), 1, 1),  # f1
    ((4, 3), 2, 1),  # 2 hidden layers, multi-dim input
    ((5, 4, 3), 3, 2),  # 3 hidden layers, 2 outputs
    ((16, 16, 16), 1, 1),  # f2
]
ACTS = ["tanh", "relu"]


def make(hidden, n_in, n_out, act, sampled_noise=True):
    return MLP(hidden=hidden, activation=act, n_inputs=n_in, n_outputs=n_out, noise_std=None if sampled_noise else 0.5)


def cases():
    return [
        pytest.param(make(hidden, n_in, n_out, act), id=f"{act}-{'x'.join(map(str, hidden))}-in{n_in}")
        for (hidden, n_in, n_out), act in itertools.product(SHAPES, ACTS)
    ]


# ----- NumPy references (independent of the compiled core) -------------------------------------
def forward_ref(model: MLP, params: np.ndarray, x: np.ndarray) -> np.ndarray:
    act = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "identity": lambda z: z}[model.activation]
    layers = model.unpack(params)
    a = np.broadcast_to(x, (*params.shape[:-1], *x.shape))
    for i, (W, b) in enumerate(layers):
        a = np.einsum("...oi,...ni->...no", W, a) + b[..., None, :]
        if i < len(layers) - 1:
            a = act(a)
    return a


def apply_ref(model: MLP, theta: np.ndarray, t: S.Transform) -> np.ndarray:
    """One vector, one transform, written directly from the definition."""
    layers = [[W.copy(), b.copy()] for W, b in model.unpack(theta)]
    for h, (p, s) in enumerate(zip(t.perms, t.signs)):
        layers[h][0] = layers[h][0][p] * s[:, None]
        layers[h][1] = layers[h][1][p] * s
        layers[h + 1][0] = layers[h + 1][0][:, p] * s[None, :]
    log_sigma = theta[-1] if theta.shape[-1] == model.dim and model.samples_noise else None
    return model.pack(layers, log_sigma)


def assert_same_predictions(model, a, b, x, tol=1e-12):
    pa, pb = model.predict(a, x), model.predict(b, x)
    np.testing.assert_allclose(pa, pb, rtol=tol, atol=tol)


@pytest.fixture
def rng():
    return np.random.default_rng(20230405)


def random_x(model, rng, n=17):
    return rng.normal(scale=2.0, size=(n, model.n_inputs))


# ----- cardinality ---------------------------------------------------------------------------
def test_cardinality_paper_networks():
    assert S.cardinality(MLP(hidden=(3,))) == 48
    f2 = S.cardinality(MLP(hidden=(16, 16, 16)))
    assert f2 == (math.factorial(16) * 2**16) ** 3
    assert isinstance(f2, int)
    assert 1e54 < f2 < 1e55  # docs/paper.md: about 10^54


def test_cardinality_relu_identity_and_linear():
    assert S.cardinality(MLP(hidden=(3, 4), activation="relu")) == 6 * 24
    assert S.cardinality(MLP(hidden=())) == 1
    with pytest.raises(ValueError, match="GL"):
        S.cardinality(MLP(hidden=(3,), activation="identity"))
    assert S.cardinality(MLP(hidden=(), activation="identity")) == 1


@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_cardinality_matches_brute_force_enumeration(act, rng):
    """Enumerate every signed permutation of a small network: they give |E| distinct vectors."""
    model = MLP(hidden=(2, 3), activation=act, n_inputs=2)
    theta = rng.normal(size=model.n_params)
    signs_set = [(1, -1)] if act == "tanh" else [(1,)]
    images = set()
    per_layer = []
    for m in model.hidden:
        per_layer.append(
            [
                (np.array(p), np.array(s))
                for p in itertools.permutations(range(m))
                for s in itertools.product(*signs_set * m)
            ]
        )
    for choice in itertools.product(*per_layer):
        t = S.Transform(tuple(c[0] for c in choice), tuple(c[1] for c in choice))
        images.add(tuple(np.round(S.apply_transform(theta, model, t), 12)))
    assert len(images) == S.cardinality(model)


# ----- transforms ----------------------------------------------------------------------------
@pytest.mark.parametrize("model", cases())
def test_transform_matches_reference_and_preserves_predictions(model, rng):
    theta = rng.normal(size=(6, model.dim))
    x = random_x(model, rng)
    E = S.random_transform(model, seed=1, size=6)
    out = S.apply_transform(theta, model, E)
    for g in range(6):
        np.testing.assert_array_equal(out[g], apply_ref(model, theta[g], E[g]))
    assert_same_predictions(model, out, theta, x)
    np.testing.assert_allclose(forward_ref(model, out, x), forward_ref(model, theta, x), rtol=1e-12, atol=1e-12)
    # log sigma passes through untouched
    np.testing.assert_array_equal(out[:, -1], theta[:, -1])
    # a non-trivial transform moves the vector
    assert not np.array_equal(out, theta)


@pytest.mark.parametrize("model", cases())
def test_compose_and_inverse(model, rng):
    theta = rng.normal(size=(4, model.dim))
    A = S.random_transform(model, seed=2, size=4)
    B = S.random_transform(model, seed=3)
    two_steps = S.apply_transform(S.apply_transform(theta, model, A), model, B)
    np.testing.assert_array_equal(two_steps, S.apply_transform(theta, model, B.compose(A)))
    back = S.apply_transform(S.apply_transform(theta, model, A), model, A.inverse())
    np.testing.assert_array_equal(back, theta)
    assert np.all(A.compose(A.inverse()).is_identity())
    np.testing.assert_array_equal(S.apply_transform(theta, model, S.identity_transform(model)), theta)


def test_random_transform_is_seeded_and_relu_has_no_flips():
    m = MLP(hidden=(5, 4))
    a, b = S.random_transform(m, seed=7, size=3), S.random_transform(m, seed=7, size=3)
    assert np.all(a.equals(b))
    assert not np.all(a.equals(S.random_transform(m, seed=8, size=3)))
    r = S.random_transform(MLP(hidden=(5, 4), activation="relu"), seed=1, size=50)
    assert all(np.all(s == 1) for s in r.signs)
    t = S.random_transform(m, seed=1, size=200)
    assert any(np.any(s == -1) for s in t.signs)


def test_apply_transform_on_chain_draw_arrays(rng):
    m = MLP(hidden=(4, 3), n_inputs=2)
    theta = rng.normal(size=(3, 5, m.dim))
    E = S.random_transform(m, seed=0, size=(3, 5))
    out = S.apply_transform(theta, m, E)
    assert out.shape == theta.shape
    np.testing.assert_array_equal(out[1, 2], apply_ref(m, theta[1, 2], E[1, 2]))
    single = S.apply_transform(theta, m, E[0, 0])
    np.testing.assert_array_equal(single[2, 4], apply_ref(m, theta[2, 4], E[0, 0]))


def test_identity_activation_signed_permutations_are_equioutput(rng):
    m = MLP(hidden=(4, 3), activation="identity", n_inputs=2)
    theta = rng.normal(size=(5, m.dim))
    E = S.random_transform(m, seed=4, size=5)
    assert_same_predictions(m, S.apply_transform(theta, m, E), theta, random_x(m, rng))
    with pytest.raises(ValueError, match="identity"):
        S.canonicalize(theta, m)


# ----- canonical map -------------------------------------------------------------------------
@pytest.mark.parametrize("model", cases())
def test_canonicalize_is_invariant_exact_and_idempotent(model, rng):
    n = 40
    theta = rng.normal(size=(n, model.dim))
    x = random_x(model, rng)
    E = S.random_transform(model, seed=5, size=n)
    c = S.canonicalize(theta, model)
    np.testing.assert_array_equal(S.canonicalize(S.apply_transform(theta, model, E), model), c)
    assert_same_predictions(model, c, theta, x)
    np.testing.assert_array_equal(S.canonicalize(c, model), c)
    np.testing.assert_array_equal(c[:, -1], theta[:, -1])
    # the canonical form: (tanh) positive biases, sorted ascending in every hidden layer
    for W, b in model.unpack(c)[:-1]:
        assert np.all(np.diff(b, axis=-1) >= 0)
        if model.activation == "tanh":
            assert np.all(b >= 0)


@pytest.mark.parametrize("model", cases())
def test_canonicalize_returns_the_transform_it_applied(model, rng):
    theta = rng.normal(size=(2, 3, model.dim))
    c, t = S.canonicalize(theta, model, return_transform=True)
    assert t.batch_shape == (2, 3)
    np.testing.assert_array_equal(S.apply_transform(theta, model, t), c)


def test_canonicalize_threads_agree(rng):
    m = MLP(hidden=(16, 16, 16))
    theta = rng.normal(size=(500, m.dim))
    np.testing.assert_array_equal(S.canonicalize(theta, m, threads=1), S.canonicalize(theta, m, threads=2))


@pytest.mark.parametrize("act", ["tanh", "relu"])
def test_canonicalize_ties_are_broken_by_outgoing_weights(act, rng):
    """Equal biases (and, for tanh, zero biases) are the null set where the tie-break matters."""
    m = MLP(hidden=(4, 3), activation=act, n_inputs=2)
    theta = rng.normal(size=(30, m.dim))
    layers = m.unpack(theta)
    layers[0][1][:, 1] = layers[0][1][:, 0]  # equal biases in hidden layer 0
    layers[1][1][:, :] = 0.7  # all biases equal in hidden layer 1
    if act == "tanh":
        layers[0][1][:, 3] = 0.0  # a zero bias: the sign comes from the outgoing weights
        layers[0][1][:, 2] = -layers[0][1][:, 0]  # equal after flipping
    theta = m.pack(layers, theta[:, -1])
    E = S.random_transform(m, seed=6, size=30)
    c = S.canonicalize(theta, m)
    np.testing.assert_array_equal(S.canonicalize(S.apply_transform(theta, m, E), m), c)
    assert_same_predictions(m, c, theta, random_x(m, rng))


def test_relu_normalize_removes_positive_rescaling(rng):
    m = MLP(hidden=(5, 4), activation="relu", n_inputs=2)
    theta = rng.normal(size=(20, m.dim))
    x = random_x(m, rng)
    # random positive rescaling of every hidden neuron
    layers = [[W.copy(), b.copy()] for W, b in m.unpack(theta)]
    for h in range(len(m.hidden)):
        c = np.exp(rng.normal(size=(20, m.hidden[h])))
        layers[h][0] *= c[:, :, None]
        layers[h][1] *= c
        layers[h + 1][0] /= c[:, None, :]
    scaled = m.pack(layers, theta[:, -1])
    assert_same_predictions(m, scaled, theta, x)
    E = S.random_transform(m, seed=9, size=20)
    a = S.canonicalize(theta, m, normalize=True)
    b = S.canonicalize(S.apply_transform(scaled, m, E), m, normalize=True)
    np.testing.assert_allclose(a, b, rtol=1e-12, atol=1e-12)
    assert_same_predictions(m, a, theta, x)
    for W, bias in m.unpack(a)[:-1]:
        np.testing.assert_allclose(np.sum(W**2, axis=-1) + bias**2, 1.0, rtol=1e-12)
    # without normalize the rescaled copies stay different
    assert not np.allclose(S.canonicalize(theta, m), S.canonicalize(scaled, m))


def test_fixed_noise_model_and_single_vector(rng):
    m = make((4, 3), 2, 1, "tanh", sampled_noise=False)
    assert m.dim == m.n_params
    theta = rng.normal(size=m.n_params)
    c = S.canonicalize(theta, m)
    assert c.shape == theta.shape
    E = S.random_transform(m, seed=1)
    np.testing.assert_array_equal(S.canonicalize(S.apply_transform(theta, m, E), m), c)


def test_no_hidden_layers_is_identity(rng):
    m = MLP(hidden=(), n_inputs=3)
    theta = rng.normal(size=(4, m.dim))
    np.testing.assert_array_equal(S.canonicalize(theta, m), theta)
    np.testing.assert_array_equal(S.align(theta, m), theta)


# ----- bad input -----------------------------------------------------------------------------
def test_bad_input_raises_naming_the_argument():
    m = MLP(hidden=(3,))
    good = np.zeros(m.dim)
    with pytest.raises(TypeError, match="model"):
        S.canonicalize(good, "f1")
    with pytest.raises(TypeError, match="model"):
        S.cardinality(None)
    with pytest.raises(ValueError, match="params"):
        S.canonicalize(np.zeros(m.dim + 3), m)
    with pytest.raises(ValueError, match="params"):
        S.canonicalize(np.full(m.dim, np.nan), m)
    with pytest.raises(TypeError, match="params"):
        S.canonicalize(np.zeros(m.dim, dtype=bool), m)
    with pytest.raises(ValueError, match="params"):
        S.canonicalize(np.float64(1.0), m)
    with pytest.raises(TypeError, match="threads"):
        S.canonicalize(good, m, threads=1.5)
    with pytest.raises(ValueError, match="threads"):
        S.canonicalize(good, m, threads=0)
    with pytest.raises(TypeError, match="normalize"):
        S.canonicalize(good, m, normalize="yes")
    with pytest.raises(TypeError, match="transform"):
        S.apply_transform(good, m, [np.arange(3)])
    with pytest.raises(ValueError, match="transform"):
        S.apply_transform(good, m, S.random_transform(MLP(hidden=(4,)), seed=0))
    with pytest.raises(ValueError, match="batch shape"):
        S.apply_transform(np.zeros((5, m.dim)), m, S.random_transform(m, seed=0, size=4))
    with pytest.raises(ValueError, match="permutation"):
        S.apply_transform(good, m, S.Transform((np.array([0, 0, 1]),), (np.ones(3),)))
    with pytest.raises(ValueError, match="signs"):
        S.apply_transform(good, m, S.Transform((np.array([0, 1, 2]),), (np.array([1, 2, 1]),)))
    with pytest.raises(ValueError, match="relu"):
        S.apply_transform(
            good, MLP(hidden=(3,), activation="relu"), S.Transform((np.array([0, 1, 2]),), (np.array([1, -1, 1]),))
        )
    with pytest.raises(TypeError, match="seed"):
        S.random_transform(m, seed="abc")
    with pytest.raises(ValueError, match="size"):
        S.random_transform(m, seed=0, size=0)
