"""symhmc beside JAX and NumPyro on the same CPU, in one run (optional extra `peers`).

    python bench/bench_peers.py [--repeats 15] [--numpyro-chains 2]

1. The log-posterior gradient of f1 on izmailov and f2 on concrete, one thread: JAX jit
   (float32 and float64) beside symhmc's core (float64 and the opt-in float32), as ratios.
2. NUTS with the paper's settings (1024 warmup, 1 draw) on izmailov f1: NumPyro running chains
   one after another (as the paper did) beside symhmc running the same number of chains on one
   thread, per chain and per gradient: the paper's settings in float64, each lever alone (gradient
   adaptation, float32), both, and the fast settings (float32, gradient adaptation, 256 warmup).

Absolute times depend on the CPU (the JSON records it); the ratios are the result.
"""

from __future__ import annotations

import argparse
import dataclasses
import os
import time

os.environ.setdefault("XLA_FLAGS", "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import numpy as np  # noqa: E402

import symhmc  # noqa: E402
from symhmc import datasets  # noqa: E402
from _common import median_time, save  # noqa: E402

try:
    import jax  # noqa: E402
    import jax.numpy as jnp  # noqa: E402
except ImportError:  # the optional extra
    raise SystemExit("bench_peers needs JAX and NumPyro: pip install 'symhmc[peers]'") from None


def jax_log_posterior(model, x, y):
    """The model's log posterior (N(0, 1) priors, sigma through log sigma with its HalfNormal prior)."""
    shapes = [(W.shape, b.shape) for W, b in model.unpack(np.zeros(model.n_params))]

    def logp(theta):
        a, k = x, 0
        for i, (ws, bs) in enumerate(shapes):
            W = theta[k : k + ws[0] * ws[1]].reshape(ws)
            k += ws[0] * ws[1]
            b = theta[k : k + bs[0]]
            k += bs[0]
            a = a @ W.T + b
            if i < len(shapes) - 1:
                a = jnp.tanh(a)
        s = theta[-1]
        sigma2 = jnp.exp(2 * s)
        r = y[:, None] - a
        n = r.size
        return -0.5 * jnp.sum(theta[:-1] ** 2) - 0.5 * jnp.sum(r * r) / sigma2 - n * s - 0.5 * sigma2 + s

    return logp


def gradient_row(label, model, data, repeats):
    x, y = data.x_train, data.y_train
    theta = 0.5 * np.random.default_rng(0).normal(size=model.dim)
    post = model.posterior(x, y)
    batch = 2000 if model.dim < 100 else 100
    stack = np.tile(theta, (batch, 1))
    core_us = median_time(lambda: post.log_density(stack, 1, True), repeats=repeats) / batch * 1e6
    post32 = dataclasses.replace(model, dtype="float32").posterior(x, y)
    core32_us = median_time(lambda: post32.log_density(stack, 1, True), repeats=repeats) / batch * 1e6
    row = {
        "case": label,
        "dim": model.dim,
        "n_rows": int(x.shape[0]),
        "symhmc_f64_us": core_us,
        "symhmc_f32_us": core32_us,
    }
    for dtype in ("float32", "float64"):
        jax.config.update("jax_enable_x64", dtype == "float64")
        grad = jax.value_and_grad(jax_log_posterior(model, jnp.asarray(x, dtype), jnp.asarray(y, dtype)))
        t = jnp.asarray(theta, dtype)
        if dtype == "float64":  # the same function: same gradient
            np.testing.assert_allclose(
                np.asarray(grad(t)[1]), model.log_prob_and_grad(theta, x, y)[1], rtol=1e-8, atol=1e-8
            )
        # One after another inside one jit call (lax.map), as the core's batch: Python's call
        # overhead is spread over the batch on both sides.
        batched = jax.jit(lambda T: jax.lax.map(lambda v: grad(v)[1], T))
        T = jnp.asarray(stack, dtype)
        batched(T).block_until_ready()
        us = median_time(lambda: batched(T).block_until_ready(), repeats=repeats) / batch * 1e6
        row[f"jax_jit_{dtype}_us"] = us
        row[f"ratio_vs_jax_{dtype}"] = us / core_us
    jax.config.update("jax_enable_x64", False)
    row["ratio_symhmc_f32_vs_jax_float32"] = row["jax_jit_float32_us"] / core32_us
    print(
        f"{label:30s} symhmc f32 {core32_us:8.2f} us (JAX f32 / this: {row['ratio_symhmc_f32_vs_jax_float32']:.2f}x)",
        flush=True,
    )
    print(
        f"{label:30s} symhmc f64 {core_us:8.2f} us | JAX f32 {row['jax_jit_float32_us']:8.2f} us "
        f"({row['ratio_vs_jax_float32']:.2f}x) | JAX f64 {row['jax_jit_float64_us']:8.2f} us "
        f"({row['ratio_vs_jax_float64']:.2f}x)",
        flush=True,
    )
    return row


def numpyro_nuts(model, data, chains, seed=0):
    from numpyro.infer import MCMC, NUTS  # noqa: PLC0415

    logp = jax_log_posterior(model, jnp.asarray(data.x_train, jnp.float32), jnp.asarray(data.y_train, jnp.float32))
    kernel = NUTS(potential_fn=lambda t: -logp(t), target_accept_prob=0.8, max_tree_depth=10)
    mcmc = MCMC(kernel, num_warmup=1024, num_samples=1, num_chains=1, progress_bar=False)
    seconds, grads = [], []
    for c in range(chains + 1):  # one after another, as the paper ran them; the first compiles
        init = jnp.asarray(np.random.default_rng(seed + c).uniform(-2, 2, model.dim), jnp.float32)
        t0 = time.perf_counter()
        mcmc.warmup(jax.random.PRNGKey(seed + c), init_params=init, extra_fields=("num_steps",), collect_warmup=True)
        n = int(np.sum(mcmc.get_extra_fields()["num_steps"]))
        mcmc.run(mcmc.post_warmup_state.rng_key, extra_fields=("num_steps",))
        jax.block_until_ready(mcmc.get_samples())
        if c > 0:
            seconds.append(time.perf_counter() - t0)
            grads.append(n + int(np.sum(mcmc.get_extra_fields()["num_steps"])))
    return float(np.median(seconds)), float(np.median(grads))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--repeats", type=int, default=15)
    ap.add_argument(
        "--numpyro-chains",
        type=int,
        default=3,
        help="NumPyro chains timed after one that compiles (each some seconds; 0 skips)",
    )
    ap.add_argument("--symhmc-chains", type=int, default=16)
    args = ap.parse_args()

    izmailov, concrete = datasets.load("izmailov"), datasets.load("concrete")
    f1, f2 = symhmc.MLP(hidden=(3,)), symhmc.MLP(hidden=(16, 16, 16), n_inputs=8)
    rows = [
        gradient_row("f1 izmailov", f1, izmailov, args.repeats),
        gradient_row("f2 concrete", f2, concrete, args.repeats),
    ]

    nuts: dict = {}
    if args.numpyro_chains > 0:
        sec, grads = numpyro_nuts(f1, izmailov, args.numpyro_chains)
        nuts["numpyro_sequential"] = {
            "chains": args.numpyro_chains,
            "median_s_per_chain": sec,
            "median_grads_per_chain": grads,
        }
        print(f"NumPyro NUTS, one chain at a time: {sec:.2f} s/chain, {grads:.0f} gradients/chain", flush=True)
    # (adaptation, dtype, warmup): the paper's settings in float64, each lever alone, and the fast
    # settings of bench_paper.py (float32, gradient adaptation, 256 warmup; see bench_warmup.py).
    variants = (
        ("stan", "float64", 1024),
        ("gradient", "float64", 1024),
        ("stan", "float32", 1024),
        ("gradient", "float32", 1024),
        ("gradient", "float32", 256),
    )
    for adaptation, dtype, warmup in variants:
        r = symhmc.sample(
            dataclasses.replace(f1, dtype=dtype),
            izmailov.x_train,
            izmailov.y_train,
            chains=args.symhmc_chains,
            warmup=warmup,
            seed=0,
            threads=1,
            progress=False,
            adaptation=adaptation,
        )
        per_chain = r.wall_time / r.n_chains
        entry = {
            "chains": r.n_chains,
            "threads": 1,
            "s_per_chain": per_chain,
            "grads_per_chain": float(r.n_grad_evals.mean()),
            "us_per_grad": r.wall_time / r.n_grad_evals.sum() * 1e6,
            "max_tree_depth_fraction": float(np.mean(r.stats["tree_depth"] >= 10)),
        }
        if "numpyro_sequential" in nuts:
            entry["speedup_vs_numpyro_per_chain"] = nuts["numpyro_sequential"]["median_s_per_chain"] / per_chain
        entry.update(adaptation=adaptation, dtype=dtype, warmup=warmup)
        nuts[
            f"symhmc_{adaptation}"
            + ("_float32" if dtype == "float32" else "")
            + ("" if warmup == 1024 else f"_warmup{warmup}")
        ] = entry
        print(
            f"symhmc NUTS ({adaptation} adaptation, {dtype}, warmup {warmup}), 1 thread: {per_chain:.3f} s/chain, "
            f"{entry['grads_per_chain']:.0f} gradients/chain, {entry['us_per_grad']:.2f} us/gradient"
            + (
                f", {entry['speedup_vs_numpyro_per_chain']:.1f}x NumPyro"
                if "speedup_vs_numpyro_per_chain" in entry
                else ""
            ),
            flush=True,
        )
    save("bench_peers", {"jax": jax.__version__, "gradients": rows, "nuts_izmailov_f1": nuts})


if __name__ == "__main__":
    main()
