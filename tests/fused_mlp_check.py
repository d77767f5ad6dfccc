"""Run in a process of its own with SYMHMC_KERNELS set (the kernel table is chosen once per
process): for networks the fused narrow-MLP kernel takes, prints JSON with, per case, the largest
differences between the fused path, the layer-by-layer path (SYMHMC_FUSED_MLP=0) and central
finite differences, in float64 and in float32 (``dtype="float32"``: the float32 fused kernel against
float64, against the float32 layer-by-layer path and against its own finite differences).
tests/test_fused_mlp.py reads it."""

import dataclasses
import json
import os
import sys

import numpy as np

import symhmc

# (hidden, n_inputs, activation, n_rows, noise_std): widths <= 32, 2-3 hidden layers; row counts
# below one tile (kFusedMlpTileRows = 64 rows; 128 in float32) and one AVX-512 vector, and not
# multiples of the tile or vector width
CASES = [
    ((16, 16, 16), 8, "tanh", 77, None),
    ((16, 16), 8, "tanh", 5, None),
    ((16, 16), 3, "tanh", 1, 0.3),
    ((7, 5), 2, "relu", 41, None),
    ((3, 9, 4), 4, "identity", 33, 0.5),
    ((32, 13), 1, "tanh", 64, None),
    ((9, 16, 11), 5, "tanh", 250, None),
]


def log_density(model, post, theta, fused):
    os.environ["SYMHMC_FUSED_MLP"] = "1" if fused else "0"
    lp, g = post.log_density(np.atleast_2d(theta), 1, True)
    return float(lp[0]), g[0]


def check(hidden, n_inputs, activation, n, noise_std, rng):
    model = symhmc.MLP(hidden=hidden, n_inputs=n_inputs, activation=activation, noise_std=noise_std)
    x = rng.normal(size=(n, n_inputs))
    y = rng.normal(size=n)
    theta = 0.7 * rng.normal(size=model.dim)
    post = model.posterior(x, y)
    lp_f, g_f = log_density(model, post, theta, True)
    lp_l, g_l = log_density(model, post, theta, False)
    # central differences of the fused log density on a subset of coordinates
    idx = rng.choice(model.dim, size=min(model.dim, 40), replace=False)
    h = 1e-5
    fd = np.empty(idx.size)
    for i, k in enumerate(idx):
        e = np.zeros(model.dim)
        e[k] = h
        fd[i] = (log_density(model, post, theta + e, True)[0] - log_density(model, post, theta - e, True)[0]) / (2 * h)
    scale = max(1.0, float(np.max(np.abs(g_l))))
    f32 = check_float32(model, x, y, theta, lp_l, g_l, scale, idx)
    return {
        **f32,
        "case": f"{hidden} in={n_inputs} {activation} n={n} noise_std={noise_std}",
        "lp_rel": abs(lp_f - lp_l) / abs(lp_l),
        "grad_rel": float(np.max(np.abs(g_f - g_l))) / scale,
        "fd_rel": float(np.max(np.abs(fd - g_f[idx]))) / scale,
        "bit_identical": bool(lp_f == lp_l and np.array_equal(g_f, g_l)),
    }


def check_float32(model, x, y, theta, lp64, g64, scale, idx):
    """The float32 fused kernel against the float64 result (lp64, g64 from the layered path), the
    float32 layered path and central differences of its own log density (a step of 1e-2: float32
    rounding of the log density, ~1e-7 of it, would swamp small steps)."""
    post32 = dataclasses.replace(model, dtype="float32").posterior(x, y)
    lp_f, g_f = log_density(model, post32, theta, True)
    lp_l, g_l = log_density(model, post32, theta, False)
    h = 1e-2
    fd = np.empty(idx.size)
    for i, k in enumerate(idx):
        e = np.zeros(model.dim)
        e[k] = h
        fd[i] = (log_density(model, post32, theta + e, True)[0] - log_density(model, post32, theta - e, True)[0]) / (
            2 * h
        )
    # the truncation error of the step, measured on the float64 log density with the same step
    post64 = model.posterior(x, y)
    fd64 = np.empty(idx.size)
    for i, k in enumerate(idx):
        e = np.zeros(model.dim)
        e[k] = h
        fd64[i] = (
            log_density(model, post64, theta + e, False)[0] - log_density(model, post64, theta - e, False)[0]
        ) / (2 * h)
    return {
        "f32_lp_rel": abs(lp_f - lp64) / abs(lp64),
        "f32_grad_rel": float(np.max(np.abs(g_f - g64))) / scale,
        "f32_vs_layered_lp_rel": abs(lp_f - lp_l) / abs(lp_l),
        "f32_vs_layered_grad_rel": float(np.max(np.abs(g_f - g_l))) / scale,
        "f32_fd_rel": float(np.max(np.abs(fd - g_f[idx]))) / scale,
        "f64_fd_rel_same_step": float(np.max(np.abs(fd64 - g64[idx]))) / scale,
        "f32_differs_from_f64": bool(lp_f != lp64),
        "f32_bit_identical_to_layered": bool(lp_f == lp_l and np.array_equal(g_f, g_l)),
    }


def main() -> int:
    rng = np.random.default_rng(2023)
    rows = [check(*case, rng) for case in CASES]
    print(json.dumps({"kernel_isa": symhmc._core.kernel_isa, "cases": rows}))
    return 0


if __name__ == "__main__":
    sys.exit(main())
