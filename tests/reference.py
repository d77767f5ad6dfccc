"""A small pure-NumPy implementation of the model, used only to check the compiled core."""

import numpy as np

ACT = {"tanh": np.tanh, "relu": lambda z: np.maximum(z, 0.0), "identity": lambda z: z}


def forward(model, theta, x):
    """Network outputs (n_points, n_outputs) for one flat vector."""
    a = np.asarray(x, dtype=float).reshape(len(x), -1)
    layers = model.unpack(np.asarray(theta)[: model.n_params])
    for k, (W, b) in enumerate(layers):
        z = a @ W.T + b
        a = z if k == len(layers) - 1 else ACT[model.activation](z)
    return a


def log_posterior(model, theta, x, y):
    """log prior + log likelihood (+ log-Jacobian of sigma = exp(s)), all constants included."""
    theta = np.asarray(theta, dtype=float)
    P = model.n_params
    w = theta[:P]
    lp = np.sum(-0.5 * (w / model.prior_scale) ** 2 - np.log(model.prior_scale) - 0.5 * np.log(2 * np.pi))
    if model.noise_std is None:
        s = theta[P]
        sigma = np.exp(s)
        tau = model.noise_prior_scale
        lp += np.log(2) - 0.5 * np.log(2 * np.pi) - np.log(tau) - 0.5 * (sigma / tau) ** 2 + s
    else:
        sigma = model.noise_std
    f = forward(model, theta, x)
    r = np.asarray(y, dtype=float).reshape(f.shape) - f
    lp += np.sum(-0.5 * (r / sigma) ** 2 - np.log(sigma) - 0.5 * np.log(2 * np.pi))
    return float(lp)
