"""What the commands share: argparse value types, the sampler flags, exit codes, error messages."""

from __future__ import annotations

import argparse
import json
import math
import re
import sys

import numpy as np

from ..sampling.options import DEFAULT_DRAWS, DEFAULT_WARMUP, OPTION_SCOPES, SAMPLER_OPTIONS

#: Exit codes: 0 done, 1 a failure while running, 2 bad usage (argparse's own), 130 Ctrl-C.
EXIT_OK, EXIT_FAILURE, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130


class CommandError(Exception):
    """A failure to report as ``symhmc: error: ...`` with exit code 1 (no traceback)."""


# ----------------------------------------------------------------------------------------------
# value types: argparse turns their ArgumentTypeError into "argument --flag: message", exit 2
# ----------------------------------------------------------------------------------------------
def positive_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {value}")
    return value


def seed_int(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a non-negative integer, got {text!r}") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be >= 0, got {value}")
    return value


def positive_float(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive number, got {text!r}") from None
    if not (value > 0 and math.isfinite(value)):
        raise argparse.ArgumentTypeError(f"must be positive and finite, got {text}")
    return value


def open_probability(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a probability, got {text!r}") from None
    if not 0 < value < 1:
        raise argparse.ArgumentTypeError(f"must be strictly between 0 and 1, got {text}")
    return value


def chains_value(text: str):
    """``--chains``: a positive number of chains, ``bound`` or ``auto``."""
    if text in ("bound", "auto"):
        return text
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"expected a positive integer, 'bound' or 'auto', got {text!r}") from None
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1 (or 'bound' or 'auto'), got {value}")
    return value


def _bool(text: str) -> bool:
    if text.lower() in ("true", "1", "yes"):
        return True
    if text.lower() in ("false", "0", "no"):
        return False
    raise argparse.ArgumentTypeError(f"expected true or false, got {text!r}")


# ----------------------------------------------------------------------------------------------
# sampler flags
# ----------------------------------------------------------------------------------------------
def add_sampler_options(p: argparse.ArgumentParser) -> None:
    """One flag per sampler option of the core, its default shown (and used when the flag is absent)."""
    group = p.add_argument_group("sampler options (defaults from the core's SamplerSettings)")
    group.add_argument("--sampler", choices=tuple(SAMPLER_OPTIONS), default="nuts", help="default nuts")
    for name, scope in OPTION_SCOPES.items():
        if scope == "run":
            continue
        kind, default = SAMPLER_OPTIONS["hmc" if scope == "hmc" else "nuts"][name]
        only = f"{scope.upper()} only; " if scope in ("nuts", "hmc") else ""
        group.add_argument(
            f"--{name.replace('_', '-')}",
            dest=name,
            type=_bool if kind is bool else kind,
            default=None,
            metavar=kind.__name__.upper(),
            help=f"{only}default {default}",
        )


def sampler_options(args) -> dict:
    """The options given on the command line (the others keep the core's defaults)."""
    return {
        name: getattr(args, name)
        for name, scope in OPTION_SCOPES.items()
        if scope in ("common", args.sampler) and getattr(args, name, None) is not None
    }


def add_run_settings(p: argparse.ArgumentParser, chains: int, warmup: int = DEFAULT_WARMUP) -> None:
    """Chains, warmup, draws, seed, threads and the chain-count rules of ``run`` and ``demo``."""
    group = p.add_argument_group("chains and iterations")
    group.add_argument(
        "--chains",
        type=chains_value,
        default=chains,
        metavar="N|bound|auto",
        help=f"a number of independent chains, 'bound' (--modes/--prob/--bound-method) or 'auto' "
        f"(rounds until the predictive density settles) (default {chains})",
    )
    group.add_argument(
        "--warmup", type=positive_int, default=warmup, help=f"warmup iterations per chain (default {warmup})"
    )
    group.add_argument(
        "--draws", type=positive_int, default=DEFAULT_DRAWS, help=f"draws kept per chain (default {DEFAULT_DRAWS})"
    )
    group.add_argument("--seed", type=seed_int, default=0, help="random seed (default 0)")
    group.add_argument("--threads", type=positive_int, default=None, help="threads (default: all cores)")
    group.add_argument(
        "--single-chain",
        action="store_true",
        help="one chain giving as many draws as --chains would run chains (the paper's 'MCMC (s.c.)')",
    )
    group.add_argument("--no-progress", action="store_true", help="hide the progress bar")
    bound = p.add_argument_group("--chains bound (symhmc.bounds.chains_needed)")
    bound.add_argument("--modes", type=positive_int, default=None, help="functionally different modes (default 3)")
    bound.add_argument(
        "--prob", type=open_probability, default=None, help="probability of visiting every mode (default 0.99)"
    )
    bound.add_argument(
        "--bound-method",
        choices=("markov", "exact", "union"),
        default=None,
        help="markov: the paper's bound (default); exact: the quantile; union: Boole's bound",
    )
    auto = p.add_argument_group("--chains auto (rounds until the predictive density settles)")
    auto.add_argument("--round-size", type=positive_int, default=None, help="chains per round (default 64)")
    auto.add_argument("--tol", type=positive_float, default=None, help="KL tolerance in nats (default 1e-4)")
    auto.add_argument("--max-chains", type=positive_int, default=None, help="most chains run (default 1274)")
    add_sampler_options(p)


def chain_rule_args(args, parser: argparse.ArgumentParser) -> dict:
    """``bound=`` / ``auto=`` for :func:`symhmc.sample` from the flags, refusing flags of the other rule."""
    bound = {k: v for k, v in (("modes", args.modes), ("p", args.prob), ("method", args.bound_method)) if v is not None}
    auto = {
        k: v
        for k, v in (("round_size", args.round_size), ("tol", args.tol), ("max_chains", args.max_chains))
        if v is not None
    }
    if bound and args.chains != "bound":
        parser.error("--modes, --prob and --bound-method need --chains bound")
    if auto and args.chains != "auto":
        parser.error("--round-size, --tol and --max-chains need --chains auto")
    if args.single_chain and not isinstance(args.chains, int):
        parser.error("--single-chain needs a number for --chains (its draws)")
    out = {}
    if args.chains == "bound":
        out["bound"] = bound or None
    if args.chains == "auto":
        out["auto"] = auto or None
    return out


# ----------------------------------------------------------------------------------------------
# messages
# ----------------------------------------------------------------------------------------------
def flag_message(message: str, parser: argparse.ArgumentParser) -> str:
    """A library message with its keyword names replaced by the flags (``data_dir`` -> ``--data-dir``).

    Only a name followed by what validation messages put after it (``must``, ``=``, ``:``) is
    replaced, so that words of the sentence (e.g. "chains that finished") stay as they are.
    """
    flags = {}
    for action in parser._actions:  # argparse has no public list of a parser's flags
        long = [s for s in action.option_strings if s.startswith("--")]
        if long:
            flags[action.dest] = long[0]
    flags.update({"p": "--prob", "method": "--bound-method"})
    names = "|".join(sorted((re.escape(k) for k in flags), key=len, reverse=True))
    return re.sub(rf"(?<![\w-])({names})\b(?=\s*(?:must|=|:|\(|is only|needs))", lambda m: flags[m.group(1)], message)


def progress_print(*parts, quiet: bool = False) -> None:
    """Progress notes go to stderr so that ``--json`` output on stdout stays machine-readable."""
    if not quiet:
        print(*parts, file=sys.stderr)


def _plain(value):
    """``value`` with NumPy scalars and arrays as Python numbers and lists, NaN and inf as None
    (strict JSON has neither)."""
    if isinstance(value, dict):
        return {str(k): _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_plain(v) for v in value]
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if value is None or isinstance(value, (bool, int, float, str)):
        return value
    return str(value)


def to_json(doc) -> str:
    """Strict JSON text of ``doc`` (see :func:`_plain`)."""
    return json.dumps(_plain(doc), indent=2, allow_nan=False)
