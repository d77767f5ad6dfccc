"""The paper's comparison on one data set: many-chain MCMC beside a single chain, a deep ensemble
(DE), the Laplace approximation around one MAP (LA), the mixture of Laplace approximations around
the DE members (mixture-LA) and chains started from the DE members with a short warmup
(DEI-MCMC). Test LPPD with standard errors and wall times; JSON to bench/results/.

    python bench/bench_baselines.py --net f1 --data izmailov --chains 1274
    python bench/bench_baselines.py --net f1 --data concrete --chains 256
    python bench/bench_baselines.py --net f2 --data izmailov --chains 16 --dei-warmup 64 --hessian ggn
        # f2 NUTS chains hit the maximum tree depth: about 70 s per chain here on izmailov

Every method is scored by the same code (results.lppd: the mixture of the draws' Gaussians).
"""

from __future__ import annotations

import argparse
import time

import symhmc
from symhmc import baselines, datasets
from _common import save

NETS = {"f1": (3,), "f2": (16, 16, 16)}


def scored(name, results, seconds, data):
    fit = results.lppd(data.x_test, data.y_test)
    row = {"method": name, "test_lppd": fit.mean, "test_lppd_se": fit.se, "wall_time_s": seconds}
    print(f"{name:12s} test LPPD {fit.mean:8.3f} ({fit.se:.3f})   {seconds:8.1f} s")
    return row


def timed(fn):
    start = time.perf_counter()
    out = fn()
    return out, time.perf_counter() - start


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--net", choices=tuple(NETS), default="f1")
    ap.add_argument("--data", default="izmailov")
    ap.add_argument("--chains", type=int, default=1274, help="many-chain run (the paper: 1274; 0 leaves it out)")
    ap.add_argument("--single-chain", action="store_true", help="also one chain with --chains draws (slow)")
    ap.add_argument("--members", type=int, default=10)
    ap.add_argument("--dei-chains", type=int, default=None, help="DEI-MCMC chains (default --chains; 0 leaves it out)")
    ap.add_argument("--out", default=None, help="name of the JSON file (default baselines_NET_DATA)")
    ap.add_argument("--dei-warmup", type=int, default=128)
    ap.add_argument("--hessian", choices=("full", "ggn"), default="full")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--data-dir", default=None)
    args = ap.parse_args()

    data = datasets.load(args.data, args.data_dir)
    model = symhmc.MLP(hidden=NETS[args.net], n_inputs=data.n_features)
    x, y = data.x_train, data.y_train
    common = dict(seed=args.seed, threads=args.threads, progress=False)
    rows: list[dict] = []
    header = {
        "net": args.net,
        "hidden": list(NETS[args.net]),
        "data": args.data,
        "dei_warmup": args.dei_warmup,
        "hessian": args.hessian,
        "members": args.members,
    }

    def record(row: dict) -> None:
        # Saved after every method: the fast baselines are kept if the long MCMC run is stopped.
        rows.append(row)
        save(args.out or f"baselines_{args.net}_{args.data}", {**header, "rows": rows})

    de, t_de = timed(lambda: baselines.deep_ensemble(model, x, y, members=args.members, **common))
    record(scored(f"DE x{args.members}", de, t_de, data))
    # The model's own prior (the posterior the sampler targets) and, as laplace-torch does by
    # default, the prior precision fitted by the Laplace evidence.
    for prior, precision in (("prior", "model"), ("fitted", "fit")):
        la_args = dict(hessian=args.hessian, prior_precision=precision, seed=args.seed, threads=args.threads)
        for name, at, extra in ((f"LA {prior}", None, 0.0), (f"mixture-LA {prior}", de, t_de)):
            try:
                la, t = timed(lambda: baselines.laplace(model, x, y, at=at, **la_args))
            except baselines.HessianNotPositiveDefinite as exc:
                print(f"{name:12s} {exc}")
                record({"method": name, "error": str(exc)})
                continue
            row = scored(name, la, t + extra, data)
            row["prior_precision"] = [float(v) for v in la.prior_precision]
            record(row)
    dei_chains = args.members if args.dei_chains is None and args.chains == 0 else (args.dei_chains or args.chains)
    if dei_chains > 0:
        dei, t = timed(lambda: symhmc.sample(model, x, y, chains=dei_chains, warmup=args.dei_warmup, init=de, **common))
        record(scored(f"DEI-MCMC x{dei_chains}", dei, t + t_de, data))
    if args.chains > 0:  # 0: leave out the many-chain run (f2 NUTS chains take minutes each)
        mcmc, t = timed(lambda: symhmc.sample(model, x, y, chains=args.chains, **common))
        record(scored(f"MCMC x{args.chains}", mcmc, t, data))
        record(
            {
                "method": "MCMC sampler health",
                **{k: v for k, v in mcmc.sampler_summary().items() if isinstance(v, (int, float))},
            }
        )
    if args.single_chain:
        single, t = timed(lambda: symhmc.sample(model, x, y, chains=1, draws=args.chains, **common))
        record(scored("MCMC s.c.", single, t, data))


if __name__ == "__main__":
    main()
