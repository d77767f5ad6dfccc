"""``symhmc plot RESULTS``: the figures of a saved run (``symhmc.plots``)."""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Callable

from ._common import EXIT_OK, CommandError, positive_float, progress_print, to_json

RESULTS_FILE = "results.npz"


def _figures(results) -> list[tuple[str, Callable[[Path, float], object]]]:
    """(file stem, function of path) for every figure that fits the run's model."""
    from .. import plots  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

    model = results.model
    out: list[tuple[str, Callable[[Path, float], object]]] = []
    if model.n_inputs == 1:
        out.append(("predictive_band", lambda p, dpi: plots.predictive_band(results, path=p, dpi=dpi)))
    elif model.n_inputs == 2:
        out.append(("predictive_contour", lambda p, dpi: plots.predictive_contour(results, path=p, dpi=dpi)))
    if results.n_chains >= 2:
        out.append(("kl_convergence", lambda p, dpi: plots.kl_convergence(results, path=p, dpi=dpi)))
    if model.hidden and model.n_params >= 2:
        out.append(("pairwise_marginals", lambda p, dpi: plots.pairwise_marginals(results, path=p, dpi=dpi)))
    if model.n_inputs == 1:
        out.append(("density_by_chains", lambda p, dpi: plots.density_by_chains(results, path=p, dpi=dpi)))
    if model.activation in ("tanh", "relu"):
        depths = sorted({1, 2, 3, max(1, len(model.hidden))})
        widths = range(1, max(16, *model.hidden, 1) + 1)
        out.append(
            (
                "equioutput_count",
                lambda p, dpi: plots.equioutput_count(widths, depths, activation=model.activation, path=p, dpi=dpi),
            )
        )
    return out


def write_figures(results, folder, *, fmt: str = "png", dpi: float = 100, quiet: bool = False) -> list[Path]:
    """Draw every figure that fits ``results`` into ``folder`` as ``NAME.fmt``; the paths written.

    A figure the run cannot give (e.g. too few draws to cluster) is skipped with a note on
    stderr; a missing matplotlib raises ImportError.
    """
    from ..plots import require_matplotlib  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

    require_matplotlib()  # fail once, up front, when the extra is missing
    folder = Path(folder)
    written = []
    for stem, draw in _figures(results):
        path = folder / f"{stem}.{fmt}"
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", UserWarning)  # e.g. find_modes' cap warnings
                draw(path, dpi)
        except (ValueError, TypeError) as exc:
            progress_print(f"symhmc: {stem} skipped: {exc}", quiet=quiet)
            continue
        written.append(path)
    return written


def add_parser(sub) -> None:
    """The ``plot`` subcommand."""
    p = sub.add_parser(
        "plot",
        help="the figures of a saved run",
        description="Draw the figures of a run saved by 'symhmc run --output DIR': predictive band "
        "(1 input) or contours (2 inputs), KL convergence curve, pairwise marginals before "
        "and after symmetry removal, predictive density after 1/16/256/1274 chains, and "
        "the number of equioutput transforms. Needs matplotlib (pip install "
        "\"symhmc[plot]\").",
    )
    p.add_argument("results", metavar="RESULTS", help=f"a results file, or a folder holding {RESULTS_FILE}")
    p.add_argument("--output", default=None, metavar="DIR", help="where the figures go (default: beside RESULTS)")
    p.add_argument("--format", choices=("png", "svg"), default="png", help="default png")
    p.add_argument("--dpi", type=positive_float, default=100, help="PNG resolution (default 100)")
    p.add_argument("--json", action="store_true", help="print the paths written as JSON")
    p.set_defaults(handler=plot_command, parser=p)


def plot_command(args, parser) -> int:
    """Load the run and write its figures; the exit code."""
    from ..results.io import load  # noqa: PLC0415 - loaded on first use: keeps import symhmc light

    source = Path(args.results)
    if source.is_dir():
        source = source / RESULTS_FILE
    if not source.is_file():
        parser.error(f"argument RESULTS: no results file {str(source)!r}")
    folder = Path(args.output) if args.output is not None else source.parent
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise CommandError(f"--output: cannot create {str(folder)!r}: {exc.strerror}") from None
    try:
        results = load(source)
    except ValueError as exc:
        raise CommandError(f"RESULTS: {exc}") from None
    if results.model is None or results.n_chains == 0:
        raise CommandError(f"RESULTS: {source} holds no chains of an MLP to draw")
    paths = write_figures(results, folder, fmt=args.format, dpi=args.dpi, quiet=args.json)
    if args.json:
        print(to_json({"figures": [str(p) for p in paths]}))
    else:
        for path in paths:
            print(f"wrote {path}")
    if not paths:
        raise CommandError("no figure could be drawn from this run")
    return EXIT_OK
