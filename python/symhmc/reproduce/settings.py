"""What each cell of the table runs: the presets (``full``: the paper's settings; ``fast``: the
paper's chain counts with the documented fast sampler settings; ``quick``: a few minutes on a
laptop) and the list of cells for a choice of data sets, networks and methods."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from .paper_values import PAPER_TABLE_DATASETS

#: The table's methods, in column order.
METHODS = ("mcmc", "mcmc_single_chain", "de", "la", "mola", "dei_mcmc")
METHOD_TITLES = {
    "mcmc": "MCMC",
    "mcmc_single_chain": "MCMC (s.c.)",
    "de": "DE",
    "la": "LA",
    "mola": "mixture-LA",
    "dei_mcmc": "DEI-MCMC",
}
ARCHS = {"f1": (3,), "f2": (16, 16, 16)}

#: The paper's sampler: 1274 chains (Markov bound, 3 modes, p = 0.99), 1024 warmup, 1 draw each.
PAPER_CHAINS = 1274
#: The exact 0.99-quantile of the chains needed for 3 modes (docs/paper.md section 4).
EXACT_QUANTILE_CHAINS = 54
EXACT_QUANTILE = "exact_quantile"

# Per preset and network. ``chains``/``warmup``: the many-chain run; ``single_chain_draws``: the
# single chain's draws (the paper: as many as the many-chain run has chains); ``dei_*``: chains
# started from the deep-ensemble members; ``exact_quantile``: add the 54-chain f1 cell.
PRESETS: dict[str, dict[str, dict[str, Any]]] = {
    "full": {
        "f1": dict(
            chains=PAPER_CHAINS,
            warmup=1024,
            adaptation="stan",
            single_chain_draws=PAPER_CHAINS,
            dei_chains=PAPER_CHAINS,
            dei_warmup=128,
            exact_quantile=True,
        ),
        # f2 chains run to the maximum tree depth (about a minute each here): the fast
        # adaptation, and the chain count capped by max_chains_f2.
        "f2": dict(
            chains=PAPER_CHAINS,
            warmup=1024,
            adaptation="gradient",
            single_chain_draws=PAPER_CHAINS,
            dei_chains=PAPER_CHAINS,
            dei_warmup=128,
            exact_quantile=False,
        ),
    },
    # The paper's chain counts with the fast settings of the warmup study
    # (bench/results/warmup_study.json): float32 likelihood, gradient adaptation, 256 warmup.
    # Deep ensembles and Laplace cells are the same as in "full".
    "fast": {
        "f1": dict(
            chains=PAPER_CHAINS,
            warmup=256,
            adaptation="gradient",
            dtype="float32",
            single_chain_draws=PAPER_CHAINS,
            dei_chains=PAPER_CHAINS,
            dei_warmup=128,
            exact_quantile=True,
        ),
        "f2": dict(
            chains=PAPER_CHAINS,
            warmup=256,
            adaptation="gradient",
            dtype="float32",
            single_chain_draws=PAPER_CHAINS,
            dei_chains=PAPER_CHAINS,
            dei_warmup=128,
            exact_quantile=False,
        ),
    },
    "quick": {
        "f1": dict(
            chains=32,
            warmup=200,
            adaptation="stan",
            single_chain_draws=32,
            dei_chains=32,
            dei_warmup=64,
            exact_quantile=True,
        ),
        "f2": dict(
            chains=4,
            warmup=100,
            adaptation="gradient",
            single_chain_draws=4,
            dei_chains=4,
            dei_warmup=32,
            exact_quantile=False,
        ),
    },
}
QUICK_DATASETS = ("izmailov", "sinusoidal")
QUICK_ARCHS = ("f1",)
# f2 chains run to the maximum tree depth: 16 Stan-adapted chains took 2620 s on izmailov here
# (bench/results/baselines_f2_izmailov.json), so the paper's 1274 would take days.
DEFAULT_MAX_CHAINS_F2 = 16
ENSEMBLE = dict(members=10, preset="paper-code")
LAPLACE = dict(hessian="ggn", prior="model", n_samples=1000)


def cell_key(arch: str, dataset: str, method: str, variant: str | None = None) -> str:
    """The name of a cell's files: ``ARCH_DATASET_METHOD[_VARIANT]``."""
    return "_".join([arch, dataset, method] + ([variant] if variant else []))


@dataclass(frozen=True)
class CellSpec:
    """One cell: a method on a data set with a network, and everything that fixes its result.

    Parameters
    ----------
    dataset : str
        A data set of the paper's table (:data:`PAPER_TABLE_DATASETS`).
    arch : str
        The network, ``"f1"`` or ``"f2"``.
    method : str
        One of :data:`METHODS`.
    settings : dict
        What fixes the result (chains, warmup, seed, ...); the store compares it to decide
        whether a saved cell can be reused.
    variant : str or None, default None
        Tells apart two cells of one method (``"exact_quantile"``: the 54-chain cell).
    note : str, default ""
        How the settings differ from the paper's.

    Examples
    --------
    >>> from symhmc.reproduce import CellSpec
    >>> spec = CellSpec("izmailov", "f1", "mcmc", settings=dict(chains=4, warmup=50, draws=1, seed=0))
    >>> spec.key, spec.label
    ('f1_izmailov_mcmc', 'f1 izmailov mcmc')
    """

    dataset: str
    arch: str
    method: str
    settings: dict = field(hash=False)
    variant: str | None = None
    note: str = ""

    @property
    def key(self) -> str:
        """File-name stem, unique per cell: ``f1_izmailov_mcmc`` or ``f1_izmailov_mcmc_exact_quantile``."""
        return cell_key(self.arch, self.dataset, self.method, self.variant)

    @property
    def label(self) -> str:
        """Human-readable name of the cell for progress messages: ``f1 izmailov mcmc (exact_quantile)``."""
        return f"{self.arch} {self.dataset} {self.method}" + (f" ({self.variant})" if self.variant else "")


def _sampler_settings(p: dict, **settings) -> dict:
    """A sampler cell's settings; ``dtype`` only when it is not float64, so that cells saved
    before float32 existed still match."""
    dtype = p.get("dtype", "float64")
    return dict(settings, adaptation=p["adaptation"], **({"dtype": dtype} if dtype != "float64" else {}))


def _mcmc_settings(p: dict, chains: int, seed: int) -> dict:
    return _sampler_settings(p, chains=chains, warmup=p["warmup"], draws=1, seed=seed)


def _sampler_note(p: dict, preset: str, warmup: bool = True) -> list[str]:
    """How a preset's sampler differs from the paper's."""
    if preset == "quick":
        notes = ["quick settings, not the paper's"]
    elif warmup and p["warmup"] != 1024:
        notes = [f"warmup {p['warmup']} (the paper: 1024)"]
    else:
        notes = []
    if p.get("dtype", "float64") != "float64":
        notes.append(f"{p['dtype']} likelihood (the paper: float64)")
    if p["adaptation"] != "stan":
        notes.append(f"{p['adaptation']} mass-matrix adaptation (the paper: windowed, Stan's)")
    return notes


def cells_for(
    preset: str = "full",
    *,
    datasets=None,
    archs=None,
    methods=None,
    seed: int = 0,
    max_chains_f2: int = DEFAULT_MAX_CHAINS_F2,
) -> list[CellSpec]:
    """The cells of a reproduction, cheap methods first so the table fills early.

    Parameters
    ----------
    preset : {"full", "fast", "quick"}, default "full"
        The paper's settings; the paper's chain counts with the fast sampler settings (float32,
        gradient adaptation, 256 warmup); or small runs of a few minutes.
    datasets, archs, methods : sequence of str, optional
        Defaults: all nine data sets, f1 and f2, all methods (``quick``: izmailov and sinusoidal, f1).
    seed : int, default 0
        Seed of every cell (so the 54-chain cell's chains are the first 54 of the 1274-chain cell).
    max_chains_f2 : int, default 16
        Cap on the chains of f2's many-chain and DEI-MCMC cells.

    Returns
    -------
    list of CellSpec
        The cells in the order they are run.

    Raises
    ------
    ValueError
        Naming the argument with an unknown value.

    Examples
    --------
    >>> from symhmc.reproduce import cells_for
    >>> [c.key for c in cells_for("quick", datasets=["izmailov"], methods=["mcmc"])]
    ['f1_izmailov_mcmc_exact_quantile', 'f1_izmailov_mcmc']
    """
    if preset not in PRESETS:
        raise ValueError(f"preset must be one of {tuple(PRESETS)}, got {preset!r}")
    datasets = tuple(datasets or (QUICK_DATASETS if preset == "quick" else PAPER_TABLE_DATASETS))
    archs = tuple(archs or (QUICK_ARCHS if preset == "quick" else tuple(ARCHS)))
    methods = tuple(methods or METHODS)
    for name, values, allowed in (
        ("datasets", datasets, PAPER_TABLE_DATASETS),
        ("archs", archs, tuple(ARCHS)),
        ("methods", methods, METHODS),
    ):
        unknown = [v for v in values if v not in allowed]
        if unknown:
            raise ValueError(f"{name}: unknown {unknown}; choose from {allowed}")
    if not isinstance(seed, int) or seed < 0:
        raise ValueError(f"seed must be an int >= 0, got {seed!r}")
    if not isinstance(max_chains_f2, int) or max_chains_f2 < 1:
        raise ValueError(f"max_chains_f2 must be an int >= 1, got {max_chains_f2!r}")
    order = ("de", "la", "mola", "mcmc", "dei_mcmc", "mcmc_single_chain")  # cheapest first
    cells: list[CellSpec] = []
    for arch in archs:
        p = PRESETS[preset][arch]
        chains, dei_chains = p["chains"], p["dei_chains"]
        sampler_notes = _sampler_note(p, preset)
        cap_notes = []
        if arch == "f2" and chains > max_chains_f2:
            chains, dei_chains = max_chains_f2, min(dei_chains, max_chains_f2)
            cap_notes = [
                f"{chains} of the paper's {PAPER_CHAINS} chains (max_chains_f2: f2 chains run "
                "to the maximum tree depth)"
            ]
        note = "; ".join(cap_notes + sampler_notes)
        # DEI-MCMC is not the paper's method: its short warmup is its design, not a deviation.
        dei_note = "; ".join(cap_notes + _sampler_note(p, preset, warmup=False))
        for method in (m for m in order if m in methods):
            for data in datasets:
                cell = dict(dataset=data, arch=arch, method=method)
                if method == "mcmc":
                    if p["exact_quantile"]:
                        cells.append(
                            CellSpec(
                                **cell,
                                settings=_mcmc_settings(p, EXACT_QUANTILE_CHAINS, seed),
                                variant=EXACT_QUANTILE,
                                note="; ".join(
                                    ["the exact 0.99-quantile chain count (3 modes), not the Markov bound"]
                                    + sampler_notes
                                ),
                            )
                        )
                    cells.append(CellSpec(**cell, settings=_mcmc_settings(p, chains, seed), note=note))
                elif method == "mcmc_single_chain":
                    settings = _sampler_settings(
                        p, chains=1, warmup=p["warmup"], draws=p["single_chain_draws"], seed=seed
                    )
                    cells.append(CellSpec(**cell, settings=settings, note="; ".join(sampler_notes)))
                elif method == "de":
                    cells.append(CellSpec(**cell, settings=dict(ENSEMBLE, seed=seed)))
                elif method == "la":
                    cells.append(CellSpec(**cell, settings=dict(LAPLACE, seed=seed)))
                elif method == "mola":
                    cells.append(CellSpec(**cell, settings=dict(LAPLACE, ensemble=ENSEMBLE, seed=seed)))
                else:  # dei_mcmc
                    settings = _sampler_settings(
                        p, chains=dei_chains, warmup=p["dei_warmup"], draws=1, ensemble=ENSEMBLE, seed=seed
                    )
                    cells.append(CellSpec(**cell, settings=settings, note=dei_note))
    return cells
