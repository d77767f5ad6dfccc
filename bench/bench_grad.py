"""Time of one log-posterior gradient, single thread: symhmc's core (float64 and the opt-in
float32, MLP(dtype="float32")) beside NumPy.

    python bench/bench_grad.py [--repeats 15]

float64 and float32 are timed side by side (alternating within each repeat), so that the ratio
holds on a shared, noisy machine; the ratio reported is the median of the per-repeat ratios.

f1 (1 hidden layer of 3 tanh) on izmailov and f2 (3 hidden layers of 16 tanh) on concrete, data
from the package's own copy (symhmc.datasets.load). The core is timed on a batch of vectors evaluated one
after another in one call, so Python's call overhead is spread thin.
"""

from __future__ import annotations

import argparse
import dataclasses
import time

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


def side_by_side(fns, repeats):
    """Per-call wall times of each of ``fns``, shape (repeats, len(fns)), the functions taking
    turns within every repeat (after one warm-up call each)."""
    for fn in fns:
        fn()
    times = np.empty((repeats, len(fns)))
    for i in range(repeats):
        for j, fn in enumerate(fns):
            t0 = time.perf_counter()
            fn()
            times[i, j] = time.perf_counter() - t0
    return times


def bench_case(label, model, data, repeats, batch):
    x, y = data.x_train, data.y_train
    rng = np.random.default_rng(0)
    theta = 0.5 * rng.normal(size=model.dim)
    model32 = dataclasses.replace(model, dtype="float32")
    post, post32 = model.posterior(x, y), model32.posterior(x, y)
    stack = np.tile(theta, (batch, 1))
    times = (
        side_by_side([lambda: post.log_density(stack, 1, True), lambda: post32.log_density(stack, 1, True)], repeats)
        / batch
    )
    t_core, t_f32 = np.median(times, axis=0)
    f32_speedup = float(np.median(times[:, 0] / times[:, 1]))
    lp_np, g_np = numpy_log_posterior_and_grad(model, theta, x, y)
    lp_c, g_c = model.log_prob_and_grad(theta, x, y)
    assert np.allclose(g_np, g_c, rtol=1e-8, atol=1e-8), "NumPy and core gradients disagree"
    _, g_32 = model32.log_prob_and_grad(theta, x, y)
    f32_error = float(np.max(np.abs(g_32 - g_c)) / np.max(np.abs(g_c)))
    assert f32_error < 1e-4, f"float32 gradient off by {f32_error:.2g} (relative to its largest entry)"
    t_np = median_time(lambda: numpy_log_posterior_and_grad(model, theta, x, y), repeats=repeats, inner=20)
    row = {
        "case": label,
        "n_rows": int(x.shape[0]),
        "n_features": int(x.shape[1]),
        "dim": model.dim,
        "core_us": t_core * 1e6,
        "core_f32_us": t_f32 * 1e6,
        "f32_speedup": f32_speedup,
        "f32_grad_max_rel_error": f32_error,
        "numpy_us": t_np * 1e6,
        "speedup_vs_numpy": t_np / t_core,
    }
    print(
        f"{label:28s} core f64 {row['core_us']:9.2f} us   f32 {row['core_f32_us']:9.2f} us "
        f"(x{f32_speedup:4.2f})   numpy {row['numpy_us']:9.2f} us   f64 vs numpy {row['speedup_vs_numpy']:6.1f}x"
    )
    return row


def main():
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeats", type=int, default=15)
    args = parser.parse_args()
    print(f"build: {symhmc._core.build_arch}, single thread, median of {args.repeats}")
    rows = [
        bench_case("f1 (3 tanh) izmailov", symhmc.MLP(hidden=(3,)), datasets.load("izmailov"), args.repeats, 4000),
        bench_case(
            "f2 (16,16,16 tanh) concrete",
            symhmc.MLP(hidden=(16, 16, 16), n_inputs=8),
            datasets.load("concrete"),
            args.repeats,
            100,
        ),
    ]
    save(
        f"bench_grad_{symhmc._core.kernel_isa}",
        {
            "unit": "microseconds per log-posterior gradient (medians); "
            "f32_speedup: median of per-repeat f64/f32 ratios",
            "repeats": args.repeats,
            "rows": rows,
            "reference": {"jax_jit_float32_us": {"f1": 4.9, "f2": 113}, "targets_us": {"f1": 1.5, "f2": 100}},
        },
    )


if __name__ == "__main__":
    main()
