"""Deep-ensemble training speed and test LPPD: 10 members of f1 (one hidden layer of 3 tanh
neurons) on izmailov with the "paper-code" preset (RMSprop, learning rate 0.01, 500 epochs),
optionally f2 (three hidden layers of 16) on concrete (1000 epochs). Reports microseconds per
member-epoch (one full-batch gradient plus the RMSprop update; median of --repeats one-thread
trainings) beside the microseconds of one gradient measured in the same run (median of batched
log_density calls of 1000 points on one thread),
and their ratio; saves JSON to bench/results/bench_ensemble.json.

    python bench/bench_ensemble.py              # f1 on izmailov
    python bench/bench_ensemble.py --f2         # also f2 on concrete
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import symhmc
from symhmc import _core, datasets
from symhmc.baselines import deep_ensemble
from _common import median_time, save


def one(name, hidden, dataset, members, epochs, seed, data_dir, threads, repeats):
    data = datasets.load(dataset, data_dir)
    x, y = data.x_train, data.y_train
    model = symhmc.MLP(hidden=hidden, activation="tanh", n_inputs=x.shape[1])
    target = model.posterior(x, y)
    q = np.random.default_rng(0).uniform(-2, 2, (1000, model.dim))
    us_grad = median_time(lambda: target.log_density(q, 1, True), repeats=7) / len(q) * 1e6

    # one thread: time per member-epoch without parallel speed-up (median of `repeats` runs)
    walls, totals = [], []
    for _ in range(repeats):
        t0 = time.perf_counter()
        r1 = deep_ensemble(model, x, y, members=members, epochs=epochs, seed=seed, threads=1, progress=False)
        totals.append(time.perf_counter() - t0)
        walls.append(r1.wall_time)
    one_thread_s = float(np.median(totals))
    us_member_epoch = float(np.median(walls)) / (members * epochs) * 1e6
    r = deep_ensemble(model, x, y, members=members, epochs=epochs, seed=seed, threads=threads, progress=False)
    assert np.array_equal(r.draws, r1.draws), "threads changed the result"
    lppd = r.lppd(data.x_test, data.y_test)
    mm = r.lppd_moment_matched(data.x_test, data.y_test)
    return {
        "case": name,
        "dataset": dataset,
        "model": repr(model),
        "dim": model.dim,
        "n_train": len(x),
        "n_test": len(data.x_test),
        "members": members,
        "epochs": epochs,
        "preset": "paper-code",
        "optimizer": r.settings["optimizer"],
        "learning_rate": r.settings["learning_rate"],
        "seed": seed,
        "us_per_gradient_1_thread": us_grad,
        "us_per_member_epoch_1_thread": us_member_epoch,
        "member_epoch_over_gradient": us_member_epoch / us_grad,
        "wall_time_1_thread_s": float(np.median(walls)),
        "repeats_1_thread": repeats,
        "wall_time_1_thread_incl_python_s": one_thread_s,
        "threads": r.settings["threads"],
        "wall_time_threads_s": r.wall_time,
        "test_lppd_mixture": lppd.mean,
        "test_lppd_mixture_se": lppd.se,
        "test_lppd_moment_matched": mm.mean,
        "test_lppd_moment_matched_se": mm.se,
        "test_rmse": r.rmse(data.x_test, data.y_test),
        "final_train_loss": r.stats["energy"][:, 0].tolist(),
        "identical_1_vs_threads": True,
    }


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data-dir", type=Path, default=None)
    ap.add_argument("--members", type=int, default=10)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None, help="threads of the parallel run (default: all)")
    ap.add_argument("--f2", action="store_true", help="also f2 on concrete, 1000 epochs")
    ap.add_argument("--repeats", type=int, default=5, help="one-thread trainings timed (median)")
    args = ap.parse_args(argv)
    threads = args.threads or int(_core.max_threads())
    cases = [one("f1", (3,), "izmailov", args.members, 500, args.seed, args.data_dir, threads, args.repeats)]
    if args.f2:
        cases.append(
            one("f2", (16, 16, 16), "concrete", args.members, 1000, args.seed, args.data_dir, threads, args.repeats)
        )
    for c in cases:
        print(json.dumps(c, indent=2), flush=True)
    save("bench_ensemble", {"benchmark": "deep ensemble training (paper-code preset)", "cases": cases})


if __name__ == "__main__":
    main()
