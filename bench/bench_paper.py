"""The paper's headline run: f1 (one hidden layer of 3 tanh neurons) on izmailov, NUTS with
1024 warmup iterations, 1 draw per chain, 1274 chains; plus a scaling table over chains and
threads. Prints a summary and saves JSON to bench/results/.

    python bench/bench_paper.py                          # headline + scaling (about half an hour)
    python bench/bench_paper.py --chains 64 --scaling-chains 16,32 --scaling-threads 1,2   # quick
    python bench/bench_paper.py --dtype float32 ...       # the opt-in float32 likelihood
    python bench/bench_paper.py --fast ...                # the fastest documented settings (FAST_SETTINGS)
    python bench/bench_paper.py --side-by-side --chains 128 --scaling-chains ""
        # the paper's settings and the fast ones back to back: cost ratio, test LPPD, a two-sample
        # test of the predictives (symhmc.compare_predictive) and both extrapolated to 1274 chains

Paper (Wiese et al. 2023, supplement Table 3): test LPPD 0.79 (0.06).
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np

import symhmc
from symhmc import _core, datasets
from _common import context, save

PAPER_LPPD, PAPER_LPPD_SE = 0.79, 0.06
PAPER_CHAINS = 1274
PAPER_SETTINGS = {"dtype": "float64", "adaptation": "stan", "warmup": 1024}
# float32 likelihood, nutpie-style adaptation and a quarter of the warmup: bench_warmup.py finds
# the predictive indistinguishable from the paper's settings (tests/test_paper_run.py checks it).
FAST_SETTINGS = {"dtype": "float32", "adaptation": "gradient", "warmup": 256}


def run(model, x, y, x_test, y_test, chains, threads, warmup, seed, progress, adaptation="stan"):
    r = symhmc.sample(
        model,
        x,
        y,
        chains=chains,
        warmup=warmup,
        draws=1,
        sampler="nuts",
        seed=seed,
        threads=threads,
        progress=progress,
        adaptation=adaptation,
    )
    return describe(r, threads, x_test, y_test)


def describe(r, threads, x_test, y_test):
    """The headline numbers of one run: cost, sampler health and test LPPD."""
    grads = int(r.n_grad_evals.sum())
    lppd, se = r.lppd(x_test, y_test)  # log-sum-exp; se = std over test points (ddof=1) / sqrt(n)
    depth = r.stats["tree_depth"]
    return {
        "chains": r.n_chains,
        "threads": threads,
        "wall_time_s": r.wall_time,
        "time_per_chain_s": r.wall_time / r.n_chains,
        "core_seconds_per_chain": r.wall_time * threads / r.n_chains,
        "grad_evals_per_chain": grads / r.n_chains,
        "us_per_grad_per_thread": r.wall_time * threads / grads * 1e6,
        "divergences": r.divergences,
        "test_lppd": lppd,
        "test_lppd_se": se,
        "mean_acceptance_rate": float(r.stats["acceptance_rate"].mean()),
        "median_step_size": float(np.median(r.step_size)),
        "mean_tree_depth_last_draw": float(depth.mean()),
        "fraction_max_tree_depth_last_draw": float(np.mean(depth >= r.settings["max_tree_depth"])),
        "partial": r.partial,
        "seed": r.seed,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None, help="default: SYMHMC_DATA_DIR, else the package's own copy")
    ap.add_argument("--dataset", default="izmailov")
    ap.add_argument("--chains", type=int, default=1274, help="chains of the headline run")
    ap.add_argument("--threads", type=int, default=None, help="threads of the headline run (default: all)")
    ap.add_argument("--warmup", type=int, default=1024)
    ap.add_argument(
        "--adaptation",
        choices=("stan", "gradient"),
        default="stan",
        help="mass-matrix adaptation (default stan, the paper's)",
    )
    ap.add_argument(
        "--dtype",
        choices=("float64", "float32"),
        default="float64",
        help="arithmetic of the likelihood (default float64; float32 as NumPyro and the paper)",
    )
    ap.add_argument("--fast", action="store_true", help=f"use FAST_SETTINGS {FAST_SETTINGS}")
    ap.add_argument(
        "--side-by-side",
        action="store_true",
        help="run PAPER_SETTINGS and FAST_SETTINGS with --chains each, back to back, and compare",
    )
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--scaling-chains", default="64,256,1274", help="comma-separated; empty to skip")
    ap.add_argument("--scaling-threads", default="1,2", help="comma-separated")
    ap.add_argument("--no-progress", action="store_true")
    ap.add_argument("--name", default="paper", help="results file bench/results/NAME.json (default: paper)")
    args = ap.parse_args(argv)
    if args.side_by_side:
        return side_by_side(args)
    if args.fast:
        vars(args).update(FAST_SETTINGS)

    data = datasets.load(args.dataset, args.data_dir)
    x, y, x_test, y_test = data.x_train, data.y_train, data.x_test, data.y_test
    model = symhmc.MLP(hidden=(3,), activation="tanh", n_inputs=x.shape[1], dtype=args.dtype)
    threads = args.threads or int(_core.max_threads())
    progress = not args.no_progress
    report = {
        "benchmark": "paper headline: f1 on %s, NUTS, %d warmup, 1 draw/chain" % (args.dataset, args.warmup),
        "adaptation": args.adaptation,
        "dtype": args.dtype,
        "model": repr(model),
        "n_train": len(x),
        "n_test": len(x_test),
        "paper": {"test_lppd": PAPER_LPPD, "test_lppd_se": PAPER_LPPD_SE},
        "context_at_start": context(),
    }

    print(f"headline: {args.chains} chains, {threads} threads, warmup {args.warmup}, {args.dtype}", flush=True)
    head = run(model, x, y, x_test, y_test, args.chains, threads, args.warmup, args.seed, progress, args.adaptation)
    report["headline"] = head
    diff = (head["test_lppd"] - PAPER_LPPD) / np.hypot(head["test_lppd_se"], PAPER_LPPD_SE)
    head["lppd_difference_in_combined_se"] = float(diff)
    print(json.dumps(head, indent=2), flush=True)

    scaling = []
    chain_list = [int(c) for c in args.scaling_chains.split(",") if c.strip()]
    thread_list = [int(t) for t in args.scaling_threads.split(",") if t.strip()]
    for c in chain_list:
        for t in thread_list:
            if c == args.chains and t == threads:
                row = dict(head)  # already measured
            else:
                print(f"scaling: {c} chains, {t} threads", flush=True)
                row = run(model, x, y, x_test, y_test, c, t, args.warmup, args.seed, progress, args.adaptation)
            scaling.append(row)
            print(
                f"  chains={c:5d} threads={t}: {row['wall_time_s']:8.1f} s, {row['time_per_chain_s']:.3f} s/chain, "
                f"{row['us_per_grad_per_thread']:.2f} us/grad/thread, LPPD {row['test_lppd']:.3f} "
                f"({row['test_lppd_se']:.3f})",
                flush=True,
            )
    report["scaling"] = scaling
    save(args.name, report)
    print(
        f"\nheadline: {head['chains']} chains in {head['wall_time_s']:.1f} s ({head['time_per_chain_s']:.3f} s/chain, "
        f"{head['grad_evals_per_chain']:.0f} gradients/chain, {head['us_per_grad_per_thread']:.2f} us/gradient/thread, "
        f"{head['divergences']} divergences); test LPPD {head['test_lppd']:.3f} ({head['test_lppd_se']:.3f}), "
        f"paper 0.79 (0.06)"
    )


def side_by_side(args):
    """The paper's settings and the fast ones on the same chains and threads, one after the other."""
    data = datasets.load(args.dataset, args.data_dir)
    x, y, x_test, y_test = data.x_train, data.y_train, data.x_test, data.y_test
    threads = args.threads or int(_core.max_threads())
    report = {
        "benchmark": f"paper settings vs fast settings: f1 on {args.dataset}, {args.chains} chains each, "
        f"{threads} threads, 1 draw/chain",
        "paper_settings": PAPER_SETTINGS,
        "fast_settings": FAST_SETTINGS,
        "paper": {"test_lppd": PAPER_LPPD, "test_lppd_se": PAPER_LPPD_SE},
        "context_at_start": context(),
    }
    runs = {}
    for label, settings in (("paper_settings", PAPER_SETTINGS), ("fast_settings", FAST_SETTINGS)):
        print(f"{label}: {settings}, {args.chains} chains on {threads} threads", flush=True)
        model = symhmc.MLP(hidden=(3,), n_inputs=x.shape[1], dtype=settings["dtype"])
        r = symhmc.sample(
            model,
            x,
            y,
            chains=args.chains,
            warmup=settings["warmup"],
            draws=1,
            seed=args.seed,
            threads=threads,
            progress=not args.no_progress,
            adaptation=settings["adaptation"],
        )
        row = describe(r, threads, x_test, y_test)
        row[f"extrapolated_{PAPER_CHAINS}_chains_s"] = row["wall_time_s"] * PAPER_CHAINS / row["chains"]
        report[label], runs[label] = row, r
        save(args.name, report)
        print(
            f"  {row['wall_time_s']:.1f} s, {row['grad_evals_per_chain']:.0f} gradients/chain, "
            f"{row['us_per_grad_per_thread']:.2f} us/gradient/thread, max depth "
            f"{row['fraction_max_tree_depth_last_draw']:.3f}, LPPD {row['test_lppd']:.3f} ({row['test_lppd_se']:.3f}); "
            f"{PAPER_CHAINS} chains: about {row[f'extrapolated_{PAPER_CHAINS}_chains_s']:.0f} s",
            flush=True,
        )
    grid = np.linspace(x.min(), x.max(), 50)
    test = symhmc.compare_predictive(runs["paper_settings"], runs["fast_settings"], grid)
    paper, fast = report["paper_settings"], report["fast_settings"]
    report["predictive_test"] = test.as_dict()
    report["ratios"] = {
        "wall_time": paper["wall_time_s"] / fast["wall_time_s"],
        "gradients_per_chain": paper["grad_evals_per_chain"] / fast["grad_evals_per_chain"],
        "us_per_gradient": paper["us_per_grad_per_thread"] / fast["us_per_grad_per_thread"],
    }
    save(args.name, report)
    print(
        f"fast settings {report['ratios']['wall_time']:.2f}x faster (gradients/chain "
        f"{report['ratios']['gradients_per_chain']:.2f}x fewer, each {report['ratios']['us_per_gradient']:.2f}x "
        f"cheaper); predictives: max|z| {test.max_abs_z:.2f}, p {test.p_value:.3f} "
        f"({'indistinguishable' if test.indistinguishable else 'DIFFERENT'} at alpha {test.alpha})"
    )


if __name__ == "__main__":
    main()
