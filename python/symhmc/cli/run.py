"""``symhmc run DATA|CSV`` and ``symhmc demo``: sample, score on the test split, optionally save."""

from __future__ import annotations

import argparse
import sys
import time
import warnings
from pathlib import Path

from .. import __version__, datasets
from ..sampling.options import DEFAULT_WARMUP
from ..model import ACTIVATIONS, MLP
from ..sampling import sample
from ._common import (
    EXIT_INTERRUPTED,
    EXIT_OK,
    CommandError,
    add_run_settings,
    chain_rule_args,
    flag_message,
    positive_int,
    progress_print,
    sampler_options,
    to_json,
)
from ._csv_data import delimiter_arg, load_csv

RESULTS_FILE = "results.npz"
SUMMARY_FILE = "summary.json"
DEMO_DATA = "sinusoidal"
DEMO_CHAINS = 128
# A quarter of the core's 1024 warmup steps: on the sinusoidal file the test LPPD is the same
# (-0.568 (0.111) vs -0.567 (0.113), seed 0) for a quarter of the gradients (31.9k vs 128.5k per chain).
DEMO_WARMUP = 256
RUN_CHAINS = 1274  # the paper's


def _add_common(p: argparse.ArgumentParser, chains: int, warmup: int = DEFAULT_WARMUP) -> None:
    p.add_argument(
        "--data-dir",
        default=None,
        metavar="DIR",
        help="folder with NAME.data and splits.json (default: SYMHMC_DATA_DIR or the package's data)",
    )
    model = p.add_argument_group("network")
    model.add_argument(
        "--hidden",
        type=positive_int,
        nargs="+",
        default=[3],
        metavar="WIDTH",
        help="hidden layer widths, e.g. --hidden 16 16 16 (default: 3, the paper's f1)",
    )
    model.add_argument("--activation", choices=ACTIVATIONS, default="tanh", help="default tanh")
    out = p.add_argument_group("output")
    out.add_argument(
        "--output",
        default=None,
        metavar="DIR",
        help=f"write {RESULTS_FILE}, {SUMMARY_FILE} and PNG figures into DIR (created if needed)",
    )
    out.add_argument("--json", action="store_true", help="print the summary as JSON only (progress goes to stderr)")
    out.add_argument("--no-plots", action="store_true", help="with --output: skip the figures")
    add_run_settings(p, chains, warmup)


def add_parsers(sub) -> None:
    """The ``demo`` and ``run`` subcommands."""
    demo = sub.add_parser(
        "demo",
        help=f"f1 on the paper's sinusoidal data ({DEMO_CHAINS} chains, {DEMO_WARMUP} warmup)",
        description=f"Sample the paper's network f1 on its sinusoidal data with {DEMO_CHAINS} "
        "chains and report the test LPPD; the flags are those of 'run' (without DATA "
        "and --target).",
    )
    _add_common(demo, DEMO_CHAINS, DEMO_WARMUP)
    demo.set_defaults(handler=run_command, parser=demo, data=DEMO_DATA, target=None, delimiter=None)
    run = sub.add_parser(
        "run",
        help="sample a paper data set or a CSV file",
        description="Sample a Bayesian MLP on a paper data set or a CSV file and report the test "
        "LPPD. CSV: every column is standardized over all rows and the rows are split "
        "80/20 at random (--seed).",
    )
    run.add_argument(
        "data",
        metavar="DATA|CSV",
        help=f"a paper data set ({', '.join(datasets.PAPER_DATASETS)}) or the path of a CSV file",
    )
    run.add_argument(
        "--target",
        default=None,
        metavar="COLUMN",
        help="CSV only: the target column, a name or an index (default: the last column)",
    )
    run.add_argument(
        "--delimiter",
        default=None,
        metavar="SEP",
        help="CSV only: the column separator, e.g. ';', 'tab' or 'whitespace' (default: ',')",
    )
    _add_common(run, RUN_CHAINS)
    run.set_defaults(handler=run_command, parser=run)


def _load(args, parser) -> tuple[datasets.Dataset, dict]:
    if args.data_dir is not None and not Path(args.data_dir).is_dir():
        parser.error(f"argument --data-dir: no folder {args.data_dir!r}")
    if args.data in datasets.PAPER_DATASETS:
        if args.target is not None:
            parser.error("argument --target: only for CSV files (a paper data set's target is fixed)")
        if args.delimiter is not None:
            parser.error("argument --delimiter: only for CSV files")
        try:
            data = datasets.load(args.data, args.data_dir)
        except FileNotFoundError:
            raise CommandError(
                f"the {args.data} data file was not found; give its folder with --data-dir or set SYMHMC_DATA_DIR"
            ) from None
        return data, {"name": args.data, "source": "paper"}
    path = Path(args.data)
    if not path.is_file():
        parser.error(
            f"argument DATA: {args.data!r} is neither a paper data set ({', '.join(datasets.PAPER_DATASETS)}) "
            "nor a file"
        )
    if args.data_dir is not None:
        parser.error("argument --data-dir: only for the paper's data sets, not a CSV file")
    data = load_csv(path, args.target, args.seed, delimiter_arg(args.delimiter))
    return data, {"name": data.name, "source": "csv", "path": str(path.resolve()), "target": args.target or "last"}


def _output_dir(args) -> Path | None:
    if args.output is None:
        return None
    folder = Path(args.output)
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"--output: cannot create {str(folder)!r}: {exc.strerror}") from None
    return folder


def _sample(args, parser, data, model):
    rules = chain_rule_args(args, parser)
    # The paper's single-chain baseline: as many draws from one chain as the many-chain run has chains.
    chains, draws = (1, args.chains) if args.single_chain else (args.chains, args.draws)
    try:
        with warnings.catch_warnings():
            warnings.filterwarnings("ignore", message="sampling was interrupted")  # reported below instead
            return sample(
                model,
                data.x_train,
                data.y_train,
                chains=chains,
                warmup=args.warmup,
                draws=draws,
                seed=args.seed,
                threads=args.threads,
                progress=not (args.no_progress or args.json),
                sampler=args.sampler,
                **rules,
                **sampler_options(args),
            )
    except (ValueError, TypeError) as exc:  # settings the core refused: a usage error naming the flag
        parser.error(flag_message(str(exc), parser))


def _summary(args, data, data_info, model, results, fit, seconds) -> dict:
    return {
        "symhmc_version": __version__,
        "data": {**data_info, "n_train": len(data.y_train), "n_test": len(data.y_test), "n_features": data.n_features},
        "model": {"hidden": list(model.hidden), "activation": model.activation, "n_params": model.n_params},
        "settings": {
            "chains": results.settings.get("chains"),
            "chains_rule": results.settings.get("chains_rule"),
            "chains_finished": results.n_chains,
            "warmup": args.warmup,
            "draws": results.n_draws,
            "single_chain": args.single_chain,
            "seed": args.seed,
            "threads": args.threads,
            "sampler": args.sampler,
            "sampler_options": sampler_options(args),
        },
        "test": {"lppd": fit.mean, "se": fit.se},
        "sampler": results.sampler_summary(),
        "partial": bool(results.partial),
        "timings": seconds,
        "files": {},
    }


def _print_report(doc: dict) -> None:
    d, m, t = doc["data"], doc["model"], doc["test"]
    print(f"data: {d['name']}  ({d['n_train']} train / {d['n_test']} test rows)")
    print(
        f"model: MLP(hidden={tuple(m['hidden'])}, activation={m['activation']!r}), {m['n_params']} parameters "
        "+ log sigma"
    )
    partial = "   [partial run]" if doc["partial"] else ""
    print(f"test LPPD: {t['lppd']:.3f} (standard error {t['se']:.3f}){partial}")
    print("sampler:")
    for key, value in doc["sampler"].items():
        print(f"  {key:22s} {value:.4g}" if isinstance(value, float) else f"  {key:22s} {value}")
    print(f"  {'seed':22s} {doc['settings']['seed']}")
    print(f"time: {doc['timings']['total']:.1f} s ({doc['timings']['sampling']:.1f} s sampling)")
    for kind, names in doc["files"].items():
        for name in names if isinstance(names, list) else [names]:
            print(f"wrote {name}")


def _write_outputs(folder: Path, results, doc: dict, args) -> None:
    from .plot import write_figures  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

    results.save(folder / RESULTS_FILE)
    doc["files"]["results"] = str(folder / RESULTS_FILE)
    if not args.no_plots:
        t0 = time.perf_counter()
        try:
            doc["files"]["figures"] = [str(p) for p in write_figures(results, folder, quiet=args.json)]
        except ImportError as exc:  # matplotlib is an optional extra: the run itself succeeded
            progress_print(f"symhmc: figures skipped: {exc}")
        doc["timings"]["plotting"] = time.perf_counter() - t0
    doc["files"]["summary"] = str(folder / SUMMARY_FILE)
    (folder / SUMMARY_FILE).write_text(to_json(doc) + "\n")


def run_command(args, parser) -> int:
    """Load the data, sample, score, report (and save with ``--output``); the exit code."""
    start = time.perf_counter()
    data, data_info = _load(args, parser)
    folder = _output_dir(args)
    model = MLP(hidden=tuple(args.hidden), n_inputs=data.n_features, activation=args.activation)
    results = _sample(args, parser, data, model)
    asked = results.settings.get("chains")
    if results.n_chains == 0:
        progress_print("symhmc: interrupted before any chain finished; nothing to report or save")
        return EXIT_INTERRUPTED
    t0 = time.perf_counter()
    fit = results.lppd(data.x_test, data.y_test)
    seconds = {"sampling": results.wall_time, "scoring": time.perf_counter() - t0}
    doc = _summary(args, data, data_info, model, results, fit, seconds)
    if folder is not None:
        _write_outputs(folder, results, doc, args)
    doc["timings"]["total"] = time.perf_counter() - start
    if folder is not None:  # again, now with the total time
        (folder / SUMMARY_FILE).write_text(to_json(doc) + "\n")
    if args.json:
        print(to_json(doc))
    else:
        _print_report(doc)
    if results.partial:
        where = f"; saved in {folder}" if folder is not None else ""
        progress_print(f"symhmc: interrupted: {results.n_chains} of {asked} chains finished{where}")
        return EXIT_INTERRUPTED
    sys.stdout.flush()
    return EXIT_OK
