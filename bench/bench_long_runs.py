"""What long-run safety costs: the same f1 run on a paper data set locally, with a checkpoint
(the default interval and every second), in blocks on a process pool and on a Dask LocalCluster
of worker processes. Every variant must give the local run's draws bit for bit (checked); the
ratios of wall times are the result. Rounds interleave the variants so that the machine's load
drifts over all of them alike; medians are reported.

    python bench/bench_long_runs.py --chains 128 --rounds 3
    python bench/bench_long_runs.py --chains 1274 --rounds 1 --only local checkpoint   # the headline run
"""

from __future__ import annotations

import argparse
import concurrent.futures as cf
import os
import tempfile
import time

import numpy as np

import symhmc
from symhmc import datasets
from _common import save

VARIANTS = ("local", "checkpoint", "checkpoint_1s", "process_pool", "dask")


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--data", default="izmailov")
    ap.add_argument("--chains", type=int, default=128)
    ap.add_argument("--rounds", type=int, default=3)
    ap.add_argument("--workers", type=int, default=os.cpu_count() or 2)
    ap.add_argument("--only", nargs="*", choices=VARIANTS, default=list(VARIANTS))
    ap.add_argument("--out", default=None)
    args = ap.parse_args()

    data = datasets.load(args.data)
    model = symhmc.MLP(hidden=(3,), n_inputs=data.n_features)
    run = dict(chains=args.chains, seed=0, progress=False)
    x, y = data.x_train, data.y_train
    client = cluster = pool = None
    if "dask" in args.only:
        import distributed

        cluster = distributed.LocalCluster(
            n_workers=args.workers, threads_per_worker=1, processes=True, dashboard_address=None, silence_logs=40
        )
        client = distributed.Client(cluster)
    if "process_pool" in args.only:
        pool = cf.ProcessPoolExecutor(args.workers)

    times: dict[str, list[float]] = {v: [] for v in args.only}
    extra: dict[str, dict] = {}
    reference = None
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(args.rounds):
            for variant in args.only:
                kw: dict = {}
                if variant.startswith("checkpoint"):
                    kw = dict(checkpoint=os.path.join(tmp, f"{variant}_{r}.npz"))
                    if variant == "checkpoint_1s":
                        kw["checkpoint_every"] = 1.0
                elif variant == "process_pool":
                    kw = dict(executor=pool, threads=1)
                elif variant == "dask":
                    kw = dict(executor=client, threads=1)
                t0 = time.perf_counter()
                res = symhmc.sample(model, x, y, **run, **kw)
                seconds = time.perf_counter() - t0
                times[variant].append(seconds)
                if reference is None:
                    reference = res
                same = np.array_equal(res.draws, reference.draws) and np.array_equal(res.inv_mass, reference.inv_mass)
                if not same:
                    raise SystemExit(f"{variant}: draws differ from the first run")
                if "checkpoint" in res.settings:
                    extra[variant] = res.settings["checkpoint"]
                print(
                    f"round {r} {variant:14s} {seconds:8.1f} s"
                    + (
                        f"   ({extra[variant]['writes']} writes, {extra[variant]['seconds_writing']:.3f} s writing)"
                        if variant in extra
                        else ""
                    ),
                    flush=True,
                )
    if client is not None:
        client.close()
        cluster.close()
    if pool is not None:
        pool.shutdown()

    medians = {v: float(np.median(t)) for v, t in times.items()}
    base = medians.get("local")
    rows = [
        {
            "variant": v,
            "median_s": medians[v],
            "times_s": times[v],
            "ratio_to_local": None if base is None else medians[v] / base,
            **({"checkpoint": extra[v]} if v in extra else {}),
        }
        for v in args.only
    ]
    for row in rows:
        ratio = "" if row["ratio_to_local"] is None else f"  x{row['ratio_to_local']:.3f} of local"
        print(f"{row['variant']:14s} median {row['median_s']:8.1f} s{ratio}")
    save(
        args.out or f"long_runs_{args.data}_{args.chains}",
        {
            "data": args.data,
            "net": "f1",
            "chains": args.chains,
            "rounds": args.rounds,
            "workers": args.workers,
            "identical_draws": True,
            "rows": rows,
        },
    )


if __name__ == "__main__":
    main()
