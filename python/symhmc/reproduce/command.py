"""``symhmc reproduce``: run the table's cells one after another, saving each when it finishes and
skipping those already saved, then write the table.

    symhmc reproduce --quick                      # minutes: izmailov and sinusoidal, f1, small runs
    symhmc reproduce --datasets izmailov --arch f1 --methods mcmc de
    symhmc reproduce --out paper_reproduction     # everything with the paper's settings (hours)
    symhmc reproduce --fast --out paper_reproduction   # the paper's chain counts, fast sampler settings

With --fast, the sampler cells use float32, gradient adaptation and 256 warmup (the warmup study's
fast settings); cells already saved with the paper's settings are kept. Several processes started
on one --out share the cells: each skips the cells another one is running.
"""

from __future__ import annotations

import argparse
import fnmatch
import sys
import time

from ..sampling.checkpoint import CheckpointMismatch
from .cell_runner import run_cell
from .claims import claim, release
from .paper_values import PAPER_TABLE_DATASETS
from .settings import ARCHS, DEFAULT_MAX_CHAINS_F2, METHODS, cells_for
from .store import CellStore, SettingsChanged
from .table import write_tables

DEFAULT_OUT = "paper_reproduction"
EXIT_INTERRUPTED = 130
EXIT_USAGE = 2


def _count(minimum: int):
    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"expected an integer, got {text!r}") from None
        if value < minimum:
            raise argparse.ArgumentTypeError(f"must be >= {minimum}, got {value}")
        return value

    return parse


def configure(p: argparse.ArgumentParser) -> argparse.ArgumentParser:
    """Add the ``reproduce`` flags to ``p`` and make :func:`run` its handler (``args.func``)."""
    preset = p.add_mutually_exclusive_group()
    preset.add_argument(
        "--quick", action="store_true", help="small runs (a few minutes): by default izmailov and sinusoidal, f1 only"
    )
    preset.add_argument(
        "--fast",
        action="store_true",
        help="the paper's chain counts with the fast sampler settings (float32, gradient "
        "adaptation, 256 warmup); cells saved with the paper's settings are kept",
    )
    p.add_argument(
        "--datasets",
        nargs="+",
        choices=PAPER_TABLE_DATASETS,
        metavar="NAME",
        help=f"data sets (default: all nine): {', '.join(PAPER_TABLE_DATASETS)}",
    )
    p.add_argument("--arch", nargs="+", choices=tuple(ARCHS), help="networks (default: f1 f2; --quick: f1)")
    p.add_argument(
        "--methods", nargs="+", choices=METHODS, metavar="METHOD", help=f"methods (default: all): {', '.join(METHODS)}"
    )
    p.add_argument(
        "--cells",
        nargs="+",
        metavar="PATTERN",
        default=None,
        help="only the cells whose name ARCH_DATASET_METHOD[_VARIANT] matches one of these shell "
        "patterns, e.g. 'f1_*_exact_quantile' 'f1_*_la'",
    )
    p.add_argument("--out", default=DEFAULT_OUT, help=f"folder of the cells and tables (default {DEFAULT_OUT})")
    p.add_argument("--threads", type=_count(1), default=None, help="threads (default: all cores)")
    p.add_argument("--seed", type=_count(0), default=0, help="seed of every cell (default 0)")
    p.add_argument(
        "--max-chains-f2",
        type=_count(1),
        default=DEFAULT_MAX_CHAINS_F2,
        help=f"cap on f2's many-chain and DEI-MCMC chains (default {DEFAULT_MAX_CHAINS_F2})",
    )
    p.add_argument(
        "--rerun-changed", action="store_true", help="re-run cells saved with other settings (default: refuse them)"
    )
    p.add_argument("--data-dir", default=None, help="folder of the data files (default: the package's)")
    p.add_argument("--progress", action="store_true", help="show the sampler's progress bar within a cell")
    p.set_defaults(func=run)
    return p


def add_parser(subparsers) -> argparse.ArgumentParser:
    """Add the ``reproduce`` subcommand to an ``argparse`` subparsers object.

    Parameters
    ----------
    subparsers : argparse._SubParsersAction
        From ``parser.add_subparsers()``.

    Returns
    -------
    argparse.ArgumentParser
        The subcommand's parser; ``args.func(args)`` runs it.

    Examples
    --------
    >>> import argparse
    >>> from symhmc.reproduce import add_parser
    >>> parser = argparse.ArgumentParser(prog="symhmc")
    >>> _ = add_parser(parser.add_subparsers(dest="command"))
    >>> parser.parse_args(["reproduce", "--quick"]).quick
    True
    """
    return configure(
        subparsers.add_parser(
            "reproduce",
            help="reproduce the paper's table",
            description=__doc__,
            formatter_class=argparse.RawDescriptionHelpFormatter,
        )
    )


def _print_cell(cell: dict, prefix: str) -> None:
    ours = "no result" if cell["lppd"] is None else f"LPPD {cell['lppd']:.3f} ({cell['se']:.3f})"
    paper = "" if cell["paper_lppd"] is None else f", paper {cell['paper_lppd']:.2f} ({cell['paper_se']:.2f})"
    mark = {True: " agrees", False: " OUTSIDE 2 SE", None: ""}[cell.get("agrees")]
    print(f"{prefix} {ours}{paper}{mark}, {cell['seconds']:.1f} s", flush=True)


def _saved(store: CellStore, spec, paper_spec=None):
    """The saved cell of ``spec``, or of ``paper_spec`` (the same cell with the paper's settings,
    which ``--fast`` accepts); None when neither is saved; SettingsChanged when a saved cell
    matches neither."""
    try:
        return store.finished(spec)
    except SettingsChanged:
        if paper_spec is None:
            raise
        return store.finished(paper_spec)


def _changed_cells(store: CellStore, specs, paper_specs: dict) -> list[str]:
    """Why each saved cell that was run with other settings differs (empty when none)."""
    changed = []
    for spec in specs:
        try:
            _saved(store, spec, paper_specs.get(spec.key))
        except SettingsChanged as exc:
            changed.append(str(exc))
    return changed


def _run_one(spec, store: CellStore, args, overwrite: bool) -> dict:
    """One cell; a checkpoint of other settings is replaced only with ``--rerun-changed``."""
    kwargs = dict(
        threads=args.threads, checkpoint=store.checkpoint_path(spec), progress=args.progress, data_dir=args.data_dir
    )
    try:
        return run_cell(spec, overwrite=overwrite, **kwargs)
    except CheckpointMismatch as exc:
        if not args.rerun_changed:
            raise SettingsChanged(f"{store.checkpoint_path(spec)} holds chains of other settings ({exc})") from None
        return run_cell(spec, overwrite=True, **kwargs)


def run(args: argparse.Namespace) -> int:
    """Run the reproduction the parsed flags describe.

    Parameters
    ----------
    args : argparse.Namespace
        Parsed by a parser made with :func:`add_parser` or :func:`build_parser`.

    Returns
    -------
    int
        0 when every cell finished, 1 when some cell failed (the others are saved), 2 when
        cells were saved with other settings (nothing is run unless ``--rerun-changed``), 130
        when interrupted (finished cells and chains are saved).

    Examples
    --------
    >>> import tempfile
    >>> from symhmc.reproduce import run
    >>> from symhmc.reproduce.command import build_parser
    >>> out = tempfile.mkdtemp()
    >>> args = build_parser().parse_args(["--quick", "--datasets", "izmailov", "--methods", "la",
    ...                                   "--threads", "1", "--out", out])
    >>> run(args)
    1 cells, saved in .../cells
    [1/1] f1 izmailov la: running {...}
    [1/1] f1 izmailov la: LPPD ... paper 0.53 (0.07) agrees, ... s
    done in ... s: .../paper_table.md, .../paper_table.json
    0
    """
    preset = "quick" if args.quick else "fast" if getattr(args, "fast", False) else "full"
    choice = dict(
        datasets=args.datasets, archs=args.arch, methods=args.methods, seed=args.seed, max_chains_f2=args.max_chains_f2
    )
    specs = cells_for(preset, **choice)
    paper_specs = {spec.key: spec for spec in cells_for("full", **choice)} if preset == "fast" else {}
    if getattr(args, "cells", None):
        specs = [spec for spec in specs if any(fnmatch.fnmatchcase(spec.key, pattern) for pattern in args.cells)]
        if not specs:
            print(f"symhmc reproduce: error: argument --cells: no cell matches {args.cells}", file=sys.stderr)
            return EXIT_USAGE
    store = CellStore(args.out)
    changed = _changed_cells(store, specs, paper_specs)
    if changed and not args.rerun_changed:
        print(
            "symhmc reproduce: error: cells in --out were run with other settings:\n  "
            + "\n  ".join(changed)
            + "\nuse another --out, delete those files, or pass --rerun-changed",
            file=sys.stderr,
        )
        return EXIT_USAGE
    start, status, elsewhere = time.perf_counter(), 0, []
    print(f"{len(specs)} cells, saved in {store.cells_dir}", flush=True)
    try:
        for i, spec in enumerate(specs, 1):
            prefix = f"[{i}/{len(specs)}] {spec.label}:"
            try:
                outcome = _attempt(spec, store, args, paper_specs.get(spec.key), prefix)
            except SettingsChanged as exc:
                print(
                    f"symhmc reproduce: error: {exc}; use another --out, delete the file or pass --rerun-changed",
                    file=sys.stderr,
                )
                status = EXIT_USAGE
                break
            if outcome == "failed":
                status = 1
            elif outcome == "elsewhere":
                elsewhere.append(spec.key)
    except KeyboardInterrupt:
        json_path, _ = write_tables(args.out, store.all_cells())
        print(
            f"\ninterrupted: finished cells are saved (table: {json_path}); the running cell's finished "
            "chains are in its checkpoint. Run the same command again to resume.",
            file=sys.stderr,
        )
        return EXIT_INTERRUPTED
    json_path, md_path = write_tables(args.out, store.all_cells())
    print(f"done in {time.perf_counter() - start:.0f} s: {md_path}, {json_path}", flush=True)
    if elsewhere:
        print(
            f"{len(elsewhere)} cells were running in another process ({', '.join(elsewhere)}); run the same "
            "command again when it has finished to complete the table",
            flush=True,
        )
    return status


def _attempt(spec, store: CellStore, args, paper_spec, prefix: str) -> str:
    """Run one cell unless it is saved or another process runs it: "saved", "elsewhere", "done" or
    "failed" (SettingsChanged when its checkpoint holds other settings)."""

    def saved():
        try:
            return _saved(store, spec, paper_spec)
        except SettingsChanged:  # only reached with --rerun-changed
            return None

    if saved() is not None:
        print(f"{prefix} saved, skipped", flush=True)
        return "saved"
    holder = claim(store.claim_path(spec))
    if holder is not None:
        print(f"{prefix} running in another process ({holder}), skipped", flush=True)
        return "elsewhere"
    try:
        if saved() is not None:  # finished by another process since the first look
            print(f"{prefix} saved, skipped", flush=True)
            return "saved"
        print(f"{prefix} running {spec.settings}", flush=True)
        try:
            cell = _run_one(spec, store, args, overwrite=False)
        except SettingsChanged:
            raise
        except Exception as exc:  # noqa: BLE001 - one failing cell should not lose the others
            print(f"{prefix} failed: {type(exc).__name__}: {exc}", file=sys.stderr, flush=True)
            return "failed"
        store.save(cell)
        write_tables(args.out, store.all_cells())
        _print_cell(cell, prefix)
        return "done"
    finally:
        release(store.claim_path(spec))


def build_parser() -> argparse.ArgumentParser:
    """The stand-alone parser of ``python -m symhmc.reproduce``."""
    return configure(
        argparse.ArgumentParser(
            prog="python -m symhmc.reproduce", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
        )
    )


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv`` and run the reproduction (``python -m symhmc.reproduce``).

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        The exit code, as :func:`run` returns it.

    Raises
    ------
    SystemExit
        With code 2 for bad usage, 0 for ``--help``.

    Examples
    --------
    >>> import os, tempfile
    >>> from symhmc.reproduce import main
    >>> out = tempfile.mkdtemp()
    >>> main(["--quick", "--datasets", "izmailov", "--methods", "la", "--threads", "1", "--out", out])
    1 cells, saved in ...
    0
    >>> sorted(os.listdir(out))
    ['cells', 'paper_table.json', 'paper_table.md']
    """
    args = build_parser().parse_args(argv)
    return args.func(args)
