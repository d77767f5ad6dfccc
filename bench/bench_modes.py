"""find_modes on real draws: the README's example (f1 on the built-in sinusoidal set, 128 chains,
one draw each) with the number of modes and its evidence for max_k = 5, 10, 20.

    PYTHONPATH=python python bench/bench_modes.py [--chains 128] [--warmup 1024]

For each: weight space after align (match, and paper with the authors' variant), with our
clustering ("local") and the paper's; and function space (predictions on 61 points in
[-3, 3], no alignment). Reports k, the gap ratio, the components, the mode sizes, the
within/between distances and whether a ModeWarning was raised; saves
bench/results/modes_readme_example.json.
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np

import symhmc
from symhmc import symmetry as S
from symhmc.datasets import sinusoidal
from _common import save


def one(samples, model, **kw) -> dict:
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always", S.ModeWarning)
        m = S.find_modes(samples, model, **kw)
    warned = [str(w.message) for w in caught if issubclass(w.category, S.ModeWarning)]
    return {
        "k": m.k,
        "gap_ratio": m.gap_ratio,
        "clear_gap": m.clear_gap,
        "cap_hit": m.cap_hit,
        "n_components": m.n_components,
        "separation": m.separation,
        "k_by_method": m.k_by_method,
        "sizes": m.sizes.tolist(),
        "within_distance": m.within_distance,
        "between_distance": m.between_distance,
        "eigenvalues": m.eigenvalues.tolist(),
        "warning": warned,
        "chains_needed_exact": m.chains_needed(0.99, method="exact"),
    }


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--chains", type=int, default=128)
    ap.add_argument("--warmup", type=int, default=1024)
    args = ap.parse_args(argv)
    model = symhmc.MLP(hidden=(3,), activation="tanh")
    ds = sinusoidal()
    t = time.perf_counter()
    res = symhmc.sample(
        model, ds.x_train, ds.y_train, chains=args.chains, warmup=args.warmup, draws=1, seed=0, progress=False
    )
    seconds = time.perf_counter() - t
    theta = res.theta.reshape(-1, model.n_params)
    spaces = {"match": S.align(theta, model, method="match"), "paper_authors": S.align(theta, model, method="paper")}
    grid = np.linspace(-3.0, 3.0, 61)[:, None]
    rows = []
    for max_k in (5, 10, 20):
        for align_name, aligned in spaces.items():
            for method in ("local", "paper"):
                r = one(aligned, model, method=method, max_k=max_k)
                rows.append({"space": "weights", "align": align_name, "method": method, "max_k": max_k, **r})
        for method in ("local", "paper"):
            r = one(theta, model, method=method, max_k=max_k, space="function", x_grid=grid)
            rows.append({"space": "function", "align": None, "method": method, "max_k": max_k, **r})
    for r in rows:
        print(
            f"{r['space']:8s} align={r['align']!s:13s} method={r['method']:5s} max_k={r['max_k']:2d}: "
            f"k={r['k']:2d} gap ratio {r['gap_ratio']:.2f} components {r['n_components']} sizes {r['sizes']} "
            f"between/within {r['between_distance'] / r['within_distance']:.2f} "
            f"warned={bool(r['warning'])}",
            flush=True,
        )
    save(
        "modes_readme_example",
        {"chains": args.chains, "warmup": args.warmup, "sampling_seconds": seconds, "results": rows},
    )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
