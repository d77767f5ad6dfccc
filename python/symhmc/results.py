"""The result of a sampling run: draws, per-draw sampler statistics and per-chain adaptation."""

from __future__ import annotations

from typing import Any

import numpy as np

#: Per-draw sampler statistics, under ArviZ's ``sample_stats`` names.
STAT_NAMES = ("lp", "acceptance_rate", "step_size", "tree_depth", "n_steps", "diverging", "energy")


class SampleResults:
    """Draws and diagnostics of a many-chain run (arrays shaped ``(chain, draw, ...)``).

    Attributes
    ----------
    draws : ndarray, shape (chain, draw, dim)
        The sampled unconstrained vectors (for an :class:`~symhmc.MLP`: network parameters,
        then ``log sigma`` when the noise scale is sampled).
    stats : dict of ndarray, each (chain, draw)
        ``lp``, ``acceptance_rate``, ``step_size``, ``tree_depth``, ``n_steps``, ``diverging``,
        ``energy`` (after warmup).
    step_size : ndarray, shape (chain,)
        Adapted step size of every chain.
    inv_mass : ndarray, shape (chain, dim)
        Adapted diagonal inverse mass matrix of every chain.
    n_grad_evals : ndarray, shape (chain,)
        Gradient evaluations of every chain, warmup and step-size searches included.
    wall_time : float
        Seconds spent in the sampler.
    settings : dict
        Every sampler setting, defaults included.
    seed : int
        The seed entropy; ``sample(..., seed=results.seed)`` reproduces the run.
    partial : bool
        True when the run was interrupted; only finished chains are kept (see ``chain_ids``).
    chain_ids : ndarray, shape (chain,)
        Index of each kept chain in the requested run.
    model, x, y
        The model and training data (``None`` when a raw target was sampled).
    """

    def __init__(self, *, draws: np.ndarray, stats: dict[str, np.ndarray], step_size: np.ndarray,
                 inv_mass: np.ndarray, n_grad_evals: np.ndarray, wall_time: float, settings: dict[str, Any],
                 seed: int, partial: bool = False, chain_ids: np.ndarray | None = None, model=None,
                 x: np.ndarray | None = None, y: np.ndarray | None = None):
        self.draws = draws
        self.stats = stats
        self.step_size = step_size
        self.inv_mass = inv_mass
        self.n_grad_evals = n_grad_evals
        self.wall_time = float(wall_time)
        self.settings = settings
        self.seed = seed
        self.partial = bool(partial)
        self.chain_ids = np.arange(draws.shape[0]) if chain_ids is None else np.asarray(chain_ids)
        self.model = model
        self.x = x
        self.y = y

    # ----- shapes -------------------------------------------------------------------------
    @property
    def n_chains(self) -> int:
        return int(self.draws.shape[0])

    @property
    def n_draws(self) -> int:
        """Draws per chain."""
        return int(self.draws.shape[1])

    @property
    def dim(self) -> int:
        return int(self.draws.shape[2])

    # ----- parameters ---------------------------------------------------------------------
    @property
    def theta(self) -> np.ndarray:
        """Network parameters, shape ``(chain, draw, n_params)`` (all coordinates without a model)."""
        if self.model is None:
            return self.draws
        return self.draws[..., : self.model.n_params]

    @property
    def sigma(self) -> np.ndarray | None:
        """Noise scale per draw, shape ``(chain, draw)``: ``exp`` of the last coordinate, or the
        model's fixed ``noise_std``; ``None`` without a model."""
        if self.model is None:
            return None
        if self.model.noise_std is None:
            return np.exp(self.draws[..., -1])
        return np.full(self.draws.shape[:2], float(self.model.noise_std))

    def flat_draws(self) -> np.ndarray:
        """All draws stacked chain after chain, shape ``(chain * draw, dim)``."""
        return self.draws.reshape(-1, self.dim)

    # ----- summaries ----------------------------------------------------------------------
    @property
    def divergences(self) -> int:
        """Divergent transitions after warmup, all chains."""
        return int(np.sum(self.stats["diverging"]))

    def sampler_summary(self) -> dict[str, float]:
        """A few numbers describing how the sampler did."""
        s = self.stats
        n = max(self.n_chains, 1)
        return {
            "chains": self.n_chains,
            "draws_per_chain": self.n_draws,
            "wall_time_s": self.wall_time,
            "time_per_chain_s": self.wall_time / n,
            "grad_evals_per_chain": float(np.mean(self.n_grad_evals)) if self.n_chains else float("nan"),
            "divergences": self.divergences,
            "mean_acceptance_rate": float(np.mean(s["acceptance_rate"])) if self.n_chains else float("nan"),
            "mean_tree_depth": float(np.mean(s["tree_depth"])) if self.n_chains else float("nan"),
            "max_tree_depth_hits": int(np.sum(s["tree_depth"] >= self.settings.get("max_tree_depth", np.inf))),
            "median_step_size": float(np.median(self.step_size)) if self.n_chains else float("nan"),
        }

    def __repr__(self) -> str:
        what = "target" if self.model is None else repr(self.model)
        flag = ", partial" if self.partial else ""
        return (f"SampleResults({self.n_chains} chains x {self.n_draws} draws of {self.dim} coordinates, "
                f"sampler={self.settings.get('sampler')!r}, {self.divergences} divergences, "
                f"{self.wall_time:.2f} s{flag}; {what})")
