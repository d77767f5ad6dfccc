"""Command line of symhmc.

    symhmc demo                                  f1 on the paper's sinusoidal data (128 chains, 256 warmup)
    symhmc run izmailov [--hidden 16 16 16] [--chains 1274|bound|auto] [--output DIR] [--json]
    symhmc run my.csv --target price             a CSV file (standardized, split 80/20)
    symhmc bound [--modes 3] [--prob 0.99] [--probs p1 p2 ...]
    symhmc plot DIR/results.npz                  the figures of a saved run
    symhmc reproduce [--quick] [--out DIR]       the paper's table, cell by cell, resumable
    symhmc COMMAND --help                        every flag of a command

Exit codes: 0 done, 1 failure while running, 2 bad usage, 130 interrupted (Ctrl-C; the chains
that finished are reported and saved).
"""

from __future__ import annotations

import argparse
import os
import sys

from .. import __version__
from ..reproduce import command as reproduce
from . import bound, plot, run
from ._common import EXIT_FAILURE, EXIT_INTERRUPTED, EXIT_OK, CommandError

__all__ = ["main", "build_parser"]


def build_parser() -> argparse.ArgumentParser:
    """The ``symhmc`` argument parser with its subcommands.

    Returns
    -------
    argparse.ArgumentParser
        Subcommands ``demo``, ``run``, ``bound``, ``plot`` and ``reproduce``; each parsed
        namespace has a ``handler`` that :func:`main` calls.

    Examples
    --------
    >>> from symhmc.cli import build_parser
    >>> args = build_parser().parse_args(["bound", "--modes", "3"])
    >>> args.command, args.modes
    ('bound', 3)
    """
    parser = argparse.ArgumentParser(
        prog="symhmc", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--version", action="version", version=f"symhmc {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    run.add_parsers(sub)
    bound.add_parser(sub)
    plot.add_parser(sub)
    repro = reproduce.add_parser(sub)
    repro.set_defaults(handler=lambda args, _parser: reproduce.run(args), parser=repro)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (argparse exits with 2 on bad usage).

    Parameters
    ----------
    argv : list of str, optional
        The arguments (default: ``sys.argv[1:]``).

    Returns
    -------
    int
        0 done, 1 a failure while running, 130 interrupted.

    Raises
    ------
    SystemExit
        With code 2 for bad usage (the message names the flag), 0 for ``--help`` and ``--version``.

    Examples
    --------
    >>> from symhmc.cli import main
    >>> main(["bound", "--modes", "3"])
    modes: 3, probabilities (the paper's HalfNormal choice): 0.5665 0.3505 0.0830
    probability of visiting every mode: p = 0.99
    ...
      markov      1274   the paper's bound, ceil(E[G] / (1 - p))
    ...
    0
    """
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.handler(args, args.parser)
    except KeyboardInterrupt:
        print("symhmc: interrupted", file=sys.stderr)
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        # The reader left (``symhmc ... | head -1``): what it wanted was written; end quietly.
        _silence_stdout()
        return EXIT_OK
    except (CommandError, ImportError, OSError, RuntimeError, ValueError, TypeError) as exc:
        print(f"symhmc: error: {exc}", file=sys.stderr)
        return EXIT_FAILURE


def _silence_stdout() -> None:
    """Points stdout at /dev/null so that the interpreter's flush at exit does not fail on the
    closed pipe again (Python's documented recipe for SIGPIPE, ``signal`` module notes)."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (AttributeError, OSError, ValueError):  # no real file descriptor (e.g. a captured stream)
        pass


if __name__ == "__main__":
    sys.exit(main())
