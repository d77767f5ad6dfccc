"""How much warmup does the paper's headline run need? f1 on izmailov, NUTS, 1 draw per chain,
for each mass-matrix adaptation and each warmup length, against the paper's setting (Stan-style
adaptation, 1024 warmup iterations) run with the same seed and chain count.

Each row reports gradients per chain, the fraction of final draws at the maximum tree depth, the
test LPPD and a two-sample test of the predictive against the reference run
(symhmc.compare_predictive: mean and spread of f on a grid over the training inputs, mean sigma).
Results are saved after every row.

    python bench/bench_warmup.py                                  # 128 chains, warmups 1024..64
    python bench/bench_warmup.py --chains 32 --warmups 1024,256   # quick
"""

from __future__ import annotations

import argparse

import numpy as np

import symhmc
from symhmc import _core, datasets
from _common import context, save
from bench_paper import describe

REFERENCE = ("stan", 1024)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="izmailov")
    ap.add_argument("--chains", type=int, default=128)
    ap.add_argument("--warmups", default="1024,512,256,128,64", help="comma-separated warmup lengths")
    ap.add_argument("--adaptations", default="stan,gradient", help="comma-separated: stan, gradient")
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--grid-points", type=int, default=50)
    ap.add_argument("--name", default="warmup_study")
    args = ap.parse_args(argv)

    data = datasets.load(args.dataset)
    x, y = data.x_train, data.y_train
    model = symhmc.MLP(hidden=(3,), activation="tanh", n_inputs=x.shape[1])
    threads = args.threads or int(_core.max_threads())
    grid = np.linspace(x.min(), x.max(), args.grid_points)[:, None]
    settings = [(a, int(w)) for a in args.adaptations.split(",") for w in args.warmups.split(",")]
    settings.sort(key=lambda s: s != REFERENCE)  # the reference first
    if settings[0] != REFERENCE:
        settings.insert(0, REFERENCE)
    report = {
        "benchmark": f"warmup study: f1 on {args.dataset}, NUTS, 1 draw/chain, {args.chains} chains",
        "reference": {"adaptation": REFERENCE[0], "warmup": REFERENCE[1]},
        "comparison": "symhmc.compare_predictive on %d grid points over the training inputs, alpha 0.01"
        % args.grid_points,
        "context_at_start": context(),
        "rows": [],
    }
    reference = None
    for adaptation, warmup in settings:
        print(f"{adaptation:8s} warmup {warmup:5d}: {args.chains} chains on {threads} threads", flush=True)
        r = symhmc.sample(
            model,
            x,
            y,
            chains=args.chains,
            warmup=warmup,
            draws=1,
            seed=args.seed,
            threads=threads,
            progress=False,
            adaptation=adaptation,
        )
        row = {"adaptation": adaptation, "warmup": warmup, **describe(r, threads, data.x_test, data.y_test)}
        if reference is None:
            reference = r
        else:
            row["versus_reference"] = symhmc.compare_predictive(reference, r, grid).as_dict()
        report["rows"].append(row)
        save(args.name, report)
        test = row.get("versus_reference", {})
        print(
            f"  {row['grad_evals_per_chain']:9.0f} gradients/chain, max depth {row['fraction_max_tree_depth_last_draw']:.3f}, "
            f"LPPD {row['test_lppd']:.3f} ({row['test_lppd_se']:.3f}), {row['wall_time_s']:.1f} s"
            + (f", vs reference max|z| {test['max_abs_z']:.2f} p {test['p_value']:.3f}" if test else ""),
            flush=True,
        )


if __name__ == "__main__":
    main()
