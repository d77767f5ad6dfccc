"""Command line: ``symhmc demo`` samples the paper's network f1 and reports the test LPPD.

    symhmc demo [--chains 128] [--warmup 1024] [--seed 0] [--threads N]
    symhmc run izmailov [--hidden 3] [--chains 1274] ...   (a paper data set, see symhmc.datasets)
    symhmc run izmailov --single-chain                     (one chain, 1274 draws)
"""

from __future__ import annotations

import argparse
import sys

from . import datasets
from ._options import DEFAULT_DRAWS, DEFAULT_WARMUP, OPTION_SCOPES, SAMPLER_OPTIONS
from .model import MLP
from .sampling import sample


def _bool(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


def _add_sampler_options(p: argparse.ArgumentParser) -> None:
    """One flag per sampler option of the core, its default shown (and used when the flag is absent)."""
    group = p.add_argument_group("sampler options (defaults from the core's SamplerSettings)")
    group.add_argument("--sampler", choices=tuple(SAMPLER_OPTIONS), default="nuts", help="default nuts")
    for name, scope in OPTION_SCOPES.items():
        if scope == "run":
            continue
        kind, default = SAMPLER_OPTIONS["hmc" if scope == "hmc" else "nuts"][name]
        only = f"{scope.upper()} only; " if scope in ("nuts", "hmc") else ""
        group.add_argument(f"--{name.replace('_', '-')}", dest=name, type=_bool if kind is bool else kind,
                           default=None, metavar=kind.__name__.upper(), help=f"{only}default {default}")


def _sampler_options(args) -> dict:
    """The options given on the command line (the others keep the core's defaults)."""
    return {name: getattr(args, name) for name, scope in OPTION_SCOPES.items()
            if scope in ("common", args.sampler) and getattr(args, name, None) is not None}


def _add_sampler_args(p: argparse.ArgumentParser, chains: int) -> None:
    p.add_argument("--chains", type=int, default=chains, help=f"independent chains (default {chains})")
    p.add_argument("--warmup", type=int, default=DEFAULT_WARMUP,
                   help=f"warmup iterations per chain (default {DEFAULT_WARMUP})")
    p.add_argument("--draws", type=int, default=DEFAULT_DRAWS, help=f"draws kept per chain (default {DEFAULT_DRAWS})")
    p.add_argument("--seed", type=int, default=0, help="random seed (default 0)")
    p.add_argument("--threads", type=int, default=None, help="threads (default: all cores)")
    p.add_argument("--hidden", type=int, nargs="*", default=[3], help="hidden layer widths (default: 3)")
    p.add_argument("--single-chain", action="store_true",
                   help="one chain giving --chains draws instead (the paper's 'MCMC (s.c.)' column)")
    p.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    _add_sampler_options(p)


def _report(data: datasets.Dataset, model: MLP, results) -> None:
    fit = results.lppd(data.x_test, data.y_test)
    print(f"data: {data.name}  ({len(data.y_train)} train / {len(data.y_test)} test rows)")
    print(f"model: MLP(hidden={model.hidden}, activation={model.activation!r}), {model.n_params} parameters + log sigma")
    print(f"test LPPD: {fit.mean:.3f} (standard error {fit.se:.3f})" + ("   [partial run]" if results.partial else ""))
    print("sampler:")
    for key, value in results.sampler_summary().items():
        print(f"  {key:22s} {value:.4g}" if isinstance(value, float) else f"  {key:22s} {value}")
    print(f"  {'seed':22s} {results.seed}")


def _run(data: datasets.Dataset, args) -> int:
    model = MLP(hidden=tuple(args.hidden), n_inputs=data.n_features)
    # The paper's single-chain baseline: as many draws from one chain as the many-chain run has chains.
    chains, draws = (1, args.chains) if args.single_chain else (args.chains, args.draws)
    results = sample(model, data.x_train, data.y_train, chains=chains, warmup=args.warmup, draws=draws,
                     seed=args.seed, threads=args.threads, progress=not args.no_progress, sampler=args.sampler,
                     **_sampler_options(args))
    _report(data, model, results)
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="symhmc", description=__doc__,
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", required=True)
    demo = sub.add_parser("demo", help="f1 on a built-in sinusoidal data set (no files needed)")
    _add_sampler_args(demo, chains=128)
    run = sub.add_parser("run", help="a paper data set read from SYMHMC_DATA_DIR or shared/data")
    run.add_argument("dataset", choices=datasets.PAPER_DATASETS)
    run.add_argument("--data-dir", default=None, help="folder with NAME.data and splits.json")
    _add_sampler_args(run, chains=1274)
    args = parser.parse_args(argv)
    try:
        data = datasets.sinusoidal() if args.command == "demo" else datasets.load(args.dataset, args.data_dir)
        return _run(data, args)
    except (ValueError, TypeError, FileNotFoundError) as exc:  # bad settings: a message, not a traceback
        parser.error(str(exc))


if __name__ == "__main__":
    sys.exit(main())
