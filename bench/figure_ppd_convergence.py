"""How many chains does the prediction need? The paper's PPD-convergence curve (Section 5.2) for
f1 (one hidden layer of 3 tanh neurons) on izmailov, NUTS with 1024 warmup iterations, 1 draw per
chain, seed 0, up to 1274 chains (the paper's Markov bound for 3 modes at p = 0.99), with the
exact chain count (54) marked, and the test LPPD after several chain counts.

Saves the figure to docs/ppd_convergence.png and the numbers to
bench/results/ppd_convergence.json.

    python bench/figure_ppd_convergence.py                    # 1274 chains (several minutes)
    python bench/figure_ppd_convergence.py --chains 64        # quick look

``--cache FILE.npz`` keeps the draws: an existing file made with the same settings is reused
instead of sampling again.
"""

from __future__ import annotations

import argparse
import json
import time
from pathlib import Path

import numpy as np

import symhmc
from symhmc import bounds, datasets, evaluate
from symhmc.ppd import data_y_grid, ppd_convergence
from symhmc.sampling import AUTO_DEFAULTS
from _common import save

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent

LPPD_AT = (8, 16, 27, 54, 128, 256, 512, 1274)
PAPER_LPPD = (0.79, 0.06)  # supplement Table 3, f1 MCMC many chains on izmailov


def get_draws(args, model, ds):
    """Draws ``(chains, 1, dim)`` and a summary of the run (from the cache when it matches)."""
    key = dict(
        dataset=args.dataset,
        chains=args.chains,
        warmup=args.warmup,
        seed=args.seed,
        sampler="nuts",
        draws=1,
        model=repr(model),
    )
    if args.cache is not None and args.cache.is_file():
        z = np.load(args.cache, allow_pickle=False)
        if json.loads(str(z["key"])) == key:
            print(f"reusing the draws in {args.cache}", flush=True)
            return z["draws"], json.loads(str(z["run"]))
        print(f"{args.cache} was made with other settings: sampling again", flush=True)
    print(f"sampling {args.chains} chains of f1 on {args.dataset} (warmup {args.warmup}, seed {args.seed})", flush=True)
    r = symhmc.sample(
        model,
        ds.x_train,
        ds.y_train,
        chains=args.chains,
        warmup=args.warmup,
        draws=1,
        sampler="nuts",
        seed=args.seed,
        threads=args.threads,
        progress=not args.no_progress,
    )
    if r.partial:
        raise SystemExit("the run was interrupted; nothing saved")
    run = {
        "wall_time_s": r.wall_time,
        "threads": r.settings["threads"],
        "divergences": r.divergences,
        "mean_acceptance_rate": float(r.stats["acceptance_rate"].mean()),
        "grad_evals_per_chain": float(r.n_grad_evals.mean()),
    }
    if args.cache is not None:
        args.cache.parent.mkdir(parents=True, exist_ok=True)
        np.savez(args.cache, draws=r.draws, key=json.dumps(key), run=json.dumps(run))
    return r.draws, run


def auto_stop(chains, kl, tol: float, patience: int) -> int | None:
    """Where chains="auto" stops: after ``patience`` round KLs in a row below ``tol``."""
    below = 0
    for c, v in zip(chains, kl):
        below = below + 1 if v < tol else 0
        if below >= patience:
            return int(c)
    return None


def run_auto(args, model, ds, draws):
    """Run chains="auto" with its defaults; its draws must equal the first chains of the big run."""
    r = symhmc.sample(
        model,
        ds.x_train,
        ds.y_train,
        chains="auto",
        warmup=args.warmup,
        draws=1,
        seed=args.seed,
        threads=args.threads,
        progress=not args.no_progress,
    )
    k = min(r.n_chains, draws.shape[0])
    same = bool(np.array_equal(r.draws[:k], draws[:k]))
    conv = r.convergence
    return {
        "chains": r.n_chains,
        "converged": conv["converged"],
        "kl": conv["kl"],
        "curve_chains": conv["chains"],
        "wall_time_s": r.wall_time,
        "kl_seconds": conv["seconds"],
        "draws_equal_big_run": same,
        "chains_compared": k,
        "chains_rule": r.settings["chains_rule"],
    }


def first_below(chains: np.ndarray, kl: np.ndarray, level: float, window: int = 1) -> int | None:
    """First chain count from which the running median (over ``window`` counts) of the KL stays
    below ``level``."""
    med = kl if window == 1 else np.array([np.median(kl[max(0, i - window + 1) : i + 1]) for i in range(len(kl))])
    above = np.flatnonzero(med >= level)
    if len(above) == 0:
        return int(chains[0])
    if above[-1] + 1 >= len(chains):
        return None
    return int(chains[above[-1] + 1])


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--dataset", default="izmailov")
    ap.add_argument("--chains", type=int, default=1274)
    ap.add_argument("--warmup", type=int, default=1024)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--threads", type=int, default=None)
    ap.add_argument("--x-points", type=int, default=121, help="x grid on [-3, 3]")
    ap.add_argument("--y-points", type=int, default=201, help="y grid on [-3, 3]")
    ap.add_argument("--round-size", type=int, default=64, help="round size of the chains='auto' replay")
    ap.add_argument("--cache", type=Path, default=None, help="npz file keeping the draws")
    ap.add_argument("--png", type=Path, default=ROOT / "docs" / "ppd_convergence.png")
    ap.add_argument("--name", default="ppd_convergence", help="JSON name in bench/results/")
    ap.add_argument(
        "--run-auto",
        action="store_true",
        help="also run chains='auto' with its defaults and check it against the big run",
    )
    ap.add_argument("--no-progress", action="store_true")
    args = ap.parse_args(argv)

    ds = datasets.load(args.dataset)
    model = symhmc.MLP(hidden=(3,), activation="tanh", n_inputs=ds.n_features)
    draws, run = get_draws(args, model, ds)
    n = draws.shape[0]

    exact = bounds.chains_needed(3, 0.99, method="exact")
    markov = bounds.chains_needed(3, 0.99, method="markov")
    if ds.n_features != 1:
        raise SystemExit("the x grid on [-3, 3] needs a data set with one input")
    x_grid = np.linspace(-3, 3, args.x_points)
    y_grid = np.linspace(-3, 3, args.y_points)

    t0 = time.perf_counter()
    curve = ppd_convergence(draws, x_grid, model=model, y_grid=y_grid, step=1, per_point=True)
    kl_seconds = time.perf_counter() - t0
    chains, kl = curve.chains, curve.kl
    # what chains="auto" would record (default inputs: the training inputs; default y grid:
    # fitted to the training targets) with rounds of 64 (full rounds only; the last round of a
    # real run is cut to max_chains)
    ends = list(range(args.round_size, n + 1, args.round_size))
    auto_grid = data_y_grid(ds.y_train)
    rounds = ppd_convergence(draws, ds.x_train, model=model, y_grid=auto_grid, step=ends) if len(ends) >= 2 else None

    stop = None
    if rounds is not None:
        stop = auto_stop(rounds.chains, rounds.kl, AUTO_DEFAULTS["tol"], AUTO_DEFAULTS["patience"])
    counts = sorted({c for c in LPPD_AT if c <= n} | {n} | ({stop} if stop else set()))
    # test LPPD of the first g chains; the difference to all n chains with its paired standard
    # error (same test points, so much smaller than the s.e. of each value)
    point = {
        g: evaluate.lppd(
            evaluate.Predictions.of_model(model, draws[:g].reshape(g, -1), ds.x_test), ds.y_test, pointwise=True
        )
        for g in counts
    }
    lppd = []
    for g in counts:
        v, d = point[g], point[g] - point[n]
        lppd.append(
            {
                "chains": g,
                "test_lppd": float(v.mean()),
                "se": float(v.std(ddof=1) / np.sqrt(v.size)),
                "minus_all_chains": float(d.mean()),
                "minus_all_chains_se": float(d.std(ddof=1) / np.sqrt(d.size)),
            }
        )

    def kl_at(g):
        i = np.searchsorted(chains, g)
        return float(kl[i]) if i < len(chains) and chains[i] == g else None

    window = 25
    summary = {
        "chains": n,
        "exact_chains": exact,
        "markov_chains": markov,
        "kl_at_exact": kl_at(exact),
        "kl_at_markov": kl_at(markov),
        "kl_median_chains_2_10": float(np.median(kl[chains <= 10])) if n >= 2 else None,
        "kl_median_chains_45_54": float(np.median(kl[(chains > 44) & (chains <= 54)])) if n >= 54 else None,
        "kl_median_last_100": float(np.median(kl[-100:])),
        "kl_max_after_exact": float(kl[chains > exact].max()) if n > exact else None,
        "first_count_running_median_below": {
            f"{lvl:g}": first_below(chains, kl, lvl, window) for lvl in (1e-3, 1e-4, 1e-5, 1e-6)
        },
        "running_median_window": window,
    }
    # where the largest jumps after the exact count come from: share of their KL (summed over x)
    # from grid points outside the range of the training inputs
    far = (x_grid < ds.x_train.min()) | (x_grid > ds.x_train.max())
    late = np.flatnonzero(chains > exact)
    if len(late):
        top = late[np.argsort(kl[late])[-10:]]
        share = curve.kl_per_point[top][:, far].sum(axis=1) / curve.kl_per_point[top].sum(axis=1)
        summary["largest_jumps_after_exact"] = {
            "chains": chains[top].tolist(),
            "kl": kl[top].tolist(),
            "share_outside_training_range": share.tolist(),
            "grid_fraction_outside": float(far.mean()),
        }
    if rounds is not None:
        tol, patience = AUTO_DEFAULTS["tol"], AUTO_DEFAULTS["patience"]
        summary["auto_rounds"] = {
            "round_size": args.round_size,
            "x": "training inputs",
            "y_grid": [float(auto_grid[0]), float(auto_grid[-1]), int(auto_grid.size)],
            "chains": rounds.chains.tolist(),
            "kl": rounds.kl.tolist(),
            "default_tol": tol,
            "default_patience": patience,
            "stop_with_defaults": auto_stop(rounds.chains, rounds.kl, tol, patience),
        }
    print(json.dumps({k: v for k, v in summary.items() if k != "auto_rounds"}, indent=2))
    if rounds is not None:
        print(
            "chains='auto' replay (rounds of %d, training inputs):" % args.round_size,
            ", ".join(f"{c}: {v:.2e}" for c, v in zip(rounds.chains, rounds.kl)),
        )
    print("test LPPD:", ", ".join(f"{r['chains']}: {r['test_lppd']:.3f} ({r['se']:.3f})" for r in lppd))
    print(
        f"minus the {n}-chain value (paired s.e.):",
        ", ".join(f"{r['chains']}: {r['minus_all_chains']:+.4f} ({r['minus_all_chains_se']:.4f})" for r in lppd),
    )

    if args.run_auto:
        summary["auto_run"] = run_auto(args, model, ds, draws)
        a = summary["auto_run"]
        print(
            f"chains='auto' (defaults): stopped at {a['chains']} chains (converged: {a['converged']}) in "
            f"{a['wall_time_s']:.1f} s; its first {a['chains_compared']} chains equal the big run's: "
            f"{a['draws_equal_big_run']}"
        )

    report = {
        "figure": "PPD convergence of f1 on %s: KL(PPD_g || PPD_{g-1}) on x, y grids in [-3, 3]" % args.dataset,
        "setting": {
            "dataset": args.dataset,
            "model": repr(model),
            "sampler": "nuts",
            "warmup": args.warmup,
            "draws_per_chain": 1,
            "seed": args.seed,
            "x_grid": [-3, 3, args.x_points],
            "y_grid": [-3, 3, args.y_points],
            "floor": 1e-12,
        },
        "run": run,
        "kl_seconds": kl_seconds,
        "summary": summary,
        "test_lppd": lppd,
        "paper_test_lppd_1274_chains": {"mean": PAPER_LPPD[0], "se": PAPER_LPPD[1]},
        "kl_curve": {"chains": chains.tolist(), "kl": kl.tolist()},
    }
    save(args.name, report)
    plot(args.png, chains, kl, window, lppd, rounds, exact, markov, n, args, stop)


def plot(path: Path, chains, kl, window, lppd, rounds, exact, markov, n, args, stop):
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, (a, b) = plt.subplots(1, 2, figsize=(11, 4.2), constrained_layout=True)
    a.loglog(chains, kl, lw=0.6, color="0.6", label=r"KL(PPD$_g$ $\|$ PPD$_{g-1}$)")
    med = np.array([np.median(kl[max(0, i - window + 1) : i + 1]) for i in range(len(kl))])
    a.loglog(chains, med, lw=1.6, color="C0", label=f"running median ({window} counts)")
    if rounds is not None:
        a.loglog(
            rounds.chains,
            rounds.kl,
            "o-",
            ms=3,
            color="C2",
            lw=1,
            label=f"rounds of {args.round_size} (chains='auto', training x)",
        )
    for g, name, col in ((exact, "exact", "C3"), (markov, "Markov", "C1")):
        if g <= n:
            a.axvline(g, color=col, ls="--", lw=1.2, label=f"{name}: {g} chains (3 modes, p = 0.99)")
    if stop is not None:
        a.axvline(
            stop,
            color="C2",
            ls=":",
            lw=1.4,
            label=f"chains='auto' stops: {stop} (tol {AUTO_DEFAULTS['tol']:g}, patience {AUTO_DEFAULTS['patience']})",
        )
    a.set_xlabel("chains g")
    a.set_ylabel("KL divergence (mean over x)")
    a.set_title(f"f1 on {args.dataset}: change of the predictive per added chain")
    a.legend(fontsize=8, loc="lower left")
    a.grid(True, which="major", alpha=0.3)

    g = np.array([r["chains"] for r in lppd])
    m = np.array([r["test_lppd"] for r in lppd])
    se = np.array([r["se"] for r in lppd])
    b.errorbar(g, m, yerr=se, fmt="o-", color="C0", capsize=3, label="symhmc (± 1 s.e. over test points)")
    b.axhspan(
        PAPER_LPPD[0] - PAPER_LPPD[1],
        PAPER_LPPD[0] + PAPER_LPPD[1],
        color="0.85",
        label="paper, 1274 chains (± 1 s.e.)",
    )
    b.axhline(PAPER_LPPD[0], color="0.5", lw=1)
    for gg, col in ((exact, "C3"), (markov, "C1")):
        if gg <= n:
            b.axvline(gg, color=col, ls="--", lw=1.2)
    if stop is not None:
        b.axvline(stop, color="C2", ls=":", lw=1.4)
    b.set_xscale("log")
    ticks = [v for v in g if v in LPPD_AT or v == n]
    b.set_xticks(ticks)
    b.set_xticklabels([str(v) for v in ticks], fontsize=8)
    b.minorticks_off()
    b.set_xlabel("chains g")
    b.set_ylabel("test LPPD")
    b.set_title("test LPPD of the first g chains")
    b.legend(fontsize=8, loc="lower right")
    b.grid(True, alpha=0.3)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=130)
    print(f"saved {path}")


if __name__ == "__main__":
    main()
