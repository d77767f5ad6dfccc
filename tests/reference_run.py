"""A small fixed set of runs whose draws are kept in tests/data/reference_run.npz.

The file was written before the core's settings and the Python modules were reorganised; the
test compares today's draws with it bit for bit, so a refactor cannot change what a seed gives.
Run in a process of its own with SYMHMC_KERNELS=portable, so that the kernels (and hence the
rounding) do not depend on the CPU's instruction set.

    SYMHMC_KERNELS=portable python tests/reference_run.py write tests/data/reference_run.npz
    SYMHMC_KERNELS=portable python tests/reference_run.py check tests/data/reference_run.npz
"""

import sys

import numpy as np


def runs() -> dict:
    import symhmc

    rng = np.random.default_rng(7)
    x = rng.uniform(-2, 2, 24)
    y = np.sin(x) + 0.1 * rng.normal(size=24)
    x2 = rng.normal(size=(16, 2))
    y2 = np.stack([x2[:, 0] * x2[:, 1], np.cos(x2[:, 0])], axis=1)
    common = dict(progress=False, threads=2)
    cases = {
        "f1_nuts": symhmc.sample(symhmc.MLP(hidden=(3,)), x, y, chains=4, warmup=120, draws=3, seed=11, **common),
        "f1_nuts_offset_prior": symhmc.sample(symhmc.MLP(hidden=(3,)), x, y, chains=3, warmup=60, draws=2, seed=11,
                                              first_chain=5, init="prior", **common),
        "relu2_hmc": symhmc.sample(symhmc.MLP(hidden=(4, 3), activation="relu", n_inputs=2, n_outputs=2, noise_std=0.2), x2, y2,
                                   chains=3, warmup=50, draws=4, seed=3, sampler="hmc", n_steps=7,
                                   step_jitter=0.1, **common),
        "f1_short_warmup": symhmc.sample(symhmc.MLP(hidden=(2,)), x, y, chains=2, warmup=30, draws=2, seed=5,
                                         max_tree_depth=6, target_accept=0.9, **common),
    }
    out = {}
    for name, r in cases.items():
        out[f"{name}/draws"] = r.draws
        out[f"{name}/step_size"] = r.step_size
        out[f"{name}/inv_mass"] = r.inv_mass
        out[f"{name}/n_grad_evals"] = r.n_grad_evals
        for stat, values in r.stats.items():
            out[f"{name}/{stat}"] = values
    return out


def main(argv) -> int:
    mode, path = argv[1], argv[2]
    now = runs()
    if mode == "write":
        np.savez_compressed(path, **now)
        return 0
    with np.load(path, allow_pickle=False) as saved:
        differ = sorted(k for k in saved.files if k not in now or not np.array_equal(saved[k], now[k], equal_nan=True))
        missing = sorted(set(now) - set(saved.files))
    if differ or missing:
        print("differ:", differ, "missing:", missing)
        return 1
    print(f"{len(now)} arrays identical")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))
