"""Time of one log-posterior gradient, single thread: symhmc's core beside NumPy.

    python bench/bench_grad.py [--repeats 15]

f1 (1 hidden layer of 3 tanh) on izmailov and f2 (3 hidden layers of 16 tanh) on concrete, data
from the package's own copy (symhmc.datasets.load). The core is timed on a batch of vectors evaluated one
after another in one call, so Python's call overhead is spread thin.
"""

from __future__ import annotations

import argparse

import numpy as np

import symhmc
from symhmc import datasets
from _common import median_time, save


def numpy_log_posterior_and_grad(model, theta, x, y):
    """The same computation written with NumPy (sigma sampled as log sigma)."""
    layers = model.unpack(theta[: model.n_params])
    acts = [x]
    for k, (W, b) in enumerate(layers):
        z = acts[-1] @ W.T + b
        acts.append(z if k == len(layers) - 1 else np.tanh(z))
    s = theta[-1]
    sigma2 = np.exp(2 * s)
    r = y[:, None] - acts[-1]
    ssr = float(np.sum(r * r))
    n = r.size
    lp = -0.5 * float(theta[:-1] @ theta[:-1]) - 0.5 * ssr / sigma2 - n * s - 0.5 * sigma2 + s
    grads = []
    delta = r / sigma2
    for k in range(len(layers) - 1, -1, -1):
        W, _ = layers[k]
        grads.append((delta.sum(axis=0), delta.T @ acts[k]))
        if k:
            delta = (delta @ W) * (1 - acts[k] ** 2)
    flat = []
    for gb, gW in reversed(grads):
        flat += [gW.ravel(), gb]
    g = np.concatenate(flat) - theta[:-1]
    g_s = -n + ssr / sigma2 - sigma2 + 1
    return lp, np.append(g, g_s)


def bench_case(label, model, data, repeats, batch):
    x, y = data.x_train, data.y_train
    rng = np.random.default_rng(0)
    theta = 0.5 * rng.normal(size=model.dim)
    post = model.posterior(x, y)
    stack = np.tile(theta, (batch, 1))
    t_core = median_time(lambda: post.log_density(stack, 1, True), repeats=repeats) / batch
    lp_np, g_np = numpy_log_posterior_and_grad(model, theta, x, y)
    lp_c, g_c = model.log_prob_and_grad(theta, x, y)
    assert np.allclose(g_np, g_c, rtol=1e-8, atol=1e-8), "NumPy and core gradients disagree"
    t_np = median_time(lambda: numpy_log_posterior_and_grad(model, theta, x, y), repeats=repeats, inner=20)
    row = {
        "case": label, "n_rows": int(x.shape[0]), "n_features": int(x.shape[1]), "dim": model.dim,
        "core_us": t_core * 1e6, "numpy_us": t_np * 1e6, "speedup_vs_numpy": t_np / t_core,
    }
    print(f"{label:28s} core {row['core_us']:9.2f} us   numpy {row['numpy_us']:9.2f} us   "
          f"ratio {row['speedup_vs_numpy']:6.1f}x")
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print(f"build: {symhmc._core.build_arch}, single thread, median of {args.repeats}")
    rows = [
        bench_case("f1 (3 tanh) izmailov", symhmc.MLP(hidden=(3,)), datasets.load("izmailov"), args.repeats, 4000),
        bench_case("f2 (16,16,16 tanh) concrete", symhmc.MLP(hidden=(16, 16, 16), n_inputs=8),
                   datasets.load("concrete"), args.repeats, 100),
    ]
    save(f"bench_grad_{symhmc._core.kernel_isa}", {"unit": "microseconds per log-posterior gradient", "repeats": args.repeats, "rows": rows,
                        "reference": {"jax_jit_float32_us": {"f1": 4.9, "f2": 113},
                                      "targets_us": {"f1": 1.5, "f2": 100}}})


if __name__ == "__main__":
    main()
