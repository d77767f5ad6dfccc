"""Benchmark of symhmc.symmetry: canonicalize throughput and align speed / quality.

    PYTHONPATH=python python bench/bench_symmetry.py            # full sizes of issue 5
    PYTHONPATH=python python bench/bench_symmetry.py --quick    # small sizes, seconds
    PYTHONPATH=python python bench/bench_symmetry.py --recovery # align(method="paper"): both variants

Canonicalize 10^6 f1 draws and 10^4 f2 draws (draws per second, 1 thread and all threads);
align 1274 f1 draws (three functionally different modes) and 1000 f2 draws (one mode) with both
methods: seconds, the fraction of draws mapped back to their mode's original cloud by one
transform per mode ("recovered"), and the within-mode spread (sum of coordinate variances
of the network parameters, averaged over modes) after alignment relative to before (the
scrambled draws) and relative to the unscrambled truth (1.0 is perfect).

The draws are synthetic: Gaussian clouds (noise 0.1) around centres with well-separated
neurons, every draw scrambled by its own random equioutput transform. For reference, the
paper's permutation step took about 14 s for 1274 f1 draws.

``--recovery`` runs only align(method="paper") with both variants ("authors": as the authors'
code runs it; "pooled": our earlier reading) on the same scrambled f1 and f2 draws and also
reports the recovered fraction per hidden layer (a draw's layer counts as recovered when its
composed transform restricted to that layer is its mode's most common one), which shows
where a failure starts; also on unscrambled draws (already aligned), and the authors'
relabelling loop alone on aligned draws with their per-slot standardization and with pooled
standardization (the fraction of draws keeping their correct labels); saved as
bench/results/symmetry_recovery.json.
Prints a summary and saves JSON (command, versions, build) to bench/results/.
"""

from __future__ import annotations

import argparse
import time
from collections import Counter

import numpy as np

from symhmc import MLP, _core
from symhmc import symmetry as S
from _common import median_time, save


def centre_with_separated_neurons(model: MLP, rng, noise: float, bias_scale: float = 0.1) -> np.ndarray:
    while True:
        centre = rng.normal(scale=1.5, size=model.dim)
        layers = model.unpack(centre)
        for W, b in layers[:-1]:
            b[:] = rng.normal(scale=bias_scale, size=b.shape)
        ok = True
        for h in range(len(model.hidden)):
            F = np.concatenate([layers[h][0], layers[h][1][:, None], layers[h + 1][0].T], axis=1)
            d = np.linalg.norm(F[:, None] - F[None], axis=-1)
            np.fill_diagonal(d, np.inf)
            d = np.minimum(d, np.linalg.norm(F[:, None] + F[None], axis=-1))
            ok &= bool(d.min() > 10 * noise)
        if ok:
            return centre


def synthetic(model: MLP, sizes, seed: int, noise: float = 0.1, scrambled_layers=None):
    """Draws of len(sizes) modes (truth labels), each draw scrambled by a random transform
    (in every hidden layer, or only in ``scrambled_layers``)."""
    rng = np.random.default_rng(seed)
    parts, truth = [], []
    for c, n in enumerate(sizes):
        centre = centre_with_separated_neurons(model, rng, noise)
        parts.append(centre + noise * rng.normal(size=(n, model.dim)))
        truth += [c] * n
    X = np.concatenate(parts)
    E = S.random_transform(model, seed=seed + 1, size=len(X))
    if scrambled_layers is not None:
        keep = [h not in scrambled_layers for h in range(len(model.hidden))]
        ident = [np.broadcast_to(np.arange(p.shape[-1]), p.shape) for p in E.perms]
        E = S.Transform(
            tuple(i if k else p for i, p, k in zip(ident, E.perms, keep)),
            tuple(np.ones_like(sg) if k else sg for sg, k in zip(E.signs, keep)),
        )
    return X, np.array(truth), E, S.apply_transform(X, model, E)


def spread(x, model) -> float:
    return float(np.sum(np.var(x[:, : model.n_params], axis=0)))


def within_mode_spread(x, truth, model) -> float:
    return float(np.mean([spread(x[truth == c], model) for c in np.unique(truth)]))


def recovered(info, E, truth) -> float:
    comp = info.transform.compose(E)
    good = 0
    for c in np.unique(truth):
        idx = np.flatnonzero(truth == c)
        keys = [
            tuple(np.concatenate([p[g] for p in comp.perms])) + tuple(np.concatenate([s[g] for s in comp.signs]))
            for g in idx
        ]
        good += Counter(keys).most_common(1)[0][1]
    return good / len(truth)


def recovered_per_layer(info, E, truth, part: str = "both") -> list:
    """Per hidden layer: fraction of draws whose composed transform restricted to that layer
    (its signs and permutation, or with ``part="signs"`` only the sign each original neuron
    received) is its mode's most common one."""
    comp = info.transform.compose(E)
    out = []
    for p, sg in zip(comp.perms, comp.signs):
        good = 0
        for c in np.unique(truth):
            idx = np.flatnonzero(truth == c)
            if part == "signs":  # sign given to each original neuron, wherever it was moved to
                by_neuron = np.empty_like(sg)
                np.put_along_axis(by_neuron, p, sg, axis=1)
                keys = (tuple(by_neuron[g]) for g in idx)
            else:
                keys = (tuple(p[g]) + tuple(sg[g]) for g in idx)
            good += Counter(keys).most_common(1)[0][1]
        out.append(good / len(truth))
    return out


def bench_canonicalize(model: MLP, n: int, threads, repeats: int, seed: int = 0) -> dict:
    X = np.random.default_rng(seed).normal(size=(n, model.dim))
    seconds = median_time(lambda: S.canonicalize(X, model, threads=threads), repeats=repeats)
    return {
        "draws": n,
        "threads": threads or _core.max_threads(),
        "seconds_median": seconds,
        "draws_per_second": n / seconds,
    }


def bench_align(
    name: str, model: MLP, sizes, method: str, seed: int, variant: str | None = None, scrambled_layers=None
) -> dict:
    X, truth, E, Y = synthetic(model, sizes, seed, scrambled_layers=scrambled_layers)
    t = time.perf_counter()
    kw = {} if variant is None else {"variant": variant}
    A, info = S.align(Y, model, method=method, return_info=True, **kw)
    seconds = time.perf_counter() - t
    x = np.random.default_rng(0).normal(size=(50, model.n_inputs))
    max_pred_diff = float(np.max(np.abs(model.predict(A, x) - model.predict(Y, x))))
    before, after, truth_spread = (
        within_mode_spread(Y, truth, model),
        within_mode_spread(A, truth, model),
        within_mode_spread(X, truth, model),
    )
    canon = within_mode_spread(S.canonicalize(Y, model), truth, model)
    return {
        "case": name,
        "method": method,
        "variant": variant,
        "scrambled_layers": "all" if scrambled_layers is None else list(scrambled_layers),
        "draws": int(len(Y)),
        "modes": len(sizes),
        "seconds": seconds,
        "recovered_fraction": recovered(info, E, truth),
        "recovered_per_layer": recovered_per_layer(info, E, truth),
        "signs_recovered_per_layer": recovered_per_layer(info, E, truth, "signs"),
        "n_iterations": info.n_iterations,
        "converged": info.converged,
        "within_mode_spread_before": before,
        "within_mode_spread_after": after,
        "within_mode_spread_truth": truth_spread,
        "spread_after_over_before": after / before,
        "spread_after_over_truth": after / truth_spread,
        "canonicalize_spread_over_truth": canon / truth_spread,
        "max_abs_prediction_change": max_pred_diff,
        "details": {k: v for k, v in info.details.items() if k != "svm_loss"},
    }


def relabel_keeps_aligned(model: MLP, n: int, seed: int = 1) -> dict:
    """The authors' relabelling loop on aligned draws (first hidden layer): fraction of draws that
    keep the correct (identity) labels, with per-slot and with pooled standardization."""
    from symhmc.symmetry import _paper_authors as PA
    from symhmc.symmetry._layers import _neuron_vectors, _unpack_copy

    X, *_ = synthetic(model, (n,), seed)
    F = _neuron_vectors(_unpack_copy(model, X), 0)
    M = F.shape[1]
    out = {"case": f"hidden {model.hidden}, {model.n_inputs} inputs", "draws": n}
    for name, axis in (("per_slot", 0), ("pooled", (0, 1))):
        sd = F.std(axis=axis)
        Z = ((F - F.mean(axis=axis)) / np.where(sd > 0, sd, 1.0)).reshape(n * M, -1)
        labels, changed, _ = PA._relabel(
            *PA._symmetric_knn_affinity(Z, min(1024, n * M - 1)), n, M, 256, np.random.default_rng(seed)
        )
        out[name] = {"kept_fraction": float(np.mean(np.all(labels == np.arange(M), axis=1))), "rounds": len(changed)}
    return out


def recovery(f1: MLP, f2: MLP, quick: bool, f2_draws: int) -> int:
    report = {
        "unit": "recovered: fraction of draws mapped back by one transform per mode; seconds of one run",
        "align": [],
    }
    f1_sizes = (40, 30, 30) if quick else (560, 400, 314)
    f2_sizes = (min(f2_draws, 100),) if quick else (f2_draws,)
    # Last case: only the last hidden layer scrambled (the lower layers' frames are the truth's),
    # which separates the reverse-order design from the rest of the algorithm.
    cases = [
        ("f1", f1, f1_sizes, None),
        ("f1", f1, f1_sizes, ()),
        ("f2", f2, f2_sizes, None),
        ("f2", f2, f2_sizes, (2,)),
    ]
    for name, model, sizes, layers in cases:
        for variant in ("authors", "pooled"):
            r = bench_align(name, model, sizes, "paper", seed=1, variant=variant, scrambled_layers=layers)
            report["align"].append(r)
            print(
                f"align paper/{variant} {name} ({r['draws']} draws, {r['modes']} modes, scrambled layers "
                f"{r['scrambled_layers']}): {r['seconds']:.1f} s, "
                f"recovered {r['recovered_fraction']:.4f}, per layer "
                f"{[round(v, 4) for v in r['recovered_per_layer']]} (signs only "
                f"{[round(v, 4) for v in r['signs_recovered_per_layer']]}), spread after/truth "
                f"{r['spread_after_over_truth']:.3g}, iterations {r['details']['iterations_per_layer']}, "
                f"max |dpred| {r['max_abs_prediction_change']:.1e}",
                flush=True,
            )
    report["relabel_on_aligned_draws"] = []
    for model in (f1, MLP(hidden=(8,), n_inputs=2), MLP(hidden=(16,), n_inputs=8)):
        r = relabel_keeps_aligned(model, 100 if quick else 300)
        report["relabel_on_aligned_draws"].append(r)
        print(
            f"authors' relabelling on aligned draws, {r['case']}: kept correct labels per-slot standardization "
            f"{r['per_slot']['kept_fraction']:.3f} ({r['per_slot']['rounds']} rounds), pooled "
            f"{r['pooled']['kept_fraction']:.3f} ({r['pooled']['rounds']} rounds)",
            flush=True,
        )
    save("symmetry_recovery_quick" if quick else "symmetry_recovery", report)
    return 0


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="small sizes (smoke run)")
    ap.add_argument("--repeats", type=int, default=7)
    ap.add_argument("--methods", default="match,paper")
    ap.add_argument("--recovery", action="store_true", help="only align(method='paper'), both variants")
    ap.add_argument("--f2-draws", type=int, default=1000)
    args = ap.parse_args(argv)
    f1, f2 = MLP(hidden=(3,)), MLP(hidden=(16, 16, 16))
    q = args.quick
    if args.recovery:
        return recovery(f1, f2, q, args.f2_draws)
    report = {
        "unit": "canonicalize: median seconds of --repeats runs; align: seconds of one run",
        "canonicalize": [],
        "align": [],
    }

    for name, model, n in [("f1", f1, 10_000 if q else 1_000_000), ("f2", f2, 1_000 if q else 10_000)]:
        for threads in (1, None):
            r = bench_canonicalize(model, n, threads, args.repeats)
            r["case"] = name
            report["canonicalize"].append(r)
            print(
                f"canonicalize {name}: {n} draws, threads={r['threads']}: {r['seconds_median']:.4f} s, "
                f"{r['draws_per_second']:.3g} draws/s",
                flush=True,
            )

    f1_sizes = (40, 30, 30) if q else (560, 400, 314)  # 1274 draws in three modes
    f2_sizes = (100,) if q else (1000,)
    for method in args.methods.split(","):
        for name, model, sizes in [("f1", f1, f1_sizes), ("f2", f2, f2_sizes)]:
            r = bench_align(name, model, sizes, method, seed=1)
            report["align"].append(r)
            print(
                f"align {name} ({r['draws']} draws, {r['modes']} modes) method={method}: {r['seconds']:.2f} s, "
                f"recovered {r['recovered_fraction']:.3f}, within-mode spread after/before "
                f"{r['spread_after_over_before']:.4f}, after/truth {r['spread_after_over_truth']:.3f} "
                f"(canonicalize alone: {r['canonicalize_spread_over_truth']:.1f}), "
                f"iterations {r['n_iterations']}, max |dpred| {r['max_abs_prediction_change']:.1e}",
                flush=True,
            )

    save("bench_symmetry_quick" if q else "bench_symmetry", report)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
