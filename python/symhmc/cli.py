"""Command line: ``symhmc demo`` samples the paper's f1 network on the built-in sinusoidal set
and prints the test LPPD and a sampler summary."""

from __future__ import annotations

import argparse
import sys


def _demo(args) -> int:
    from . import MLP, sample
    from .datasets import sinusoidal
    from .scores import model_lppd

    data = sinusoidal(seed=args.data_seed)
    model = MLP(hidden=(3,), activation="tanh")  # the paper's f1, sigma ~ HalfNormal(1)
    print(f"symhmc demo: f1 = {model}\n  data: built-in sinusoidal, {len(data.y_train)} train / "
          f"{len(data.y_test)} test points\n  NUTS: {args.chains} chains x {args.warmup} warmup x {args.draws} draw(s)")
    results = sample(model, data.x_train, data.y_train, chains=args.chains, warmup=args.warmup, draws=args.draws,
                     seed=args.seed, threads=args.threads, progress=not args.no_progress)
    value = model_lppd(model, results.flat_draws(), data.x_test, data.y_test)
    summary = results.sampler_summary()
    print(f"\ntest LPPD: {value.mean:.3f} (se {value.se:.3f})")
    print("sampler summary:")
    for key, val in summary.items():
        print(f"  {key:24s} {val:.4g}" if isinstance(val, float) else f"  {key:24s} {val}")
    print(f"  seed                     {results.seed}")
    if results.partial:
        print("  (interrupted: partial results)")
    return 0


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(prog="symhmc", description=__doc__)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="sample f1 on the built-in sinusoidal data; print test LPPD and a summary")
    demo.add_argument("--chains", type=int, default=128)
    demo.add_argument("--warmup", type=int, default=1024)
    demo.add_argument("--draws", type=int, default=1)
    demo.add_argument("--seed", type=int, default=0)
    demo.add_argument("--data-seed", type=int, default=0)
    demo.add_argument("--threads", type=int, default=None)
    demo.add_argument("--no-progress", action="store_true")
    demo.set_defaults(func=_demo)
    args = parser.parse_args(argv)
    return args.func(args)


if __name__ == "__main__":
    sys.exit(main())
