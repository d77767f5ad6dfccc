"""``symhmc bound``: how many chains visit every mode (symhmc.bounds; the paper's Eq. 5)."""

from __future__ import annotations

from .. import bounds
from ._common import EXIT_OK, open_probability, positive_int, to_json

_EXPLAIN = {
    "markov": "the paper's bound, ceil(E[G] / (1 - p))",
    "exact": "the p-quantile of G: the fewest chains that suffice",
    "union": "Boole's inequality, sum_j (1 - pi_j)^g <= 1 - p",
}


def add_parser(sub) -> None:
    """The ``bound`` subcommand."""
    p = sub.add_parser(
        "bound",
        help="chains needed to visit every mode (Markov, exact, union)",
        description="Number of independent chains that visit each of K functionally different modes "
        "with probability at least P. Defaults are the paper's (K = 3, P = 0.99, "
        "HalfNormal mode probabilities): 1274 chains by its Markov bound, 54 by the "
        "exact quantile.",
    )
    p.add_argument(
        "--modes",
        type=positive_int,
        default=None,
        metavar="K",
        help=f"functionally different modes (default {bounds.DEFAULT_MODES}, or the number of --probs)",
    )
    p.add_argument(
        "--prob",
        type=open_probability,
        default=0.99,
        metavar="P",
        help="probability of visiting every mode (default 0.99)",
    )
    p.add_argument(
        "--probs",
        type=float,
        nargs="+",
        default=None,
        metavar="PI",
        help="probability of a chain landing in each mode (default: the paper's HalfNormal choice)",
    )
    p.add_argument("--json", action="store_true", help="print the counts as JSON")
    p.set_defaults(handler=bound_command, parser=p)


def _probabilities(args, parser):
    if args.probs is None:
        modes = bounds.DEFAULT_MODES if args.modes is None else args.modes
        return bounds.mode_probabilities(modes), "the paper's HalfNormal choice"
    if args.modes is not None and len(args.probs) != args.modes:
        parser.error(f"argument --probs: got {len(args.probs)} values for --modes {args.modes}")
    try:
        return bounds.check_probabilities(args.probs, name="--probs"), "given"
    except (TypeError, ValueError) as exc:
        parser.error(f"argument {exc}")


def bound_command(args, parser) -> int:
    """Print E[G] and the three chain counts; the exit code."""
    probs, origin = _probabilities(args, parser)
    counts = {method: bounds.chains_needed(probs=probs, p=args.prob, method=method) for method in bounds.METHODS}
    expected = bounds.expected_chains(probs)
    if args.json:
        print(
            to_json(
                {
                    "modes": len(probs),
                    "p": args.prob,
                    "probs": probs,
                    "probs_source": origin,
                    "expected_chains": expected,
                    "chains": counts,
                }
            )
        )
        return EXIT_OK
    shown = " ".join(f"{v:.4f}" for v in probs[:8]) + (" ..." if len(probs) > 8 else "")
    print(f"modes: {len(probs)}, probabilities ({origin}): {shown}")
    print(f"probability of visiting every mode: p = {args.prob:g}")
    print(f"expected chains until every mode is visited, E[G]: {expected:.2f}")
    print("chains needed:")
    for method, n in counts.items():
        print(f"  {method:7s} {n:>8d}   {_EXPLAIN[method]}")
    return EXIT_OK
