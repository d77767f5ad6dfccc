"""f2 on concrete: the fused narrow-MLP gradient kernel beside the layer-by-layer path and JAX.

    python bench/bench_fused_mlp.py [--rounds 9] [--batch 200]

One thread. Each round times, one after another, symhmc's fused kernel (the default for networks
with at least two hidden layers of width <= 32 and one output), the layer-by-layer path it replaces
(SYMHMC_FUSED_MLP=0), both in float64 and in float32 (``dtype="float32"``), and JAX jit float32
(and float64), each on a batch of `batch` gradients
evaluated in one call (lax.map on the JAX side), so that Python's call overhead is spread thin.
Interleaving the contenders round by round (in rotating order) lets a shared, noisy machine slow
all of them alike; the medians over rounds and their ratios are the result. Both wall and CPU (process) time are
recorded: CPU time is less sensitive to other processes taking the core.
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
from _common import save  # noqa: E402

try:
    import jax  # noqa: E402
    import jax.numpy as jnp  # noqa: E402
except ImportError:  # the optional extra
    raise SystemExit("bench_fused_mlp needs JAX: pip install 'symhmc[peers]'") from None

from bench_peers import jax_log_posterior  # noqa: E402


def symhmc_contender(model, x, y, stack, fused: bool):
    # model: symhmc.MLP, its dtype choosing float64 or float32 arithmetic
    """A function evaluating the batch of gradients with the fused kernel on or off."""
    flag = "1" if fused else "0"

    def run():
        # read when the call builds its evaluators, so it switches the path per call
        os.environ["SYMHMC_FUSED_MLP"] = flag
        try:
            return post.log_density(stack, 1, True)
        finally:
            os.environ.pop("SYMHMC_FUSED_MLP", None)

    post = model.posterior(x, y)
    return run


def jax_contender(model, x, y, stack, dtype):
    """A function evaluating the batch of JAX jit gradients in `dtype` (compiled before timing)."""
    jax.config.update("jax_enable_x64", dtype == "float64")
    grad = jax.value_and_grad(jax_log_posterior(model, jnp.asarray(x, dtype), jnp.asarray(y, dtype)))
    batched = jax.jit(lambda T: jax.lax.map(lambda v: grad(v)[1], T))
    T = jnp.asarray(stack, dtype)
    batched(T).block_until_ready()

    def run():
        jax.config.update("jax_enable_x64", dtype == "float64")  # as when it was traced
        return batched(T).block_until_ready()

    return run


def check_agreement(model, x, y, theta, lp_rtol=1e-10, grad_rtol=1e-12):
    """The fused and layer-by-layer paths give the same log density and gradient (up to rounding:
    float64's by default; pass float32's for a float32 model)."""
    post = model.posterior(x, y)
    out = {}
    for flag in ("0", "1"):
        os.environ["SYMHMC_FUSED_MLP"] = flag
        out[flag] = post.log_density(theta[None, :], 1, True)
    os.environ.pop("SYMHMC_FUSED_MLP", None)
    (lp0, g0), (lp1, g1) = out["0"], out["1"]
    rel = float(np.max(np.abs(g1 - g0)) / np.max(np.abs(g0)))
    assert abs(float(lp1[0] - lp0[0])) <= lp_rtol * abs(float(lp0[0])) and rel < grad_rtol, (lp0, lp1, rel)
    return rel


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--rounds", type=int, default=9)
    ap.add_argument("--batch", type=int, default=200)
    ap.add_argument("--no-f64", action="store_true", help="leave out JAX float64")
    args = ap.parse_args()

    data = datasets.load("concrete")
    x, y = data.x_train, data.y_train
    model = symhmc.MLP(hidden=(16, 16, 16), n_inputs=8)
    theta = 0.5 * np.random.default_rng(0).normal(size=model.dim)
    stack = np.tile(theta, (args.batch, 1))
    model32 = dataclasses.replace(model, dtype="float32")
    rel = check_agreement(model, x, y, theta)
    rel32 = check_agreement(model32, x, y, theta, lp_rtol=1e-5, grad_rtol=1e-4)

    contenders = {
        "symhmc_fused_f64": symhmc_contender(model, x, y, stack, fused=True),
        "symhmc_layered_f64": symhmc_contender(model, x, y, stack, fused=False),
        "symhmc_fused_f32": symhmc_contender(model32, x, y, stack, fused=True),
        "symhmc_layered_f32": symhmc_contender(model32, x, y, stack, fused=False),
        "jax_jit_float32": jax_contender(model, x, y, stack, "float32"),
    }
    if not args.no_f64:
        contenders["jax_jit_float64"] = jax_contender(model, x, y, stack, "float64")
    jax.config.update("jax_enable_x64", False)

    wall = {k: [] for k in contenders}
    cpu = {k: [] for k in contenders}
    names = list(contenders)
    for r in range(args.rounds):
        # the order rotates, so that no contender always follows the same one (JAX's threads may
        # still be winding down after its call)
        for name in names[r % len(names) :] + names[: r % len(names)]:
            fn = contenders[name]
            w0, c0 = time.perf_counter(), time.process_time()
            fn()
            wall[name].append((time.perf_counter() - w0) / args.batch * 1e6)
            cpu[name].append((time.process_time() - c0) / args.batch * 1e6)

    med = {k: {"wall_us": float(np.median(wall[k])), "cpu_us": float(np.median(cpu[k]))} for k in contenders}
    # each contender's median over each fused kernel's: above 1, the fused kernel is faster
    ratios = {
        f"{k}_over_{ref}": {t: med[k][t] / med[ref][t] for t in ("wall_us", "cpu_us")}
        for ref in ("symhmc_fused_f64", "symhmc_fused_f32")
        for k in contenders
        if k != ref
    }
    print(
        f"f2 concrete ({x.shape[0]} rows, dim {model.dim}), kernels {symhmc._core.kernel_isa}, "
        f"median of {args.rounds} interleaved rounds of {args.batch} gradients"
    )
    for k, m in med.items():
        extra = "".join(
            f"   {ratios[f'{k}_over_{ref}']['wall_us']:.2f}x {ref[7:]} (wall), "
            f"{ratios[f'{k}_over_{ref}']['cpu_us']:.2f}x (cpu)"
            for ref in ("symhmc_fused_f64", "symhmc_fused_f32")
            if k != ref
        )
        print(f"  {k:20s} wall {m['wall_us']:8.1f} us   cpu {m['cpu_us']:8.1f} us{extra}")
    save(
        f"bench_fused_mlp_{symhmc._core.kernel_isa}",
        {
            "unit": "microseconds per log-posterior gradient",
            "case": "f2 (16,16,16 tanh) concrete",
            "n_rows": int(x.shape[0]),
            "dim": model.dim,
            "rounds": args.rounds,
            "batch": args.batch,
            "jax": jax.__version__,
            "fused_vs_layered_max_rel_grad_diff": rel,
            "fused_vs_layered_max_rel_grad_diff_f32": rel32,
            "median": med,
            "ratios": ratios,
            "wall_us": wall,
            "cpu_us": cpu,
        },
    )


if __name__ == "__main__":
    main()
